using Sluice.Internal;
using Sluice.Routing;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// Topics: fan-out to subscription queues, filtered by routing-key pattern (AMQP topic-exchange semantics) and
/// attribute filter policy (the SNS filter-policy shape), atomic over every queue. The store must implement
/// <see cref="ITopicStore"/>; otherwise every method throws not_supported. Topic names are 1-80 characters from A-Z a-z 0-9 - _
/// (invalid_topic_name). Bad input changes no state.
/// </summary>
public sealed partial class Broker
{
    private static readonly QueueOptions AnyQueue = new() { MaxMessageSize = Validation.MaxMessageSizeLimit };

    /// <summary>Whether the store implements topics.</summary>
    public bool SupportsTopics => _store is ITopicStore;

    private ITopicStore Topics => StoreFor<ITopicStore>("topics");

    /// <summary>Creates a topic; creating one that exists returns it (idempotent).</summary>
    /// <param name="name">1-80 characters from A-Z a-z 0-9 - _ (no .fifo suffix or prefix:, unlike queue names).</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the topic may still be created.</param>
    /// <exception cref="SluiceException">invalid_topic_name, not_supported.</exception>
    public async ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, name);
        Validation.TopicName(name);
        return await Topics.CreateTopicAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a topic with its counters and subscription count.</summary>
    /// <exception cref="SluiceException">invalid_topic_name, topic_not_found, not_supported.</exception>
    public async ValueTask<TopicInfo> GetTopicAsync(string name, CancellationToken cancellationToken = default) =>
        // FindTopicAsync checks the caller may see the topic.
        await FindTopicAsync(name, cancellationToken).ConfigureAwait(false) ?? throw TopicRules.TopicNotFound(name);

    /// <summary>Gets a topic, or <see langword="null"/> when no topic has that name.</summary>
    /// <exception cref="SluiceException">invalid_topic_name, not_supported.</exception>
    public async ValueTask<TopicInfo?> FindTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        DemandSee(name);
        Validation.TopicName(name);
        return await Topics.GetTopicAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists all topics ordered by name.</summary>
    /// <exception cref="SluiceException">not_supported.</exception>
    public async ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        Visible(await Topics.ListTopicsAsync(cancellationToken).ConfigureAwait(false), t => t.Name);

    /// <summary>Deletes a topic and its subscriptions; the subscription queues and their messages stay.</summary>
    /// <exception cref="SluiceException">invalid_topic_name, topic_not_found, not_supported.</exception>
    public async ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, name);
        Validation.TopicName(name);
        await Topics.DeleteTopicAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Subscribes a queue to a topic: the topic delivers a copy of every matching message into the queue, which keeps its
    /// own retries, dead-letter queue, FIFO rules, deduplication and overflow policy. Subscribing again with equal
    /// options returns the existing subscription.
    /// </summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="queue">The queue name; the queue must exist.</param>
    /// <param name="options">The routing-key pattern and filter policy; default none (every message).</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the subscription may still be created.</param>
    /// <exception cref="SluiceException">
    /// invalid_topic_name, invalid_queue_name, invalid_argument (routingKeyPattern, filterPolicy), topic_not_found,
    /// queue_not_found, subscription_already_exists (subscribed with other options), subscription_limit_exceeded (the
    /// topic has TopicRules.MaxSubscriptionsPerTopic already), not_supported.
    /// </exception>
    public async ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, topic);
        SluiceAccess.Demand(SluicePermissions.Admin, queue);
        Validation.TopicName(topic);
        Validation.QueueName(queue);
        var canonical = SubscriptionFilter.Create(options ?? new SubscriptionOptions()).Canonical;
        return await Topics.SubscribeAsync(topic, queue, canonical, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a queue's subscription to a topic; copies already delivered stay in the queue.</summary>
    /// <exception cref="SluiceException">invalid_topic_name, invalid_queue_name, topic_not_found, subscription_not_found, not_supported.</exception>
    public async ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, topic);
        SluiceAccess.Demand(SluicePermissions.Admin, queue);
        Validation.TopicName(topic);
        Validation.QueueName(queue);
        await Topics.UnsubscribeAsync(topic, queue, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists a topic's subscriptions ordered by queue name.</summary>
    /// <exception cref="SluiceException">invalid_topic_name, topic_not_found, not_supported.</exception>
    public async ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default)
    {
        DemandSee(topic);
        Validation.TopicName(topic);
        return await Topics.ListSubscriptionsAsync(topic, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a queue's subscription to a topic.</summary>
    /// <exception cref="SluiceException">invalid_topic_name, invalid_queue_name, topic_not_found, subscription_not_found, not_supported.</exception>
    public async ValueTask<SubscriptionInfo> GetSubscriptionAsync(string topic, string queue, CancellationToken cancellationToken = default)
    {
        DemandSee(topic);
        Validation.QueueName(queue);
        var all = await ListSubscriptionsAsync(topic, cancellationToken).ConfigureAwait(false);
        return all.FirstOrDefault(s => s.Queue == queue) ?? throw TopicRules.SubscriptionNotFound(topic, queue);
    }

    /// <summary>
    /// Publishes messages to a topic: each message goes, as one copy with one message id, into the queue of every
    /// subscription whose routing-key pattern and filter policy match it, through that queue's publish rules; all copies
    /// of the batch or none. A topic without (matching) subscriptions accepts the publish and counts it as unrouted.
    /// Receivers long-polling a queue that got copies wake up.
    /// </summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="messages">1 to <see cref="BrokerOptions.MaxBatchSize"/> messages with their routing keys.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the publish may still happen.</param>
    /// <returns>Per message, in order: its id and how many queues received it.</returns>
    /// <exception cref="SluiceException">
    /// invalid_topic_name, invalid_argument, message_too_large, topic_not_found, not_supported; a subscription queue's
    /// refusal (invalid_argument or message_too_large for a copy it cannot take, such as a FIFO queue and a message
    /// without a message group id; queue_full (transient)), after which nothing was published.
    /// </exception>
    public async ValueTask<IReadOnlyList<TopicPublishResult>> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Publish, topic);
        Validation.TopicName(topic);
        ArgumentNullException.ThrowIfNull(messages);
        Validation.Entries(messages.Count, Options.MaxBatchSize, "messages");
        for (var i = 0; i < messages.Count; i++)
        {
            var field = messages.Count == 1 ? "message" : $"messages[{i}]";
            ArgumentNullException.ThrowIfNull(messages[i], field);

            // The routing key sits beside the message, not in it: "routingKey" alone, "messages[i].routingKey" in a batch.
            RoutingPattern.CheckRoutingKey(messages[i].RoutingKey, messages.Count == 1 ? "routingKey" : field + ".routingKey");

            // What holds for any queue; each subscription queue checks its own rules (size, FIFO) in the store.
            Validation.Message(messages[i].Message, AnyQueue, field);
        }

        TopicPublishOutcome outcome;
        try
        {
            outcome = await Topics.PublishToTopicAsync(topic, messages, cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueFull)
        {
            // The full queue is a subscription's, named in the message; no field of this request is at fault.
            throw new SluiceException(ex.ErrorCode, $"a subscription queue of topic '{topic}' is full, so nothing was published: {ex.Message}", null, ex.IsTransient, ex);
        }

        Metrics.TopicPublished.Add(messages.Count, new KeyValuePair<string, object?>(Metrics.QueueTag, topic));
        foreach (var (queue, enqueued) in outcome.Deliveries)
        {
            Rates(queue).Published.Add(enqueued);
            Metrics.Published.Add(enqueued, new KeyValuePair<string, object?>(Metrics.QueueTag, queue));
            NotifyReady(queue, enqueued);
        }

        return outcome.Messages;
    }
}
