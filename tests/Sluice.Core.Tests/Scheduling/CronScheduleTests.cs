using Sluice.Scheduling;

namespace Sluice.Core.Tests.Scheduling;

/// <summary>Occurrences of cron schedules in time zones, across both daylight-saving transitions (Cronos semantics, docs/worker.md).</summary>
public class CronScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTimeOffset At(int month, int day, int hour, int minute, int offsetHours) =>
        new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(offsetHours));

    private static DateTimeOffset[] Occurrences(CronSchedule schedule, DateTimeOffset from, DateTimeOffset to) => [.. schedule.Between(from, to)];

    [Fact]
    public void Between_BerlinSpringForward_SkippedTimeRunsOnceAtEndOfGap()
    {
        // 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that day.
        var schedule = CronSchedule.Parse("30 2 * * *", Berlin);

        var got = Occurrences(schedule, At(3, 28, 0, 0, 1), At(3, 31, 0, 0, 2));

        Assert.Equal([At(3, 28, 2, 30, 1), At(3, 29, 3, 0, 2), At(3, 30, 2, 30, 2)], got);
    }

    [Fact]
    public void Between_BerlinFallBack_RepeatedTimeRunsOnceInFirstPass()
    {
        // 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
        var schedule = CronSchedule.Parse("30 2 * * *", Berlin);

        var got = Occurrences(schedule, At(10, 24, 0, 0, 2), At(10, 27, 0, 0, 1));

        Assert.Equal([At(10, 24, 2, 30, 2), At(10, 25, 2, 30, 2), At(10, 26, 2, 30, 1)], got);
    }

    [Fact]
    public void Between_NewYorkSpringForward_SkippedTimeRunsOnceAtEndOfGap()
    {
        // 8 March 2026: 02:00 EST becomes 03:00 EDT.
        var schedule = CronSchedule.Parse("30 2 * * *", NewYork);

        var got = Occurrences(schedule, At(3, 7, 12, 0, -5), At(3, 9, 12, 0, -4));

        Assert.Equal([At(3, 8, 3, 0, -4), At(3, 9, 2, 30, -4)], got);
    }

    [Fact]
    public void Between_NewYorkFallBack_0130RunsOnce()
    {
        // 1 November 2026: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
        var schedule = CronSchedule.Parse("30 1 * * *", NewYork);

        var got = Occurrences(schedule, At(10, 31, 12, 0, -4), At(11, 2, 12, 0, -5));

        Assert.Equal([At(11, 1, 1, 30, -4), At(11, 2, 1, 30, -5)], got);
    }

    [Fact]
    public void Between_NewYorkFallBack_HourlyJobKeepsItsIntervalThroughBothPasses()
    {
        var schedule = CronSchedule.Parse("0 * * * *", NewYork);

        var got = Occurrences(schedule, At(10, 31, 23, 30, -4), At(11, 1, 3, 0, -5));

        Assert.Equal([At(11, 1, 0, 0, -4), At(11, 1, 1, 0, -4), At(11, 1, 1, 0, -5), At(11, 1, 2, 0, -5), At(11, 1, 3, 0, -5)], got);
        Assert.All(got.Zip(got.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Second - pair.First));
    }

    [Fact]
    public void Between_BerlinSpringForward_IntervalJobLosesNoTimeAfterGap()
    {
        var schedule = CronSchedule.Parse("*/30 * * * *", Berlin);

        var got = Occurrences(schedule, At(3, 29, 1, 0, 1), At(3, 29, 3, 30, 2));

        // 01:30 CET is followed directly by 03:00 CEST (30 real minutes later): the gap's 02:00 and 02:30 are that one instant.
        Assert.Equal([At(3, 29, 1, 30, 1), At(3, 29, 3, 0, 2), At(3, 29, 3, 30, 2)], got);
    }

    [Fact]
    public void NextAfter_WeekdaysAtNine_SkipsTheWeekend()
    {
        var schedule = CronSchedule.Parse("0 9 * * MON-FRI", Berlin);

        // Friday 6 March 2026 09:00 CET; the next is Monday 9 March.
        Assert.Equal(At(3, 9, 9, 0, 1), schedule.NextAfter(At(3, 6, 9, 0, 1)));
        Assert.Equal(At(3, 6, 9, 0, 1), schedule.NextAfter(At(3, 6, 8, 59, 1)));
    }

    [Fact]
    public void Parse_SixFields_SecondsFirst()
    {
        var schedule = CronSchedule.Parse("*/10 * * * * *");

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero), schedule.NextAfter(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Same(TimeZoneInfo.Utc, schedule.TimeZone);
    }

    [Theory]
    [InlineData("61 * * * *")]
    [InlineData("* * *")]
    [InlineData("0 9 * * FUNDAY")]
    public void Parse_InvalidExpression_ArgumentExceptionNamingIt(string expression)
    {
        var e = Assert.Throws<ArgumentException>(() => CronSchedule.Parse(expression));

        Assert.Contains($"'{expression}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("five fields", e.Message, StringComparison.Ordinal);
    }
}
