namespace Sluice.Storage;

/// <summary>
/// The queue rules every <see cref="IQueueStore"/> applies, once: deduplication keys, room under the overflow policies,
/// max-receive dead-lettering, receipt-handle decisions, "already exists" on create and the topology checks of create,
/// update and delete (dead-letter queues exist, no cycles, a dead-letter queue in use stays). A store reads and writes its
/// storage and asks these methods what to do; their errors come from <see cref="StoreErrors"/>, so every store words
/// them the same way.
/// </summary>
public static class QueueRules
{
    /// <summary>
    /// The key a deduplication id is remembered under: the id, or the message group and the id under
    /// <see cref="DeduplicationScope.MessageGroup"/>; <see langword="null"/> when the message is not deduplicated (no
    /// id, or a deduplication window of zero).
    /// </summary>
    /// <param name="options">The queue's options.</param>
    /// <param name="deduplicationId">The message's deduplication id, or <see langword="null"/>.</param>
    /// <param name="messageGroupId">The message's group, or <see langword="null"/>.</param>
    public static string? DeduplicationKey(QueueOptions options, string? deduplicationId, string? messageGroupId)
    {
        ArgumentNullException.ThrowIfNull(options);
        return deduplicationId is null || options.DeduplicationWindow <= TimeSpan.Zero ? null
            : options.DeduplicationScope == DeduplicationScope.MessageGroup ? $"{messageGroupId}\u0000{deduplicationId}"
            : deduplicationId;
    }

    /// <summary>
    /// Plans a publish before anything is changed (a batch is all or nothing): each message gets its deduplication key;
    /// one whose key was seen within the window (<paramref name="findStored"/>) is a duplicate reporting the original's
    /// id and sequence number, as is one whose key an earlier message of the same batch has; every other message is new,
    /// with its id from <paramref name="messageIds"/> or a fresh UUIDv7 id of <paramref name="now"/>.
    /// </summary>
    /// <param name="options">The queue's options.</param>
    /// <param name="messages">The batch, in order.</param>
    /// <param name="now">The store's current time.</param>
    /// <param name="findStored">The result of the message stored under a key, when the key is remembered and its window has not passed; otherwise <see langword="null"/>.</param>
    /// <param name="messageIds">The ids new messages get, one per message (a topic publish gives every copy of a message its id); default one from <paramref name="newId"/> each.</param>
    /// <param name="newId">
    /// Where a new message's id comes from when <paramref name="messageIds"/> is not given, called once per new message
    /// in batch order with <paramref name="now"/>; default <see cref="Guid.CreateVersion7(DateTimeOffset)"/> (a state
    /// machine that replays a log passes a deterministic source).
    /// </param>
    public static PublishPlan PlanPublish(QueueOptions options, IReadOnlyList<OutgoingMessage> messages, DateTimeOffset now, Func<string, PublishResult?> findStored,
        IReadOnlyList<Guid>? messageIds = null, Func<DateTimeOffset, Guid>? newId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(findStored);
        var results = new PublishResult[messages.Count];
        var keys = new string?[messages.Count];
        Dictionary<string, int>? seen = null;
        List<(int Index, int Original)>? batchDuplicates = null;
        long addCount = 0, addBytes = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (DeduplicationKey(options, m.DeduplicationId, m.MessageGroupId) is { } key)
            {
                keys[i] = key;
                if (seen is not null && seen.TryGetValue(key, out var original))
                {
                    (batchDuplicates ??= []).Add((i, original));
                    results[i] = new PublishResult(results[original].MessageId, Duplicate: true);
                    continue;
                }

                if (findStored(key) is { } stored)
                {
                    results[i] = stored with { Duplicate = true };
                    continue;
                }

                (seen ??= new Dictionary<string, int>(StringComparer.Ordinal))[key] = i;
            }

            results[i] = new PublishResult(messageIds?[i] ?? (newId is null ? Guid.CreateVersion7(now) : newId(now)), Duplicate: false);
            addCount++;
            addBytes += m.Body.Length;
        }

        return new PublishPlan(results, keys, batchDuplicates, addCount, addBytes);
    }

    /// <summary>How long a new message stays invisible: its own delay, or else the queue's <see cref="QueueOptions.DeliveryDelay"/>.</summary>
    public static TimeSpan DeliveryDelay(QueueOptions options, OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(message);
        return message.Delay ?? options.DeliveryDelay;
    }

    /// <summary>
    /// Creating a queue that exists: the existing queue when <paramref name="requested"/> equals its options (create is
    /// idempotent), otherwise <see cref="ErrorCodes.QueueAlreadyExists"/>.
    /// </summary>
    /// <param name="existing">The stored queue of that name.</param>
    /// <param name="requested">The options the create asked for.</param>
    /// <returns><paramref name="existing"/>.</returns>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueAlreadyExists"/> when the options differ.</exception>
    public static QueueInfo CreateExisting(QueueInfo existing, QueueOptions requested)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return existing.Options == requested ? existing : throw StoreErrors.QueueAlreadyExists(existing.Name);
    }

    /// <summary>
    /// The topology check of a create or update, decided inside the store's transaction (or under its lock) with the
    /// write that follows, so two concurrent changes cannot both pass: the queue's dead-letter queue (when it names one)
    /// exists, its <see cref="QueueOptions.DeadLetterQueue"/> chain does not lead back to <paramref name="name"/>, and it
    /// is of the same kind (FIFO or standard). The broker checks the stateless rules before (a queue naming itself).
    /// </summary>
    /// <param name="name">The queue being created or updated.</param>
    /// <param name="options">Its new options.</param>
    /// <param name="find">Looks up a queue by name in the store's transaction; <see langword="null"/> when none has that name.</param>
    /// <exception cref="SluiceException">
    /// queue_not_found (field deadLetterQueue) when the dead-letter queue does not exist; invalid_argument (field
    /// deadLetterQueue) for a cycle or a kind mismatch.
    /// </exception>
    public static void CheckDeadLetterQueue(string name, QueueOptions options, Func<string, QueueInfo?> find)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(find);
        if (options.DeadLetterQueue is not { } dlq)
        {
            return;
        }

        var target = find(dlq) ?? throw new SluiceException(ErrorCodes.QueueNotFound,
            $"dead-letter queue '{dlq}' does not exist: create it before naming it as deadLetterQueue", "deadLetterQueue");

        // Follow the chain from the dead-letter queue: it must not lead back here.
        var seen = new HashSet<string>(StringComparer.Ordinal) { name };
        for (var next = target; next.Options.DeadLetterQueue is { } hop;)
        {
            if (!seen.Add(hop))
            {
                throw SluiceException.Invalid("deadLetterQueue",
                    $"dead-letter queue '{dlq}' leads back to '{hop}' through its own deadLetterQueue chain: dead letters would cycle; break the loop");
            }

            if (find(hop) is not { } hopInfo)
            {
                break;
            }

            next = hopInfo;
        }

        if (target.Options.Fifo != options.Fifo)
        {
            throw SluiceException.Invalid("deadLetterQueue",
                $"dead-letter queue '{dlq}' is {(target.Options.Fifo ? "FIFO" : "standard")} but '{name}' is {(options.Fifo ? "FIFO" : "standard")}: both must be of the same kind");
        }
    }

    /// <summary>
    /// The check of a queue delete, decided inside the store's transaction with the delete: a queue that another queue
    /// names as its dead-letter queue stays.
    /// </summary>
    /// <param name="name">The queue being deleted.</param>
    /// <param name="users">The other queues whose <see cref="QueueOptions.DeadLetterQueue"/> is <paramref name="name"/> (read in the transaction).</param>
    /// <exception cref="SluiceException">queue_in_use (field queue) when <paramref name="users"/> is not empty.</exception>
    public static void CheckDeletable(string name, IEnumerable<string> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var names = users.Where(u => u != name).Order(StringComparer.Ordinal).ToList();
        if (names.Count > 0)
        {
            throw new SluiceException(ErrorCodes.QueueInUse,
                $"queue '{name}' is the dead-letter queue of {string.Join(", ", names.Select(u => $"'{u}'"))}: change their deadLetterQueue first", "queue");
        }
    }

    /// <summary>Whether a queue holding <paramref name="count"/> messages of <paramref name="bytes"/> body bytes stays within its max length and max length in bytes.</summary>
    /// <param name="options">The queue's options.</param>
    /// <param name="count">Messages the queue would hold.</param>
    /// <param name="bytes">Body bytes the queue would hold.</param>
    public static bool Fits(QueueOptions options, long count, long bytes)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (options.MaxLength is not { } maxLength || count <= maxLength) && (options.MaxLengthBytes is not { } maxBytes || bytes <= maxBytes);
    }

    /// <summary>
    /// Makes room for a publish of <paramref name="addCount"/> messages (<paramref name="addBytes"/> body bytes) in a
    /// queue that holds <paramref name="count"/> messages (<paramref name="bytes"/> bytes), under the queue's overflow
    /// policy. Nothing to do when the publish fits. Under <see cref="OverflowPolicy.Reject"/>, or when the publish alone
    /// passes a limit (it could never fit), the publish is refused before anything is evicted. Otherwise the oldest ready
    /// messages are evicted, in <paramref name="oldestReady"/>'s order, until it fits; when they run out first, the
    /// publish is refused (the messages in the way are in flight or delayed). An eviction dead-letters the message when
    /// <see cref="DeadLettersOnOverflow"/> holds and the queue's dead-letter queue exists, and deletes it otherwise.
    /// </summary>
    /// <typeparam name="TMessage">The store's handle of a stored message.</typeparam>
    /// <param name="queue">The queue published to.</param>
    /// <param name="count">Messages the queue holds now.</param>
    /// <param name="bytes">Body bytes the queue holds now.</param>
    /// <param name="addCount">Messages the publish adds (duplicates excluded).</param>
    /// <param name="addBytes">Body bytes the publish adds.</param>
    /// <param name="oldestReady">
    /// The queue's ready messages (visible, not leased) with their body sizes, oldest (lowest sequence) first; read
    /// lazily, only as far as needed.
    /// </param>
    /// <param name="evict">Evicts one message (dead-letters or deletes it); called for each message, in order, before the next is read.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueFull"/> (transient) when no room can be made; <paramref name="evict"/> may have run by then, so a store applies the whole publish atomically.</exception>
    public static void MakeRoom<TMessage>(QueueInfo queue, long count, long bytes, long addCount, long addBytes,
        IEnumerable<(TMessage Message, long Size)> oldestReady, Action<TMessage> evict)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(oldestReady);
        ArgumentNullException.ThrowIfNull(evict);
        var options = queue.Options;
        if (addCount == 0 || Fits(options, count + addCount, bytes + addBytes))
        {
            return;
        }

        if (options.OverflowPolicy == OverflowPolicy.Reject || !Fits(options, addCount, addBytes))
        {
            throw StoreErrors.QueueFull(queue, count, bytes, addCount, addBytes);
        }

        long left = count, leftBytes = bytes;
        foreach (var (message, size) in oldestReady)
        {
            evict(message);
            left--;
            leftBytes -= size;
            if (Fits(options, left + addCount, leftBytes + addBytes))
            {
                return;
            }
        }

        throw StoreErrors.QueueFull(queue, count, bytes, addCount, addBytes);
    }

    /// <summary>
    /// Whether the messages evicted to make room go to the queue's dead-letter queue (policy
    /// <see cref="OverflowPolicy.DeadLetterHead"/>, when that queue exists) rather than being deleted.
    /// </summary>
    public static bool DeadLettersOnOverflow(QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.OverflowPolicy == OverflowPolicy.DeadLetterHead;
    }

    /// <summary>
    /// The end of one redrive step: <paramref name="moved"/> messages moved and <paramref name="remaining"/> left in the
    /// dead-letter queue; but when nothing moved because a destination had no room (<see cref="Fits"/> for one more
    /// message), <see cref="ErrorCodes.QueueFull"/> (transient) naming it, so the redrive waits instead of ending.
    /// </summary>
    /// <param name="moved">Messages moved in this step.</param>
    /// <param name="remaining">Messages left in the dead-letter queue.</param>
    /// <param name="fullDestination">A destination that had no room during the step, or <see langword="null"/>.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueFull"/> when <paramref name="moved"/> is 0 and a destination was full.</exception>
    public static RedriveStep EndRedriveStep(int moved, long remaining, string? fullDestination) =>
        moved == 0 && fullDestination is not null
            ? throw StoreErrors.RedriveTargetFull(fullDestination)
            : new RedriveStep(moved, remaining);

    /// <summary>
    /// Whether a message received <paramref name="receiveCount"/> times has used up the queue's max receive count:
    /// then a receive (or a nack) moves it to the dead-letter queue, when that queue exists, instead of delivering it
    /// (or releasing it).
    /// </summary>
    public static bool ReceivesUsedUp(QueueOptions options, int receiveCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxReceiveCount is { } max && receiveCount >= max;
    }

    /// <summary>
    /// Decides whether a handle still speaks for the message it names (ack: <paramref name="requireInFlight"/> off;
    /// nack and extend: on). Missing from the queue, or a fencing token newer than the message's: message_not_found.
    /// An older token: receipt_handle_stale. Not leased when it must be: message_not_in_flight. On a FIFO queue, a lease
    /// that ended (it unlocked the group): receipt_handle_stale (expired).
    /// </summary>
    /// <param name="queue">The queue the request names.</param>
    /// <param name="handle">The parsed handle (<see cref="ReceiptHandle.Parse(string, QueueInfo)"/>, called before any message is looked up).</param>
    /// <param name="stored">The message the handle's sequence names in <paramref name="queue"/>, or <see langword="null"/> when there is none.</param>
    /// <param name="requireInFlight">Whether the message must be leased.</param>
    /// <param name="now">The store's current time.</param>
    /// <exception cref="SluiceException">message_not_found, receipt_handle_stale or message_not_in_flight.</exception>
    public static void CheckHandle(QueueInfo queue, ReceiptHandle handle, LeaseState? stored, bool requireInFlight, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (stored is not { } m)
        {
            throw ReceiptHandle.NotFound(queue.Name);
        }

        if (handle.Attempt > m.Generation)
        {
            throw ReceiptHandle.NeverLeased(queue.Name);
        }

        if (handle.Attempt != m.Generation)
        {
            throw ReceiptHandle.Stale(queue.Name);
        }

        if (requireInFlight && !m.Leased)
        {
            throw ReceiptHandle.NotInFlight(queue.Name);
        }

        if (queue.Options.Fifo && (!m.Leased || m.VisibleAt <= now))
        {
            // FIFO: once the lease ended, the group is unlocked; the handle no longer speaks for the message.
            throw ReceiptHandle.Expired(queue.Name);
        }
    }
}

/// <summary>What <see cref="QueueRules.CheckHandle"/> needs of a stored message.</summary>
/// <param name="Generation">The message's lease generation (the latest fencing token).</param>
/// <param name="Leased">Whether the message was leased by a receive and not released since.</param>
/// <param name="VisibleAt">When the message is (or became) visible: a lease's end while leased.</param>
public readonly record struct LeaseState(int Generation, bool Leased, DateTimeOffset VisibleAt);

/// <summary>
/// The plan of one publish (<see cref="QueueRules.PlanPublish"/>): which messages are new and which are duplicates,
/// with the result each gets. A store stores the new ones, reports their sequence numbers with <see cref="Stored"/>,
/// and returns <see cref="Complete"/>.
/// </summary>
public sealed class PublishPlan
{
    private readonly PublishResult[] _results;
    private readonly List<(int Index, int Original)>? _batchDuplicates;

    internal PublishPlan(PublishResult[] results, string?[] keys, List<(int Index, int Original)>? batchDuplicates, long addCount, long addBytes)
    {
        _results = results;
        DeduplicationKeys = keys;
        _batchDuplicates = batchDuplicates;
        AddCount = addCount;
        AddBytes = addBytes;
    }

    /// <summary>Per message, in order: the key its deduplication id is remembered under, or <see langword="null"/> (<see cref="QueueRules.DeduplicationKey"/>).</summary>
    public IReadOnlyList<string?> DeduplicationKeys { get; }

    /// <summary>How many messages are new (to store).</summary>
    public long AddCount { get; }

    /// <summary>Body bytes of the new messages.</summary>
    public long AddBytes { get; }

    /// <summary>Whether message <paramref name="index"/> is new (to store), not a duplicate.</summary>
    public bool IsNew(int index) => !_results[index].Duplicate;

    /// <summary>The id a new message <paramref name="index"/> is stored under (UUIDv7 of the publish time).</summary>
    public Guid MessageId(int index) => _results[index].MessageId;

    /// <summary>The id of the stored message that message <paramref name="index"/> duplicates (not an earlier message of the same batch), or <see langword="null"/>.</summary>
    internal Guid? StoredDuplicateOf(int index) =>
        _results[index].Duplicate && _batchDuplicates?.Exists(d => d.Index == index) != true ? _results[index].MessageId : null;

    /// <summary>Stores new message <paramref name="index"/> under <paramref name="id"/> (a topic publish: the id its message has in another queue).</summary>
    internal void UseId(int index, Guid id)
    {
        if (!_results[index].Duplicate)
        {
            _results[index] = _results[index] with { MessageId = id };
        }
    }

    /// <summary>Records the sequence number new message <paramref name="index"/> was stored with.</summary>
    public void Stored(int index, long sequenceNumber) => _results[index] = _results[index] with { SequenceNumber = sequenceNumber };

    /// <summary>The results, in order, once every new message is stored: a duplicate of an earlier message of the same batch reports that message's id and sequence number.</summary>
    public IReadOnlyList<PublishResult> Complete()
    {
        foreach (var (index, original) in _batchDuplicates ?? [])
        {
            _results[index] = _results[original] with { Duplicate = true };
        }

        return _results;
    }
}
