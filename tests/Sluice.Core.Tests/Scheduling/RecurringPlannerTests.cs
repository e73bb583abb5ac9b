using Sluice.Scheduling;

namespace Sluice.Core.Tests.Scheduling;

/// <summary>The pure decisions of recurring jobs: due occurrences, misfires both ways, claims and their timeout.</summary>
public class RecurringPlannerTests
{
    private static readonly CronSchedule Daily9 = CronSchedule.Parse("0 9 * * *");
    private static readonly TimeSpan Threshold = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset Monday9 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static RecurringDecision Decide(RecurringState state, DateTimeOffset now, MisfirePolicy policy = MisfirePolicy.FireOnce, CronSchedule? schedule = null, string me = "me") =>
        RecurringPlanner.Decide(schedule ?? Daily9, state, now, policy, Threshold, ClaimTimeout, me);

    [Fact]
    public void Decide_NothingDue_WaitsForNextOccurrence()
    {
        var d = Decide(new RecurringState(Monday9), Monday9.AddHours(3));

        Assert.Equal(RecurringAction.Wait, d.Action);
        Assert.Equal(Monday9.AddDays(1), d.WakeAt);
    }

    [Fact]
    public void Decide_OccurrenceDueNow_FiresItAndClaimsIt()
    {
        var tuesday9 = Monday9.AddDays(1);

        var d = Decide(new RecurringState(Monday9), tuesday9);

        Assert.Equal(RecurringAction.Fire, d.Action);
        Assert.Equal(tuesday9, d.Occurrence);
        Assert.Equal(new RecurringState(tuesday9, tuesday9, tuesday9, "me"), d.State);
        Assert.Equal(new RecurringState(tuesday9), RecurringPlanner.Confirmed(d.State));
    }

    [Fact]
    public void Decide_LateWithinThreshold_StillFiresOnTime()
    {
        var tuesday9 = Monday9.AddDays(1);

        var d = Decide(new RecurringState(Monday9), tuesday9 + Threshold, MisfirePolicy.Skip);

        Assert.Equal(RecurringAction.Fire, d.Action);
        Assert.Equal(tuesday9, d.Occurrence);
    }

    [Fact]
    public void Decide_MissedDaysFireOnce_OneRunNowThenNextOnTime()
    {
        // Fired Monday; the schedulers were down from then until Thursday 12:00 (Tuesday, Wednesday, Thursday missed).
        var thursdayNoon = Monday9.AddDays(3).AddHours(3);

        var d = Decide(new RecurringState(Monday9), thursdayNoon);

        Assert.Equal(RecurringAction.Fire, d.Action);
        Assert.Equal(Monday9.AddDays(1), d.Occurrence); // the first missed occurrence names the run
        Assert.Equal(thursdayNoon - Threshold, d.State.After);
        var next = Decide(RecurringPlanner.Confirmed(d.State), thursdayNoon);
        Assert.Equal(RecurringAction.Wait, next.Action);
        Assert.Equal(Monday9.AddDays(4), next.WakeAt);
    }

    [Fact]
    public void Decide_MissedDaysSkip_NoRunThenNextOnTime()
    {
        var thursdayNoon = Monday9.AddDays(3).AddHours(3);

        var d = Decide(new RecurringState(Monday9), thursdayNoon, MisfirePolicy.Skip);

        Assert.Equal(RecurringAction.Skip, d.Action);
        Assert.Null(d.Occurrence);
        Assert.Equal(new RecurringState(thursdayNoon - Threshold), d.State);
        var next = Decide(d.State, thursdayNoon, MisfirePolicy.Skip);
        Assert.Equal(Monday9.AddDays(4), next.WakeAt);
    }

    [Fact]
    public void Decide_MissedThenOneOnTime_MissedHandledThenOnTimeFires()
    {
        // Every 10 seconds; down for 5 minutes; now is 5 seconds after an occurrence.
        var every10s = CronSchedule.Parse("*/10 * * * * *");
        var now = Monday9.AddMinutes(5).AddSeconds(5);

        var missed = Decide(new RecurringState(Monday9), now, MisfirePolicy.Skip, every10s);
        Assert.Equal(RecurringAction.Skip, missed.Action);

        // Occurrences within the threshold (the last minute) fire one by one, in order.
        var fired = new List<DateTimeOffset>();
        var state = missed.State;
        for (var d = Decide(state, now, MisfirePolicy.Skip, every10s); d.Action == RecurringAction.Fire; d = Decide(state, now, MisfirePolicy.Skip, every10s))
        {
            fired.Add(d.Occurrence!.Value);
            state = RecurringPlanner.Confirmed(d.State);
        }

        Assert.Equal(6, fired.Count);
        Assert.Equal(Monday9.AddMinutes(4).AddSeconds(10), fired[0]);
        Assert.Equal(Monday9.AddMinutes(5), fired[^1]);
    }

    [Fact]
    public void Decide_FreshClaimOfAnotherScheduler_WaitsForItsTimeout()
    {
        var tuesday9 = Monday9.AddDays(1);
        var claimed = new RecurringState(tuesday9, tuesday9, tuesday9, "other");

        var d = Decide(claimed, tuesday9.AddSeconds(10));

        Assert.Equal(RecurringAction.Wait, d.Action);
        Assert.Equal(tuesday9 + ClaimTimeout, d.WakeAt);
    }

    [Fact]
    public void Decide_ExpiredClaim_ResumesSameOccurrence()
    {
        var tuesday9 = Monday9.AddDays(1);
        var claimed = new RecurringState(tuesday9, tuesday9, tuesday9, "crashed");
        var now = tuesday9 + ClaimTimeout;

        var d = Decide(claimed, now);

        Assert.Equal(RecurringAction.Resume, d.Action);
        Assert.Equal(tuesday9, d.Occurrence);
        Assert.Equal(new RecurringState(tuesday9, tuesday9, now, "me"), d.State);
    }

    [Fact]
    public void Decide_OwnUnconfirmedClaim_ResumedAtOnce()
    {
        var tuesday9 = Monday9.AddDays(1);

        var d = Decide(new RecurringState(tuesday9, tuesday9, tuesday9, "me"), tuesday9.AddSeconds(1));

        Assert.Equal(RecurringAction.Resume, d.Action);
        Assert.Equal(tuesday9, d.Occurrence);
    }

    [Fact]
    public void Decide_ScheduleWithoutFurtherOccurrence_WaitsForever()
    {
        var leapDay = CronSchedule.Parse("0 0 30 2 *");

        var d = Decide(new RecurringState(Monday9), Monday9, schedule: leapDay);

        Assert.Equal(RecurringAction.Wait, d.Action);
        Assert.Null(d.WakeAt);
    }
}
