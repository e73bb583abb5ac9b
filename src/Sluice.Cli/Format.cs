using System.Globalization;

namespace Sluice.Cli;

/// <summary>How the CLI prints numbers, durations and sizes (invariant culture, short units).</summary>
internal static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Number(long value) => value.ToString("N0", Invariant);

    public static string Rate(double value) => value.ToString("0.0", Invariant);

    /// <summary>A duration in seconds: <c>45s</c>, <c>1.5s</c>, <c>5m</c>, <c>2h 30m</c>, <c>4d</c>.</summary>
    public static string Seconds(double? seconds)
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

    public static string Bytes(long? bytes) => bytes is { } b ? Number(b) + " bytes" : "-";

    public static string Optional<T>(T? value) where T : struct =>
        value is { } v ? Convert.ToString(v, Invariant) ?? "-" : "-";

    public static string Optional(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    public static string Time(DateTimeOffset? value) =>
        value is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant) : "-";
}
