namespace Sluice;

/// <summary>What a queue does when a publish would take it past <see cref="QueueOptions.MaxLength"/> or <see cref="QueueOptions.MaxLengthBytes"/>.</summary>
public enum OverflowPolicy
{
    /// <summary>Refuse the publish with <see cref="ErrorCodes.QueueFull"/> (transient): producers get back-pressure. The default.</summary>
    Reject = 0,

    /// <summary>Delete the oldest ready messages to make room.</summary>
    DropHead = 1,

    /// <summary>Move the oldest ready messages to the queue's dead-letter queue to make room.</summary>
    DeadLetterHead = 2,
}

/// <summary>How far a deduplication id reaches.</summary>
public enum DeduplicationScope
{
    /// <summary>Ids are unique across the whole queue. The default.</summary>
    Queue = 0,

    /// <summary>Ids are unique within a message group (the same id in two groups is two messages).</summary>
    MessageGroup = 1,
}

/// <summary>
/// Options of one queue. Unset values take the documented defaults; <see cref="Broker"/> validates every value
/// when a queue is created or updated.
/// </summary>
public sealed record QueueOptions
{
    /// <summary>Longest queue name, in characters (a FIFO queue's <c>.fifo</c> suffix included).</summary>
    public const int MaxNameLength = 80;

    /// <summary>The name suffix every FIFO queue has.</summary>
    public const string FifoSuffix = ".fifo";

    /// <summary>
    /// A FIFO queue: strict order within a message group, and while a group has a message in flight its later
    /// messages wait. Its name ends in <c>.fifo</c>; messages need a message group id and a deduplication id (or
    /// <see cref="ContentBasedDeduplication"/>); priorities and per-message delays are not allowed. Default
    /// <see langword="false"/> (a standard queue); fixed at creation.
    /// </summary>
    public bool Fifo { get; init; }

    /// <summary>FIFO only: a message without a deduplication id is deduplicated by the SHA-256 of its body. Default <see langword="false"/>.</summary>
    public bool ContentBasedDeduplication { get; init; }

    /// <summary>Whether deduplication ids are unique per queue (default) or per message group.</summary>
    public DeduplicationScope DeduplicationScope { get; init; } = DeduplicationScope.Queue;

    /// <summary>Long-poll wait of a receive that does not name one. Default 0; 0 to 20 seconds (the SQS range).</summary>
    public TimeSpan ReceiveWaitTime { get; init; } = TimeSpan.Zero;

    /// <summary>Tags (key to value; at most 50), for the caller's bookkeeping. Default none.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = Empty;

    /// <summary>
    /// Settings a protocol face keeps for its clients without Sluice acting on them (for example the SQS
    /// <c>Policy</c> or <c>KmsMasterKeyId</c> attributes), name to value. Default none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = Empty;

    /// <summary>Lease length given to received messages when the receive request names none. Default 30 seconds; 0 to 12 hours.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Delay applied to messages published without their own delay. Default 0; 0 to 14 days.</summary>
    public TimeSpan DeliveryDelay { get; init; } = TimeSpan.Zero;

    /// <summary>How long a message is kept in the queue before it is deleted unreceived. Default 4 days; 1 minute to 365 days.</summary>
    public TimeSpan RetentionPeriod { get; init; } = TimeSpan.FromDays(4);

    /// <summary>Largest body accepted, in bytes. Default 1 MiB (1,048,576); 1 byte to 16 MiB.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// Receives after which a message that is not acknowledged moves to <see cref="DeadLetterQueue"/>. Default
    /// <see langword="null"/> (never); 1 to 1,000. Requires <see cref="DeadLetterQueue"/>.
    /// </summary>
    public int? MaxReceiveCount { get; init; }

    /// <summary>Name of the queue that receives this queue's dead letters. Default <see langword="null"/>. It must exist.</summary>
    public string? DeadLetterQueue { get; init; }

    /// <summary>Most messages the queue holds (all states). Default <see langword="null"/> (unbounded); at least 1.</summary>
    public long? MaxLength { get; init; }

    /// <summary>Most body bytes the queue holds (all states). Default <see langword="null"/> (unbounded); at least 1.</summary>
    public long? MaxLengthBytes { get; init; }

    /// <summary>What a publish past <see cref="MaxLength"/> or <see cref="MaxLengthBytes"/> does. Default <see cref="OverflowPolicy.Reject"/>.</summary>
    public OverflowPolicy OverflowPolicy { get; init; } = OverflowPolicy.Reject;

    /// <summary>
    /// How long a deduplication id is remembered: a publish with an id seen within the window is acknowledged with the
    /// original message id and not enqueued again. Default 5 minutes; 0 (off) to 30 days.
    /// </summary>
    public TimeSpan DeduplicationWindow { get; init; } = TimeSpan.FromMinutes(5);

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Value equality, comparing <see cref="Tags"/> and <see cref="Properties"/> by content.</summary>
    public bool Equals(QueueOptions? other) =>
        other is not null &&
        VisibilityTimeout == other.VisibilityTimeout && DeliveryDelay == other.DeliveryDelay &&
        RetentionPeriod == other.RetentionPeriod && MaxMessageSize == other.MaxMessageSize &&
        MaxReceiveCount == other.MaxReceiveCount && DeadLetterQueue == other.DeadLetterQueue &&
        MaxLength == other.MaxLength && MaxLengthBytes == other.MaxLengthBytes && OverflowPolicy == other.OverflowPolicy &&
        DeduplicationWindow == other.DeduplicationWindow && Fifo == other.Fifo &&
        ContentBasedDeduplication == other.ContentBasedDeduplication && DeduplicationScope == other.DeduplicationScope &&
        ReceiveWaitTime == other.ReceiveWaitTime && SameEntries(Tags, other.Tags) && SameEntries(Properties, other.Properties);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(VisibilityTimeout, RetentionPeriod, MaxMessageSize, DeadLetterQueue, Fifo, Tags.Count, Properties.Count);

    private static bool SameEntries(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>A queue as stored: its name, options and creation time.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Options">The queue's options.</param>
/// <param name="CreatedAt">When the queue was created.</param>
public sealed record QueueInfo(string Name, QueueOptions Options, DateTimeOffset CreatedAt);
