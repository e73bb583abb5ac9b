using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;
using static Sluice.Faces.Grpc.GrpcErrors;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>sluice.v1.Topics: topics and subscriptions, translated onto the broker.</summary>
internal sealed class TopicsService(global::Sluice.Broker broker) : Topics.TopicsBase
{
    public override async Task<Sluice.Grpc.V1.TopicInfo> CreateTopic(CreateTopicRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.CreateTopicAsync(Required(request.Name, "name"), context.CancellationToken).ConfigureAwait(false));

    public override async Task<Sluice.Grpc.V1.TopicInfo> GetTopic(GetTopicRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.GetTopicAsync(Required(request.Name, "name"), context.CancellationToken).ConfigureAwait(false));

    public override async Task<ListTopicsResponse> ListTopics(ListTopicsRequest request, ServerCallContext context)
    {
        var response = new ListTopicsResponse();
        foreach (var topic in await broker.ListTopicsAsync(context.CancellationToken).ConfigureAwait(false))
        {
            response.Topics.Add(GrpcConvert.ToProto(topic));
        }

        return response;
    }

    public override async Task<DeleteTopicResponse> DeleteTopic(DeleteTopicRequest request, ServerCallContext context)
    {
        await broker.DeleteTopicAsync(Required(request.Name, "name"), context.CancellationToken).ConfigureAwait(false);
        return new DeleteTopicResponse();
    }

    public override async Task<Sluice.Grpc.V1.SubscriptionInfo> Subscribe(SubscribeRequest request, ServerCallContext context)
    {
        var topic = Required(request.Topic, "topic");
        var queue = Required(request.Queue, "queue");
        var options = GrpcConvert.FromProto(request.Options);
        return GrpcConvert.ToProto(await broker.SubscribeAsync(topic, queue, options, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<UnsubscribeResponse> Unsubscribe(UnsubscribeRequest request, ServerCallContext context)
    {
        await broker.UnsubscribeAsync(Required(request.Topic, "topic"), Required(request.Queue, "queue"), context.CancellationToken).ConfigureAwait(false);
        return new UnsubscribeResponse();
    }

    public override async Task<ListSubscriptionsResponse> ListSubscriptions(ListSubscriptionsRequest request, ServerCallContext context)
    {
        var response = new ListSubscriptionsResponse();
        foreach (var subscription in await broker.ListSubscriptionsAsync(Required(request.Topic, "topic"), context.CancellationToken).ConfigureAwait(false))
        {
            response.Subscriptions.Add(GrpcConvert.ToProto(subscription));
        }

        return response;
    }

    public override async Task<PublishToTopicResponse> PublishToTopic(PublishToTopicRequest request, ServerCallContext context)
    {
        var topic = Required(request.Topic, "topic");
        var messages = new global::Sluice.TopicMessage[request.Messages.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = GrpcConvert.FromProto(request.Messages[i], $"messages[{i}]");
        }

        var response = new PublishToTopicResponse();
        foreach (var result in await broker.PublishToTopicAsync(topic, messages, context.CancellationToken).ConfigureAwait(false))
        {
            response.Results.Add(GrpcConvert.ToProto(result));
        }

        return response;
    }
}
