using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Faces.Rest;

// Request bodies. Unknown properties are refused (malformed_request naming the property), so a typo such as
// "visibilityTimeout" for "visibilityTimeoutSeconds" is an error rather than a silently ignored setting.

/// <summary>
/// Queue options in a create (<c>POST /v1/queues</c>) or update (<c>PATCH</c>) body. Setters record which properties the
/// body named, so a PATCH changes only those (a JSON <c>null</c> clears an optional field or restores a default).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class QueueOptionsRequest
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

    public bool Has(string property) => _present.Contains(property);
}

/// <summary>One message to publish: exactly one of <c>body</c> (UTF-8 text) and <c>bodyBase64</c> (bytes).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal class OutgoingMessageRequest
{
    /// <summary>The body as UTF-8 text. Give this or bodyBase64.</summary>
    public Utf8Text? Body { get; set; }

    /// <summary>The body as bytes, base64-encoded. Give this or body.</summary>
    [JsonConverter(typeof(Base64BytesConverter))]
    public ReadOnlyMemory<byte>? BodyBase64 { get; set; }

    /// <summary>Message attributes by name: at most 10.</summary>
    [JsonConverter(typeof(AttributesConverter))]
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; set; }

    /// <summary>Priority, 0 (default) to 9; higher is delivered first. Not on FIFO queues.</summary>
    public RestNumber? Priority { get; set; }

    /// <summary>Delay before the message is ready, in seconds: 0 to 1209600 (14 days; not on FIFO queues). Default: the queue's deliveryDelaySeconds.</summary>
    public RestNumber? DelaySeconds { get; set; }

    /// <summary>Deduplication id: 1-128 printable ASCII characters; a repeat within the window is dropped (duplicate true).</summary>
    public string? DeduplicationId { get; set; }

    /// <summary>FIFO: the group whose order is kept (required there). 1-128 printable ASCII characters.</summary>
    public string? MessageGroupId { get; set; }

    /// <summary>Whether any single-message property was given.</summary>
    [JsonIgnore]
    public bool AnyMessageField =>
        Body is not null || BodyBase64 is not null || Attributes is not null || Priority is not null || DelaySeconds is not null ||
        DeduplicationId is not null || MessageGroupId is not null;
}

/// <summary>A publish body: one message, or <c>{"messages":[...]}</c> (an atomic batch).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class PublishRequest : OutgoingMessageRequest
{
    /// <summary>An atomic batch of messages (instead of the single-message fields).</summary>
    public List<OutgoingMessageRequest>? Messages { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ReceiveRequest
{
    /// <summary>Most messages to receive: 1 (default) to the server's MaxBatchSize (default 100).</summary>
    public RestNumber? MaxMessages { get; set; }

    /// <summary>The lease length, in seconds: 0 to 43200. Default: the queue's visibilityTimeoutSeconds.</summary>
    public RestNumber? VisibilityTimeoutSeconds { get; set; }

    /// <summary>Long poll: seconds to wait for a message, 0 to the server's MaxWaitTime (default 20). Default: the queue's receiveWaitTimeSeconds.</summary>
    public RestNumber? WaitTimeSeconds { get; set; }

    /// <summary>FIFO: a retried receive with the same id returns the same messages and handles.</summary>
    public string? ReceiveRequestAttemptId { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class AckRequest
{
    /// <summary>The receiptHandle a receive returned.</summary>
    public string? ReceiptHandle { get; set; }

    /// <summary>Several receipt handles (answers one result per handle).</summary>
    public List<string>? ReceiptHandles { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class NackRequest
{
    /// <summary>The receiptHandle a receive returned.</summary>
    public string? ReceiptHandle { get; set; }

    /// <summary>Delay before the released message is ready again, in seconds: 0 to 43200 (12 hours). Default 0 (ready at once).</summary>
    public RestNumber? DelaySeconds { get; set; }

    /// <summary>Why processing failed; kept as the message's last error.</summary>
    public string? Error { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ExtendRequest
{
    /// <summary>The receiptHandle a receive returned.</summary>
    public string? ReceiptHandle { get; set; }

    /// <summary>The new lease length, in seconds from now: 0 to 43200 (and at most 12 hours after the receive that started the lease). Required.</summary>
    public RestNumber? VisibilityTimeoutSeconds { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class RedriveRequest
{
    /// <summary>Where to move the messages; default each message's source queue.</summary>
    public string? Destination { get; set; }

    /// <summary>Most messages moved per second: 1 to 10000. Default 100.</summary>
    public RestNumber? MaxPerSecond { get; set; }
}

// Response bodies.

internal sealed record QueueResponse(
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

internal sealed record QueueListResponse(IReadOnlyList<QueueResponse> Queues);

internal sealed record StatsResponse(
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

internal sealed record StatsListResponse(IReadOnlyList<StatsResponse> Queues);

internal sealed record PurgeResponse(long Purged);

internal sealed record PublishResultResponse(Guid MessageId, bool Duplicate, long SequenceNumber);

internal sealed record PublishResponse(IReadOnlyList<PublishResultResponse> Messages);

internal sealed record DeadLetterResponse(string SourceQueue, string Reason, int Attempts, string? LastError, DateTimeOffset DeadLetteredAt);

internal sealed record MessageResponse(
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

internal sealed record MessageListResponse(IReadOnlyList<MessageResponse> Messages);

internal sealed record AckResultResponse(
    string ReceiptHandle,
    bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message);

internal sealed record AckBatchResponse(IReadOnlyList<AckResultResponse> Results);

internal sealed record ExtendResponse(DateTimeOffset VisibleUntil);

internal sealed record RedriveResponse(
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

internal sealed record RedriveListResponse(IReadOnlyList<RedriveResponse> Redrives);

/// <summary>An RFC 9457 problem with Sluice's <c>code</c> and <c>field</c> extensions.</summary>
internal sealed record ProblemResponse(string Type, string Title, int Status, string Detail, string Code, string? Field);

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(QueueOptionsRequest))]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(ReceiveRequest))]
[JsonSerializable(typeof(AckRequest))]
[JsonSerializable(typeof(NackRequest))]
[JsonSerializable(typeof(ExtendRequest))]
[JsonSerializable(typeof(RedriveRequest))]
[JsonSerializable(typeof(QueueResponse))]
[JsonSerializable(typeof(QueueListResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(StatsListResponse))]
[JsonSerializable(typeof(PurgeResponse))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(MessageListResponse))]
[JsonSerializable(typeof(AckBatchResponse))]
[JsonSerializable(typeof(ExtendResponse))]
[JsonSerializable(typeof(RedriveResponse))]
[JsonSerializable(typeof(RedriveListResponse))]
[JsonSerializable(typeof(ProblemResponse))]
internal sealed partial class RestJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the REST face uses: the generated metadata with an encoder that leaves non-ASCII text as it is
    /// (responses are application/json, never embedded in HTML), so bodies are not inflated by \uXXXX escapes.
    /// </summary>
    public static RestJsonContext Web { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
