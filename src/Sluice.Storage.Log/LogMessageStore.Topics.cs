using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>Topics: a topic publish is a hand-encoded record (its bodies are read back from it), the rest commands.</summary>
public sealed partial class LogMessageStore : ITopicStore
{
    /// <inheritdoc />
    public ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default) =>
        CommandAsync(new CreateTopic(name), LogSpace.Grow, cancellationToken);

    /// <inheritdoc />
    public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) => State().GetTopicAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) => State().ListTopicsAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default) =>
        await CommandAsync(new DeleteTopic(name), LogSpace.Drain, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions options, CancellationToken cancellationToken = default) =>
        CommandAsync(new Subscribe(topic, queue, options), LogSpace.Grow, cancellationToken);

    /// <inheritdoc />
    public async ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default) =>
        await CommandAsync(new Unsubscribe(topic, queue), LogSpace.Drain, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default) =>
        State().ListSubscriptionsAsync(topic, cancellationToken);

    /// <inheritdoc />
    public ValueTask<TopicPublishOutcome> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(RecordType.TopicPublish);
        record.WriteString(topic);
        record.WriteInt32(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            record.WriteString(messages[i].RoutingKey);
            WriteMessage(record, messages[i].Message);
        }

        return CommitAsync(record, LogSpace.Grow, state => Complete(state.PublishToTopicAsync(topic, messages)), cancellationToken);
    }
}
