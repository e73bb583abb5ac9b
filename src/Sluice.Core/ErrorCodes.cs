namespace Sluice;

/// <summary>
/// Stable error codes carried by <see cref="SluiceException.ErrorCode"/>. Each protocol adapter maps these codes,
/// never message text, to its own error format. Every code has a line in <c>docs/errors.md</c>.
/// </summary>
public static class ErrorCodes
{
    /// <summary>A request field broke a rule (range, format, length); <see cref="SluiceException.Field"/> names it.</summary>
    public const string InvalidArgument = "invalid_argument";

    /// <summary>A queue name does not follow the naming rule (1-80 characters from A-Z a-z 0-9 - _).</summary>
    public const string InvalidQueueName = "invalid_queue_name";

    /// <summary>The named queue does not exist.</summary>
    public const string QueueNotFound = "queue_not_found";

    /// <summary>A queue with that name exists with different options.</summary>
    public const string QueueAlreadyExists = "queue_already_exists";

    /// <summary>The queue cannot be deleted or changed that way because another queue uses it as its dead-letter queue.</summary>
    public const string QueueInUse = "queue_in_use";

    /// <summary>A message body is larger than the queue's maximum message size.</summary>
    public const string MessageTooLarge = "message_too_large";

    /// <summary>The queue is at its maximum length and its overflow policy is <c>reject</c>; retry later (transient).</summary>
    public const string QueueFull = "queue_full";

    /// <summary>A receipt handle is malformed or was not issued by this queue.</summary>
    public const string ReceiptHandleInvalid = "receipt_handle_invalid";

    /// <summary>A receipt handle's fencing token is stale: the message was received again after it was issued.</summary>
    public const string ReceiptHandleStale = "receipt_handle_stale";

    /// <summary>The message a receipt handle names no longer exists (already acknowledged, purged, expired or moved).</summary>
    public const string MessageNotFound = "message_not_found";

    /// <summary>The message named by the receipt handle is not leased (it was released by a nack).</summary>
    public const string MessageNotInFlight = "message_not_in_flight";

    /// <summary>A topic name does not follow the naming rule (1-80 characters from A-Z a-z 0-9 - _; no .fifo suffix or prefix:, unlike queue names).</summary>
    public const string InvalidTopicName = "invalid_topic_name";

    /// <summary>The named topic does not exist.</summary>
    public const string TopicNotFound = "topic_not_found";

    /// <summary>The queue is subscribed to the topic already, with different options (routing-key pattern or filter policy).</summary>
    public const string SubscriptionAlreadyExists = "subscription_already_exists";

    /// <summary>The queue is not subscribed to the topic.</summary>
    public const string SubscriptionNotFound = "subscription_not_found";

    /// <summary>The topic has <see cref="Storage.TopicRules.MaxSubscriptionsPerTopic"/> subscriptions already.</summary>
    public const string SubscriptionLimitExceeded = "subscription_limit_exceeded";

    /// <summary>The redrive task does not exist.</summary>
    public const string RedriveNotFound = "redrive_not_found";

    /// <summary>A dead-letter group id is well-formed but no dead letter of the queue (at or before the action's cutoff) is in that group.</summary>
    public const string DeadLetterGroupNotFound = "dead_letter_group_not_found";

    /// <summary>A redrive of the same queue (and the same group, for a group redrive) is running; the message names its id.</summary>
    public const string RedriveInProgress = "redrive_in_progress";

    /// <summary>A stream, group or consumer name breaks the naming rule (1-1,024 characters, no control characters).</summary>
    public const string InvalidStreamName = "invalid_stream_name";

    /// <summary>The named stream does not exist.</summary>
    public const string StreamNotFound = "stream_not_found";

    /// <summary>The named consumer group does not exist (or its stream does not).</summary>
    public const string StreamGroupNotFound = "stream_group_not_found";

    /// <summary>A consumer group with that name already exists on the stream.</summary>
    public const string StreamGroupExists = "stream_group_exists";

    /// <summary>A stream entry id is not of the form <c>&lt;ms&gt;-&lt;seq&gt;</c> (unsigned 64-bit decimals).</summary>
    public const string StreamIdInvalid = "stream_id_invalid";

    /// <summary>An explicit stream id is equal to or smaller than the stream's top item (or is 0-0).</summary>
    public const string StreamIdTooSmall = "stream_id_too_small";

    /// <summary>The stream's last id is the largest possible id: no id can be generated after it.</summary>
    public const string StreamIdExhausted = "stream_id_exhausted";

    /// <summary>
    /// A conditional key-value write or delete found another version than the one it expected (the record changed, was
    /// created, or does not exist); nothing was changed. Read the record again and decide anew.
    /// </summary>
    public const string VersionConflict = "version_conflict";

    /// <summary>The request could not be parsed (malformed JSON, wrong content type).</summary>
    public const string MalformedRequest = "malformed_request";

    /// <summary>The request is larger than the server accepts.</summary>
    public const string RequestTooLarge = "request_too_large";

    /// <summary>The request body arrived too slowly and the server stopped waiting for it (HTTP 408); nothing was done (transient).</summary>
    public const string RequestTimeout = "request_timeout";

    /// <summary>The server's storage is full: nothing of the request was stored (transient: retry once space is freed).</summary>
    public const string StorageFull = "storage_full";

    /// <summary>The server's storage failed (read-only, I/O error, damaged file): nothing of the request was stored (transient).</summary>
    public const string StorageFailed = "storage_failed";

    /// <summary>The broker is shutting down or its store is unavailable (transient).</summary>
    public const string Unavailable = "unavailable";

    /// <summary>
    /// The broker's store does not implement the storage concern a request needs (streams or topics on a store that
    /// keeps queues only); not transient: configure a store that implements it.
    /// </summary>
    public const string NotSupported = "not_supported";

    /// <summary>
    /// The request carries no credentials, or credentials Sluice does not know (an unknown, revoked or malformed API
    /// key, an invalid JWT, an unknown SigV4 access key id or a signature that does not match).
    /// </summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>
    /// The caller is known but its permissions do not allow this action on this resource
    /// (<see cref="Sluice.Security.SluicePermissions"/>); nothing was done.
    /// </summary>
    public const string AccessDenied = "access_denied";

    /// <summary>An unexpected failure inside Sluice; the request may or may not have taken effect.</summary>
    public const string Internal = "internal_error";
}
