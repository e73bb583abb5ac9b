using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Server.Rest;

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

    public string? Name { get; set; }

    public RestNumber? VisibilityTimeoutSeconds { get => field; set { field = value; _present.Add(nameof(VisibilityTimeoutSeconds)); } }

    public RestNumber? DeliveryDelaySeconds { get => field; set { field = value; _present.Add(nameof(DeliveryDelaySeconds)); } }

    public RestNumber? RetentionPeriodSeconds { get => field; set { field = value; _present.Add(nameof(RetentionPeriodSeconds)); } }

    public RestNumber? MaxMessageSize { get => field; set { field = value; _present.Add(nameof(MaxMessageSize)); } }

    public RestNumber? MaxReceiveCount { get => field; set { field = value; _present.Add(nameof(MaxReceiveCount)); } }

    public string? DeadLetterQueue { get => field; set { field = value; _present.Add(nameof(DeadLetterQueue)); } }

    public RestNumber? MaxLength { get => field; set { field = value; _present.Add(nameof(MaxLength)); } }

    public RestNumber? MaxLengthBytes { get => field; set { field = value; _present.Add(nameof(MaxLengthBytes)); } }

    public string? OverflowPolicy { get => field; set { field = value; _present.Add(nameof(OverflowPolicy)); } }

    public RestNumber? DeduplicationWindowSeconds { get => field; set { field = value; _present.Add(nameof(DeduplicationWindowSeconds)); } }

    public bool? Fifo { get => field; set { field = value; _present.Add(nameof(Fifo)); } }

    public bool? ContentBasedDeduplication { get => field; set { field = value; _present.Add(nameof(ContentBasedDeduplication)); } }

    public string? DeduplicationScope { get => field; set { field = value; _present.Add(nameof(DeduplicationScope)); } }

    public RestNumber? ReceiveWaitTimeSeconds { get => field; set { field = value; _present.Add(nameof(ReceiveWaitTimeSeconds)); } }

    public Dictionary<string, string>? Tags { get => field; set { field = value; _present.Add(nameof(Tags)); } }

    public bool Has(string property) => _present.Contains(property);
}

/// <summary>One message to publish: exactly one of <see cref="Body"/> and <see cref="BodyBase64"/>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal class OutgoingMessageRequest
{
    public Utf8Text? Body { get; set; }

    [JsonConverter(typeof(Base64BytesConverter))]
    public ReadOnlyMemory<byte>? BodyBase64 { get; set; }

    [JsonConverter(typeof(AttributesConverter))]
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; set; }

    public RestNumber? Priority { get; set; }

    public RestNumber? DelaySeconds { get; set; }

    public string? DeduplicationId { get; set; }

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
    public List<OutgoingMessageRequest>? Messages { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ReceiveRequest
{
    public RestNumber? MaxMessages { get; set; }

    public RestNumber? VisibilityTimeoutSeconds { get; set; }

    public RestNumber? WaitTimeSeconds { get; set; }

    public string? ReceiveRequestAttemptId { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class AckRequest
{
    public string? ReceiptHandle { get; set; }

    public List<string>? ReceiptHandles { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class NackRequest
{
    public string? ReceiptHandle { get; set; }

    public RestNumber? DelaySeconds { get; set; }

    public string? Error { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ExtendRequest
{
    public string? ReceiptHandle { get; set; }

    public RestNumber? VisibilityTimeoutSeconds { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class RedriveRequest
{
    public string? Destination { get; set; }

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
