using Sluice.Routing;

namespace Sluice.Storage;

/// <summary>
/// The topic rules every <see cref="ITopicStore"/> applies, once: routing a publish against the subscriptions
/// (routing-key pattern and attribute filter policy), the checks each copy passes in its queue, the message ids, the
/// per-message results and the counters; "already exists" on subscribe; and the topic errors. A store keeps storage only.
/// </summary>
public static class TopicRules
{
    /// <summary>A routing key split into words: <see langword="null"/> or empty has none; otherwise split at every <c>.</c> (empty words included).</summary>
    public static string[] Words(string? routingKey) => string.IsNullOrEmpty(routingKey) ? [] : routingKey.Split('.');

    /// <summary>
    /// Plans a topic publish before anything is changed: assigns each message one id (a UUIDv7 of <paramref name="now"/> by default)
    /// (every copy carries it), routes each message to the subscriptions whose filters match, and checks every copy
    /// against its queue as a queue publish would (size, FIFO message group and deduplication id, priority and delay
    /// rules, a batch that can never fit), adding a content-based deduplication id where the queue derives one.
    /// </summary>
    /// <param name="subscriptions">The topic's subscriptions now, each with its parsed filter; their queues must exist.</param>
    /// <param name="messages">The messages, in order (validated by the broker).</param>
    /// <param name="queueOf">The stored queue of a subscription's queue name.</param>
    /// <param name="now">The store's current time.</param>
    /// <param name="newId">
    /// Where the message ids come from, called once per message in order with <paramref name="now"/>; default
    /// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> (a state machine that replays a log passes a deterministic source).
    /// </param>
    /// <exception cref="SluiceException">A copy its queue refuses: the queue's error, its message naming the queue.</exception>
    public static TopicPlan PlanPublish(IReadOnlyList<(SubscriptionInfo Info, SubscriptionFilter Filter)> subscriptions,
        IReadOnlyList<TopicMessage> messages, Func<string, QueueInfo> queueOf, DateTimeOffset now, Func<DateTimeOffset, Guid>? newId = null)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(queueOf);
        var ids = new Guid[messages.Count];
        var words = new string[messages.Count][];
        for (var i = 0; i < messages.Count; i++)
        {
            ids[i] = newId is null ? Guid.CreateVersion7(now) : newId(now);
            words[i] = Words(messages[i].RoutingKey);
        }

        var routed = new bool[messages.Count];
        var copies = new List<TopicCopies>();
        foreach (var (info, filter) in subscriptions)
        {
            List<int>? indexes = null;
            for (var i = 0; i < messages.Count; i++)
            {
                if (filter.Matches(words[i], messages[i].Message.Attributes))
                {
                    (indexes ??= []).Add(i);
                    routed[i] = true;
                }
            }

            if (indexes is null)
            {
                continue;
            }

            var queue = queueOf(info.Queue);
            var batch = new OutgoingMessage[indexes.Count];
            var batchIds = new Guid[indexes.Count];
            for (var k = 0; k < indexes.Count; k++)
            {
                var i = indexes[k];
                var m = messages[i].Message;
                // Named as the broker names a publish's messages: "message" alone, "messages[i]" in a batch.
                var field = messages.Count == 1 ? "message" : $"messages[{i}]";
                try
                {
                    Validation.Message(m, queue.Options, field);
                }
                catch (SluiceException ex)
                {
                    throw new SluiceException(ex.ErrorCode,
                        $"subscription queue '{queue.Name}' of topic '{info.Topic}' cannot take {(messages.Count == 1 ? "the message" : field)}, so nothing was published: {ex.Message}", ex.Field, ex.IsTransient);
                }

                batch[k] = queue.Options.ContentBasedDeduplication && m.DeduplicationId is null
                    ? m with { DeduplicationId = Broker.ContentDeduplicationId(m.Body.Span) }
                    : m;
                batchIds[k] = ids[i];
            }

            Broker.CheckCanEverFit(queue, batch);
            copies.Add(new TopicCopies(queue, indexes, batch, batchIds));
        }

        return new TopicPlan(ids, routed.Count(r => !r), copies);
    }

    /// <summary>
    /// The most subscriptions one topic may have: 100. A publish writes one copy per matching subscription in one
    /// transaction, so the cap bounds how long one publish holds a store's writer (100 subscriptions x a batch of 100
    /// messages is 10,000 copies). SNS's default is far higher because its fan-out is asynchronous; ours is atomic.
    /// </summary>
    public const int MaxSubscriptionsPerTopic = 100;

    /// <summary>Refuses a new subscription when the topic has <see cref="MaxSubscriptionsPerTopic"/> already.</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="subscriptions">How many subscriptions the topic has now.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.SubscriptionLimitExceeded"/>.</exception>
    public static void CheckRoomForSubscription(string topic, int subscriptions)
    {
        if (subscriptions >= MaxSubscriptionsPerTopic)
        {
            throw new SluiceException(ErrorCodes.SubscriptionLimitExceeded,
                $"topic '{topic}' has {subscriptions} subscriptions, the most a topic may have ({MaxSubscriptionsPerTopic}): unsubscribe a queue first, or publish to another topic", "queue");
        }
    }

    /// <summary>
    /// Subscribing a queue that is subscribed already: the existing subscription when <paramref name="requested"/>
    /// equals its options (subscribe is idempotent), otherwise <see cref="ErrorCodes.SubscriptionAlreadyExists"/>.
    /// </summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.SubscriptionAlreadyExists"/> when the options differ.</exception>
    public static SubscriptionInfo SubscribeExisting(SubscriptionInfo existing, SubscriptionOptions requested)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return existing.Options == requested ? existing : throw new SluiceException(ErrorCodes.SubscriptionAlreadyExists,
            $"queue '{existing.Queue}' is subscribed to topic '{existing.Topic}' already, with other options: subscribe with the same options, or unsubscribe first", "queue");
    }

    /// <summary><see cref="ErrorCodes.TopicNotFound"/>: no topic has that name (the fact only, as <see cref="StoreErrors.QueueNotFound"/>: every verb raises it).</summary>
    public static SluiceException TopicNotFound(string topic) => new(ErrorCodes.TopicNotFound,
        $"topic '{topic}' does not exist", "topic");

    /// <summary><see cref="ErrorCodes.SubscriptionNotFound"/>: the queue is not subscribed to the topic.</summary>
    public static SluiceException SubscriptionNotFound(string topic, string queue) => new(ErrorCodes.SubscriptionNotFound,
        $"queue '{queue}' is not subscribed to topic '{topic}': list the topic's subscriptions (sluice topic subscriptions {topic})", "queue");
}

/// <summary>The copies a topic publish puts into one queue (<see cref="TopicRules.PlanPublish"/>).</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Indexes">For each copy, the index of its message in the publish.</param>
/// <param name="Messages">The copies, checked against the queue, in publish order: publish them as one batch.</param>
/// <param name="MessageIds">For each copy, the id to store it under (its message's id).</param>
public sealed record TopicCopies(QueueInfo Queue, IReadOnlyList<int> Indexes, IReadOnlyList<OutgoingMessage> Messages, IReadOnlyList<Guid> MessageIds);

/// <summary>
/// The plan of one topic publish: the message ids, the copies per queue and the counters. A store publishes each
/// <see cref="Copies"/> entry through its queue publish path (all in one transaction), then calls <see cref="Complete"/>.
/// </summary>
public sealed class TopicPlan
{
    private readonly Guid[] _ids;
    private readonly Guid[] _assigned;

    internal TopicPlan(Guid[] ids, int unrouted, IReadOnlyList<TopicCopies> copies)
    {
        _ids = ids;
        _assigned = (Guid[])ids.Clone();
        Unrouted = unrouted;
        Copies = copies;
    }

    /// <summary>The copies, one entry per queue that receives any, in subscription (queue name) order.</summary>
    public IReadOnlyList<TopicCopies> Copies { get; }

    /// <summary>Messages of the publish.</summary>
    public int Published => _ids.Length;

    /// <summary>Messages no subscription matched.</summary>
    public int Unrouted { get; }

    /// <summary>
    /// Gives every copy of a message one id, before anything is stored: a message that some queue reports as a
    /// duplicate of a message it stored (a producer's retry) takes that message's id (the first such queue's, in
    /// <see cref="Copies"/> order), and so does every copy that is new in its queue.
    /// </summary>
    /// <param name="plans">For each entry of <see cref="Copies"/> in order, its queue's publish plan (<see cref="QueueRules.PlanPublish"/>).</param>
    public void AdoptOriginalIds(IReadOnlyList<PublishPlan> plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        for (var c = 0; c < Copies.Count; c++)
        {
            for (var k = 0; k < Copies[c].Indexes.Count; k++)
            {
                var i = Copies[c].Indexes[k];
                if (_ids[i] == _assigned[i] && plans[c].StoredDuplicateOf(k) is { } original)
                {
                    _ids[i] = original;
                }
            }
        }

        for (var c = 0; c < Copies.Count; c++)
        {
            for (var k = 0; k < Copies[c].Indexes.Count; k++)
            {
                plans[c].UseId(k, _ids[Copies[c].Indexes[k]]);
            }
        }
    }

    /// <summary>
    /// The outcome once every queue's copies are published: <paramref name="results"/> holds, for each entry of
    /// <see cref="Copies"/> in order, its queue publish's results; and the counters to add.
    /// </summary>
    /// <returns>The outcome and the counters to add to the topic's (<see cref="TopicCounters"/> of this publish alone).</returns>
    public (TopicPublishOutcome Outcome, TopicCounters Added) Complete(IReadOnlyList<IReadOnlyList<PublishResult>> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var queues = new int[_ids.Length];
        var duplicateOf = new Guid?[_ids.Length];
        var deliveries = new List<QueueDelivery>(Copies.Count);
        long delivered = 0;
        for (var c = 0; c < Copies.Count; c++)
        {
            var enqueued = 0;
            for (var k = 0; k < results[c].Count; k++)
            {
                var i = Copies[c].Indexes[k];
                if (!results[c][k].Duplicate)
                {
                    queues[i]++;
                    enqueued++;
                }
                else
                {
                    duplicateOf[i] ??= results[c][k].MessageId;
                }
            }

            if (enqueued > 0)
            {
                deliveries.Add(new QueueDelivery(Copies[c].Queue.Name, enqueued));
                delivered += enqueued;
            }
        }

        var messages = new TopicPublishResult[_ids.Length];
        for (var i = 0; i < messages.Length; i++)
        {
            // A message no queue stored (a duplicate everywhere it went) reports the message it duplicates, as a queue publish does.
            messages[i] = new TopicPublishResult(queues[i] == 0 && duplicateOf[i] is { } original ? original : _ids[i], queues[i])
            {
                Duplicate = duplicateOf[i] is not null,
            };
        }

        return (new TopicPublishOutcome(messages, deliveries), new TopicCounters(_ids.Length, Unrouted, delivered));
    }
}
