using Sluice.Storage;

namespace Sluice;

/// <summary>
/// A message attribute, shaped as in the SQS API reference (MessageAttributeValue): a <see cref="DataType"/> of
/// <c>String</c>, <c>Number</c> or <c>Binary</c>, optionally followed by a custom type (<c>String.json</c>), and
/// either <see cref="StringValue"/> (String, Number) or <see cref="BinaryValue"/> (Binary).
/// </summary>
/// <param name="DataType">String, Number or Binary, optionally with a <c>.custom</c> suffix.</param>
/// <param name="StringValue">The value of a String or Number attribute.</param>
/// <param name="BinaryValue">The value of a Binary attribute.</param>
public sealed record MessageAttributeValue(string DataType, string? StringValue = null, ReadOnlyMemory<byte>? BinaryValue = null)
{
    /// <summary>A String attribute.</summary>
    public static MessageAttributeValue FromString(string value) => new("String", value);

    /// <summary>A Number attribute (the value is kept as text, as SQS does).</summary>
    public static MessageAttributeValue FromNumber(string value) => new("Number", value);

    /// <summary>A Binary attribute.</summary>
    public static MessageAttributeValue FromBinary(ReadOnlyMemory<byte> value) => new("Binary", null, value);

    /// <summary>Structural equality: the binary value compares by content.</summary>
    public bool Equals(MessageAttributeValue? other) =>
        other is not null && DataType == other.DataType && StringValue == other.StringValue &&
        BinaryValue.HasValue == other.BinaryValue.HasValue &&
        (!BinaryValue.HasValue || BinaryValue.Value.Span.SequenceEqual(other.BinaryValue!.Value.Span));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(DataType, StringValue, BinaryValue?.Length);
}

/// <summary>A message to publish.</summary>
public sealed record OutgoingMessage
{
    /// <summary>Highest priority.</summary>
    public const int MaxPriority = 9;

    /// <summary>Creates a message with a body.</summary>
    /// <param name="body">The body bytes; at most the queue's <see cref="QueueOptions.MaxMessageSize"/>.</param>
    public OutgoingMessage(ReadOnlyMemory<byte> body) => Body = body;

    /// <summary>The body bytes.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Attributes (name to value). Default none; at most 10 with names of 1-256 characters.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; init; }

    /// <summary>Priority 0 (default, lowest) to 9 (highest): higher priorities are delivered first, FIFO within a priority.</summary>
    public int Priority { get; init; }

    /// <summary>Delay before the message becomes visible. Default: the queue's <see cref="QueueOptions.DeliveryDelay"/>; 0 to 14 days.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>
    /// Deduplication id, 1-128 printable ASCII characters: a second publish with the same id within the queue's
    /// <see cref="QueueOptions.DeduplicationWindow"/> is acknowledged with the original message id and not enqueued.
    /// </summary>
    public string? DeduplicationId { get; init; }

    /// <summary>
    /// Message group id, 1-128 printable ASCII characters. Required on FIFO queues (order is kept within a group);
    /// allowed and kept on standard queues.
    /// </summary>
    public string? MessageGroupId { get; init; }
}

/// <summary>The outcome of one publish.</summary>
/// <param name="MessageId">The message id (a time-ordered 128-bit UUIDv7); for a duplicate, the original message's id.</param>
/// <param name="Duplicate">Whether the publish was a duplicate within the deduplication window (nothing was enqueued).</param>
public readonly record struct PublishResult(Guid MessageId, bool Duplicate)
{
    /// <summary>The store's sequence number of the message (increasing in publish order within its queue and message group; not comparable across queues); for a duplicate, the original's.</summary>
    public long SequenceNumber { get; init; }
}

/// <summary>Where a stored message is in its life.</summary>
public enum MessageState
{
    /// <summary>Visible: the next receive may deliver it.</summary>
    Ready = 0,

    /// <summary>Not yet visible: published with a delay, or released by a nack with a delay.</summary>
    Delayed = 1,

    /// <summary>Leased by a consumer until <see cref="QueueMessage.VisibleAt"/>.</summary>
    InFlight = 2,
}

/// <summary>A message as delivered by a receive (with a receipt handle) or shown by a peek (without one).</summary>
public sealed record QueueMessage
{
    /// <summary>The message id (UUIDv7, time-ordered).</summary>
    public required Guid MessageId { get; init; }

    /// <summary>The body bytes.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Attributes given at publish (empty when none).</summary>
    public required IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; init; }

    /// <summary>The priority, 0-9.</summary>
    public int Priority { get; init; }

    /// <summary>When the message was first published.</summary>
    public DateTimeOffset SentAt { get; init; }

    /// <summary>How many times the message has been received (including this delivery). Reset when it moves to a dead-letter queue.</summary>
    public int ReceiveCount { get; init; }

    /// <summary>When the message was first received, or <see langword="null"/> if never.</summary>
    public DateTimeOffset? FirstReceivedAt { get; init; }

    /// <summary>When the message becomes (or became) visible: the lease expiry for an in-flight message.</summary>
    public DateTimeOffset VisibleAt { get; init; }

    /// <summary>The state when this copy was read.</summary>
    public MessageState State { get; init; }

    /// <summary>The receipt handle to ack, nack or extend this delivery; <see langword="null"/> for a peek.</summary>
    public string? ReceiptHandle { get; init; }

    /// <summary>The deduplication id given at publish (or derived from the body), if any.</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>The message group id given at publish, if any.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>The store's sequence number (increasing in publish order within the message's queue and message group; kept when the message moves; not comparable across queues).</summary>
    public long SequenceNumber { get; init; }

    /// <summary>Why the message is in a dead-letter queue; <see langword="null"/> for a message that never was dead-lettered.</summary>
    public DeadLetterInfo? DeadLetter { get; init; }

    /// <summary>
    /// The error given with the message's latest nack (or dead-lettering) that carried one, at most 4,096 characters;
    /// <see langword="null"/> when none was given. A consumer reads it to carry a failure history forward (e.g.
    /// <see cref="FailureDetails.TryParse"/>). Cleared when a redrive moves the message back.
    /// </summary>
    public string? LastError { get; init; }

    /// <summary>
    /// Set only by a state machine whose bodies are read later (<c>StateMachineHooks.DeferBodyReads</c>): the stored body
    /// that the log store reads (checksum verified) into <see cref="Body"/> after the call, outside the state lock.
    /// </summary>
    internal StoredBody? StoredBody { get; init; }
}

/// <summary>Why and from where a message was dead-lettered.</summary>
/// <param name="SourceQueue">The queue the message was moved from.</param>
/// <param name="Reason">Why: <c>max_receive_count</c>, <c>overflow</c> or <c>rejected</c>.</param>
/// <param name="Attempts">How many times it had been received in the source queue.</param>
/// <param name="LastError">The error given with the last nack, if any.</param>
/// <param name="DeadLetteredAt">When it was moved.</param>
public sealed record DeadLetterInfo(string SourceQueue, string Reason, int Attempts, string? LastError, DateTimeOffset DeadLetteredAt)
{
    /// <summary>Reason for a message received more than the source queue's max receive count.</summary>
    public const string MaxReceiveCountReason = "max_receive_count";

    /// <summary>Reason for a message pushed out by the source queue's <see cref="OverflowPolicy.DeadLetterHead"/>.</summary>
    public const string OverflowReason = "overflow";

    /// <summary>Reason for a message a consumer dead-lettered explicitly (<c>Broker.DeadLetterAsync</c>), e.g. a failure not worth retrying.</summary>
    public const string RejectedReason = "rejected";
}

/// <summary>The outcome of one entry of a batch operation.</summary>
/// <param name="ErrorCode">The error code (one of <see cref="ErrorCodes"/>), or <see langword="null"/> when the entry succeeded.</param>
/// <param name="ErrorMessage">The error message, or <see langword="null"/> when the entry succeeded.</param>
public readonly record struct BatchItemResult(string? ErrorCode, string? ErrorMessage)
{
    /// <summary>A successful entry.</summary>
    public static BatchItemResult Ok => default;

    /// <summary>Whether the entry succeeded.</summary>
    public bool Succeeded => ErrorCode is null;

    /// <summary>A failed entry built from an exception.</summary>
    public static BatchItemResult From(SluiceException error) => new(error.ErrorCode, error.Message);
}
