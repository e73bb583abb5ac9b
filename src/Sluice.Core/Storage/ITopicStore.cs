using Sluice.Routing;

namespace Sluice.Storage;

/// <summary>The outcome of a topic publish in a store.</summary>
/// <param name="Messages">One result per message, in order.</param>
/// <param name="Deliveries">Per queue that received copies: the queue name and how many copies it enqueued (duplicates excluded); queues that enqueued none are left out.</param>
public sealed record TopicPublishOutcome(IReadOnlyList<TopicPublishResult> Messages, IReadOnlyList<QueueDelivery> Deliveries);

/// <summary>Copies a topic publish enqueued into one queue.</summary>
/// <param name="Queue">The queue name.</param>
/// <param name="Enqueued">Copies enqueued (duplicates within the queue's deduplication window excluded).</param>
public readonly record struct QueueDelivery(string Queue, int Enqueued);

/// <summary>
/// The storage contract for topics: topics, their subscriptions (one per topic and queue, like an AMQP binding or an
/// SNS-to-SQS subscription) and the atomic publish to every matching subscription's queue. A store declares topic
/// support by implementing it next to <see cref="IQueueStore"/>: topics live in the same store as the queues they feed,
/// because a publish is one transaction over several queues. Every method is atomic, reads time from the store's
/// <see cref="TimeProvider"/> and returns once its effect is durable. The broker validates names and options first;
/// the rules (routing, filter policies, per-copy checks, the result) live once in <see cref="TopicRules"/>.
/// Every store passes <c>TopicConformanceTests</c>.
/// </summary>
/// <remarks>
/// Semantics every store keeps:
/// <list type="bullet">
/// <item>Deleting a queue deletes its subscriptions in the same transaction; deleting a topic deletes its subscriptions,
/// never their queues.</item>
/// <item>A publish routes each message against the subscriptions as they are inside its transaction
/// (<see cref="TopicRules.PlanPublish"/>), then publishes each queue's copies through the queue's own publish path
/// (<see cref="QueueRules"/>: deduplication per queue, overflow policy, delay, priority, message group) with the message
/// ids the plan assigned: every copy of a message carries the same id. Any failure (a queue full under the reject
/// policy, a copy its queue refuses) fails the whole publish and changes nothing, counters included.</item>
/// <item>A body is stored once however many queues receive it (the in-memory store shares one buffer; a durable store
/// keeps one reference-counted row).</item>
/// <item>Counters (<see cref="TopicCounters"/>) are durable and change only with a successful publish.</item>
/// </list>
/// </remarks>
public interface ITopicStore
{
    /// <summary>Creates a topic; creating one that exists returns it unchanged (idempotent).</summary>
    ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Gets a topic with its counters and subscription count, or <see langword="null"/> when it does not exist.</summary>
    ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lists all topics ordered by name (ordinal).</summary>
    ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a topic and its subscriptions; the queues stay.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.TopicNotFound"/>.</exception>
    ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes <paramref name="queue"/> to <paramref name="topic"/> with <paramref name="options"/> (in canonical form,
    /// <see cref="SubscriptionFilter.Canonical"/>). Subscribing again with equal options returns the existing subscription.
    /// </summary>
    /// <exception cref="SluiceException">topic_not_found, queue_not_found, subscription_already_exists (other options: <see cref="TopicRules.SubscribeExisting"/>).</exception>
    ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions options, CancellationToken cancellationToken = default);

    /// <summary>Deletes the subscription of <paramref name="queue"/> to <paramref name="topic"/>; messages already delivered stay in the queue.</summary>
    /// <exception cref="SluiceException">topic_not_found, subscription_not_found.</exception>
    ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default);

    /// <summary>Lists a topic's subscriptions ordered by queue name (ordinal).</summary>
    /// <exception cref="SluiceException">topic_not_found.</exception>
    ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>Publishes messages to a topic: every copy to every matching subscription's queue, atomically (all or none).</summary>
    /// <returns>Per message its id and how many queues received it; per queue the copies enqueued.</returns>
    /// <exception cref="SluiceException">
    /// topic_not_found; a subscription queue's refusal (invalid_argument or message_too_large for a copy it cannot take,
    /// queue_full (transient) under its reject policy): then nothing is published anywhere.
    /// </exception>
    ValueTask<TopicPublishOutcome> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default);
}
