namespace Sluice.Storage;

/// <summary>The result of one receive from a store.</summary>
/// <param name="Messages">The leased messages (receive count incremented, receipt handle set), in delivery order.</param>
/// <param name="NextVisibleAt">
/// When <paramref name="Messages"/> is empty: the earliest time a message of the queue becomes visible (a delay or a
/// lease ending), or <see langword="null"/> when nothing is pending. Otherwise unspecified.
/// </param>
public readonly record struct ReceiveResult(IReadOnlyList<QueueMessage> Messages, DateTimeOffset? NextVisibleAt);

/// <summary>The result of one redrive step.</summary>
/// <param name="Moved">Messages moved in this step.</param>
/// <param name="Remaining">Messages left in the dead-letter queue after this step.</param>
public readonly record struct RedriveStep(int Moved, long Remaining);

/// <summary>What happened to one message of a <see cref="IQueueStore.DeleteMessagesAsync"/> or <see cref="IQueueStore.MoveMessagesAsync"/> call.</summary>
public enum MessageSetOutcome
{
    /// <summary>Deleted or moved.</summary>
    Done = 0,

    /// <summary>Skipped: leased by a consumer of the queue (in flight) at that moment.</summary>
    Leased = 1,

    /// <summary>Skipped: no queue to move it to (no source queue recorded, or it no longer exists, or it is the queue itself) or the destination has no room.</summary>
    Unmovable = 2,

    /// <summary>Skipped: no message with that sequence number is in the queue (any more).</summary>
    Missing = 3,
}

/// <summary>
/// The storage contract for queues, one of three concerns a store may implement: queues (<see cref="IQueueStore"/>,
/// every store), topics (<c>ITopicStore</c>: atomic publish to several queues in one transaction) and streams
/// (<c>IStreamStore</c>: append, range, consumer groups, pending lists). A store declares the concerns it implements by
/// the interfaces it implements; the broker is built over the store as an <see cref="IQueueStore"/> and reaches any
/// other concern by testing the same object for that interface when a request needs it, answering
/// <see cref="ErrorCodes.NotSupported"/> when the store does not implement it. The change feed that wakes waiters is a
/// concern too (<see cref="IChangeFeed"/>): a store shared by several processes implements it, any other store is
/// served by <see cref="LocalChangeFeed.For"/>. Every method is atomic, reads time from
/// the <see cref="TimeProvider"/> the store was built with, and returns only once its effect is durable (for a durable
/// store). The broker validates arguments before calling a store, and the rules every store shares (deduplication keys,
/// room under overflow policies, receipt-handle decisions, "already exists" comparisons, their error texts) live once
/// in <see cref="QueueRules"/>: a store keeps storage only, and still refuses unknown queues and bad handles with
/// <see cref="SluiceException"/>. Every store passes the queue conformance suite in <c>tests/Sluice.Storage.Conformance</c>.
/// </summary>
/// <remarks>
/// Semantics every store keeps:
/// <list type="bullet">
/// <item>Delivery order: highest priority first; within a priority by visible time, then by sequence (publish order).</item>
/// <item>Receive leases each message for the given visibility timeout: receive count + 1, first-receive time set once,
/// a new receipt handle (<see cref="ReceiptHandle.Issue"/>: bound to the queue, fencing token = the new lease
/// generation), and the receive time kept with the lease (durably) for the 12-hour limit. A candidate whose receive count already reached
/// the queue's max receive count is moved to the dead-letter queue instead of being delivered.</item>
/// <item>Every handle is parsed with <see cref="ReceiptHandle.Parse(string, QueueInfo)"/> before any message is looked
/// up: a handle another queue (or an earlier queue of the same name) issued is receipt_handle_invalid.</item>
/// <item>Extending a lease applies <see cref="LeaseLimit.Check"/>: it ends at most 12 hours after the receive that
/// started it (a restart, for a retried receive, counts as that receive).</item>
/// <item>Ack deletes; a handle whose attempt is not the latest is stale. Ack of a message whose lease expired but that
/// was not received again succeeds (the handle is still the latest).</item>
/// <item>Nack releases the lease (visible after the delay) and records the error; if the receive count reached the max
/// receive count the message moves to the dead-letter queue at once.</item>
/// <item>Dead-lettering keeps the message id, body, attributes and sent time; it records source queue, reason, attempts and
/// last error; the receive count restarts at 0. Moves into a dead-letter queue ignore its max length.</item>
/// <item>Publish of a batch is all-or-nothing. A deduplication id seen within the window returns the original id with
/// <see cref="PublishResult.Duplicate"/> set and enqueues nothing, also after the original was acked.</item>
/// <item>Retention counts from when a message entered its current queue.</item>
/// <item>Deduplication ids are remembered per queue, or per (message group, id) when the queue's
/// <see cref="QueueOptions.DeduplicationScope"/> is <see cref="DeduplicationScope.MessageGroup"/>; a duplicate reports the
/// original's id and sequence number.</item>
/// <item>FIFO queues (<see cref="QueueOptions.Fifo"/>): a message is delivered only when every earlier message of its
/// message group is gone or delivered in the same receive; so while a group has a message in flight (also when its
/// lease was extended) or delayed, the group's later messages wait, and publishing to the group does not unlock it.
/// A receive may return several consecutive messages of one group.</item>
/// <item>Sequence numbers are positive, never reused, and kept when a message moves; they strictly increase in publish
/// order within a queue and within a message group. Nothing is promised across queues: a store shared by several
/// nodes cannot keep a store-wide order, so callers never compare sequence numbers of different queues (a store may
/// still use one store-wide counter).</item>
/// </list>
/// </remarks>
public interface IQueueStore : IAsyncDisposable
{
    /// <summary>Opens the store (creates files and schema as needed) and recovers its state. Called once before any other method.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a queue. Creating an existing queue with equal options returns it unchanged.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueAlreadyExists"/> when it exists with other options.</exception>
    ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default);

    /// <summary>Gets a queue, or <see langword="null"/> when it does not exist.</summary>
    ValueTask<QueueInfo?> GetQueueAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lists all queues ordered by name.</summary>
    ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces a queue's options; messages already stored keep their state.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueNotFound"/>.</exception>
    ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default);

    /// <summary>Deletes a queue and all its messages and deduplication ids.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueNotFound"/>.</exception>
    ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Publishes messages atomically (all or none), applying deduplication and the overflow policy.</summary>
    /// <returns>One result per message, in order.</returns>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueNotFound"/>; <see cref="ErrorCodes.QueueFull"/> (transient) under <see cref="OverflowPolicy.Reject"/>.</exception>
    ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Leases up to <paramref name="maxMessages"/> visible messages for <paramref name="visibilityTimeout"/>.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueNotFound"/>.</exception>
    ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>Acknowledges (deletes) messages by receipt handle, each entry independently.</summary>
    /// <returns>One result per handle, in order: receipt_handle_invalid, message_not_found or receipt_handle_stale on failure.</returns>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.QueueNotFound"/>.</exception>
    ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease: the message becomes visible after <paramref name="delay"/>, with <paramref name="lastError"/> recorded as its last error.</summary>
    /// <exception cref="SluiceException">queue_not_found, receipt_handle_invalid, message_not_found, receipt_handle_stale, message_not_in_flight.</exception>
    ValueTask NackAsync(string queue, string receiptHandle, TimeSpan delay, string? lastError, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a received message to the queue's dead-letter queue at once (reason <see cref="DeadLetterInfo.RejectedReason"/>,
    /// attempts = its receive count), with <paramref name="lastError"/> recorded as its last error (kept when null).
    /// The handle is checked as for an ack (the latest fencing token; a lease that expired without a new receive still counts).
    /// </summary>
    /// <exception cref="SluiceException">queue_not_found, invalid_argument (the queue has no dead-letter queue: <see cref="StoreErrors.NoDeadLetterQueue"/>), receipt_handle_invalid, message_not_found, receipt_handle_stale.</exception>
    ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError, CancellationToken cancellationToken = default);

    /// <summary>Sets a leased message's lease to end <paramref name="visibilityTimeout"/> from now (a heartbeat; 0 releases it).</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="receiptHandle">The handle from the receive.</param>
    /// <param name="visibilityTimeout">The new lease length from now.</param>
    /// <param name="restart">
    /// <see langword="false"/> (a heartbeat): the lease may end at most 12 hours after its receive (<see cref="LeaseLimit.Check"/>).
    /// <see langword="true"/> (a retried receive): the lease restarts as a receive does, so its 12 hours count from now.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The new lease end.</returns>
    /// <exception cref="SluiceException">queue_not_found, invalid_argument (past the 12-hour limit), receipt_handle_invalid, message_not_found, receipt_handle_stale, message_not_in_flight.</exception>
    ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, bool restart = false, CancellationToken cancellationToken = default);

    /// <summary>Deletes every message of a queue (all states).</summary>
    /// <returns>How many were deleted.</returns>
    ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Reads up to <paramref name="maxMessages"/> messages in delivery order without leasing them (in-flight and delayed ones after the ready ones).</summary>
    ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default);

    /// <summary>Counts a queue's messages by state.</summary>
    ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves up to <paramref name="maxMessages"/> of the oldest messages out of a dead-letter queue: each to
    /// <paramref name="destination"/>, or when that is <see langword="null"/> to the queue it was dead-lettered from
    /// (a message whose source queue no longer exists stays). Moved messages are ready, receive count 0, no dead-letter info.
    /// </summary>
    /// <exception cref="SluiceException">queue_not_found for the dead-letter queue or the destination.</exception>
    ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a page of a queue's messages in sequence order without leasing or changing anything: up to
    /// <paramref name="maxMessages"/> messages (every state) with a sequence number greater than
    /// <paramref name="afterSequence"/>. Pass the last sequence number read to get the next page; a page shorter than
    /// <paramref name="maxMessages"/> is the last. Each page is read atomically; messages may change between pages.
    /// </summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="afterSequence">Read messages after this sequence number; 0 from the start.</param>
    /// <param name="maxMessages">Page size, 1 or more.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">queue_not_found.</exception>
    ValueTask<IReadOnlyList<QueueMessage>> ScanAsync(string queue, long afterSequence, int maxMessages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the given messages of a queue, in one transaction. A message leased at that moment (in flight) is skipped
    /// (<see cref="MessageSetOutcome.Leased"/>), as is a sequence number not in the queue (<see cref="MessageSetOutcome.Missing"/>).
    /// </summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="sequences">Sequence numbers of the messages; at most 1,000.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>One outcome per sequence number, in order.</returns>
    /// <exception cref="SluiceException">queue_not_found.</exception>
    ValueTask<IReadOnlyList<MessageSetOutcome>> DeleteMessagesAsync(string queue, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the given messages of a queue, in one transaction: each to <paramref name="destination"/>, or when that is
    /// <see langword="null"/> to the queue it was dead-lettered from. A moved message is ready, receive count 0, entered
    /// its new queue now (retention counts from now), keeps its id, body, attributes, sent time and sequence number,
    /// and keeps its dead-letter information (source queue, reason, attempts, last error, time) only when
    /// <paramref name="keepDeadLetterInfo"/> is set (a redrive clears it, as <see cref="RedriveAsync"/> does).
    /// A message leased at that moment is skipped (<see cref="MessageSetOutcome.Leased"/>); one with no queue to go to
    /// or that does not fit the destination's max length is <see cref="MessageSetOutcome.Unmovable"/>; a sequence number
    /// not in the queue is <see cref="MessageSetOutcome.Missing"/>.
    /// </summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="sequences">Sequence numbers of the messages; at most 1,000.</param>
    /// <param name="destination">The queue to move to, or <see langword="null"/> for each message's source queue.</param>
    /// <param name="keepDeadLetterInfo">Whether moved messages keep their dead-letter information.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>One outcome per sequence number, in order.</returns>
    /// <exception cref="SluiceException">queue_not_found for the queue or the destination.</exception>
    ValueTask<IReadOnlyList<MessageSetOutcome>> MoveMessagesAsync(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo, CancellationToken cancellationToken = default);

    /// <summary>Deletes messages past their queue's retention period and deduplication ids past their window.</summary>
    /// <returns>Messages deleted.</returns>
    ValueTask<long> SweepAsync(CancellationToken cancellationToken = default);
}
