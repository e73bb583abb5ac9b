using System.Diagnostics;

namespace Sluice.Storage.Conformance;

/// <summary>The waits and error assertions every conformance suite uses (one implementation; each suite's base exposes them).</summary>
public static class ConformanceWaits
{
    /// <summary>How long a wait in real time may take before the test fails (a hang guard, not a timing assertion): 10 s.</summary>
    public static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Waits (in real time, bounded by <see cref="RealTimeout"/>) until <paramref name="condition"/> holds; the failure names <paramref name="what"/> and, when given, <paramref name="state"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, Func<object?>? state = null)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > RealTimeout)
            {
                Assert.Fail($"timed out after {RealTimeout.TotalSeconds} s (real time) waiting until {what}" + (state is null ? "" : $"; state: {state()}"));
            }

            await Task.Delay(1);
        }
    }

    /// <summary>Asserts <paramref name="action"/> fails with a <see cref="SluiceException"/> carrying <paramref name="code"/>; returns it.</summary>
    public static async Task<SluiceException> ErrorAsync(string code, Func<Task> action)
    {
        var ex = await Assert.ThrowsAsync<SluiceException>(action);
        Assert.Equal(code, ex.ErrorCode);
        return ex;
    }
}
