using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

/// <summary>
/// The change feed (<see cref="IChangeFeed"/>) over <c>LISTEN/NOTIFY</c>: a change announced on one node wakes the
/// waiters of every node on the database (see <see cref="PostgresChangeFeed"/>).
/// </summary>
public sealed partial class PostgresMessageStore : IChangeFeed
{
    /// <summary>
    /// Delivers <paramref name="change"/> to the subscribers of this store object at once, and queues it for the other
    /// nodes: a sender sends what was queued since its last round with one <c>pg_notify</c> statement on a pooled
    /// connection, after the change's commit (a burst to one queue becomes one notification with the summed count).
    /// Not transactional: a node that dies between a commit and its notification leaves the other nodes' waiters to
    /// their timeouts (a long poll returns empty at its wait time and the client polls again).
    /// </summary>
    /// <param name="change">The change.</param>
    public void PublishChange(in StoreChange change) => _feed.Publish(change);

    /// <summary>
    /// Subscribes to the changes of every node on the database (channel <c>sluice_changes_&lt;schema&gt;</c>). The first
    /// subscription opens this store's listener connection (outside the pool, application name
    /// <c>sluice-change-feed</c>); the call completes once it listens. Once it has listened, a lost listener connection
    /// is reopened with backoff (at once, then 100 ms doubling to 5 s, on the store's clock), and then every subscriber
    /// gets <see cref="StoreChangeKind.Missed"/>.
    /// </summary>
    /// <param name="subscriber">The subscriber (a broker).</param>
    /// <param name="cancellationToken">Cancels the wait for the listener.</param>
    /// <returns>The subscription: dispose it to unsubscribe.</returns>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <exception cref="SluiceException">
    /// <see cref="ErrorCodes.Unavailable"/>: the listener's first connection failed (the database went away, or refuses
    /// more connections: each node needs one beyond its pool); final for this store object: dispose it and build a new one.
    /// </exception>
    public ValueTask<IDisposable> SubscribeChangesAsync(IChangeSubscriber subscriber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return _feed.SubscribeAsync(subscriber, cancellationToken);
    }
}
