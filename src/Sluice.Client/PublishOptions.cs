namespace Sluice.Client;

/// <summary>
/// How a typed publish (<see cref="SluiceClientJsonExtensions.PublishAsync{T}"/>) sends its message: every
/// <see cref="OutgoingMessage"/> setting except the body, which is the serialized value. Rules and defaults are
/// <see cref="OutgoingMessage"/>'s.
/// </summary>
public sealed record PublishOptions
{
    /// <summary>Attributes (name to value). Default none; at most 10 with names of 1-256 characters.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; init; }

    /// <summary>Priority 0 (default, lowest) to 9 (highest).</summary>
    public int Priority { get; init; }

    /// <summary>Delay before the message becomes visible. Default: the queue's delivery delay; 0 to 14 days.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Deduplication id, 1-128 printable ASCII characters. Default none.</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>Message group id, 1-128 printable ASCII characters; required on FIFO queues. Default none.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>The message to send with <paramref name="body"/>.</summary>
    public OutgoingMessage ToMessage(ReadOnlyMemory<byte> body) => new(body)
    {
        Attributes = Attributes,
        Priority = Priority,
        Delay = Delay,
        DeduplicationId = DeduplicationId,
        MessageGroupId = MessageGroupId,
    };
}
