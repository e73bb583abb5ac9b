using System.Text.Json.Serialization;

namespace Sluice.Cli.Http;

// Wire shapes of the REST API (docs/rest-api.md). Durations are seconds, sizes are bytes, JSON is camelCase.

/// <summary>A queue: its name, creation time and options.</summary>
internal sealed record QueueDto
{
    public string Name { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public double VisibilityTimeoutSeconds { get; init; }
    public double DeliveryDelaySeconds { get; init; }
    public double RetentionPeriodSeconds { get; init; }
    public long MaxMessageSize { get; init; }
    public int? MaxReceiveCount { get; init; }
    public string? DeadLetterQueue { get; init; }
    public long? MaxLength { get; init; }
    public long? MaxLengthBytes { get; init; }
    public string? OverflowPolicy { get; init; }
    public double DeduplicationWindowSeconds { get; init; }
    public bool Fifo { get; init; }
    public bool ContentBasedDeduplication { get; init; }
    public string? DeduplicationScope { get; init; }
    public double ReceiveWaitTimeSeconds { get; init; }
    public Dictionary<string, string>? Tags { get; init; }
}

internal sealed record QueueListDto
{
    public List<QueueDto> Queues { get; init; } = [];
}

/// <summary>Statistics of one queue.</summary>
internal sealed record StatsDto
{
    public string Queue { get; init; } = "";
    public long Ready { get; init; }
    public long InFlight { get; init; }
    public long Delayed { get; init; }
    public long DeadLettered { get; init; }
    public long Bytes { get; init; }
    public double? OldestAgeSeconds { get; init; }
    public double PublishRate { get; init; }
    public double AckRate { get; init; }
    public int WaitingReceivers { get; init; }
}

internal sealed record StatsListDto
{
    public List<StatsDto> Queues { get; init; } = [];
}

internal sealed record PurgeDto
{
    public long Purged { get; init; }
}

/// <summary>A message attribute as on the wire.</summary>
internal sealed record AttributeDto
{
    public string DataType { get; init; } = "String";
    public string? StringValue { get; init; }
    public string? BinaryValue { get; init; }
}

/// <summary>One message to publish: exactly one of <see cref="Body"/> and <see cref="BodyBase64"/>.</summary>
internal record OutgoingMessageDto
{
    public string? Body { get; init; }
    public string? BodyBase64 { get; init; }
    public Dictionary<string, AttributeDto>? Attributes { get; init; }
    public int? Priority { get; init; }
    public double? DelaySeconds { get; init; }
    public string? DeduplicationId { get; init; }
    public string? MessageGroupId { get; init; }
}

internal sealed record PublishResultDto
{
    public string MessageId { get; init; } = "";
    public bool Duplicate { get; init; }
    public long? SequenceNumber { get; init; }
}

internal sealed record PublishResponseDto
{
    public List<PublishResultDto> Messages { get; init; } = [];
}

internal sealed record ReceiveRequest
{
    public int? MaxMessages { get; init; }
    public double? VisibilityTimeoutSeconds { get; init; }
    public double? WaitTimeSeconds { get; init; }
}

internal sealed record DeadLetterDto
{
    public string? SourceQueue { get; init; }
    public string? Reason { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? DeadLetteredAt { get; init; }
}

/// <summary>A received or peeked message.</summary>
internal sealed record MessageDto
{
    public string MessageId { get; init; } = "";
    public string? Body { get; init; }
    public string? BodyBase64 { get; init; }
    public Dictionary<string, AttributeDto>? Attributes { get; init; }
    public int Priority { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public int ReceiveCount { get; init; }
    public DateTimeOffset? FirstReceivedAt { get; init; }
    public DateTimeOffset? VisibleAt { get; init; }
    public string? State { get; init; }
    public string? ReceiptHandle { get; init; }
    public string? DeduplicationId { get; init; }
    public string? MessageGroupId { get; init; }
    public long? SequenceNumber { get; init; }
    public DeadLetterDto? DeadLetter { get; init; }
}

internal sealed record MessageListDto
{
    public List<MessageDto> Messages { get; init; } = [];
}

internal sealed record ReceiptRequest
{
    public string? ReceiptHandle { get; init; }
    public List<string>? ReceiptHandles { get; init; }
    public double? DelaySeconds { get; init; }
    public string? Error { get; init; }
    public double? VisibilityTimeoutSeconds { get; init; }
}

internal sealed record AckResultDto
{
    public string ReceiptHandle { get; init; } = "";
    public bool Ok { get; init; }
    public string? Code { get; init; }
    public string? Message { get; init; }
}

internal sealed record AckBatchResponseDto
{
    public List<AckResultDto> Results { get; init; } = [];
}

internal sealed record ExtendResponseDto
{
    public DateTimeOffset VisibleUntil { get; init; }
}

internal sealed record RedriveRequest
{
    public string? Destination { get; init; }
    public int? MaxPerSecond { get; init; }
}

/// <summary>Progress of a redrive task.</summary>
internal sealed record RedriveDto
{
    public string Id { get; init; } = "";
    public string? DeadLetterQueue { get; init; }
    public string? Destination { get; init; }
    public int MaxPerSecond { get; init; }
    public string State { get; init; } = "";
    public long Moved { get; init; }
    public long Total { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }
}

/// <summary>An <c>application/problem+json</c> error body.</summary>
internal sealed record ProblemDto
{
    public string? Type { get; init; }
    public string? Title { get; init; }
    public int? Status { get; init; }
    public string? Detail { get; init; }
    public string? Code { get; init; }
    public string? Field { get; init; }
}

/// <summary>Source-generated serializers for the wire shapes (requests omit unset fields).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(QueueDto))]
[JsonSerializable(typeof(QueueListDto))]
[JsonSerializable(typeof(StatsDto))]
[JsonSerializable(typeof(StatsListDto))]
[JsonSerializable(typeof(PurgeDto))]
[JsonSerializable(typeof(OutgoingMessageDto))]
[JsonSerializable(typeof(PublishResponseDto))]
[JsonSerializable(typeof(ReceiveRequest))]
[JsonSerializable(typeof(MessageListDto))]
[JsonSerializable(typeof(ReceiptRequest))]
[JsonSerializable(typeof(AckBatchResponseDto))]
[JsonSerializable(typeof(ExtendResponseDto))]
[JsonSerializable(typeof(RedriveRequest))]
[JsonSerializable(typeof(RedriveDto))]
[JsonSerializable(typeof(ProblemDto))]
internal sealed partial class WireJsonContext : JsonSerializerContext;

// What the CLI prints with --json besides the wire shapes above (docs/cli.md lists every verb's shape).

/// <summary><c>queue show --json</c>: the queue's options and its statistics.</summary>
internal sealed record QueueShowDto(QueueDto Queue, StatsDto Stats);

/// <summary><c>queue purge --json</c>.</summary>
internal sealed record PurgeResultDto(string Queue, long Purged);

/// <summary><c>queue delete --json</c>.</summary>
internal sealed record DeleteResultDto(string Queue, bool Deleted);

/// <summary>
/// Serializers for what the CLI prints with <c>--json</c>: one line per document, camelCase, unset (null) fields
/// omitted, enum values in kebab-case.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueueDto))]
[JsonSerializable(typeof(QueueListDto))]
[JsonSerializable(typeof(QueueShowDto))]
[JsonSerializable(typeof(PurgeResultDto))]
[JsonSerializable(typeof(DeleteResultDto))]
[JsonSerializable(typeof(StatsListDto))]
[JsonSerializable(typeof(PublishResultDto))]
[JsonSerializable(typeof(MessageListDto))]
[JsonSerializable(typeof(AckResultDto))]
[JsonSerializable(typeof(ExtendResponseDto))]
[JsonSerializable(typeof(RedriveDto))]
internal sealed partial class OutputJsonContext : JsonSerializerContext;
