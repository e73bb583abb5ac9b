using Cronos;

namespace Sluice.Scheduling;

/// <summary>
/// A cron expression in a time zone, parsed once (Cronos): computes occurrences as instants. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>Format: five fields (minute, hour, day of month, month, day of week: <c>0 9 * * MON-FRI</c>) or six with
/// seconds first (<c>*/10 * * * * *</c>); also <c>L</c>, <c>W</c>, <c>#</c>, ranges, steps and macros such as
/// <c>@daily</c> (the Cronos syntax, https://github.com/HangfireIO/Cronos). When both day of month and day of week are
/// given, both must match.</para>
/// <para>Daylight-saving changes follow Cronos (and Vixie cron): when the clock jumps forward, an occurrence inside the
/// skipped hour runs once, at the first valid instant after the gap (a 02:30 job on a day when 02:00 becomes 03:00 runs
/// at 03:00); when the clock jumps back, a job at a fixed time runs once, in the first pass of the repeated hour (a
/// 01:30 job runs at 01:30 before the change, not again an hour later), while interval jobs (<c>*/15 * * * *</c>,
/// <c>0 * * * *</c>) keep their interval through both passes.</para>
/// </remarks>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(string text, CronExpression expression, TimeZoneInfo timeZone)
    {
        Expression = text;
        _expression = expression;
        TimeZone = timeZone;
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>The time zone occurrences are computed in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Parses a cron expression of five fields, or six with seconds first.</summary>
    /// <param name="expression">The expression, e.g. <c>0 9 * * MON-FRI</c>.</param>
    /// <param name="timeZone">The time zone; default UTC.</param>
    /// <exception cref="ArgumentException">The expression is empty or invalid (the message says why).</exception>
    public static CronSchedule Parse(string expression, TimeZoneInfo? timeZone = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        var text = expression.Trim();
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
            return new CronSchedule(text, CronExpression.Parse(text, format), timeZone ?? TimeZoneInfo.Utc);
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException(
                $"cron expression '{text}' is invalid ({ex.Message}): use five fields (minute hour day-of-month month day-of-week, e.g. '0 9 * * MON-FRI') or six with seconds first",
                nameof(expression), ex);
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="instant"/>, or <see langword="null"/> when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant) =>
        _expression.GetNextOccurrence(instant, TimeZone, inclusive: false);

    /// <summary>The occurrences in (<paramref name="from"/>, <paramref name="to"/>], in order.</summary>
    public IEnumerable<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to) =>
        _expression.GetOccurrences(from, to, TimeZone, fromInclusive: false, toInclusive: true);

    /// <inheritdoc />
    public override string ToString() => $"{Expression} ({TimeZone.Id})";
}
