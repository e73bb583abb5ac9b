namespace Sluice;

/// <summary>Limits and timings of a <see cref="Broker"/>. Every value is validated when the broker is built.</summary>
public sealed record BrokerOptions
{
    /// <summary>Most messages in one publish batch, one receive, one ack batch. Default 100; 1 to 1,000.</summary>
    public int MaxBatchSize { get; init; } = 100;

    /// <summary>Longest long-poll wait a receive may ask for. Default 20 seconds; 0 to 5 minutes.</summary>
    public TimeSpan MaxWaitTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often messages past retention and expired deduplication ids are deleted. Default 30 seconds; 1 second to 1 hour.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (MaxBatchSize is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "MaxBatchSize must be 1 to 1000");
        }

        if (MaxWaitTime < TimeSpan.Zero || MaxWaitTime > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWaitTime), MaxWaitTime, "MaxWaitTime must be 0 to 5 minutes");
        }

        if (SweepInterval < TimeSpan.FromSeconds(1) || SweepInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(SweepInterval), SweepInterval, "SweepInterval must be 1 second to 1 hour");
        }
    }
}

/// <summary>Options of one receive.</summary>
public sealed record ReceiveOptions
{
    /// <summary>Most messages to return. Default 1; 1 to <see cref="BrokerOptions.MaxBatchSize"/>.</summary>
    public int MaxMessages { get; init; } = 1;

    /// <summary>Lease length. Default: the queue's <see cref="QueueOptions.VisibilityTimeout"/>; 0 to 12 hours.</summary>
    public TimeSpan? VisibilityTimeout { get; init; }

    /// <summary>
    /// Long-poll wait: when no message is visible, wait up to this long and return the moment one becomes visible.
    /// Default: the queue's <see cref="QueueOptions.ReceiveWaitTime"/> (0 unless set: return at once); 0 to <see cref="BrokerOptions.MaxWaitTime"/>.
    /// </summary>
    public TimeSpan? WaitTime { get; init; }

    /// <summary>
    /// FIFO receive retry token (1-128 printable ASCII characters): repeating a receive with the same id within 5 minutes
    /// returns the same messages and receipt handles, their leases restarted (as by a receive), while each is still
    /// leased under that handle. Once a client acked, nacked or extended one of them, the retry fails with
    /// invalid_argument; once a lease ended on its own, the retry is a fresh receive. Default none.
    /// </summary>
    public string? ReceiveRequestAttemptId { get; init; }
}

/// <summary>State of a redrive task.</summary>
public enum RedriveState
{
    /// <summary>Moving messages.</summary>
    Running = 0,

    /// <summary>Every movable message was moved.</summary>
    Completed = 1,

    /// <summary>Cancelled; messages moved so far stay moved, the rest stay in the dead-letter queue.</summary>
    Cancelled = 2,

    /// <summary>Stopped by an error (see <see cref="RedriveStatus.Error"/>); nothing moved is lost.</summary>
    Failed = 3,
}

/// <summary>Progress of a redrive task (a snapshot).</summary>
/// <param name="Id">The task id.</param>
/// <param name="DeadLetterQueue">The dead-letter queue being drained.</param>
/// <param name="Destination">Where messages go; <see langword="null"/> means back to each message's source queue.</param>
/// <param name="MaxPerSecond">The rate limit, in messages per second.</param>
/// <param name="State">The task state.</param>
/// <param name="Moved">Messages moved so far.</param>
/// <param name="Total">Messages in the dead-letter queue when the task started (for a group redrive: the group's messages found to move then).</param>
/// <param name="StartedAt">When the task started.</param>
/// <param name="FinishedAt">When the task stopped, if it has.</param>
/// <param name="Error">Why it failed, if it did.</param>
public sealed record RedriveStatus(
    string Id, string DeadLetterQueue, string? Destination, int MaxPerSecond, RedriveState State,
    long Moved, long Total, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error)
{
    /// <summary>The failure group being redriven (<c>Broker.RedriveDeadLetterGroupAsync</c>), or <see langword="null"/> when the task drains the whole queue.</summary>
    public string? GroupId { get; init; }

    /// <summary>
    /// Whether a cancel was requested while the task still runs (on another broker, which stops it at its next step,
    /// within about a second); <see langword="false"/> once the task stopped.
    /// </summary>
    public bool CancelRequested { get; init; }
}
