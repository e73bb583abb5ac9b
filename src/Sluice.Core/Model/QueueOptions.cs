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

/// <summary>
/// Options of one queue. Unset values take the documented defaults; <see cref="Broker"/> validates every value
/// when a queue is created or updated.
/// </summary>
public sealed record QueueOptions
{
    /// <summary>Longest queue name, in characters.</summary>
    public const int MaxNameLength = 80;

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
}

/// <summary>A queue as stored: its name, options and creation time.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Options">The queue's options.</param>
/// <param name="CreatedAt">When the queue was created.</param>
public sealed record QueueInfo(string Name, QueueOptions Options, DateTimeOffset CreatedAt);
