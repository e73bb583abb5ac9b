using Microsoft.Extensions.Time.Testing;

namespace Sluice.Storage.Conformance;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers created on it, so a test can tell that a long-polling
/// receiver has armed its timeout before the test advances the clock (a waiter registers first and arms its timer
/// just after; advancing in between would leave the timer due a full timeout later).
/// </summary>
public sealed class ConformanceTimeProvider : FakeTimeProvider
{
    private int _timersCreated;

    /// <summary>Creates the clock at <paramref name="start"/>.</summary>
    public ConformanceTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>Timers created so far (including ones already disposed).</summary>
    public int TimersCreated => Volatile.Read(ref _timersCreated);

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        return timer;
    }
}
