using System.Diagnostics.Metrics;

namespace Sluice.Server.Internal;

/// <summary>
/// The per-queue gauges on the meter <c>Sluice</c>: <c>sluice.queue.depth</c> (tag <c>sluice.message.state</c>:
/// ready, in_flight, delayed) and <c>sluice.queue.oldest_age</c>. Observable instruments are read synchronously by the
/// metric reader, so they report a snapshot that <see cref="RefreshAsync"/> takes from the broker's queue statistics
/// (one store count per queue) before each <c>/metrics</c> scrape, at most once per <see cref="MinInterval"/>; the
/// publish path pays nothing for them.
/// </summary>
internal sealed class QueueGauges : IDisposable
{
    /// <summary>The shortest time between two snapshots: 1 second (scrapes closer together share one).</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>At most this many queues are reported (the first by name), bounding a scrape's cost and size.</summary>
    public const int MaxQueues = 10_000;

    private const string StateTag = "sluice.message.state";

    private readonly Broker _broker;
    private readonly TimeProvider _time;
    private readonly Meter _meter;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot[] _snapshot = [];
    private long _takenAt = long.MinValue;

    public QueueGauges(Broker broker, TimeProvider time)
    {
        _broker = broker;
        _time = time;
        _meter = new Meter(SluiceDiagnostics.MeterName, "1.0");
        _meter.CreateObservableGauge("sluice.queue.depth", ObserveDepth, "{message}", "Messages in a queue by state (ready, in_flight, delayed)");
        _meter.CreateObservableGauge("sluice.queue.oldest_age", ObserveAge, "s", "Age of a queue's oldest message (absent when the queue is empty)");
    }

    /// <summary>Takes a new snapshot unless one was taken less than <see cref="MinInterval"/> ago.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_takenAt != long.MinValue && _time.GetElapsedTime(_takenAt) < MinInterval)
            {
                return;
            }

            var queues = await _broker.ListQueuesAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<Snapshot>(Math.Min(queues.Count, MaxQueues));
            foreach (var queue in queues.OrderBy(q => q.Name, StringComparer.Ordinal).Take(MaxQueues))
            {
                try
                {
                    var stats = await _broker.GetStatsAsync(queue.Name, cancellationToken).ConfigureAwait(false);
                    list.Add(new Snapshot(queue.Name, stats.Ready, stats.InFlight, stats.Delayed, stats.OldestAge?.TotalSeconds));
                }
                catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueNotFound)
                {
                    // Deleted since the listing.
                }
            }

            _snapshot = [.. list];
            _takenAt = _time.GetTimestamp();
        }
        finally
        {
            _refresh.Release();
        }
    }

    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        var snapshot = _snapshot;
        var measurements = new Measurement<long>[snapshot.Length * 3];
        for (var i = 0; i < snapshot.Length; i++)
        {
            var s = snapshot[i];
            var queue = new KeyValuePair<string, object?>(SluiceDiagnostics.DestinationTag, s.Queue);
            measurements[(3 * i) + 0] = new Measurement<long>(s.Ready, queue, new(StateTag, "ready"));
            measurements[(3 * i) + 1] = new Measurement<long>(s.InFlight, queue, new(StateTag, "in_flight"));
            measurements[(3 * i) + 2] = new Measurement<long>(s.Delayed, queue, new(StateTag, "delayed"));
        }

        return measurements;
    }

    private IEnumerable<Measurement<double>> ObserveAge()
    {
        foreach (var s in _snapshot)
        {
            if (s.OldestAgeSeconds is { } age)
            {
                yield return new Measurement<double>(age, new KeyValuePair<string, object?>(SluiceDiagnostics.DestinationTag, s.Queue));
            }
        }
    }

    public void Dispose()
    {
        _meter.Dispose();
        _refresh.Dispose();
    }

    private sealed record Snapshot(string Queue, long Ready, long InFlight, long Delayed, double? OldestAgeSeconds);
}
