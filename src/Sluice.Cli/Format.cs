using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Sluice.Cli;

/// <summary>
/// How the CLI prints counts, durations, sizes and times (invariant culture, short units). Every human-readable line
/// goes through these helpers, so "1 message" / "2 messages" and "90s" / "1m 30s" read the same in every verb.
/// </summary>
internal static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Number(long value) => value.ToString("N0", Invariant);

    /// <summary>A count with its noun: <c>1 message</c>, <c>0 messages</c>, <c>1,500 messages</c>.</summary>
    /// <param name="count">The count.</param>
    /// <param name="noun">The singular noun; the plural adds <c>s</c> (all the CLI's nouns are regular).</param>
    public static string Count(long count, string noun) => Number(count) + " " + (count == 1 ? noun : noun + "s");

    public static string Rate(double value) => value.ToString("0.0", Invariant);

    /// <summary>A duration: <c>0s</c>, <c>1.5s</c>, <c>45s</c>, <c>5m</c>, <c>1m 30s</c>, <c>2h 30m</c>, <c>4d</c>.</summary>
    public static string Duration(TimeSpan duration) => Duration(duration.TotalSeconds);

    /// <summary>A duration given in seconds (as on the wire), or <c>-</c> when there is none; see <see cref="Duration(TimeSpan)"/>.</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } s)
            return "-";
        if (s < 60)
            return s.ToString("0.###", Invariant) + "s";

        var t = TimeSpan.FromSeconds(s);
        var parts = new List<string>(3);
        if (t.Days > 0)
            parts.Add(t.Days.ToString(Invariant) + "d");
        if (t.Hours > 0)
            parts.Add(t.Hours.ToString(Invariant) + "h");
        if (t.Minutes > 0 && t.Days == 0)
            parts.Add(t.Minutes.ToString(Invariant) + "m");
        if (t.Seconds > 0 && t.TotalHours < 1)
            parts.Add(t.Seconds.ToString(Invariant) + "s");
        return string.Join(' ', parts);
    }

    public static string Bytes(long? bytes) => bytes is { } b ? Count(b, "byte") : "-";

    public static string Optional<T>(T? value) where T : struct =>
        value is { } v ? Convert.ToString(v, Invariant) ?? "-" : "-";

    public static string Optional(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    public static string Time(DateTimeOffset? value) =>
        value is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant) : "-";

    /// <summary>
    /// Text from the server (names, messages, errors, bodies: anything a producer may have written) made safe for a
    /// terminal table cell: every C0 and C1 control character and DEL is shown as <c>\xHH</c> (tab, line feed and
    /// carriage return as a space), so an ESC or BEL from a producer can never drive the terminal; then Spectre markup
    /// is escaped. Every table and line of the CLI that shows such text goes through here.
    /// </summary>
    public static string Cell(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1F') && !text.AsSpan().ContainsAnyInRange('\x7F', '\x9F'))
            return Markup.Escape(text);

        var safe = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\t' or '\n' or '\r')
                safe.Append(' ');
            else if (char.IsControl(c))
                safe.Append(Invariant, $"\\x{(int)c:X2}");
            else
                safe.Append(c);
        }

        return Markup.Escape(safe.ToString());
    }
}
