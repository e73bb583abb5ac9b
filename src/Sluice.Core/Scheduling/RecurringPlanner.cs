namespace Sluice.Scheduling;

/// <summary>What a recurring job does when a run was due while no scheduler was running (downtime, a long pause).</summary>
public enum MisfirePolicy
{
    /// <summary>
    /// Fire once now for all the missed occurrences together (the first missed one names the run), then continue with
    /// the schedule. The default, as Quartz's smart policy for cron triggers and Hangfire's recurring jobs do.
    /// </summary>
    FireOnce = 0,

    /// <summary>Skip the missed occurrences; the next run is the next occurrence on time.</summary>
    Skip = 1,
}

/// <summary>
/// A recurring job's shared state (kept in a key-value record that every scheduler reads and changes with
/// compare-and-set): every occurrence at or before <paramref name="After"/> is handled (fired, or skipped by the misfire
/// policy), except <paramref name="Pending"/>, which a scheduler claimed and whose publish is not yet confirmed.
/// </summary>
/// <param name="After">Occurrences at or before it are handled.</param>
/// <param name="Pending">A claimed occurrence not yet confirmed as published, or <see langword="null"/>.</param>
/// <param name="ClaimedAt">When <paramref name="Pending"/> was (last) claimed.</param>
/// <param name="ClaimedBy">Who claimed it (a scheduler's id), for diagnostics.</param>
public sealed record RecurringState(DateTimeOffset After, DateTimeOffset? Pending = null, DateTimeOffset? ClaimedAt = null, string? ClaimedBy = null);

/// <summary>What a scheduler does next for one recurring job.</summary>
public enum RecurringAction
{
    /// <summary>Nothing is due: look again at <see cref="RecurringDecision.WakeAt"/> (never, when null).</summary>
    Wait = 0,

    /// <summary>Claim <see cref="RecurringDecision.Occurrence"/> (state becomes <see cref="RecurringDecision.State"/>), publish it, then confirm.</summary>
    Fire = 1,

    /// <summary>
    /// Claim again the pending <see cref="RecurringDecision.Occurrence"/> whose claimant has not confirmed within the
    /// claim timeout (it may have crashed before or after publishing), publish it (the deduplication id makes a second
    /// publish of one occurrence a no-op), then confirm.
    /// </summary>
    Resume = 2,

    /// <summary>Record <see cref="RecurringDecision.State"/> without firing: missed occurrences skipped (<see cref="MisfirePolicy.Skip"/>).</summary>
    Skip = 3,
}

/// <summary>One step of a recurring job's schedule (<see cref="RecurringPlanner.Decide"/>).</summary>
/// <param name="Action">What to do.</param>
/// <param name="State">The state to write (compare-and-set) for Fire, Resume and Skip; the unchanged state for Wait.</param>
/// <param name="Occurrence">The occurrence to publish (Fire, Resume).</param>
/// <param name="WakeAt">When to look again (Wait); <see langword="null"/> for never (the schedule has no later occurrence).</param>
public readonly record struct RecurringDecision(RecurringAction Action, RecurringState State, DateTimeOffset? Occurrence, DateTimeOffset? WakeAt);

/// <summary>The pure arithmetic of recurring jobs: which occurrence is due, and what the misfire policy makes of missed ones.</summary>
public static class RecurringPlanner
{
    /// <summary>
    /// Decides the next step from the shared <paramref name="state"/> at <paramref name="now"/>.
    /// </summary>
    /// <remarks>
    /// <list type="number">
    /// <item>A pending claim younger than <paramref name="claimTimeout"/> belongs to its claimant: wait until it times out
    /// (the claimant confirms long before). An older one, or one of this scheduler's own (its publish failed), is
    /// resumed.</item>
    /// <item>Otherwise the next occurrence after <see cref="RecurringState.After"/> is taken. Not yet due: wait for it.
    /// Due at most <paramref name="misfireThreshold"/> ago: fire it (on time; a scheduler that is a little late still
    /// fires every occurrence). Due longer ago (missed): <see cref="MisfirePolicy.FireOnce"/> fires it once and marks
    /// every occurrence up to <c>now - misfireThreshold</c> handled; <see cref="MisfirePolicy.Skip"/> marks them handled
    /// without firing. Occurrences within the threshold then fire one by one.</item>
    /// </list>
    /// The result depends only on the arguments, so schedulers racing on one state agree on the occurrence, and the
    /// compare-and-set on the state lets one of them act.
    /// </remarks>
    /// <param name="schedule">The job's schedule.</param>
    /// <param name="state">The shared state as read.</param>
    /// <param name="now">The current time.</param>
    /// <param name="policy">What to do with missed occurrences.</param>
    /// <param name="misfireThreshold">How late an occurrence may fire and still count as on time (not missed); at least 0.</param>
    /// <param name="claimTimeout">How long a claim may stay unconfirmed before another scheduler resumes it; above 0.</param>
    /// <param name="scheduler">This scheduler's id, written as the claimant.</param>
    /// <exception cref="ArgumentOutOfRangeException">A duration is out of range.</exception>
    public static RecurringDecision Decide(CronSchedule schedule, RecurringState state, DateTimeOffset now, MisfirePolicy policy,
        TimeSpan misfireThreshold, TimeSpan claimTimeout, string scheduler)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(misfireThreshold, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claimTimeout, TimeSpan.Zero);

        if (state.Pending is { } pending)
        {
            var expires = (state.ClaimedAt ?? DateTimeOffset.MinValue) + claimTimeout;
            return now < expires && state.ClaimedBy != scheduler
                ? new RecurringDecision(RecurringAction.Wait, state, null, expires)
                : new RecurringDecision(RecurringAction.Resume, state with { ClaimedAt = now, ClaimedBy = scheduler }, pending, null);
        }

        if (schedule.NextAfter(state.After) is not { } next)
        {
            return new RecurringDecision(RecurringAction.Wait, state, null, null);
        }

        if (next > now)
        {
            return new RecurringDecision(RecurringAction.Wait, state, null, next);
        }

        var claimed = new RecurringState(next, next, now, scheduler);
        if (now - next <= misfireThreshold)
        {
            return new RecurringDecision(RecurringAction.Fire, claimed, next, null);
        }

        // Missed: everything up to now - threshold is settled by this one step; what is younger fires on time after it.
        var handled = now - misfireThreshold;
        return policy == MisfirePolicy.Skip
            ? new RecurringDecision(RecurringAction.Skip, new RecurringState(handled), null, null)
            : new RecurringDecision(RecurringAction.Fire, claimed with { After = handled }, next, null);
    }

    /// <summary>The state once the publish of <paramref name="claimed"/>'s pending occurrence is confirmed.</summary>
    public static RecurringState Confirmed(RecurringState claimed)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        return new RecurringState(claimed.After);
    }
}
