using Sluice.Grpc;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Client;

public sealed partial class RemoteSluiceClient
{
    /// <inheritdoc />
    public async ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_topics.CreateTopicAsync, new V1.CreateTopicRequest { Name = name ?? "" }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<TopicInfo> GetTopicAsync(string name, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_topics.GetTopicAsync, new V1.GetTopicRequest { Name = name ?? "" }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(_topics.ListTopicsAsync, new V1.ListTopicsRequest(), cancellationToken).ConfigureAwait(false)).Topics.Select(GrpcConvert.FromProto)];

    /// <inheritdoc />
    public async ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default) =>
        await CallAsync(_topics.DeleteTopicAsync, new V1.DeleteTopicRequest { Name = name ?? "" }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions? options = null, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_topics.SubscribeAsync,
            new V1.SubscribeRequest { Topic = topic ?? "", Queue = queue ?? "", Options = options is null ? null : GrpcConvert.ToProto(options) }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default) =>
        await CallAsync(_topics.UnsubscribeAsync, new V1.UnsubscribeRequest { Topic = topic ?? "", Queue = queue ?? "" }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(_topics.ListSubscriptionsAsync, new V1.ListSubscriptionsRequest { Topic = topic ?? "" }, cancellationToken).ConfigureAwait(false)).Subscriptions.Select(GrpcConvert.FromProto)];

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<TopicPublishResult>> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = new V1.PublishToTopicRequest { Topic = topic ?? "" };
        request.Messages.AddRange(messages.Select(GrpcConvert.ToProto));
        return [.. (await CallAsync(_topics.PublishToTopicAsync, request, cancellationToken).ConfigureAwait(false)).Results.Select(GrpcConvert.FromProto)];
    }
}
