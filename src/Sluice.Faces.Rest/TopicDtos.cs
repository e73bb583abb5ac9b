using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Faces.Rest;

// Topic request and response bodies (docs/rest-api.md, "Topics"). Unknown properties are refused, as everywhere.

/// <summary>A topic create body (<c>POST /v1/topics</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class CreateTopicRequest
{
    /// <summary>The topic name: 1-80 characters from A-Z a-z 0-9 - _ (no .fifo suffix or prefix:, unlike queue names). Required.</summary>
    public string? Name { get; set; }
}

/// <summary>A subscribe body (<c>POST /v1/topics/{name}/subscriptions</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class SubscribeRequest
{
    /// <summary>The queue that receives the copies; it must exist. Required.</summary>
    public string? Queue { get; set; }

    /// <summary>Routing-key pattern (AMQP topic-exchange rules: words separated by '.', '*' one word, '#' zero or more), 1-255 characters; null or absent: every key.</summary>
    public string? RoutingKeyPattern { get; set; }

    /// <summary>Attribute filter policy, the SNS filter-policy shape: an object of attribute names to arrays of conditions (docs/topics.md); null or absent: every message.</summary>
    public JsonElement? FilterPolicy { get; set; }
}

/// <summary>One message to publish to a topic: a queue message's fields plus its routing key.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal class TopicMessageRequest : OutgoingMessageRequest
{
    /// <summary>The routing key matched against subscriptions' patterns: words separated by '.', at most 255 characters, no '*' or '#'. Default none (zero words).</summary>
    public string? RoutingKey { get; set; }
}

/// <summary>A topic publish body: one message, or <c>{"messages":[...]}</c> (atomic over every subscription queue).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class TopicPublishRequest : TopicMessageRequest
{
    /// <summary>An atomic batch of messages (instead of the single-message fields).</summary>
    public List<TopicMessageRequest>? Messages { get; set; }
}

/// <summary>A topic with its counters.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Published">Messages published to it.</param>
/// <param name="Unrouted">Published messages no subscription matched.</param>
/// <param name="Delivered">Copies enqueued into subscription queues (duplicates dropped by a queue's deduplication not counted).</param>
/// <param name="Subscriptions">Subscriptions it has now.</param>
internal sealed record TopicResponse(string Name, DateTimeOffset CreatedAt, long Published, long Unrouted, long Delivered, int Subscriptions);

/// <summary>Every topic, ordered by name (<c>GET /v1/topics</c>).</summary>
/// <param name="Topics">The topics.</param>
internal sealed record TopicListResponse(IReadOnlyList<TopicResponse> Topics);

/// <summary>A subscription.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Queue">The queue that receives the copies.</param>
/// <param name="RoutingKeyPattern">The routing-key pattern, or null (every key).</param>
/// <param name="FilterPolicy">The filter policy in canonical form, or null (every message).</param>
/// <param name="CreatedAt">When it was created.</param>
internal sealed record SubscriptionResponse(string Topic, string Queue, string? RoutingKeyPattern,
    [property: JsonConverter(typeof(CanonicalPolicyConverter))] JsonElement? FilterPolicy, DateTimeOffset CreatedAt);

/// <summary>
/// Writes a stored filter policy as its canonical text (<see cref="Routing.FilterPolicy.Text"/>), unchanged: a
/// re-encoding would escape non-ASCII characters the canonical form keeps as they are.
/// </summary>
internal sealed class CanonicalPolicyConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.Clone();
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
}

/// <summary>A topic's subscriptions, ordered by queue name (<c>GET /v1/topics/{name}/subscriptions</c>).</summary>
/// <param name="Subscriptions">The subscriptions.</param>
internal sealed record SubscriptionListResponse(IReadOnlyList<SubscriptionResponse> Subscriptions);

/// <summary>One message's outcome of a topic publish.</summary>
/// <param name="MessageId">The message id every copy carries: when a subscription queue dropped the message as a duplicate, the id of the message it duplicates (a retry gets its first publish's id).</param>
/// <param name="Queues">How many queues received a copy (0 when no subscription matched).</param>
/// <param name="Duplicate">Whether some subscription queue dropped its copy as a duplicate within its deduplication window (as a queue publish reports it).</param>
internal sealed record TopicPublishResultResponse(Guid MessageId, int Queues, bool Duplicate);

/// <summary>A topic publish's outcome (<c>POST /v1/topics/{name}/messages</c>): one entry per message, in order.</summary>
/// <param name="Messages">Each message's id, queue count and duplicate flag.</param>
internal sealed record TopicPublishResponse(IReadOnlyList<TopicPublishResultResponse> Messages);

/// <summary>The topic routes' source-generated JSON metadata, with the options of <see cref="RestJsonContext"/>.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(CreateTopicRequest))]
[JsonSerializable(typeof(SubscribeRequest))]
[JsonSerializable(typeof(TopicPublishRequest))]
[JsonSerializable(typeof(TopicResponse))]
[JsonSerializable(typeof(TopicListResponse))]
[JsonSerializable(typeof(SubscriptionResponse))]
[JsonSerializable(typeof(SubscriptionListResponse))]
[JsonSerializable(typeof(TopicPublishResponse))]
internal sealed partial class RestTopicJsonContext : JsonSerializerContext
{
    /// <summary>The context the topic routes use: <see cref="RestJsonContext.Web"/>'s options (relaxed encoder included).</summary>
    public static RestTopicJsonContext Web { get; } = new(new JsonSerializerOptions(RestJsonContext.Web.Options) { TypeInfoResolver = null });
}
