namespace Sluice.Internal;

/// <summary>Counts events in one-second buckets over the last minute, on a <see cref="TimeProvider"/>'s clock.</summary>
internal sealed class RateCounter(TimeProvider time)
{
    private const int Buckets = 60;
    private readonly long[] _counts = new long[Buckets];
    private readonly long[] _seconds = new long[Buckets];
    private readonly Lock _lock = new();

    public void Add(long count)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        var i = (int)(second % Buckets);
        lock (_lock)
        {
            if (_seconds[i] != second)
            {
                _seconds[i] = second;
                _counts[i] = 0;
            }

            _counts[i] += count;
        }
    }

    /// <summary>Events per second averaged over the last 60 seconds.</summary>
    public double PerSecond()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        long sum = 0;
        lock (_lock)
        {
            for (var i = 0; i < Buckets; i++)
            {
                if (now - _seconds[i] < Buckets)
                {
                    sum += _counts[i];
                }
            }
        }

        return sum / (double)Buckets;
    }
}
