using System.Runtime.CompilerServices;

namespace Sluice.Storage;

/// <summary>
/// The in-process <see cref="IChangeFeed"/>: a change is handed to every subscriber synchronously on the announcer's
/// thread (no task, no queue, no lock on the way: the subscriber list is an immutable array replaced on subscribe).
/// Serves a store that does not implement <see cref="IChangeFeed"/> (<see cref="For"/>), and is the local half of a
/// shared store's feed.
/// </summary>
public sealed class LocalChangeFeed : IChangeFeed
{
    private static readonly ConditionalWeakTable<object, LocalChangeFeed> Feeds = [];

    private readonly Lock _lock = new();
    private IChangeSubscriber[] _subscribers = [];

    /// <summary>
    /// The feed of <paramref name="store"/>: one per store object, created on first use and kept as long as the store
    /// object lives, so every broker over that object shares it.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    public static LocalChangeFeed For(object store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Feeds.GetValue(store, static _ => new LocalChangeFeed());
    }

    /// <summary>Subscribers now.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <inheritdoc />
    public void PublishChange(in StoreChange change)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.OnChange(change);
        }
    }

    /// <summary>Registers <paramref name="subscriber"/> at once (synchronous).</summary>
    /// <param name="subscriber">The subscriber.</param>
    /// <returns>The subscription: dispose it to unsubscribe (idempotent).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="subscriber"/> is null.</exception>
    public IDisposable Subscribe(IChangeSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new Subscription(this, subscriber);
    }

    /// <inheritdoc />
    public ValueTask<IDisposable> SubscribeChangesAsync(IChangeSubscriber subscriber, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Subscribe(subscriber));

    private void Unsubscribe(IChangeSubscriber subscriber)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers.AsSpan(0, index), .. _subscribers.AsSpan(index + 1)];
            }
        }
    }

    private sealed class Subscription(LocalChangeFeed feed, IChangeSubscriber subscriber) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Unsubscribe(subscriber);
            }
        }
    }
}
