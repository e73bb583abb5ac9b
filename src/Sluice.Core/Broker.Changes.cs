using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// Wake-ups through the store's change feed: every change that may end a wait (messages made ready, a queue deleted, a
/// stream changed) is announced on the feed once the store committed it, and every change on the feed (this broker's
/// own, other brokers' over the same store object, other nodes' on a shared database) wakes this broker's waiters.
/// The local path is synchronous and allocation-free: announce → each subscriber → <see cref="QueueSignal.Notify"/>.
/// </summary>
public sealed partial class Broker
{
    private readonly IChangeFeed _feed;
    private IDisposable? _feedSubscription;

    /// <summary>Announces <paramref name="count"/> messages made ready in <paramref name="queue"/> (nothing when 0).</summary>
    private void NotifyReady(string queue, int count)
    {
        if (count > 0)
        {
            _feed.PublishChange(StoreChange.QueueReady(queue, count));
        }
    }

    /// <summary>Announces <paramref name="moved"/> messages made ready in <paramref name="destination"/>, or (null) in their source queues, to every broker over the store.</summary>
    private void NotifyRedriven(string? destination, int moved)
    {
        if (moved <= 0)
        {
            return;
        }

        // Back to their source queues: receivers of every queue look again.
        _feed.PublishChange(destination is null ? StoreChange.QueuesReady(moved) : StoreChange.QueueReady(destination, moved));
    }

    /// <summary>Announces a change of <paramref name="stream"/>: readers blocked on it look again.</summary>
    private void NotifyStream(string stream) => _feed.PublishChange(StoreChange.StreamChanged(stream));

    /// <summary>Wakes this broker's waiters for one change from the feed.</summary>
    private void Apply(in StoreChange change)
    {
        switch (change.Kind)
        {
            case StoreChangeKind.QueueReady:
                // No signal: nobody here has taken a ticket on the queue, so nobody can miss this.
                if (_signals.TryGetValue(change.Name, out var signal))
                {
                    signal.Notify(change.Count);
                }

                break;
            case StoreChangeKind.QueueDeleted:
                _rates.TryRemove(change.Name, out _);
                if (_signals.TryRemove(change.Name, out var deleted))
                {
                    deleted.Notify(int.MaxValue);
                }

                break;
            case StoreChangeKind.StreamChanged:
                _streamSignals.Notify(change.Name);
                break;
            case StoreChangeKind.QueuesReady:
                foreach (var any in _signals.Values)
                {
                    any.Notify(change.Count);
                }

                break;
            case StoreChangeKind.Missed:
                foreach (var any in _signals.Values)
                {
                    any.Notify(int.MaxValue);
                }

                _streamSignals.NotifyAll();
                break;
            default:
                // A kind from a newer node: waking everything is always safe.
                goto case StoreChangeKind.Missed;
        }
    }

    /// <summary>The broker's subscription to its feed (a separate object: the broker's public surface stays free of the subscriber interface).</summary>
    private sealed class ChangeSubscriber(Broker broker) : IChangeSubscriber
    {
        public void OnChange(in StoreChange change) => broker.Apply(change);
    }
}
