namespace Sluice.Client;

public sealed partial class InProcessSluiceClient
{
    /// <inheritdoc />
    public ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default) =>
        _broker.CreateTopicAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<TopicInfo> GetTopicAsync(string name, CancellationToken cancellationToken = default) =>
        _broker.GetTopicAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        _broker.ListTopicsAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default) =>
        _broker.DeleteTopicAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions? options = null, CancellationToken cancellationToken = default) =>
        _broker.SubscribeAsync(topic, queue, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default) =>
        _broker.UnsubscribeAsync(topic, queue, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default) =>
        _broker.ListSubscriptionsAsync(topic, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TopicPublishResult>> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default) =>
        _broker.PublishToTopicAsync(topic, messages, cancellationToken);
}
