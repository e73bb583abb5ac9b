using System.Collections.Concurrent;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

public sealed partial class Broker
{
    /// <summary>
    /// Messages nacked on this broker since their last delivery (queue and message sequence), so a redelivery can be told
    /// apart from a lease expiry for <c>sluice.leases.expired</c>. Bounded: cleared when it grows past 100,000 entries
    /// (a few expiries may then be counted as nacks' redeliveries or the reverse; the metric is approximate across restarts).
    /// </summary>
    private readonly ConcurrentDictionary<(string Queue, long Sequence), byte> _nacked = new();

    /// <summary>The reserved key of this broker's write probe (<see cref="ProbeWriteAsync"/>): one per broker instance, so nodes never contend.</summary>
    private readonly string _probeKey = KeyValueRules.ReservedPrefix + "health/" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Checks that the store can write now: writes a small record under a reserved key (<c>$sluice/health/{id}</c>, one
    /// per broker, 1-minute time-to-live) through the store's normal durable path (committed, and fsynced unless the
    /// store is relaxed). Readiness checks (<c>/healthz/ready</c>) call it; each call is one store write.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">The store cannot write (storage_failed, not_supported when it has no key-value records, ...).</exception>
    /// <exception cref="ObjectDisposedException">The broker was disposed.</exception>
    public async ValueTask ProbeWriteAsync(CancellationToken cancellationToken = default)
    {
        var value = BitConverter.GetBytes(_time.GetUtcNow().ToUnixTimeMilliseconds());
        await KeyValues.SetKeyValueAsync(_probeKey, value, expectedVersion: null, TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
    }

    private void NoteNacked(string queue, long sequence)
    {
        if (!Metrics.LeaseExpired.Enabled)
        {
            return;
        }

        if (_nacked.Count > 100_000)
        {
            _nacked.Clear();
        }

        _nacked[(queue, sequence)] = 0;
    }

    /// <summary>Metrics and spans of one receive's deliveries: redeliveries, lease expiries, time in queue.</summary>
    private void Delivered(string queue, IReadOnlyList<QueueMessage> messages)
    {
        var tag = new KeyValuePair<string, object?>(Metrics.QueueTag, queue);
        var now = _time.GetUtcNow();
        var redelivered = 0;
        foreach (var m in messages)
        {
            if (m.ReceiveCount > 1)
            {
                redelivered++;
                if (Metrics.LeaseExpired.Enabled && !_nacked.TryRemove((queue, m.SequenceNumber), out _))
                {
                    Metrics.LeaseExpired.Add(1, tag);
                }
            }
            else if (Metrics.TimeInQueue.Enabled)
            {
                var waited = now - m.SentAt;
                Metrics.TimeInQueue.Record(waited < TimeSpan.Zero ? 0 : waited.TotalSeconds, tag);
            }
        }

        if (redelivered > 0)
        {
            Metrics.Redelivered.Add(redelivered, tag);
        }

        Tracing.Received(queue, messages);
    }
}
