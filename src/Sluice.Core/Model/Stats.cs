namespace Sluice;

/// <summary>Message counts of one queue as a store computes them.</summary>
/// <param name="Ready">Messages visible now.</param>
/// <param name="InFlight">Messages leased by consumers.</param>
/// <param name="Delayed">Messages not yet visible (delayed or nacked with a delay).</param>
/// <param name="Bytes">Body bytes of all messages in the queue.</param>
/// <param name="DeadLettered">Messages now in this queue's dead-letter queue that came from this queue.</param>
/// <param name="OldestSentAt">When the oldest message in the queue entered it, or <see langword="null"/> when empty.</param>
public readonly record struct QueueCounts(long Ready, long InFlight, long Delayed, long Bytes, long DeadLettered, DateTimeOffset? OldestSentAt)
{
    /// <summary>All messages in the queue.</summary>
    public long Total => Ready + InFlight + Delayed;
}

/// <summary>Statistics of one queue.</summary>
public sealed record QueueStats
{
    /// <summary>The queue name.</summary>
    public required string Queue { get; init; }

    /// <summary>Messages visible now.</summary>
    public long Ready { get; init; }

    /// <summary>Messages leased by consumers.</summary>
    public long InFlight { get; init; }

    /// <summary>Messages not yet visible.</summary>
    public long Delayed { get; init; }

    /// <summary>Messages now in this queue's dead-letter queue that came from this queue.</summary>
    public long DeadLettered { get; init; }

    /// <summary>Body bytes of all messages in the queue.</summary>
    public long Bytes { get; init; }

    /// <summary>Age of the oldest message in the queue, or <see langword="null"/> when empty.</summary>
    public TimeSpan? OldestAge { get; init; }

    /// <summary>Messages published per second, averaged over the last minute on this server (not durable).</summary>
    public double PublishRate { get; init; }

    /// <summary>Messages acknowledged per second, averaged over the last minute on this server (not durable).</summary>
    public double AckRate { get; init; }
}
