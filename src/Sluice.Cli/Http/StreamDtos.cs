using System.Text.Json.Serialization;

namespace Sluice.Cli.Http;

// Wire shapes of /v1/streams (docs/rest-api.md, "Streams"). Ids are strings; durations are seconds.

/// <summary>One field of an entry: text (<see cref="Name"/>, <see cref="Value"/>) or bytes (the base64 forms).</summary>
internal sealed record StreamFieldDto
{
    public string? Name { get; init; }
    public string? NameBase64 { get; init; }
    public string? Value { get; init; }
    public string? ValueBase64 { get; init; }
}

internal sealed record StreamEntryDto
{
    public string Id { get; init; } = "";
    public List<StreamFieldDto>? Fields { get; init; }
}

internal sealed record StreamEntryListDto
{
    public List<StreamEntryDto> Entries { get; init; } = [];
}

internal sealed record StreamRetentionDto
{
    public long? MaxLength { get; init; }
    public long? MaxBytes { get; init; }
    public double? MaxAgeSeconds { get; init; }
}

/// <summary>A stream's state (<c>GET /v1/streams/{name}</c>).</summary>
internal sealed record StreamDto
{
    public string Name { get; init; } = "";
    public long Length { get; init; }
    public long Bytes { get; init; }
    public string? LastGeneratedId { get; init; }
    public string? MaxDeletedEntryId { get; init; }
    public long EntriesAdded { get; init; }
    public string? RecordedFirstEntryId { get; init; }
    public long Groups { get; init; }
    public StreamEntryDto? FirstEntry { get; init; }
    public StreamEntryDto? LastEntry { get; init; }
    public StreamRetentionDto? Retention { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

internal sealed record StreamSummaryDto
{
    public string Name { get; init; } = "";
    public long Length { get; init; }
    public long Bytes { get; init; }
    public string? FirstEntryId { get; init; }
    public string? LastEntryId { get; init; }
    public string? LastGeneratedId { get; init; }
    public long Groups { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

internal sealed record StreamListDto
{
    public List<StreamSummaryDto> Streams { get; init; } = [];
}

internal sealed record StreamAppendRequest
{
    public string? Id { get; init; }
    public List<StreamFieldDto>? Fields { get; init; }
    public StreamTrimRequest? Trim { get; init; }
}

internal sealed record StreamAppendDto
{
    public List<string> Ids { get; init; } = [];
}

internal sealed record StreamTrimRequest
{
    public long? MaxLength { get; init; }
    public string? MinId { get; init; }
    public bool? Approximate { get; init; }
}

internal sealed record StreamCountDto
{
    public long Count { get; init; }
}

internal sealed record StreamGroupCreateRequest
{
    public string? Name { get; init; }
    public string? StartId { get; init; }
    public bool? MakeStream { get; init; }
    public int? MaxDeliveries { get; init; }
    public string? DeadLetterStream { get; init; }
}

internal sealed record StreamGroupUpdateRequest
{
    public string? LastDeliveredId { get; init; }
}

internal sealed record StreamGroupDto
{
    public string Name { get; init; } = "";
    public long Consumers { get; init; }
    public long Pending { get; init; }
    public string? LastDeliveredId { get; init; }
    public long? EntriesRead { get; init; }
    public long? Lag { get; init; }
    public int? MaxDeliveries { get; init; }
    public string? DeadLetterStream { get; init; }
}

internal sealed record StreamGroupListDto
{
    public List<StreamGroupDto> Groups { get; init; } = [];
}

internal sealed record StreamGroupReadRequest
{
    public string? Consumer { get; init; }
    public string? After { get; init; }
    public int? Count { get; init; }
    public bool? NoAck { get; init; }
    public double? WaitSeconds { get; init; }
}

internal sealed record StreamIdsRequest
{
    public List<string> Ids { get; init; } = [];
}

internal sealed record StreamPendingConsumerDto
{
    public string Consumer { get; init; } = "";
    public long Count { get; init; }
}

internal sealed record StreamPendingSummaryDto
{
    public long Count { get; init; }
    public string? SmallestId { get; init; }
    public string? LargestId { get; init; }
    public List<StreamPendingConsumerDto> Consumers { get; init; } = [];
}

internal sealed record StreamPendingEntryDto
{
    public string Id { get; init; } = "";
    public string Consumer { get; init; } = "";
    public double IdleSeconds { get; init; }
    public long DeliveryCount { get; init; }
}

internal sealed record StreamPendingListDto
{
    public List<StreamPendingEntryDto> Entries { get; init; } = [];
}

internal sealed record StreamClaimRequest
{
    public string? Consumer { get; init; }
    public List<string>? Ids { get; init; }
    public double? MinIdleSeconds { get; init; }
    public bool? Force { get; init; }
    public bool? JustId { get; init; }
}

internal sealed record StreamAutoClaimRequest
{
    public string? Consumer { get; init; }
    public double? MinIdleSeconds { get; init; }
    public string? Start { get; init; }
    public int? Count { get; init; }
    public bool? JustId { get; init; }
}

/// <summary>A claim's answer: <c>entries</c>, or <c>ids</c> for a <c>justId</c> claim.</summary>
internal sealed record StreamClaimDto
{
    public List<StreamEntryDto>? Entries { get; init; }
    public List<string>? Ids { get; init; }
}

/// <summary>An auto-claim's answer: <c>next</c>, <c>entries</c> (or <c>ids</c> for <c>justId</c>) and <c>deleted</c>.</summary>
internal sealed record StreamAutoClaimDto
{
    public string Next { get; init; } = "";
    public List<StreamEntryDto>? Entries { get; init; }
    public List<string>? Ids { get; init; }
    public List<string> Deleted { get; init; } = [];
}

/// <summary><c>stream pending --json</c>: the summary and the rows.</summary>
internal sealed record StreamPendingShowDto(StreamPendingSummaryDto Summary, List<StreamPendingEntryDto> Entries);

/// <summary><c>stream add --json</c>, <c>stream delete --json</c> and the other verbs that answer a count.</summary>
internal sealed record StreamResultDto(string Stream, string? Id = null, long? Count = null, bool? Deleted = null);

/// <summary>Source-generated serializers for the stream wire shapes (requests omit unset fields).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StreamEntryListDto))]
[JsonSerializable(typeof(StreamClaimDto))]
[JsonSerializable(typeof(StreamRetentionDto))]
[JsonSerializable(typeof(StreamDto))]
[JsonSerializable(typeof(StreamListDto))]
[JsonSerializable(typeof(StreamAppendRequest))]
[JsonSerializable(typeof(StreamAppendDto))]
[JsonSerializable(typeof(StreamTrimRequest))]
[JsonSerializable(typeof(StreamCountDto))]
[JsonSerializable(typeof(StreamGroupCreateRequest))]
[JsonSerializable(typeof(StreamGroupUpdateRequest))]
[JsonSerializable(typeof(StreamGroupDto))]
[JsonSerializable(typeof(StreamGroupListDto))]
[JsonSerializable(typeof(StreamGroupReadRequest))]
[JsonSerializable(typeof(StreamIdsRequest))]
[JsonSerializable(typeof(StreamPendingSummaryDto))]
[JsonSerializable(typeof(StreamPendingListDto))]
[JsonSerializable(typeof(StreamClaimRequest))]
[JsonSerializable(typeof(StreamAutoClaimRequest))]
[JsonSerializable(typeof(StreamAutoClaimDto))]
[JsonSerializable(typeof(StreamPendingShowDto))]
[JsonSerializable(typeof(StreamResultDto))]
internal sealed partial class StreamJsonContext : JsonSerializerContext;
