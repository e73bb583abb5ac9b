namespace Sluice.Storage;

/// <summary>What a <see cref="StoreChange"/> announces.</summary>
public enum StoreChangeKind : byte
{
    /// <summary>
    /// Messages were added to queue <see cref="StoreChange.Name"/> or became visible sooner (published, also with a
    /// delay; released; dead-lettered or moved in; redriven; a lease shortened): up to <see cref="StoreChange.Count"/>
    /// waiting receivers look again (a delayed message tells them when to look next).
    /// </summary>
    QueueReady = 1,

    /// <summary>Queue <see cref="StoreChange.Name"/> was deleted: every receiver waiting on it ends (with queue_not_found).</summary>
    QueueDeleted = 2,

    /// <summary>Stream <see cref="StoreChange.Name"/> changed (an append, a deleted group or stream, a rename): every reader blocked on it looks again.</summary>
    StreamChanged = 3,

    /// <summary>Messages were made ready in queues not named (a redrive back to each message's source queue): up to <see cref="StoreChange.Count"/> receivers of every queue look again.</summary>
    QueuesReady = 4,

    /// <summary>Changes may have been missed (a feed's connection was lost and is back): every waiter looks again.</summary>
    Missed = 5,
}

/// <summary>
/// One change announced on a <see cref="IChangeFeed"/>, after the store committed it. A small value: announcing one
/// allocates nothing.
/// </summary>
/// <param name="Kind">What changed.</param>
/// <param name="Name">The queue or stream name; empty for <see cref="StoreChangeKind.QueuesReady"/> and <see cref="StoreChangeKind.Missed"/>.</param>
/// <param name="Count">For <see cref="StoreChangeKind.QueueReady"/> and <see cref="StoreChangeKind.QueuesReady"/>: how many messages were made ready (at least 1); otherwise 0.</param>
public readonly record struct StoreChange(StoreChangeKind Kind, string Name, int Count)
{
    /// <summary><paramref name="count"/> messages made ready in <paramref name="queue"/>.</summary>
    public static StoreChange QueueReady(string queue, int count) => new(StoreChangeKind.QueueReady, queue, count);

    /// <summary><paramref name="queue"/> deleted.</summary>
    public static StoreChange QueueDeleted(string queue) => new(StoreChangeKind.QueueDeleted, queue, 0);

    /// <summary><paramref name="stream"/> changed.</summary>
    public static StoreChange StreamChanged(string stream) => new(StoreChangeKind.StreamChanged, stream, 0);

    /// <summary><paramref name="count"/> messages made ready in queues not named.</summary>
    public static StoreChange QueuesReady(int count) => new(StoreChangeKind.QueuesReady, "", count);

    /// <summary>Changes may have been missed: every waiter looks again.</summary>
    public static StoreChange Missed { get; } = new(StoreChangeKind.Missed, "", 0);
}

/// <summary>Receives the changes of a <see cref="IChangeFeed"/> (a broker: it wakes its waiting receivers and blocked stream readers).</summary>
public interface IChangeSubscriber
{
    /// <summary>
    /// Called for every change announced by any broker over the feed's store (this process or, for a shared database,
    /// any node), including the subscriber's own. Runs synchronously on the announcer's thread (or the feed's listener):
    /// it must be quick, must not block and must not throw.
    /// </summary>
    void OnChange(in StoreChange change);
}

/// <summary>
/// The change feed, a storage concern: the brokers over one store (in one process, or nodes on one shared database)
/// tell each other about changes that wake waiters: messages made ready in a queue, a queue deleted, a stream changed.
/// A broker announces each change with <see cref="PublishChange"/> once the store has committed it, and receives every
/// change (its own included) through the subscriber it registered with <see cref="SubscribeChangesAsync"/>; every
/// wake-up in the broker goes through the feed.
/// </summary>
/// <remarks>
/// A store shared by several processes implements this interface (the PostgreSQL store: <c>LISTEN/NOTIFY</c>); the
/// broker reaches it as it reaches any concern, by testing the store for the interface. A store that does not
/// implement it is served by <see cref="LocalChangeFeed.For"/>: one in-process feed per store object, so brokers over
/// one store object wake each other. A feed only wakes: a waiter always checks the store again, so a change announced
/// twice, late or summed with others is harmless, and a change a feed may have lost must be followed by
/// <see cref="StoreChangeKind.Missed"/>.
/// </remarks>
public interface IChangeFeed
{
    /// <summary>
    /// Announces a committed change: delivered at once, synchronously, to every subscriber in this process over the
    /// same store, then (for a shared store) to the other processes. Never blocks on I/O and never throws for a
    /// valid change.
    /// </summary>
    /// <param name="change">The change.</param>
    void PublishChange(in StoreChange change);

    /// <summary>
    /// Registers <paramref name="subscriber"/> for every change from now on. Completes once changes made elsewhere
    /// after it reach the subscriber (for a shared store: once the feed listens). Dispose the result to unsubscribe.
    /// </summary>
    /// <param name="subscriber">The subscriber.</param>
    /// <param name="cancellationToken">Cancels the wait for the feed to listen.</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.Unavailable"/> when a shared store's feed cannot listen.</exception>
    ValueTask<IDisposable> SubscribeChangesAsync(IChangeSubscriber subscriber, CancellationToken cancellationToken = default);
}
