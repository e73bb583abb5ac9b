using System.Text.Json.Serialization;

namespace Sluice.Contracts;

// The queue and message routes' bodies (docs/rest-api.md). Durations are seconds, sizes bytes, times ISO-8601 UTC, JSON
// names camelCase, enum values kebab-case strings. Request bodies refuse unknown properties (malformed_request naming
// the property), so a typo such as "visibilityTimeout" for "visibilityTimeoutSeconds" is an error rather than a
// silently ignored setting. Numbers in requests are RestNumber: kept as sent, so the server checks the number itself.

// A class, not a record: which properties were named is part of its state, and a copy must not share it.

/// <summary>
/// Queue options in a create (<c>POST /v1/queues</c>) or update (<c>PATCH</c>) body. Setters record which properties the
/// body named, so a PATCH changes only those (a JSON <c>null</c> clears an optional field or restores a default).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class QueueOptionsRequest
{
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);

    /// <summary>The queue name: 1-80 characters from A-Z a-z 0-9 - _ (a FIFO queue ends in .fifo). Required on create; on update only the queue's own name.</summary>
    public string? Name { get; set; }

    /// <summary>How long a received message stays leased, in seconds: 0 to 43200. Default 30.</summary>
    public RestNumber? VisibilityTimeoutSeconds { get => field; set { field = value; _present.Add(nameof(VisibilityTimeoutSeconds)); } }

    /// <summary>Delay before a new message is ready, in seconds: 0 to 1209600 (14 days). Default 0.</summary>
    public RestNumber? DeliveryDelaySeconds { get => field; set { field = value; _present.Add(nameof(DeliveryDelaySeconds)); } }

    /// <summary>How long a message is kept, in seconds: 60 to 31536000 (365 days). Default 345600 (4 days).</summary>
    public RestNumber? RetentionPeriodSeconds { get => field; set { field = value; _present.Add(nameof(RetentionPeriodSeconds)); } }

    /// <summary>Largest body, in bytes: 1 to 16777216. Default 1048576.</summary>
    public RestNumber? MaxMessageSize { get => field; set { field = value; _present.Add(nameof(MaxMessageSize)); } }

    /// <summary>Receives after which a message moves to deadLetterQueue: 1 to 1000; null for never. Needs deadLetterQueue.</summary>
    public RestNumber? MaxReceiveCount { get => field; set { field = value; _present.Add(nameof(MaxReceiveCount)); } }

    /// <summary>The queue that receives dead letters; null for none.</summary>
    public string? DeadLetterQueue { get => field; set { field = value; _present.Add(nameof(DeadLetterQueue)); } }

    /// <summary>Most messages the queue holds; null for unbounded.</summary>
    public RestNumber? MaxLength { get => field; set { field = value; _present.Add(nameof(MaxLength)); } }

    /// <summary>Most body bytes the queue holds; null for unbounded.</summary>
    public RestNumber? MaxLengthBytes { get => field; set { field = value; _present.Add(nameof(MaxLengthBytes)); } }

    /// <summary>What a publish past maxLength / maxLengthBytes does: reject (default), drop-head or dead-letter-head. camelCase (dropHead, deadLetterHead) is accepted.</summary>
    public string? OverflowPolicy { get => field; set { field = value; _present.Add(nameof(OverflowPolicy)); } }

    /// <summary>How long a deduplication id is remembered, in seconds: 0 to 2592000 (30 days). Default 300.</summary>
    public RestNumber? DeduplicationWindowSeconds { get => field; set { field = value; _present.Add(nameof(DeduplicationWindowSeconds)); } }

    /// <summary>Whether the queue is FIFO (its name must end in .fifo). Default false; cannot change.</summary>
    public bool? Fifo { get => field; set { field = value; _present.Add(nameof(Fifo)); } }

    /// <summary>FIFO only: use the body's SHA-256 as the deduplication id when none is given. Default false.</summary>
    public bool? ContentBasedDeduplication { get => field; set { field = value; _present.Add(nameof(ContentBasedDeduplication)); } }

    /// <summary>Where deduplication ids are unique: queue (default) or message-group. messageGroup is accepted.</summary>
    public string? DeduplicationScope { get => field; set { field = value; _present.Add(nameof(DeduplicationScope)); } }

    /// <summary>Default long-poll wait of a receive, in seconds: 0 to 20. Default 0.</summary>
    public RestNumber? ReceiveWaitTimeSeconds { get => field; set { field = value; _present.Add(nameof(ReceiveWaitTimeSeconds)); } }

    /// <summary>Tags: at most 50; keys 1-128 characters, values at most 256.</summary>
    public Dictionary<string, string>? Tags { get => field; set { field = value; _present.Add(nameof(Tags)); } }

    /// <summary>Whether the body named a property (with a value or null).</summary>
    /// <param name="property">The C# property name, such as <c>nameof(MaxLength)</c>.</param>
    /// <returns><see langword="true"/> when the body named it.</returns>
    public bool Has(string property) => _present.Contains(property);
}

/// <summary>One message to publish: exactly one of <c>body</c> (UTF-8 text) and <c>bodyBase64</c> (bytes).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public record OutgoingMessageRequest
{
    /// <summary>The body as UTF-8 text. Give this or bodyBase64.</summary>
    public Utf8Text? Body { get; init; }

    /// <summary>The body as bytes, base64-encoded. Give this or body.</summary>
    [JsonConverter(typeof(Base64BytesConverter))]
    public ReadOnlyMemory<byte>? BodyBase64 { get; init; }

    /// <summary>Message attributes by name: at most 10.</summary>
    [JsonConverter(typeof(AttributesConverter))]
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; init; }

    /// <summary>Priority, 0 (default) to 9; higher is delivered first. Not on FIFO queues.</summary>
    public RestNumber? Priority { get; init; }

    /// <summary>Delay before the message is ready, in seconds: 0 to 1209600 (14 days; not on FIFO queues). Default: the queue's deliveryDelaySeconds.</summary>
    public RestNumber? DelaySeconds { get; init; }

    /// <summary>Deduplication id: 1-128 printable ASCII characters; a repeat within the window is dropped (duplicate true).</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>FIFO: the group whose order is kept (required there). 1-128 printable ASCII characters.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>Whether any single-message property was given (not serialized).</summary>
    [JsonIgnore]
    public bool AnyMessageField =>
        Body is not null || BodyBase64 is not null || Attributes is not null || Priority is not null || DelaySeconds is not null ||
        DeduplicationId is not null || MessageGroupId is not null;
}

/// <summary>A publish body (<c>POST /v1/queues/{name}/messages</c>): one message, or <c>{"messages":[...]}</c> (an atomic batch).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PublishRequest : OutgoingMessageRequest
{
    /// <summary>An atomic batch of messages (instead of the single-message fields).</summary>
    public IReadOnlyList<OutgoingMessageRequest>? Messages { get; init; }
}

/// <summary>A receive body (<c>POST /v1/queues/{name}/messages/receive</c>); every property is optional.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ReceiveRequest
{
    /// <summary>Most messages to receive: 1 (default) to the server's MaxBatchSize (default 100).</summary>
    public RestNumber? MaxMessages { get; init; }

    /// <summary>The lease length, in seconds: 0 to 43200. Default: the queue's visibilityTimeoutSeconds.</summary>
    public RestNumber? VisibilityTimeoutSeconds { get; init; }

    /// <summary>Long poll: seconds to wait for a message, 0 to the server's MaxWaitTime (default 20). Default: the queue's receiveWaitTimeSeconds.</summary>
    public RestNumber? WaitTimeSeconds { get; init; }

    /// <summary>FIFO: a retried receive with the same id returns the same messages and handles.</summary>
    public string? ReceiveRequestAttemptId { get; init; }
}

/// <summary>An ack body (<c>POST .../messages/ack</c>): one <c>receiptHandle</c>, or <c>receiptHandles</c> for a batch.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AckRequest
{
    /// <summary>The receiptHandle a receive returned.</summary>
    public string? ReceiptHandle { get; init; }

    /// <summary>Several receipt handles (answers one result per handle).</summary>
    public IReadOnlyList<string>? ReceiptHandles { get; init; }
}

/// <summary>A nack body (<c>POST .../messages/nack</c>): releases a leased message.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NackRequest
{
    /// <summary>The receiptHandle a receive returned.</summary>
    public string? ReceiptHandle { get; init; }

    /// <summary>Delay before the released message is ready again, in seconds: 0 to 43200 (12 hours). Default 0 (ready at once).</summary>
    public RestNumber? DelaySeconds { get; init; }

    /// <summary>Why processing failed; kept as the message's last error.</summary>
    public string? Error { get; init; }
}

/// <summary>An extend body (<c>POST .../messages/extend</c>): a lease's new length.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ExtendRequest
{
    /// <summary>The receiptHandle a receive returned.</summary>
    public string? ReceiptHandle { get; init; }

    /// <summary>The new lease length, in seconds from now: 0 to 43200 (and at most 12 hours after the receive that started the lease). Required.</summary>
    public RestNumber? VisibilityTimeoutSeconds { get; init; }
}

/// <summary>A redrive body (<c>POST /v1/queues/{dlq}/redrive</c>); every property is optional.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RedriveRequest
{
    /// <summary>Where to move the messages; default each message's source queue.</summary>
    public string? Destination { get; init; }

    /// <summary>Most messages moved per second: 1 to 10000. Default 100.</summary>
    public RestNumber? MaxPerSecond { get; init; }
}

/// <summary>A queue: its name, creation time and every option with its effective value.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="VisibilityTimeoutSeconds">Lease length of a receive, in seconds.</param>
/// <param name="DeliveryDelaySeconds">Delay before a new message is ready, in seconds.</param>
/// <param name="RetentionPeriodSeconds">How long a message is kept, in seconds.</param>
/// <param name="MaxMessageSize">Largest body, in bytes.</param>
/// <param name="MaxReceiveCount">Receives after which a message is dead-lettered; null for never.</param>
/// <param name="DeadLetterQueue">The queue that receives dead letters; null for none.</param>
/// <param name="MaxLength">Most messages held; null for unbounded.</param>
/// <param name="MaxLengthBytes">Most body bytes held; null for unbounded.</param>
/// <param name="OverflowPolicy">reject, drop-head or dead-letter-head.</param>
/// <param name="DeduplicationWindowSeconds">How long a deduplication id is remembered, in seconds.</param>
/// <param name="Fifo">Whether the queue is FIFO.</param>
/// <param name="ContentBasedDeduplication">FIFO: whether the body's SHA-256 is the default deduplication id.</param>
/// <param name="DeduplicationScope">queue or message-group.</param>
/// <param name="ReceiveWaitTimeSeconds">Default long-poll wait of a receive, in seconds.</param>
/// <param name="Tags">Tags by key.</param>
public sealed record QueueResponse(
    string Name,
    DateTimeOffset CreatedAt,
    double VisibilityTimeoutSeconds,
    double DeliveryDelaySeconds,
    double RetentionPeriodSeconds,
    int MaxMessageSize,
    int? MaxReceiveCount,
    string? DeadLetterQueue,
    long? MaxLength,
    long? MaxLengthBytes,
    string OverflowPolicy,
    double DeduplicationWindowSeconds,
    bool Fifo,
    bool ContentBasedDeduplication,
    string DeduplicationScope,
    double ReceiveWaitTimeSeconds,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>Every queue, ordered by name (<c>GET /v1/queues</c>).</summary>
/// <param name="Queues">The queues.</param>
public sealed record QueueListResponse(IReadOnlyList<QueueResponse> Queues);

/// <summary>A queue's statistics (<c>GET /v1/queues/{name}/stats</c>).</summary>
/// <param name="Queue">The queue name.</param>
/// <param name="Ready">Messages visible now.</param>
/// <param name="InFlight">Messages leased by consumers.</param>
/// <param name="Delayed">Messages not yet visible (delayed or nacked with a delay).</param>
/// <param name="DeadLettered">Messages now in this queue's dead-letter queue that came from this queue.</param>
/// <param name="Bytes">Body bytes of all messages in the queue.</param>
/// <param name="OldestAgeSeconds">Age of the oldest message, in seconds; null when empty.</param>
/// <param name="PublishRate">Messages published per second, averaged over the last minute on this server (not durable).</param>
/// <param name="AckRate">Messages acknowledged per second, averaged over the last minute on this server (not durable).</param>
/// <param name="WaitingReceivers">Receives waiting (long polls) on this queue on this server now.</param>
public sealed record StatsResponse(
    string Queue,
    long Ready,
    long InFlight,
    long Delayed,
    long DeadLettered,
    long Bytes,
    double? OldestAgeSeconds,
    double PublishRate,
    double AckRate,
    int WaitingReceivers);

/// <summary>Every queue's statistics (<c>GET /v1/stats</c>).</summary>
/// <param name="Queues">One entry per queue, ordered by name.</param>
public sealed record StatsListResponse(IReadOnlyList<StatsResponse> Queues);

/// <summary>A purge's outcome.</summary>
/// <param name="Purged">Messages removed.</param>
public sealed record PurgeResponse(long Purged);

/// <summary>One message's outcome of a publish.</summary>
/// <param name="MessageId">The message id (for a duplicate, the id of the message it duplicates).</param>
/// <param name="Duplicate">Whether the message was dropped as a duplicate within the deduplication window.</param>
/// <param name="SequenceNumber">The message's sequence number in its queue.</param>
public sealed record PublishResultResponse(Guid MessageId, bool Duplicate, long SequenceNumber);

/// <summary>A publish's outcome: one entry per message, in order.</summary>
/// <param name="Messages">Each message's id, duplicate flag and sequence number.</param>
public sealed record PublishResponse(IReadOnlyList<PublishResultResponse> Messages);

/// <summary>Why and when a message was dead-lettered.</summary>
/// <param name="SourceQueue">The queue it was dead-lettered from.</param>
/// <param name="Reason">Why: max_receive_count or overflow.</param>
/// <param name="Attempts">Receives it had.</param>
/// <param name="LastError">The last error a nack gave; null for none.</param>
/// <param name="DeadLetteredAt">When it was dead-lettered.</param>
public sealed record DeadLetterResponse(string SourceQueue, string Reason, int Attempts, string? LastError, DateTimeOffset DeadLetteredAt);

/// <summary>A received or peeked message. Its body is <c>body</c> when the bytes are UTF-8, else <c>bodyBase64</c>; the other is left out.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="Body">The body as text; left out when not UTF-8.</param>
/// <param name="BodyBase64">The body as base64; left out when the body is UTF-8 text.</param>
/// <param name="Attributes">Message attributes by name.</param>
/// <param name="Priority">Priority, 0 to 9.</param>
/// <param name="SentAt">When it was published.</param>
/// <param name="ReceiveCount">How many times it was received.</param>
/// <param name="FirstReceivedAt">When it was first received; null if never.</param>
/// <param name="VisibleAt">When it is (or was) ready to receive.</param>
/// <param name="State">ready, delayed or in-flight.</param>
/// <param name="ReceiptHandle">The lease's handle (receive only); left out on a peek.</param>
/// <param name="DeduplicationId">The deduplication id; null for none.</param>
/// <param name="MessageGroupId">FIFO: the message group; null for none.</param>
/// <param name="SequenceNumber">The message's sequence number in its queue.</param>
/// <param name="DeadLetter">In a dead-letter queue: why it is there; else null.</param>
public sealed record MessageResponse(
    Guid MessageId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Utf8Text? Body,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(Base64BytesConverter))] ReadOnlyMemory<byte>? BodyBase64,
    [property: JsonConverter(typeof(AttributesConverter))] IReadOnlyDictionary<string, MessageAttributeValue> Attributes,
    int Priority,
    DateTimeOffset SentAt,
    int ReceiveCount,
    DateTimeOffset? FirstReceivedAt,
    DateTimeOffset VisibleAt,
    string State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReceiptHandle,
    string? DeduplicationId,
    string? MessageGroupId,
    long SequenceNumber,
    DeadLetterResponse? DeadLetter);

/// <summary>Received or peeked messages.</summary>
/// <param name="Messages">The messages, in delivery order.</param>
public sealed record MessageListResponse(IReadOnlyList<MessageResponse> Messages);

/// <summary>One handle's outcome of a batch ack.</summary>
/// <param name="ReceiptHandle">The handle.</param>
/// <param name="Ok">Whether the message was acked.</param>
/// <param name="Code">When not: the error code (docs/errors.md); left out when ok.</param>
/// <param name="Message">When not: what failed; left out when ok.</param>
public sealed record AckResultResponse(
    string ReceiptHandle,
    bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message);

/// <summary>A batch ack's outcome: one result per handle, in order.</summary>
/// <param name="Results">The results.</param>
public sealed record AckBatchResponse(IReadOnlyList<AckResultResponse> Results);

/// <summary>An extend's outcome.</summary>
/// <param name="VisibleUntil">When the lease now ends.</param>
public sealed record ExtendResponse(DateTimeOffset VisibleUntil);

/// <summary>A redrive task's progress.</summary>
/// <param name="Id">The task id.</param>
/// <param name="DeadLetterQueue">The dead-letter queue it moves messages from.</param>
/// <param name="Destination">Where it moves them; null for each message's source queue.</param>
/// <param name="MaxPerSecond">Most messages moved per second.</param>
/// <param name="State">running, completed, cancelled or failed.</param>
/// <param name="Moved">Messages moved so far.</param>
/// <param name="Total">Messages in the dead-letter queue when it started.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended; null while running.</param>
/// <param name="Error">Why it failed; null unless failed.</param>
public sealed record RedriveResponse(
    string Id,
    string DeadLetterQueue,
    string? Destination,
    int MaxPerSecond,
    string State,
    long Moved,
    long Total,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error);

/// <summary>Redrive tasks.</summary>
/// <param name="Redrives">The tasks.</param>
public sealed record RedriveListResponse(IReadOnlyList<RedriveResponse> Redrives);

/// <summary>An RFC 9457 problem (<c>application/problem+json</c>) with Sluice's <c>code</c> and <c>field</c> extensions.</summary>
/// <param name="Type">A URI naming the problem type.</param>
/// <param name="Title">A short summary of the problem type.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What failed, the value, the rule and the fix.</param>
/// <param name="Code">The stable error code (docs/errors.md).</param>
/// <param name="Field">The request field at fault; null when none.</param>
public sealed record ProblemResponse(string Type, string Title, int Status, string Detail, string Code, string? Field);
