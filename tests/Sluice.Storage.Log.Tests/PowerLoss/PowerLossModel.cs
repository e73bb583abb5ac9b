namespace Sluice.Storage.Log.Tests.PowerLoss;

/// <summary>What the workload knows about one queue message (one copy: a topic publish makes one per queue).</summary>
internal sealed class ModelMessage
{
    /// <summary>The queue it was published to (a dead-lettered copy keeps it as its source queue).</summary>
    public required string Origin { get; init; }

    /// <summary>Its body text (unique per publish).</summary>
    public required string Body { get; init; }

    /// <summary>Identity across queues: origin and body.</summary>
    public string Key => Origin + "/" + Body;

    /// <summary>The publish was confirmed (its task completed), or a crash check found the message.</summary>
    public bool Confirmed { get; set; }

    /// <summary>Removed for sure: a confirmed ack or purge, or a crash check found it gone.</summary>
    public bool Gone { get; set; }

    /// <summary>A removal whose outcome is unknown (a call cut by the crash, or a purge of a queue it may be in).</summary>
    public bool MaybeGone { get; set; }

    /// <summary>In the dead-letter queue for sure (a confirmed dead-letter or nack at the max receive count).</summary>
    public bool DeadLettered { get; set; }

    /// <summary>May have moved to the dead-letter queue (a receive moves candidates at the max receive count).</summary>
    public bool MaybeDeadLettered { get; set; }

    /// <summary>Receives in its origin queue: exact after each crash check, + 1 per confirmed receive.</summary>
    public int Receives { get; set; }

    /// <summary>Receives answered since the last check whose records a power loss may still take away (lower bound slack: a receive does not wait for its record).</summary>
    public int LooseReceives { get; set; }

    /// <summary>Receives cut by a crash that may have counted (upper bound slack until the next check).</summary>
    public int MaybeReceives { get; set; }

    /// <summary>The highest fencing token (handle attempt) a confirmed receive returned.</summary>
    public int MaxAttempt { get; set; }

    /// <summary>The handle of the latest confirmed receive while the workload still holds it (not acked, nacked, dead-lettered).</summary>
    public string? Held { get; set; }

    /// <summary>When the lease of <see cref="Held"/> ends (a FIFO queue refuses the handle as stale after it).</summary>
    public DateTimeOffset LeaseEnd { get; set; }

    /// <summary>A handle confirmed before a crash: once the message is received again it must be stale.</summary>
    public string? OldHandle { get; set; }

    /// <summary>Where it may be now.</summary>
    public bool MayBeIn(string queue, string? deadLetterQueue) =>
        DeadLettered ? queue == deadLetterQueue : queue == Origin || (MaybeDeadLettered && queue == deadLetterQueue);

    public override string ToString() =>
        $"{Key} (confirmed={Confirmed}, gone={Gone}, maybeGone={MaybeGone}, deadLettered={DeadLettered}, maybeDeadLettered={MaybeDeadLettered}, receives={Receives}+{MaybeReceives}, maxAttempt={MaxAttempt})";
}

/// <summary>What the workload knows about one stream entry (keyed by its unique value).</summary>
internal sealed class ModelEntry
{
    public required string Value { get; init; }

    /// <summary>Known once the append was confirmed or a crash check found it.</summary>
    public StreamEntryId? Id { get; set; }

    public bool Confirmed { get; set; }

    /// <summary>Delivered to the group by a confirmed read (or before the group's last-delivered id after a check).</summary>
    public bool Delivered { get; set; }

    /// <summary>Acknowledged by a confirmed XACK (or found delivered and not pending after a check).</summary>
    public bool Acked { get; set; }

    /// <summary>An XACK of it was cut by the crash.</summary>
    public bool MaybeAcked { get; set; }

    public override string ToString() => $"{Value} (id={Id}, confirmed={Confirmed}, delivered={Delivered}, acked={Acked}, maybeAcked={MaybeAcked})";
}
