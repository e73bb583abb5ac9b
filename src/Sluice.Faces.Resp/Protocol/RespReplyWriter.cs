using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Sluice.Faces.Resp.Protocol;

/// <summary>
/// Writes replies in RESP2 or RESP3 (chosen by <c>HELLO</c>) to an <see cref="IBufferWriter{T}"/>, as the Redis
/// protocol specification describes them. Where RESP3 has a type RESP2 lacks, the RESP2 form is Redis's own fallback:
/// a map is a flat array of key-value pairs, a set an array, a double and a verbatim string a bulk string, a null a
/// null bulk string (or a null array where Redis replies one).
/// </summary>
internal sealed class RespReplyWriter
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    public RespReplyWriter(IBufferWriter<byte> output) => Output = output;

    /// <summary>Where replies go; the connection handler flushes it after each batch of pipelined commands.</summary>
    public IBufferWriter<byte> Output { get; set; }

    /// <summary>The protocol version: 2 (default) or 3.</summary>
    public int Protocol { get; set; } = 2;

    /// <summary><c>+text</c>: a simple string (no CR or LF inside).</summary>
    public void SimpleString(string text)
    {
        WriteByte((byte)'+');
        WriteAscii(text);
        Write(Crlf);
    }

    /// <summary><c>+OK</c>.</summary>
    public void Ok() => Write("+OK\r\n"u8);

    /// <summary><c>-text</c>: an error; the text starts with its code (<c>ERR</c>, <c>NOAUTH</c>, ...).</summary>
    public void Error(string text)
    {
        WriteByte((byte)'-');
        // An error is one line: CR and LF become spaces, as Redis's addReplyError does.
        WriteAscii(text.Contains('\r', StringComparison.Ordinal) || text.Contains('\n', StringComparison.Ordinal)
            ? text.Replace('\r', ' ').Replace('\n', ' ') : text);
        Write(Crlf);
    }

    /// <summary><c>:n</c>.</summary>
    public void Integer(long value) => Header((byte)':', value);

    /// <summary><c>$len</c> and the bytes.</summary>
    public void Bulk(ReadOnlySpan<byte> value)
    {
        Header((byte)'$', value.Length);
        Write(value);
        Write(Crlf);
    }

    /// <summary>A bulk string of <paramref name="value"/> in UTF-8.</summary>
    public void Bulk(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Header((byte)'$', length);
        var span = Output.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        Output.Advance(length);
        Write(Crlf);
    }

    /// <summary>A bulk string of a number's decimal text.</summary>
    public void BulkNumber(long value)
    {
        Span<byte> text = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, text, out var used);
        Bulk(text[..used]);
    }

    /// <summary>The null of a missing value: <c>$-1</c> in RESP2, <c>_</c> in RESP3.</summary>
    public void Null() => Write(Protocol == 3 ? "_\r\n"u8 : "$-1\r\n"u8);

    /// <summary>The null of a missing array (a timed-out blocking read, an aborted EXEC): <c>*-1</c> in RESP2, <c>_</c> in RESP3.</summary>
    public void NullArray() => Write(Protocol == 3 ? "_\r\n"u8 : "*-1\r\n"u8);

    /// <summary><c>*n</c>: an array of <paramref name="count"/> replies follows.</summary>
    public void Array(int count) => Header((byte)'*', count);

    /// <summary><c>%n</c> in RESP3, <c>*2n</c> in RESP2: <paramref name="count"/> key-value pairs follow.</summary>
    public void Map(int count)
    {
        if (Protocol == 3)
            Header((byte)'%', count);
        else
            Header((byte)'*', 2L * count);
    }

    /// <summary><c>~n</c> in RESP3, <c>*n</c> in RESP2.</summary>
    public void Set(int count) => Header(Protocol == 3 ? (byte)'~' : (byte)'*', count);

    /// <summary><c>,d</c> in RESP3, a bulk string in RESP2 (Redis's <c>addReplyDouble</c>, shortest round-trip text).</summary>
    public void Double(double value)
    {
        var text = double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf" :
            value.ToString("R", CultureInfo.InvariantCulture);
        if (Protocol == 3)
        {
            WriteByte((byte)',');
            WriteAscii(text);
            Write(Crlf);
        }
        else
        {
            Bulk(text);
        }
    }

    /// <summary><c>=len\r\ntxt:text</c> in RESP3 (a verbatim string, as INFO replies), a bulk string in RESP2.</summary>
    public void Verbatim(string text)
    {
        if (Protocol != 3)
        {
            Bulk(text);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(text);
        Header((byte)'=', length + 4);
        Write("txt:"u8);
        var span = Output.GetSpan(length);
        Encoding.UTF8.GetBytes(text, span);
        Output.Advance(length);
        Write(Crlf);
    }

    /// <summary>Bytes written as they are (a reply prepared elsewhere).</summary>
    public void Raw(ReadOnlySpan<byte> bytes) => Write(bytes);

    private void Header(byte type, long value)
    {
        var span = Output.GetSpan(24);
        span[0] = type;
        Utf8Formatter.TryFormat(value, span[1..], out var used);
        span[1 + used] = (byte)'\r';
        span[2 + used] = (byte)'\n';
        Output.Advance(used + 3);
    }

    private void WriteByte(byte value)
    {
        Output.GetSpan(1)[0] = value;
        Output.Advance(1);
    }

    private void WriteAscii(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var span = Output.GetSpan(length);
        Encoding.UTF8.GetBytes(text, span);
        Output.Advance(length);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return;
        Output.Write(bytes);
    }
}
