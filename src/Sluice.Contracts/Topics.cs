using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Contracts;

// Topic request and response bodies (docs/rest-api.md, "Topics"). Unknown properties are refused, as everywhere.

/// <summary>A topic create body (<c>POST /v1/topics</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateTopicRequest
{
    /// <summary>The topic name: 1-80 characters from A-Z a-z 0-9 - _ (no .fifo suffix or prefix:, unlike queue names). Required.</summary>
    public string? Name { get; init; }
}

/// <summary>A subscribe body (<c>POST /v1/topics/{name}/subscriptions</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SubscribeRequest
{
    /// <summary>The queue that receives the copies; it must exist. Required.</summary>
    public string? Queue { get; init; }

    /// <summary>Routing-key pattern (AMQP topic-exchange rules: words separated by '.', '*' one word, '#' zero or more), 1-255 characters; null or absent: every key.</summary>
    public string? RoutingKeyPattern { get; init; }

    /// <summary>Attribute filter policy, the SNS filter-policy shape: an object of attribute names to arrays of conditions (docs/topics.md); null or absent: every message. Sent as given (the server judges its strings).</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public JsonElement? FilterPolicy { get; init; }
}

/// <summary>One message to publish to a topic: a queue message's fields plus its routing key.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public record TopicMessageRequest : OutgoingMessageRequest
{
    /// <summary>A message with no field set.</summary>
    public TopicMessageRequest()
    {
    }

    /// <summary>A copy of <paramref name="message"/>'s fields, to which a routing key can be added.</summary>
    /// <param name="message">A queue message's fields.</param>
    public TopicMessageRequest(OutgoingMessageRequest message)
        : base(message)
    {
    }

    /// <summary>The routing key matched against subscriptions' patterns: words separated by '.', at most 255 characters, no '*' or '#'. Default none (zero words).</summary>
    public string? RoutingKey { get; init; }
}

/// <summary>A topic publish body: one message, or <c>{"messages":[...]}</c> (atomic over every subscription queue).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TopicPublishRequest : TopicMessageRequest
{
    /// <summary>An atomic batch of messages (instead of the single-message fields).</summary>
    public IReadOnlyList<TopicMessageRequest>? Messages { get; init; }
}

/// <summary>A topic with its counters.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Published">Messages published to it.</param>
/// <param name="Unrouted">Published messages no subscription matched.</param>
/// <param name="Delivered">Copies enqueued into subscription queues (duplicates dropped by a queue's deduplication not counted).</param>
/// <param name="Subscriptions">Subscriptions it has now.</param>
public sealed record TopicResponse(string Name, DateTimeOffset CreatedAt, long Published, long Unrouted, long Delivered, int Subscriptions);

/// <summary>Every topic, ordered by name (<c>GET /v1/topics</c>).</summary>
/// <param name="Topics">The topics.</param>
public sealed record TopicListResponse(IReadOnlyList<TopicResponse> Topics);

/// <summary>A subscription.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Queue">The queue that receives the copies.</param>
/// <param name="RoutingKeyPattern">The routing-key pattern, or null (every key).</param>
/// <param name="FilterPolicy">The filter policy in canonical form, or null (every message).</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record SubscriptionResponse(string Topic, string Queue, string? RoutingKeyPattern,
    [property: JsonConverter(typeof(RawJsonConverter))] JsonElement? FilterPolicy, DateTimeOffset CreatedAt);

/// <summary>A topic's subscriptions, ordered by queue name (<c>GET /v1/topics/{name}/subscriptions</c>).</summary>
/// <param name="Subscriptions">The subscriptions.</param>
public sealed record SubscriptionListResponse(IReadOnlyList<SubscriptionResponse> Subscriptions);

/// <summary>One message's outcome of a topic publish.</summary>
/// <param name="MessageId">The message id every copy carries: when a subscription queue dropped the message as a duplicate, the id of the message it duplicates (a retry gets its first publish's id).</param>
/// <param name="Queues">How many queues received a copy (0 when no subscription matched).</param>
/// <param name="Duplicate">Whether some subscription queue dropped its copy as a duplicate within its deduplication window (as a queue publish reports it).</param>
public sealed record TopicPublishResultResponse(Guid MessageId, int Queues, bool Duplicate);

/// <summary>A topic publish's outcome (<c>POST /v1/topics/{name}/messages</c>): one entry per message, in order.</summary>
/// <param name="Messages">Each message's id, queue count and duplicate flag.</param>
public sealed record TopicPublishResponse(IReadOnlyList<TopicPublishResultResponse> Messages);
