using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Sluice.Faces.Rest;

public static partial class SluiceRestApiExtensions
{
    /// <summary>Maps the topic routes under <c>/v1/topics</c> (docs/topics.md, docs/rest-api.md).</summary>
    private static void MapTopics(RouteGroupBuilder v1, Broker broker)
    {
        var h = new RestTopics(broker);
        var topics = v1.MapGroup("/topics").WithTags("Topics");
        topics.MapGet("", (Func<HttpContext, Task<IResult>>)h.ListTopicsAsync).WithName("ListTopics")
            .WithSummary("List topics").WithDescription("Every topic with its counters and subscription count, ordered by name.")
            .Produces<TopicListResponse>();
        topics.MapPost("", (Func<HttpContext, Task<IResult>>)h.CreateTopicAsync).WithName("CreateTopic")
            .WithSummary("Create a topic")
            .WithDescription("Creates the topic `name`. Idempotent: 201 when created, 200 when it exists.")
            .WithRequestBody<CreateTopicRequest>(false, "name").Produces<TopicResponse>(StatusCodes.Status201Created).Produces<TopicResponse>();
        topics.MapGet("/{name}", (HttpContext c, string name) => h.GetTopicAsync(c, name)).WithName("GetTopic")
            .WithSummary("Get a topic")
            .WithDescription("The topic with its counters: messages published, unrouted (matched no subscription) and copies delivered, and its subscription count.")
            .Produces<TopicResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        topics.MapDelete("/{name}", (HttpContext c, string name) => h.DeleteTopicAsync(c, name)).WithName("DeleteTopic")
            .WithSummary("Delete a topic").WithDescription("Deletes the topic and its subscriptions; the queues and their messages stay.")
            .Produces(StatusCodes.Status204NoContent).WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        topics.MapGet("/{name}/subscriptions", (HttpContext c, string name) => h.ListSubscriptionsAsync(c, name)).WithName("ListSubscriptions")
            .WithSummary("List a topic's subscriptions").WithDescription("Every subscription of the topic, ordered by queue name.")
            .Produces<SubscriptionListResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        topics.MapPost("/{name}/subscriptions", (HttpContext c, string name) => h.SubscribeAsync(c, name)).WithName("Subscribe")
            .WithSummary("Subscribe a queue to a topic")
            .WithDescription("Delivers a copy of every matching message published to the topic into `queue`, which keeps its own retries, " +
                             "dead-letter queue, FIFO rules, deduplication and overflow policy. `routingKeyPattern` follows the AMQP topic-exchange " +
                             "rules ('*' one word, '#' zero or more); `filterPolicy` is an SNS-shaped attribute filter policy (docs/topics.md). " +
                             "201 when created, 200 when the queue is subscribed with equal options, 409 subscription_already_exists with other options.")
            .WithRequestBody<SubscribeRequest>(false, "queue").Produces<SubscriptionResponse>(StatusCodes.Status201Created).Produces<SubscriptionResponse>()
            .WithProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        topics.MapGet("/{name}/subscriptions/{queue}", (HttpContext c, string name, string queue) => h.GetSubscriptionAsync(c, name, queue))
            .WithName("GetSubscription").WithSummary("Get a subscription").WithDescription("The queue's subscription to the topic.")
            .Produces<SubscriptionResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        topics.MapDelete("/{name}/subscriptions/{queue}", (HttpContext c, string name, string queue) => h.UnsubscribeAsync(c, name, queue))
            .WithName("Unsubscribe").WithSummary("Unsubscribe a queue from a topic")
            .WithDescription("Deletes the subscription; copies already delivered stay in the queue.")
            .Produces(StatusCodes.Status204NoContent).WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        topics.MapPost("/{name}/messages", (HttpContext c, string name) => h.PublishAsync(c, name)).WithName("PublishToTopic").WithTags("Topics")
            .WithSummary("Publish messages to a topic")
            .WithDescription("Publishes one message (queue-message fields plus `routingKey`) or a batch `{\"messages\":[...]}`: each message goes, " +
                             "with one message id, into the queue of every subscription whose pattern and filter policy match it, through that " +
                             "queue's publish rules; all copies or none (a full queue under the reject policy, a FIFO queue and a message without " +
                             "messageGroupId, a body over one queue's maxMessageSize fail the whole publish). Answers per message its id and how " +
                             "many queues received it; a topic without matching subscriptions accepts the publish (0 queues).")
            .WithRequestBody<TopicPublishRequest>(false).Produces<TopicPublishResponse>()
            .WithProblems(StatusCodes.Status404NotFound, StatusCodes.Status429TooManyRequests);
    }

    // The one free-form JSON value of the topic routes, a filter policy, is an object (docs/topics.md has its grammar).
    private static Task DescribeTopicSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if ((Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type) == typeof(JsonElement))
        {
            var nullable = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) is not null || context.JsonPropertyInfo is not null;
            schema.Type = nullable ? JsonSchemaType.Object | JsonSchemaType.Null : JsonSchemaType.Object;
            schema.Description = "An attribute filter policy, the SNS filter-policy shape: an object of message attribute names to arrays of " +
                                 "conditions (a string, a number, {\"prefix\": text}, {\"numeric\": [op, n, ...]}, {\"exists\": bool}); see docs/topics.md.";
        }

        return Task.CompletedTask;
    }
}
