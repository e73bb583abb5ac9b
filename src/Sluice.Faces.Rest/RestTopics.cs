using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Sluice.Faces.Rest;

/// <summary>The topic routes' handlers (<c>/v1/topics/**</c>): parse the body, call the broker once, shape the answer.</summary>
internal sealed class RestTopics(Broker broker)
{
    private static readonly IResult s_noContent = TypedResults.NoContent();

    public async Task<IResult> ListTopicsAsync(HttpContext context)
    {
        var topics = await broker.ListTopicsAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new TopicListResponse([.. topics.Select(ToResponse)]), SluiceJsonContext.Wire.TopicListResponse);
    }

    public async Task<IResult> CreateTopicAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.CreateTopicRequest, optional: false).ConfigureAwait(false))!;
        var name = body.Name ?? throw RestMapping.SluiceBadField("name", "is missing: give the topic name, 1-80 characters from A-Z a-z 0-9 - _");
        Validation.TopicName(name, "name");
        var existed = await broker.FindTopicAsync(name, ct).ConfigureAwait(false) is not null;
        var topic = await broker.CreateTopicAsync(name, ct).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(topic), SluiceJsonContext.Wire.TopicResponse,
            statusCode: existed ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }

    public async Task<IResult> GetTopicAsync(HttpContext context, string name)
    {
        var topic = await broker.GetTopicAsync(name, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(topic), SluiceJsonContext.Wire.TopicResponse);
    }

    public async Task<IResult> DeleteTopicAsync(HttpContext context, string name)
    {
        await broker.DeleteTopicAsync(name, context.RequestAborted).ConfigureAwait(false);
        return s_noContent;
    }

    public async Task<IResult> ListSubscriptionsAsync(HttpContext context, string name)
    {
        var subscriptions = await broker.ListSubscriptionsAsync(name, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new SubscriptionListResponse([.. subscriptions.Select(ToResponse)]), SluiceJsonContext.Wire.SubscriptionListResponse);
    }

    public async Task<IResult> SubscribeAsync(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.SubscribeRequest, optional: false).ConfigureAwait(false))!;
        var queue = body.Queue ?? throw RestMapping.SluiceBadField("queue", "is missing: give the name of the queue that receives the copies");
        var options = new SubscriptionOptions
        {
            RoutingKeyPattern = body.RoutingKeyPattern,
            FilterPolicy = body.FilterPolicy is { ValueKind: not JsonValueKind.Null } policy ? policy.GetRawText() : null,
        };
        Validation.TopicName(name);
        Validation.QueueName(queue);
        var existed = (await broker.ListSubscriptionsAsync(name, ct).ConfigureAwait(false)).Any(s => s.Queue == queue);
        var subscription = await broker.SubscribeAsync(name, queue, options, ct).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(subscription), SluiceJsonContext.Wire.SubscriptionResponse,
            statusCode: existed ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }

    public async Task<IResult> GetSubscriptionAsync(HttpContext context, string name, string queue)
    {
        var subscription = await broker.GetSubscriptionAsync(name, queue, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(subscription), SluiceJsonContext.Wire.SubscriptionResponse);
    }

    public async Task<IResult> UnsubscribeAsync(HttpContext context, string name, string queue)
    {
        await broker.UnsubscribeAsync(name, queue, context.RequestAborted).ConfigureAwait(false);
        return s_noContent;
    }

    public async Task<IResult> PublishAsync(HttpContext context, string name)
    {
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.TopicPublishRequest, optional: false).ConfigureAwait(false))!;
        TopicMessage[] messages;
        if (body.Messages is { } batch)
        {
            if (body.AnyMessageField || body.RoutingKey is not null)
            {
                throw RestMapping.SluiceBadField("messages",
                    "is given with single-message fields: send either one message or {\"messages\":[...]}, not both");
            }

            messages = new TopicMessage[batch.Count];
            for (var i = 0; i < messages.Length; i++)
            {
                var item = batch[i] ?? throw RestMapping.SluiceBadField($"messages[{i}]", "is null: give a message object");
                messages[i] = new TopicMessage(RestMapping.ToOutgoing(item, $"messages[{i}]."), item.RoutingKey);
            }
        }
        else
        {
            messages = [new TopicMessage(RestMapping.ToOutgoing(body, ""), body.RoutingKey)];
        }

        IReadOnlyList<TopicPublishResult> results;
        try
        {
            results = await broker.PublishToTopicAsync(name, messages, context.RequestAborted).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (body.Messages is { Count: 1 } && ex.Field is { } field &&
                                         (field.StartsWith("message.", StringComparison.Ordinal) || field == "routingKey"))
        {
            // The broker names a one-message batch's fields as a single message's ("message.body", "routingKey"); the body named it messages[0].
            throw new SluiceException(ex.ErrorCode, ex.Message, "messages[0]." + (field == "routingKey" ? field : field["message.".Length..]), ex.IsTransient, ex);
        }

        return TypedResults.Json(new TopicPublishResponse([.. results.Select(r => new TopicPublishResultResponse(r.MessageId, r.Queues, r.Duplicate))]),
            SluiceJsonContext.Wire.TopicPublishResponse);
    }

    private static TopicResponse ToResponse(TopicInfo t) =>
        new(t.Name, t.CreatedAt, t.Counters.Published, t.Counters.Unrouted, t.Counters.Delivered, t.SubscriptionCount);

    private static SubscriptionResponse ToResponse(SubscriptionInfo s)
    {
        JsonElement? policy = null;
        if (s.Options.FilterPolicy is { } text)
        {
            using var document = JsonDocument.Parse(text);
            policy = document.RootElement.Clone();
        }

        return new SubscriptionResponse(s.Topic, s.Queue, s.Options.RoutingKeyPattern, policy, s.CreatedAt);
    }
}
