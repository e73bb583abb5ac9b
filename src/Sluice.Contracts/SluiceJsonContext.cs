using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Contracts;

/// <summary>
/// Source-generated System.Text.Json metadata for every request and response body of the REST API. The generation
/// options are the wire rules: camelCase names, numbers strictly as JSON numbers, no comments, no property given twice,
/// and nulls written (a property the contract leaves out when null says so on the property).
/// </summary>
/// <remarks>
/// <see cref="Wire"/> is what the server writes with. A client that omits unset request fields uses these metadata with
/// <see cref="JsonSerializerOptions.DefaultIgnoreCondition"/> set to <see cref="JsonIgnoreCondition.WhenWritingNull"/>
/// (build a context with <c>new SluiceJsonContext(options)</c>).
/// </remarks>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowDuplicateProperties = false)]
// Queues and messages
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
// Streams
[JsonSerializable(typeof(StreamFieldDto))]
[JsonSerializable(typeof(StreamRetentionRequest))]
[JsonSerializable(typeof(StreamAppendRequest))]
[JsonSerializable(typeof(StreamTrimRequest))]
[JsonSerializable(typeof(StreamGroupCreateRequest))]
[JsonSerializable(typeof(StreamGroupUpdateRequest))]
[JsonSerializable(typeof(StreamGroupReadRequest))]
[JsonSerializable(typeof(StreamIdsRequest))]
[JsonSerializable(typeof(StreamClaimRequest))]
[JsonSerializable(typeof(StreamAutoClaimRequest))]
[JsonSerializable(typeof(StreamEntryListResponse))]
[JsonSerializable(typeof(StreamResponse))]
[JsonSerializable(typeof(StreamListResponse))]
[JsonSerializable(typeof(StreamAppendResponse))]
[JsonSerializable(typeof(StreamCountResponse))]
[JsonSerializable(typeof(StreamGroupResponse))]
[JsonSerializable(typeof(StreamGroupListResponse))]
[JsonSerializable(typeof(StreamConsumerResponse))]
[JsonSerializable(typeof(StreamConsumerListResponse))]
[JsonSerializable(typeof(StreamPendingSummaryResponse))]
[JsonSerializable(typeof(StreamPendingListResponse))]
[JsonSerializable(typeof(StreamClaimResponse))]
[JsonSerializable(typeof(StreamAutoClaimResponse))]
// Topics
[JsonSerializable(typeof(CreateTopicRequest))]
[JsonSerializable(typeof(SubscribeRequest))]
[JsonSerializable(typeof(TopicPublishRequest))]
[JsonSerializable(typeof(TopicResponse))]
[JsonSerializable(typeof(TopicListResponse))]
[JsonSerializable(typeof(SubscriptionResponse))]
[JsonSerializable(typeof(SubscriptionListResponse))]
[JsonSerializable(typeof(TopicPublishResponse))]
// Dead-letter groups
[JsonSerializable(typeof(DeadLetterGroupRedriveRequest))]
[JsonSerializable(typeof(DeadLetterGroupDeleteRequest))]
[JsonSerializable(typeof(DeadLetterGroupMoveRequest))]
[JsonSerializable(typeof(DeadLetterGroupListResponse))]
[JsonSerializable(typeof(DeadLetterGroupActionResponse))]
// Cluster
[JsonSerializable(typeof(ClusterResponse))]
public sealed partial class SluiceJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the server writes with: the generated metadata with an encoder that leaves non-ASCII text as it is
    /// (responses are application/json, never embedded in HTML), so bodies are not inflated by \uXXXX escapes.
    /// </summary>
    public static SluiceJsonContext Wire { get; } = new(WireOptions(JavaScriptEncoder.UnsafeRelaxedJsonEscaping));

    /// <summary>
    /// New options with the generation options above (the wire rules) and <paramref name="encoder"/>, for a context of
    /// these metadata: <c>new SluiceJsonContext(WireOptions(null))</c>.
    /// </summary>
    /// <param name="encoder">How strings are escaped; <see langword="null"/> for the default encoder (non-ASCII escaped).</param>
    /// <returns>Options not yet bound to a context.</returns>
    public static JsonSerializerOptions WireOptions(JavaScriptEncoder? encoder) => new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
        Encoder = encoder,
    };
}
