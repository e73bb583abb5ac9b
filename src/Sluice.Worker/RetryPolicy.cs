namespace Sluice.Worker;

/// <summary>
/// How a job type's failures are retried: up to <see cref="MaxAttempts"/> attempts, waiting an exponentially growing,
/// jittered, capped delay between them (a nack's delay, so the wait is durable: it survives restarts and costs no
/// worker). Exceptions of a <see cref="NonRetryable"/> type (or derived from one) dead-letter the job at once.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Attempts in all, the first included. Default 5; 1 to 1,000.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The delay after the first failed attempt. Default 1 second; 0 to 12 hours.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each following delay is the previous one times this. Default 2; 1 to 10.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>The longest delay (before jitter). Default 5 minutes; at least <see cref="InitialDelay"/>, at most 12 hours.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Jitter as a fraction of the delay: the delay is scaled by a random factor in [1 - Jitter, 1 + Jitter] (and kept
    /// at most 12 hours), so jobs that failed together do not retry together. Default 0.2; 0 to 1.
    /// </summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Exception types not worth retrying (a derived type counts): the job is dead-lettered at once. Default none.</summary>
    public IReadOnlyList<Type> NonRetryable { get; init; } = [];

    /// <summary>The default policy.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>
    /// The delay before attempt <paramref name="failedAttempt"/> + 1: <c>min(MaxDelay, InitialDelay × Multiplier^(failedAttempt − 1))</c>,
    /// scaled by <c>1 + Jitter × (2 × <paramref name="random"/> − 1)</c>.
    /// </summary>
    /// <param name="failedAttempt">The attempt that failed, from 1.</param>
    /// <param name="random">A number in [0, 1) (the jitter draw).</param>
    public TimeSpan DelayAfter(int failedAttempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        var baseTicks = InitialDelay.Ticks * Math.Pow(Multiplier, failedAttempt - 1);
        var capped = Math.Min(baseTicks, MaxDelay.Ticks);
        var jittered = capped * (1 + (Jitter * ((2 * random) - 1)));
        return TimeSpan.FromTicks((long)Math.Clamp(jittered, 0, TimeSpan.FromHours(12).Ticks));
    }

    /// <summary>Whether <paramref name="exception"/> is of a <see cref="NonRetryable"/> type.</summary>
    public bool IsNonRetryable(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var type = exception.GetType();
        foreach (var t in NonRetryable)
        {
            if (t.IsAssignableFrom(type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (MaxAttempts is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be 1 to 1000");
        }

        if (InitialDelay < TimeSpan.Zero || MaxDelay < InitialDelay || MaxDelay > TimeSpan.FromHours(12))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "InitialDelay must be at least 0 and MaxDelay at least InitialDelay and at most 12 hours");
        }

        if (Multiplier is < 1 or > 10 || double.IsNaN(Multiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(Multiplier), Multiplier, "Multiplier must be 1 to 10");
        }

        if (Jitter is < 0 or > 1 || double.IsNaN(Jitter))
        {
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "Jitter must be 0 to 1");
        }
    }
}
