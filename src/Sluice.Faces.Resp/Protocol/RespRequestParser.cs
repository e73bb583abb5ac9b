using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Sluice.Faces.Resp.Protocol;

/// <summary>What <see cref="RespRequestParser.TryParse"/> found.</summary>
internal enum ParseStatus
{
    /// <summary>No complete command yet: every byte seen so far was consumed or is kept for the next read.</summary>
    Incomplete,

    /// <summary>A complete command was parsed.</summary>
    Command,

    /// <summary>The input breaks the protocol or a limit; reply the error and close the connection (as Redis does).</summary>
    ProtocolError,
}

/// <summary>
/// Incremental parser of client requests, one per connection: arrays of bulk strings (<c>*N\r\n$len\r\n...</c>) and
/// inline commands (a line of space-separated words with Redis's quoting, as telnet sends). Bulk data is copied out of
/// the input as it arrives, so the input pipe never has to hold a whole argument; the copy grows with the data received,
/// never to the announced length up front, and every length is checked against the limits before anything is kept.
/// Error texts are Redis's (<c>networking.c</c>).
/// </summary>
internal sealed class RespRequestParser
{
    /// <summary>Redis's limits for a client that has not authenticated yet.</summary>
    private const int UnauthenticatedMaxArguments = 10;
    private const int UnauthenticatedMaxBulk = 16 * 1024;
    private const int InitialBulkCapacity = 16 * 1024;

    private readonly RespOptions _limits;
    private readonly List<byte[]> _args = [];
    private long _argsExpected;   // 0 while between commands
    private int _bulkLength = -1; // -1 while a bulk header is expected
    private byte[]? _bulk;
    private int _bulkFilled;
    private long _requestBytes;

    public RespRequestParser(RespOptions limits) => _limits = limits;

    /// <summary>Whether the client has authenticated (or no password is needed); before that Redis's smaller limits apply.</summary>
    public bool Authenticated { get; set; } = true;

    /// <summary>
    /// Parses at most one command from <paramref name="reader"/>, advancing it past every byte used. On
    /// <see cref="ParseStatus.Command"/> <paramref name="args"/> holds the command's arguments (name first); on
    /// <see cref="ParseStatus.ProtocolError"/> <paramref name="error"/> holds the reply text without the leading '-'.
    /// </summary>
    public ParseStatus TryParse(ref SequenceReader<byte> reader, out byte[][]? args, out string? error)
    {
        args = null;
        error = null;
        while (true)
        {
            if (_argsExpected == 0)
            {
                if (!reader.TryPeek(out var first))
                    return ParseStatus.Incomplete;
                if (first != (byte)'*')
                    return ParseInline(ref reader, out args, out error);
                var header = ReadLine(ref reader, "too big mbulk count string", out error);
                if (error is not null)
                    return ParseStatus.ProtocolError;
                if (header is null)
                    return ParseStatus.Incomplete;
                if (!TryParseLong(header.Value.Slice(1), out var count) || count > _limits.MaxArguments)
                    return Fail("invalid multibulk length", out error);
                if (!Authenticated && count > UnauthenticatedMaxArguments)
                    return Fail("unauthenticated multibulk length", out error);
                if (count <= 0)
                    continue; // Redis ignores empty and null arrays.
                _argsExpected = count;
                _requestBytes = 0;
            }

            if (_bulkLength < 0)
            {
                if (!reader.TryPeek(out var dollar))
                    return ParseStatus.Incomplete;
                if (dollar != (byte)'$')
                {
                    Reset();
                    return Fail(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"expected '$', got '{(char)dollar}'"), out error);
                }
                var header = ReadLine(ref reader, "too big bulk count string", out error);
                if (error is not null)
                    return ParseStatus.ProtocolError;
                if (header is null)
                    return ParseStatus.Incomplete;
                if (!TryParseLong(header.Value.Slice(1), out var length) || length < 0 || length > _limits.MaxBulkLength ||
                    _requestBytes + length > _limits.MaxRequestBytes)
                {
                    Reset();
                    return Fail("invalid bulk length", out error);
                }
                if (!Authenticated && length > UnauthenticatedMaxBulk)
                {
                    Reset();
                    return Fail("unauthenticated bulk length", out error);
                }
                _bulkLength = (int)length;
                _requestBytes += length;
                _bulk = length == 0 ? [] : new byte[Math.Min(_bulkLength, InitialBulkCapacity)];
                _bulkFilled = 0;
            }

            // Copy what has arrived of the bulk data, growing the copy with it.
            while (_bulkFilled < _bulkLength && !reader.End)
            {
                var span = reader.UnreadSpan;
                var take = Math.Min(span.Length, _bulkLength - _bulkFilled);
                if (_bulkFilled + take > _bulk!.Length)
                    Array.Resize(ref _bulk, (int)Math.Min(_bulkLength, Math.Max((long)_bulk.Length * 2, _bulkFilled + take)));
                span[..take].CopyTo(_bulk.AsSpan(_bulkFilled));
                _bulkFilled += take;
                reader.Advance(take);
            }
            if (_bulkFilled < _bulkLength || reader.Remaining < 2)
                return ParseStatus.Incomplete;
            reader.Advance(2); // the CRLF after the data (Redis skips it without looking, as here)
            _args.Add(_bulk!);
            _bulk = null;
            _bulkLength = -1;
            if (--_argsExpected == 0)
            {
                args = [.. _args];
                _args.Clear();
                return ParseStatus.Command;
            }
        }
    }

    private ParseStatus ParseInline(ref SequenceReader<byte> reader, out byte[][]? args, out string? error)
    {
        args = null;
        var line = ReadLine(ref reader, "too big inline request", out error);
        if (error is not null)
            return ParseStatus.ProtocolError;
        if (line is null)
            return ParseStatus.Incomplete;
        var words = RespInline.Split(line.Value.IsSingleSegment ? line.Value.FirstSpan : line.Value.ToArray());
        if (words is null)
            return Fail("unbalanced quotes in request", out error);
        if (words.Count == 0)
            return TryParse(ref reader, out args, out error); // an empty line is skipped, as Redis does
        if (words.Count > _limits.MaxArguments)
            return Fail("invalid multibulk length", out error);
        args = [.. words];
        return ParseStatus.Command;
    }

    /// <summary>
    /// Reads a line ended by '\n' (an '\r' before it is dropped) and advances past it; <see langword="null"/> when no
    /// line end has arrived yet, and then <paramref name="error"/> is set once the unended line passes the inline limit.
    /// </summary>
    private ReadOnlySequence<byte>? ReadLine(ref SequenceReader<byte> reader, string tooBig, out string? error)
    {
        error = null;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (reader.Remaining > _limits.MaxInlineLength)
            {
                Reset();
                Fail(tooBig, out error);
            }
            return null;
        }
        if (line.Length > _limits.MaxInlineLength)
        {
            Reset();
            Fail(tooBig, out error);
            return null;
        }
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
            line = line.Slice(0, line.Length - 1);
        return line;
    }

    private static bool TryParseLong(ReadOnlySequence<byte> text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 20)
            return false;
        Span<byte> buffer = stackalloc byte[20];
        text.CopyTo(buffer);
        buffer = buffer[..(int)text.Length];
        return Utf8Parser.TryParse(buffer, out value, out var used) && used == buffer.Length &&
            (buffer[0] != (byte)'+'); // Redis's string2ll refuses a leading '+'
    }

    private void Reset()
    {
        _args.Clear();
        _argsExpected = 0;
        _bulkLength = -1;
        _bulk = null;
        _bulkFilled = 0;
        _requestBytes = 0;
    }

    private static ParseStatus Fail(string what, out string error)
    {
        error = "ERR Protocol error: " + what;
        return ParseStatus.ProtocolError;
    }

    /// <summary>The command's name (first argument) in lower case, for lookups and error texts.</summary>
    public static string NameOf(byte[] first) => Encoding.UTF8.GetString(first).ToLowerInvariant();
}
