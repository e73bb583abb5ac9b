using Sluice.Routing;
using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>Topics in memory, under the store's one lock: a topic publish plans every queue's copies first, then applies them.</summary>
public sealed partial class InMemoryMessageStore : ITopicStore
{
    private readonly SortedDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_topics.TryGetValue(name, out var topic))
            {
                _topics[name] = topic = new TopicState(name, _time.GetUtcNow());
            }

            return ValueTask.FromResult(topic.Info);
        }
    }

    /// <inheritdoc />
    public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult(_topics.TryGetValue(name, out var topic) ? topic.Info : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult<IReadOnlyList<TopicInfo>>([.. _topics.Values.Select(t => t.Info)]);
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Topic(name);
            _topics.Remove(name);
            return ValueTask.CompletedTask;
        }
    }

    /// <inheritdoc />
    public ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions options, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var t = Topic(topic);
            Queue(queue);
            if (t.Subscriptions.TryGetValue(queue, out var existing))
            {
                return ValueTask.FromResult(TopicRules.SubscribeExisting(existing.Info, options));
            }

            TopicRules.CheckRoomForSubscription(topic, t.Subscriptions.Count);

            var info = new SubscriptionInfo(topic, queue, options, _time.GetUtcNow());
            t.Subscriptions[queue] = (info, SubscriptionFilter.Load(options));
            return ValueTask.FromResult(info);
        }
    }

    /// <inheritdoc />
    public ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!Topic(topic).Subscriptions.Remove(queue))
            {
                throw TopicRules.SubscriptionNotFound(topic, queue);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<SubscriptionInfo>>([.. Topic(topic).Subscriptions.Values.Select(s => s.Info)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<TopicPublishOutcome> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var t = Topic(topic);
            var now = _time.GetUtcNow();
            var plan = TopicRules.PlanPublish([.. t.Subscriptions.Values], messages, name => Queue(name).Info, now, _hooks.NewId);

            // Plan every queue's publish before changing any: a refusal (queue full) leaves everything as it was.
            var pending = plan.Copies.Select(c => PlanPublish(Queue(c.Queue.Name), c.Messages, now, c.MessageIds)).ToList();
            plan.AdoptOriginalIds([.. pending.Select(p => p.Plan)]);

            // One stored body per message that some queue takes, shared by all its copies, stored (in message order)
            // before anything changes.
            var taken = new bool[messages.Count];
            for (var c = 0; c < pending.Count; c++)
            {
                var indexes = plan.Copies[c].Indexes;
                for (var k = 0; k < indexes.Count; k++)
                {
                    taken[indexes[k]] |= pending[c].Plan.IsNew(k);
                }
            }

            var bodies = new StoredBody?[messages.Count];
            for (var i = 0; i < bodies.Length; i++)
            {
                if (taken[i])
                {
                    bodies[i] = _hooks.StoreBody(i, messages[i].Message.Body);
                }
            }

            var results = new List<IReadOnlyList<PublishResult>>(pending.Count);
            for (var c = 0; c < pending.Count; c++)
            {
                results.Add(ApplyPublish(pending[c], now, bodies, plan.Copies[c].Indexes));
            }

            var (outcome, added) = plan.Complete(results);
            t.Counters = new TopicCounters(t.Counters.Published + added.Published, t.Counters.Unrouted + added.Unrouted, t.Counters.Delivered + added.Delivered);
            return ValueTask.FromResult(outcome);
        }
    }

    /// <summary>Removes a deleted queue's subscriptions (caller holds the lock).</summary>
    private void RemoveSubscriptionsOf(string queue)
    {
        foreach (var topic in _topics.Values)
        {
            topic.Subscriptions.Remove(queue);
        }
    }

    private TopicState Topic(string name)
    {
        ThrowIfDisposed();
        return _topics.TryGetValue(name, out var t) ? t : throw TopicRules.TopicNotFound(name);
    }

    private sealed class TopicState(string name, DateTimeOffset createdAt)
    {
        public string Name => name;

        public DateTimeOffset CreatedAt => createdAt;

        public SortedDictionary<string, (SubscriptionInfo Info, SubscriptionFilter Filter)> Subscriptions { get; } = new(StringComparer.Ordinal);

        public TopicCounters Counters { get; set; }

        public TopicInfo Info => new(name, createdAt, Counters, Subscriptions.Count);
    }
}
