using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Sluice;

/// <summary>
/// A stream entry id, <c>&lt;ms&gt;-&lt;seq&gt;</c>, as in the Redis streams introduction: a millisecond Unix time and a
/// sequence number within that millisecond, both unsigned 64-bit. Ids order by <see cref="Milliseconds"/>, then by
/// <see cref="Sequence"/>; a stream's ids strictly increase. <see cref="MinValue"/> (<c>0-0</c>) is never an entry's id.
/// </summary>
/// <param name="Milliseconds">The millisecond part (a Unix time in milliseconds for generated ids).</param>
/// <param name="Sequence">The sequence part.</param>
public readonly record struct StreamEntryId(ulong Milliseconds, ulong Sequence) : IComparable<StreamEntryId>, ISpanFormattable
{
    /// <summary>The smallest id, <c>0-0</c> (Redis's <c>-</c>).</summary>
    public static StreamEntryId MinValue => default;

    /// <summary>The largest id, <c>18446744073709551615-18446744073709551615</c> (Redis's <c>+</c>).</summary>
    public static StreamEntryId MaxValue => new(ulong.MaxValue, ulong.MaxValue);

    /// <summary>Whether this is <c>0-0</c>.</summary>
    public bool IsZero => Milliseconds == 0 && Sequence == 0;

    /// <summary>
    /// Parses <c>&lt;ms&gt;-&lt;seq&gt;</c> or <c>&lt;ms&gt;</c> (decimal, unsigned 64-bit each). A missing sequence is
    /// <paramref name="missingSequence"/> (Redis: 0 for a range start, the maximum for a range end).
    /// </summary>
    /// <param name="text">The id text, ASCII digits.</param>
    /// <param name="missingSequence">The sequence to use when the text has no <c>-</c>.</param>
    /// <param name="id">The id, when the text is valid.</param>
    /// <returns>Whether the text is a valid id.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, ulong missingSequence, out StreamEntryId id)
    {
        id = default;
        var dash = text.IndexOf('-');
        var msText = dash < 0 ? text : text[..dash];
        if (!TryDigits(msText, out var ms))
        {
            return false;
        }

        var seq = missingSequence;
        if (dash >= 0 && !TryDigits(text[(dash + 1)..], out seq))
        {
            return false;
        }

        id = new StreamEntryId(ms, seq);
        return true;
    }

    /// <summary>Parses UTF-8 <c>&lt;ms&gt;-&lt;seq&gt;</c> or <c>&lt;ms&gt;</c> (see <see cref="TryParse(ReadOnlySpan{char}, ulong, out StreamEntryId)"/>).</summary>
    /// <param name="utf8">The id text as UTF-8 (ASCII digits and one dash).</param>
    /// <param name="missingSequence">The sequence to use when the text has no <c>-</c>.</param>
    /// <param name="id">The id, when the text is valid.</param>
    /// <returns>Whether the text is a valid id.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8, ulong missingSequence, out StreamEntryId id)
    {
        id = default;
        var dash = utf8.IndexOf((byte)'-');
        var msText = dash < 0 ? utf8 : utf8[..dash];
        if (!TryDigits(msText, out var ms))
        {
            return false;
        }

        var seq = missingSequence;
        if (dash >= 0 && !TryDigits(utf8[(dash + 1)..], out seq))
        {
            return false;
        }

        id = new StreamEntryId(ms, seq);
        return true;
    }

    /// <summary>Parses <c>&lt;ms&gt;-&lt;seq&gt;</c> or <c>&lt;ms&gt;</c> (a missing sequence is 0).</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.StreamIdInvalid"/> when the text is not an id.</exception>
    public static StreamEntryId Parse(string text) =>
        TryParse(text.AsSpan(), 0, out var id) ? id : throw Storage.StreamErrors.IdInvalid(text);

    /// <summary>The next id (<c>ms-(seq+1)</c>, or <c>(ms+1)-0</c>), or <see langword="false"/> for <see cref="MaxValue"/>.</summary>
    public bool TryIncrement([NotNullWhen(true)] out StreamEntryId next)
    {
        if (Sequence < ulong.MaxValue)
        {
            next = new StreamEntryId(Milliseconds, Sequence + 1);
            return true;
        }

        if (Milliseconds < ulong.MaxValue)
        {
            next = new StreamEntryId(Milliseconds + 1, 0);
            return true;
        }

        next = default;
        return false;
    }

    /// <summary>The previous id, or <see langword="false"/> for <see cref="MinValue"/> (used for exclusive range ends, Redis's <c>(</c>).</summary>
    public bool TryDecrement([NotNullWhen(true)] out StreamEntryId previous)
    {
        if (Sequence > 0)
        {
            previous = new StreamEntryId(Milliseconds, Sequence - 1);
            return true;
        }

        if (Milliseconds > 0)
        {
            previous = new StreamEntryId(Milliseconds - 1, ulong.MaxValue);
            return true;
        }

        previous = default;
        return false;
    }

    /// <inheritdoc />
    public int CompareTo(StreamEntryId other)
    {
        var c = Milliseconds.CompareTo(other.Milliseconds);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }

    /// <summary>Whether <paramref name="left"/> orders before <paramref name="right"/>.</summary>
    public static bool operator <(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> orders after <paramref name="right"/>.</summary>
    public static bool operator >(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> orders before or equals <paramref name="right"/>.</summary>
    public static bool operator <=(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> orders after or equals <paramref name="right"/>.</summary>
    public static bool operator >=(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) >= 0;

    /// <summary>The larger of two ids.</summary>
    public static StreamEntryId Max(StreamEntryId a, StreamEntryId b) => a >= b ? a : b;

    /// <summary>The smaller of two ids.</summary>
    public static StreamEntryId Min(StreamEntryId a, StreamEntryId b) => a <= b ? a : b;

    /// <summary>Formats as <c>&lt;ms&gt;-&lt;seq&gt;</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        destination.TryWrite(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}", out charsWritten);

    /// <summary>Formats as UTF-8 <c>&lt;ms&gt;-&lt;seq&gt;</c> (at most 41 bytes).</summary>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!Utf8Formatter.TryFormat(Milliseconds, utf8Destination, out var a) || a >= utf8Destination.Length)
        {
            return false;
        }

        utf8Destination[a] = (byte)'-';
        if (!Utf8Formatter.TryFormat(Sequence, utf8Destination[(a + 1)..], out var b))
        {
            return false;
        }

        bytesWritten = a + 1 + b;
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
    }
}
