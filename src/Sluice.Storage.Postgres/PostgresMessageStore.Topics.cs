using System.Collections.Concurrent;
using System.Data.Common;
using Npgsql;
using Sluice.Routing;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

/// <summary>
/// Topics in PostgreSQL: topics and subscriptions in tables (a subscription references its topic and queue, so deleting
/// either deletes it in the same transaction), a topic publish as one transaction over every queue's publish path, and a
/// body shared by a message's copies in one <c>bodies</c> row that the sweep deletes once no copy references it.
/// </summary>
public sealed partial class PostgresMessageStore : ITopicStore
{
    private const string TopicColumns =
        "t.id, t.name, t.created_at, t.published, t.unrouted, t.delivered, (SELECT count(*) FROM subscriptions s WHERE s.topic_id = t.id)::integer";

    // Parsed filters by their stored text: a publish routes against the subscriptions read in its transaction, without
    // parsing each filter again.
    private readonly ConcurrentDictionary<(string? Pattern, string? Filter), SubscriptionFilter> _filters = new();

    /// <inheritdoc />
    public ValueTask<TopicInfo> CreateTopicAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) =>
        {
            if (await FindTopicAsync(c, name, ct).ConfigureAwait(false) is { } existing)
            {
                return existing.Info;
            }

            await ExecuteAsync(c, "INSERT INTO topics(name, created_at) VALUES ($1, $2)", ct, name, now).ConfigureAwait(false);
            return new TopicInfo(name, Time.FromMs(now), default, 0);
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, _, ct) => (await FindTopicAsync(c, name, ct).ConfigureAwait(false))?.Info, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<TopicInfo>>(async (c, _, ct) =>
            (await QueryAsync(c, $"SELECT {TopicColumns} FROM topics t ORDER BY t.name COLLATE \"C\"", ReadTopic, ct).ConfigureAwait(false))
                .ConvertAll(t => t.Info), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DeleteTopicAsync(string name, CancellationToken cancellationToken = default) =>
        await RunAsync(async (c, _, ct) =>
            await ExecuteAsync(c, "DELETE FROM topics WHERE name = $1", ct, name).ConfigureAwait(false) == 1
                ? true
                : throw TopicRules.TopicNotFound(name), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>The topic's row is locked while its subscriptions are counted, so subscribes on two nodes cannot pass the limit together.</remarks>
    public ValueTask<SubscriptionInfo> SubscribeAsync(string topic, string queue, SubscriptionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunAsync(async (c, now, ct) =>
        {
            var t = await RequireTopicAsync(c, topic, lockRow: true, ct).ConfigureAwait(false);
            var q = await RequireQueueAsync(c, queue, ct).ConfigureAwait(false);
            var subscriptions = await SubscriptionsAsync(c, t.Id, ct).ConfigureAwait(false);
            if (subscriptions.Find(s => s.Info.Queue == queue) is { } existing)
            {
                return TopicRules.SubscribeExisting(existing.Info, options);
            }

            TopicRules.CheckRoomForSubscription(topic, subscriptions.Count);
            await ExecuteAsync(c, "INSERT INTO subscriptions(topic_id, queue_id, pattern, filter, created_at) VALUES ($1, $2, $3, $4, $5)",
                ct, t.Id, q.Id, options.RoutingKeyPattern, options.FilterPolicy, now).ConfigureAwait(false);
            return new SubscriptionInfo(topic, queue, options, Time.FromMs(now));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask UnsubscribeAsync(string topic, string queue, CancellationToken cancellationToken = default) =>
        await RunAsync(async (c, _, ct) =>
        {
            var t = await RequireTopicAsync(c, topic, lockRow: false, ct).ConfigureAwait(false);
            return await ExecuteAsync(c, "DELETE FROM subscriptions s USING queues q WHERE s.topic_id = $1 AND s.queue_id = q.id AND q.name = $2",
                ct, t.Id, queue).ConfigureAwait(false) == 1
                ? true
                : throw TopicRules.SubscriptionNotFound(topic, queue);
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SubscriptionInfo>> ListSubscriptionsAsync(string topic, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<SubscriptionInfo>>(async (c, _, ct) =>
        {
            var t = await RequireTopicAsync(c, topic, lockRow: false, ct).ConfigureAwait(false);
            return (await SubscriptionsAsync(c, t.Id, ct).ConfigureAwait(false)).ConvertAll(s => s.Info);
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// One transaction: the subscriptions are read with their queues, each queue's copies planned against the queue as
    /// it is before this publish (<see cref="PlanPublishAsync"/>), then stored; a body stored into two or more queues is
    /// inserted once into <c>bodies</c>. The topic's counters row is updated last, so concurrent publishes to one topic
    /// wait for each other only at the end of their transactions.
    /// </remarks>
    public ValueTask<TopicPublishOutcome> PublishToTopicAsync(string topic, IReadOnlyList<TopicMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return RunAsync(async (c, now, ct) =>
        {
            var t = await RequireTopicAsync(c, topic, lockRow: false, ct).ConfigureAwait(false);
            var subscriptions = await SubscriptionsAsync(c, t.Id, ct).ConfigureAwait(false);
            var queues = subscriptions.ToDictionary(s => s.Info.Queue, s => (s.Queue, s.DeadLetterQueue), StringComparer.Ordinal);
            var plan = TopicRules.PlanPublish([.. subscriptions.Select(s => (s.Info, s.Filter))], messages, name => queues[name].Queue.Info, Time.FromMs(now));

            var pending = new List<PendingPublish>(plan.Copies.Count);
            foreach (var copies in plan.Copies)
            {
                var (q, dlq) = queues[copies.Queue.Name];
                pending.Add(await PlanPublishAsync(c, q, dlq, copies.Messages, now, copies.MessageIds, ct).ConfigureAwait(false));
            }

            plan.AdoptOriginalIds([.. pending.Select(p => p.Plan)]);

            // A message stored into two or more queues keeps its body once; copies a queue drops as duplicates store nothing.
            var copiesOf = new int[messages.Count];
            for (var k = 0; k < pending.Count; k++)
            {
                var indexes = plan.Copies[k].Indexes;
                for (var i = 0; i < indexes.Count; i++)
                {
                    if (pending[k].Plan.IsNew(i))
                    {
                        copiesOf[indexes[i]]++;
                    }
                }
            }

            var shared = Enumerable.Range(0, messages.Count).Where(i => copiesOf[i] >= 2).ToArray();
            var bodyIds = new long?[messages.Count];
            if (shared.Length > 0)
            {
                var ids = await QueryAsync(c,
                    "INSERT INTO bodies(body) SELECT b FROM unnest($1::bytea[]) WITH ORDINALITY AS u(b, o) ORDER BY o RETURNING id",
                    r => r.GetInt64(0), ct, (object)shared.Select(i => AsArray(messages[i].Message.Body)).ToArray()).ConfigureAwait(false);
                for (var k = 0; k < shared.Length; k++)
                {
                    bodyIds[shared[k]] = ids[k];
                }
            }

            var results = new List<IReadOnlyList<PublishResult>>(pending.Count);
            for (var k = 0; k < pending.Count; k++)
            {
                var indexes = plan.Copies[k].Indexes;
                results.Add(await ApplyPublishAsync(c, pending[k], i => bodyIds[indexes[i]], ct).ConfigureAwait(false));
            }

            var (outcome, added) = plan.Complete(results);
            await ExecuteAsync(c, "UPDATE topics SET published = published + $2, unrouted = unrouted + $3, delivered = delivered + $4 WHERE id = $1",
                ct, t.Id, added.Published, added.Unrouted, added.Delivered).ConfigureAwait(false);
            return outcome;
        }, cancellationToken);
    }

    private static (long Id, TopicInfo Info) ReadTopic(DbDataReader r) =>
        (r.GetInt64(0), new TopicInfo(r.GetString(1), Time.FromMs(r.GetInt64(2)), new TopicCounters(r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)), r.GetInt32(6)));

    private static async Task<(long Id, TopicInfo Info)?> FindTopicAsync(NpgsqlConnection c, string name, CancellationToken ct) =>
        (await QueryAsync(c, $"SELECT {TopicColumns} FROM topics t WHERE t.name = $1", ReadTopic, ct, name).ConfigureAwait(false)) is [var t] ? t : null;

    private static async Task<(long Id, TopicInfo Info)> RequireTopicAsync(NpgsqlConnection c, string name, bool lockRow, CancellationToken ct)
    {
        var t = await FindTopicAsync(c, name, ct).ConfigureAwait(false) ?? throw TopicRules.TopicNotFound(name);
        if (lockRow)
        {
            await ExecuteAsync(c, "SELECT 1 FROM topics WHERE id = $1 FOR NO KEY UPDATE", ct, t.Id).ConfigureAwait(false);
        }

        return t;
    }

    /// <summary>A topic's subscriptions ordered by queue name (ordinal), each with its parsed filter, its queue and that queue's dead-letter queue.</summary>
    private async Task<List<Subscription>> SubscriptionsAsync(NpgsqlConnection c, long topicId, CancellationToken ct) =>
        await QueryAsync(c,
            "SELECT s.pattern, s.filter, s.created_at, t.name, q.id, q.name, q.options, q.created_at, d.id, d.name, d.options, d.created_at " +
            "FROM subscriptions s JOIN topics t ON t.id = s.topic_id JOIN queues q ON q.id = s.queue_id " +
            "LEFT JOIN queues d ON d.name = q.dead_letter_queue AND d.id <> q.id WHERE s.topic_id = $1 ORDER BY q.name COLLATE \"C\"",
            r =>
            {
                var options = new SubscriptionOptions
                {
                    RoutingKeyPattern = r.IsDBNull(0) ? null : r.GetString(0),
                    FilterPolicy = r.IsDBNull(1) ? null : r.GetString(1),
                };
                var queue = ToQueue(r.GetInt64(4), r.GetString(5), r.GetString(6), r.GetInt64(7));
                return new Subscription(
                    new SubscriptionInfo(r.GetString(3), queue.Name, options, Time.FromMs(r.GetInt64(2))),
                    _filters.GetOrAdd((options.RoutingKeyPattern, options.FilterPolicy), _ => SubscriptionFilter.Load(options)),
                    queue,
                    r.IsDBNull(8) ? null : ToQueue(r.GetInt64(8), r.GetString(9), r.GetString(10), r.GetInt64(11)));
            }, ct, topicId).ConfigureAwait(false);

    private sealed record Subscription(SubscriptionInfo Info, SubscriptionFilter Filter, QueueRow Queue, QueueRow? DeadLetterQueue);
}
