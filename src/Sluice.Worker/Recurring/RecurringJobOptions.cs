using Sluice.Scheduling;

namespace Sluice.Worker.Recurring;

/// <summary>How a recurring job treats missed occurrences and claims; set in <see cref="RecurringJobExtensions.AddRecurringJob{TJob}"/>.</summary>
public sealed class RecurringJobOptions
{
    /// <summary>What happens to occurrences missed while no scheduler ran. Default <see cref="MisfirePolicy.FireOnce"/> (one run now for all of them).</summary>
    public MisfirePolicy Misfire { get; set; } = MisfirePolicy.FireOnce;

    /// <summary>
    /// How late an occurrence may still fire as on time; an occurrence older than this when a scheduler first sees it is
    /// missed and goes to <see cref="Misfire"/>. Default 1 minute (as Quartz's misfire threshold); 0 to 1 day.
    /// </summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long an occurrence a scheduler claimed may stay unconfirmed before another scheduler publishes it instead
    /// (the first crashed between its claim and its confirmation). Default 1 minute; 1 second to 4 minutes: it must stay
    /// below the job queue's deduplication window (5 minutes for the queues the worker creates), so that a second publish
    /// of an occurrence the crashed scheduler did publish is recognised as a duplicate.
    /// </summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Misfire))
        {
            throw new ArgumentOutOfRangeException(nameof(Misfire), Misfire, "Misfire must be FireOnce or Skip");
        }

        if (MisfireThreshold < TimeSpan.Zero || MisfireThreshold > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(MisfireThreshold), MisfireThreshold, "MisfireThreshold must be 0 to 1 day");
        }

        if (ClaimTimeout < TimeSpan.FromSeconds(1) || ClaimTimeout > TimeSpan.FromMinutes(4))
        {
            throw new ArgumentOutOfRangeException(nameof(ClaimTimeout), ClaimTimeout, "ClaimTimeout must be 1 second to 4 minutes (below the job queue's 5-minute deduplication window)");
        }
    }
}
