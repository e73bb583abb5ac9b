using System.Text.Json.Serialization;

namespace Sluice.Cli.Http;

/// <summary>How the CLI reads and writes the REST API's bodies (<see cref="SluiceJsonContext"/>).</summary>
internal static class CliJson
{
    /// <summary>The contract's metadata with unset (null) request fields left out, and the default encoder.</summary>
    public static SluiceJsonContext Wire { get; } = Create();

    private static SluiceJsonContext Create()
    {
        var options = SluiceJsonContext.WireOptions(encoder: null);
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        return new SluiceJsonContext(options);
    }
}

// What the CLI prints with --json besides the REST API's own shapes (docs/cli.md lists every verb's shape).

/// <summary><c>queue show --json</c>: the queue's options and its statistics.</summary>
internal sealed record QueueShowDto(QueueResponse Queue, StatsResponse Stats);

/// <summary><c>queue purge --json</c>.</summary>
internal sealed record PurgeResultDto(string Queue, long Purged);

/// <summary><c>queue delete --json</c>.</summary>
internal sealed record DeleteResultDto(string Queue, bool Deleted);

/// <summary><c>stream pending --json</c>: the summary and the rows.</summary>
internal sealed record StreamPendingShowDto(StreamPendingSummaryResponse Summary, IReadOnlyList<StreamPendingEntryResponse> Entries);

/// <summary><c>stream add --json</c>, <c>stream delete --json</c> and the other verbs that answer a count.</summary>
internal sealed record StreamResultDto(string Stream, string? Id = null, long? Count = null, bool? Deleted = null);

/// <summary><c>topic delete --json</c>.</summary>
internal sealed record DeleteTopicResultDto(string Topic, bool Deleted);

/// <summary><c>topic unsubscribe --json</c>.</summary>
internal sealed record UnsubscribeResultDto(string Topic, string Queue, bool Unsubscribed);

/// <summary>
/// Serializers for what the CLI prints with <c>--json</c>: one line per document, camelCase, unset (null) fields
/// omitted, enum values in kebab-case.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueueResponse))]
[JsonSerializable(typeof(QueueListResponse))]
[JsonSerializable(typeof(QueueShowDto))]
[JsonSerializable(typeof(PurgeResultDto))]
[JsonSerializable(typeof(DeleteResultDto))]
[JsonSerializable(typeof(StatsListResponse))]
[JsonSerializable(typeof(ClusterResponse))]
[JsonSerializable(typeof(PublishResultResponse))]
[JsonSerializable(typeof(MessageListResponse))]
[JsonSerializable(typeof(AckResultResponse))]
[JsonSerializable(typeof(ExtendResponse))]
[JsonSerializable(typeof(RedriveResponse))]
[JsonSerializable(typeof(StreamEntryListResponse))]
[JsonSerializable(typeof(StreamClaimResponse))]
[JsonSerializable(typeof(StreamResponse))]
[JsonSerializable(typeof(StreamListResponse))]
[JsonSerializable(typeof(StreamGroupResponse))]
[JsonSerializable(typeof(StreamGroupListResponse))]
[JsonSerializable(typeof(StreamAutoClaimResponse))]
[JsonSerializable(typeof(StreamPendingShowDto))]
[JsonSerializable(typeof(StreamResultDto))]
[JsonSerializable(typeof(TopicResponse))]
[JsonSerializable(typeof(TopicListResponse))]
[JsonSerializable(typeof(SubscriptionResponse))]
[JsonSerializable(typeof(SubscriptionListResponse))]
[JsonSerializable(typeof(TopicPublishResultResponse))]
[JsonSerializable(typeof(DeleteTopicResultDto))]
[JsonSerializable(typeof(UnsubscribeResultDto))]
[JsonSerializable(typeof(DeadLetterGroupListResponse))]
[JsonSerializable(typeof(DeadLetterGroupActionResponse))]
internal sealed partial class OutputJsonContext : JsonSerializerContext;
