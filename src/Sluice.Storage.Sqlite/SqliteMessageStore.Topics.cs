using Sluice.Routing;
using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

/// <summary>
/// Topics in SQLite: topics and subscriptions in tables (cached on the writer, with their parsed filters), a topic
/// publish as one operation (one savepoint) over every queue's publish path, and bodies shared by a message's copies
/// in a reference-counted <c>bodies</c> table that triggers on <c>messages</c> keep: every path that deletes a row
/// (ack, purge, drop-head, retention, queue delete) releases its reference, and moves (dead-lettering, redrive) keep it.
/// </summary>
public sealed partial class SqliteMessageStore : ITopicStore
{
    // Created after Migrate: the triggers name messages.body_id, which Migrate adds to older databases.
    private const string TopicSchema = """
        CREATE TABLE IF NOT EXISTS topics(
            name TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL,
            published INTEGER NOT NULL DEFAULT 0,
            unrouted INTEGER NOT NULL DEFAULT 0,
            delivered INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS subscriptions(
            topic TEXT NOT NULL,
            queue TEXT NOT NULL,
            pattern TEXT,
            filter TEXT,
            created_at INTEGER NOT NULL,
            PRIMARY KEY(topic, queue)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS subscriptions_queue ON subscriptions(queue);
        CREATE TABLE IF NOT EXISTS bodies(
            id INTEGER PRIMARY KEY,
            body BLOB NOT NULL,
            refs INTEGER NOT NULL);
        CREATE TRIGGER IF NOT EXISTS messages_body_ref AFTER INSERT ON messages WHEN new.body_id IS NOT NULL
        BEGIN
            UPDATE bodies SET refs = refs + 1 WHERE id = new.body_id;
        END;
        CREATE TRIGGER IF NOT EXISTS messages_body_unref AFTER DELETE ON messages WHEN old.body_id IS NOT NULL
        BEGIN
            UPDATE bodies SET refs = refs - 1 WHERE id = old.body_id;
            DELETE FROM bodies WHERE id = old.body_id AND refs <= 0;
        END;
        """;

    // Writer-owned: every topic with its subscriptions (ordered by queue) and their parsed filters.
    private readonly SortedDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecCreateTopic(name), cancellationToken);

    /// <inheritdoc />
    public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(() => _topics.TryGetValue(name, out var t) ? ReadTopic(t) : null, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<TopicInfo>>(() => [.. _topics.Values.Select(ReadTopic)], cancellationToken);

    /// <inheritdoc />
    public async ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default) =>
        await RunAsync(() => ExecDeleteTopic(name), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions options, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecSubscribe(topic, queue, options), cancellationToken);

    /// <inheritdoc />
    public async ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default) =>
        await RunAsync(() => ExecUnsubscribe(topic, queue), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<SubscriptionInfo>>(() => [.. RequireTopic(topic).Subscriptions.Values.Select(s => s.Info)], cancellationToken);

    /// <inheritdoc />
    public ValueTask<TopicPublishOutcome> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecPublishToTopic(topic, messages), cancellationToken);

    private void LoadTopics()
    {
        _topics.Clear();
        using (var cmd = Command("SELECT name, created_at FROM topics;"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                _topics.Add(r.GetString(0), new TopicState(r.GetString(0), Time.FromMs(r.GetInt64(1))));
            }
        }

        using (var cmd = Command("SELECT topic, queue, pattern, filter, created_at FROM subscriptions;"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var options = new SubscriptionOptions
                {
                    RoutingKeyPattern = r.IsDBNull(2) ? null : r.GetString(2),
                    FilterPolicy = r.IsDBNull(3) ? null : r.GetString(3),
                };
                var info = new SubscriptionInfo(r.GetString(0), r.GetString(1), options, Time.FromMs(r.GetInt64(4)));
                if (_topics.TryGetValue(info.Topic, out var t))
                {
                    t.Subscriptions[info.Queue] = (info, SubscriptionFilter.Load(options));
                }
            }
        }
    }

    private TopicInfo ExecCreateTopic(string name)
    {
        if (_topics.TryGetValue(name, out var existing))
        {
            return ReadTopic(existing);
        }

        var now = Now();
        using var cmd = Command("INSERT INTO topics(name, created_at) VALUES($name, $now);", "$name", "$now");
        Set(cmd, 0, name);
        Set(cmd, 1, now);
        cmd.ExecuteNonQuery();
        var t = new TopicState(name, Time.FromMs(now));
        _topics.Add(name, t);
        OnUndo(() => _topics.Remove(name));
        return new TopicInfo(name, t.CreatedAt, default, 0);
    }

    private bool ExecDeleteTopic(string name)
    {
        var t = RequireTopic(name);
        using var cmd = Command("DELETE FROM subscriptions WHERE topic = $name; DELETE FROM topics WHERE name = $name;", "$name");
        Set(cmd, 0, name);
        cmd.ExecuteNonQuery();
        _topics.Remove(name);
        OnUndo(() => _topics.Add(name, t));
        return true;
    }

    private SubscriptionInfo ExecSubscribe(string topic, string queue, SubscriptionOptions options)
    {
        var t = RequireTopic(topic);
        RequireQueue(queue);
        if (t.Subscriptions.TryGetValue(queue, out var existing))
        {
            return TopicRules.SubscribeExisting(existing.Info, options);
        }

        TopicRules.CheckRoomForSubscription(topic, t.Subscriptions.Count);
        var now = Now();
        using var cmd = Command("INSERT INTO subscriptions(topic, queue, pattern, filter, created_at) VALUES($t, $q, $p, $f, $now);", "$t", "$q", "$p", "$f", "$now");
        Set(cmd, 0, topic);
        Set(cmd, 1, queue);
        Set(cmd, 2, options.RoutingKeyPattern);
        Set(cmd, 3, options.FilterPolicy);
        Set(cmd, 4, now);
        cmd.ExecuteNonQuery();
        var info = new SubscriptionInfo(topic, queue, options, Time.FromMs(now));
        t.Subscriptions.Add(queue, (info, SubscriptionFilter.Load(options)));
        OnUndo(() => t.Subscriptions.Remove(queue));
        return info;
    }

    private bool ExecUnsubscribe(string topic, string queue)
    {
        var t = RequireTopic(topic);
        if (!t.Subscriptions.Remove(queue, out var removed))
        {
            throw TopicRules.SubscriptionNotFound(topic, queue);
        }

        OnUndo(() => t.Subscriptions.Add(queue, removed));
        using var cmd = Command("DELETE FROM subscriptions WHERE topic = $t AND queue = $q;", "$t", "$q");
        Set(cmd, 0, topic);
        Set(cmd, 1, queue);
        cmd.ExecuteNonQuery();
        return true;
    }

    private TopicPublishOutcome ExecPublishToTopic(string topic, IReadOnlyList<TopicMessage> messages)
    {
        var t = RequireTopic(topic);
        var now = _time.GetUtcNow();
        var plan = TopicRules.PlanPublish([.. t.Subscriptions.Values], messages, name => RequireQueue(name).Info, now);

        // Plan every queue's copies against the queues as they are before this publish, then apply them: the room a copy
        // finds does not depend on which queue is applied first (an overflow move into another subscription queue).
        var pending = plan.Copies.Select(c => PlanPublish(RequireQueue(c.Queue.Name), c.Messages, now, c.MessageIds)).ToList();
        plan.AdoptOriginalIds([.. pending.Select(p => p.Plan)]);

        // A message stored into two or more queues keeps its body once, in bodies (inserted with the first copy); copies
        // a queue drops as duplicates store nothing and do not count.
        var copiesOf = new int[messages.Count];
        for (var c = 0; c < pending.Count; c++)
        {
            var indexes = plan.Copies[c].Indexes;
            for (var k = 0; k < indexes.Count; k++)
            {
                if (pending[c].Plan.IsNew(k))
                {
                    copiesOf[indexes[k]]++;
                }
            }
        }

        var bodyIds = new long?[messages.Count];
        long? SharedBody(int i) => copiesOf[i] < 2 ? null : bodyIds[i] ??= InsertBody(messages[i].Message.Body);
        var results = new List<IReadOnlyList<PublishResult>>(plan.Copies.Count);
        for (var c = 0; c < pending.Count; c++)
        {
            var copies = plan.Copies[c];
            results.Add(ApplyPublish(pending[c], k => SharedBody(copies.Indexes[k])));
        }

        var (outcome, added) = plan.Complete(results);
        using var cmd = Command(
            "UPDATE topics SET published = published + $p, unrouted = unrouted + $u, delivered = delivered + $d WHERE name = $name;",
            "$p", "$u", "$d", "$name");
        Set(cmd, 0, added.Published);
        Set(cmd, 1, added.Unrouted);
        Set(cmd, 2, added.Delivered);
        Set(cmd, 3, topic);
        cmd.ExecuteNonQuery();
        return outcome;
    }

    private long InsertBody(ReadOnlyMemory<byte> body)
    {
        using var cmd = Command("INSERT INTO bodies(body, refs) VALUES($b, 0) RETURNING id;", "$b");
        Set(cmd, 0, AsArray(body));
        return (long)cmd.ExecuteScalar()!;
    }

    private TopicInfo ReadTopic(TopicState t)
    {
        using var cmd = Command("SELECT published, unrouted, delivered FROM topics WHERE name = $name;", "$name");
        Set(cmd, 0, t.Name);
        using var r = cmd.ExecuteReader();
        var counters = r.Read() ? new TopicCounters(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)) : default;
        return new TopicInfo(t.Name, t.CreatedAt, counters, t.Subscriptions.Count);
    }

    /// <summary>Drops a deleted queue's subscriptions from the cache (the caller deletes the rows in the same operation).</summary>
    private void RemoveSubscriptionsOf(string queue)
    {
        foreach (var t in _topics.Values)
        {
            if (t.Subscriptions.Remove(queue, out var removed))
            {
                OnUndo(() => t.Subscriptions.Add(queue, removed));
            }
        }
    }

    private TopicState RequireTopic(string name) =>
        _topics.TryGetValue(name, out var t) ? t : throw TopicRules.TopicNotFound(name);

    private sealed class TopicState(string name, DateTimeOffset createdAt)
    {
        public string Name { get; } = name;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public SortedDictionary<string, (SubscriptionInfo Info, SubscriptionFilter Filter)> Subscriptions { get; } = new(StringComparer.Ordinal);
    }
}
