namespace Sluice.Client;

/// <summary>
/// The Sluice SDK: queues, messages, topics and streams through one interface, whether the broker runs in this
/// process (<c>InProcessSluiceClient</c>) or in a server reached over gRPC (<c>RemoteSluiceClient</c>). Code written
/// against it (the worker, applications) runs the same way in both modes.
/// </summary>
/// <remarks>
/// Methods follow the broker's semantics and argument rules (see <see cref="Broker"/>): the same defaults, units and
/// limits. Failures throw <see cref="SluiceException"/> with the broker's stable <see cref="SluiceException.ErrorCode"/>
/// (remote failures carry the same codes, say whether the request reached the server, and set
/// <see cref="SluiceException.IsTransient"/> when a retry may succeed). Cancelling a call that was already sent does not undo it: a
/// cancelled publish may still have been stored. Instances are thread-safe. The interface is split into partial
/// files by concern (queues and messages here; other concerns in <c>ISluiceClient.*.cs</c>).
/// </remarks>
public partial interface ISluiceClient : IAsyncDisposable
{
    // ---- Queues ----

    /// <summary>Creates a queue, or returns the existing one when its options are equal.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, invalid_argument, queue_already_exists (with other options).</exception>
    ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a queue.</summary>
    /// <exception cref="SluiceException">queue_not_found.</exception>
    ValueTask<QueueInfo> GetQueueAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lists every queue, by name.</summary>
    ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces a queue's options (its kind cannot change).</summary>
    /// <exception cref="SluiceException">queue_not_found, invalid_argument.</exception>
    ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default);

    /// <summary>Deletes a queue and its messages.</summary>
    /// <exception cref="SluiceException">queue_not_found, queue_in_use (it is another queue's dead-letter queue).</exception>
    ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes every message of a queue; returns how many.</summary>
    /// <exception cref="SluiceException">queue_not_found.</exception>
    ValueTask<long> PurgeQueueAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>A queue's counts and rates.</summary>
    /// <exception cref="SluiceException">queue_not_found.</exception>
    ValueTask<QueueStats> GetQueueStatsAsync(string name, CancellationToken cancellationToken = default);

    // ---- Messages ----

    /// <summary>
    /// Publishes one message; completes once it is durable. Remote clients batch concurrent publishes to one queue
    /// into one request (a short, bounded linger), so many concurrent calls cost few round trips.
    /// </summary>
    /// <exception cref="SluiceException">queue_not_found, message_too_large, queue_full (overflow <c>reject</c>: back off and retry), invalid_argument.</exception>
    ValueTask<PublishResult> PublishAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken = default);

    /// <summary>Publishes up to the broker's batch size in one call, all or nothing; results in input order.</summary>
    /// <exception cref="SluiceException">As <see cref="PublishAsync"/>.</exception>
    ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Receives (leases) up to <see cref="ReceiveOptions.MaxMessages"/> messages, long-polling when asked to.</summary>
    /// <exception cref="SluiceException">queue_not_found, invalid_argument.</exception>
    ValueTask<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, ReceiveOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Delivers a queue's messages as they become available, each leased, with credit-based flow control: at most
    /// <see cref="ConsumeOptions.Prefetch"/> delivered and not yet settled (acked, nacked, dead-lettered) at any time.
    /// Ends when <paramref name="cancellationToken"/> is cancelled; messages delivered and not settled then come back
    /// when their leases expire. A remote client reconnects with backoff when the connection drops.
    /// </summary>
    /// <exception cref="SluiceException">queue_not_found, invalid_argument.</exception>
    IAsyncEnumerable<QueueMessage> ConsumeAsync(string queue, ConsumeOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Acks (deletes) a leased message.</summary>
    /// <exception cref="SluiceException">receipt_handle_invalid, receipt_handle_stale (stale fencing token: the message may have been delivered again), message_not_found.</exception>
    ValueTask AckAsync(string queue, string receiptHandle, CancellationToken cancellationToken = default);

    /// <summary>Acks up to the broker's batch size; a result per handle, in input order.</summary>
    ValueTask<IReadOnlyList<BatchItemResult>> AckBatchAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease: visible again after <paramref name="delay"/> (default 0), <paramref name="lastError"/> (at most 4,096 characters; e.g. <see cref="FailureDetails.ToErrorText"/>) kept as the message's last error.</summary>
    /// <exception cref="SluiceException">receipt_handle_invalid, receipt_handle_stale, message_not_found, message_not_in_flight, invalid_argument.</exception>
    ValueTask NackAsync(string queue, string receiptHandle, TimeSpan? delay = null, string? lastError = null, CancellationToken cancellationToken = default);

    /// <summary>Dead-letters a leased message at once (reason <c>rejected</c>), <paramref name="lastError"/> (at most 4,096 characters; e.g. <see cref="FailureDetails.ToErrorText"/>; null keeps the last error) kept as its failure; fenced as <see cref="AckAsync"/>.</summary>
    /// <exception cref="SluiceException">receipt_handle_invalid, receipt_handle_stale, message_not_found, invalid_argument (the queue has no dead-letter queue, or the error is too long).</exception>
    ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError = null, CancellationToken cancellationToken = default);

    /// <summary>Extends (heartbeats) a lease to <paramref name="visibilityTimeout"/> from now; returns the new expiry.</summary>
    /// <exception cref="SluiceException">receipt_handle_invalid, receipt_handle_stale, message_not_found, message_not_in_flight, invalid_argument.</exception>
    ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>Reads up to <paramref name="maxMessages"/> messages without leasing them (no receipt handles).</summary>
    /// <exception cref="SluiceException">queue_not_found.</exception>
    ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages = 10, CancellationToken cancellationToken = default);

    // ---- Dead letters ----

    /// <summary>Starts moving a dead-letter queue's messages back to their source queues (or <paramref name="destination"/>), at most <paramref name="maxPerSecond"/> a second.</summary>
    /// <exception cref="SluiceException">queue_not_found, invalid_argument.</exception>
    ValueTask<RedriveStatus> StartRedriveAsync(string deadLetterQueue, string? destination = null, int maxPerSecond = 100, CancellationToken cancellationToken = default);

    /// <summary>A redrive task's progress.</summary>
    /// <exception cref="SluiceException">redrive_not_found.</exception>
    ValueTask<RedriveStatus> GetRedriveAsync(string id, CancellationToken cancellationToken = default);

    // ---- Topics ----

    /// <summary>Creates a topic, or returns the existing one.</summary>
    ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Gets a topic.</summary>
    /// <exception cref="SluiceException">topic_not_found.</exception>
    ValueTask<TopicInfo> GetTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lists every topic.</summary>
    ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a topic and its subscriptions (not their queues).</summary>
    ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Subscribes a queue to a topic (routing-key pattern and/or filter policy in <paramref name="options"/>).</summary>
    ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a subscription.</summary>
    ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default);

    /// <summary>A topic's subscriptions.</summary>
    ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>Publishes to a topic: each message is copied to every matching subscription's queue, atomically.</summary>
    ValueTask<IReadOnlyList<TopicPublishResult>> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default);

    // ---- Streams ----

    /// <summary>Appends an entry (the stream is created on first append); returns its id, or null when <see cref="StreamAppendOptions"/> said not to create a missing stream.</summary>
    ValueTask<StreamEntryId?> StreamAppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Entries from <paramref name="first"/> to <paramref name="last"/> inclusive (reversed: from last to first).</summary>
    ValueTask<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count = null, bool reverse = false, CancellationToken cancellationToken = default);

    /// <summary>Creates a consumer group.</summary>
    ValueTask StreamCreateGroupAsync(string stream, string group, StreamGroupOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a consumer group; false when there was none.</summary>
    ValueTask<bool> StreamDeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default);

    /// <summary>Reads for a consumer of a group (new entries with <c>&gt;</c>, or its pending entries from an id).</summary>
    ValueTask<IReadOnlyList<StreamReadResult>> StreamReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, StreamReadOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Acks pending entries of a group; returns how many were pending.</summary>
    ValueTask<long> StreamAckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default);

    /// <summary>A stream's length, ids, groups and retention.</summary>
    ValueTask<StreamInfo> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>Every stream's name.</summary>
    ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a stream; false when there was none.</summary>
    ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default);
}
