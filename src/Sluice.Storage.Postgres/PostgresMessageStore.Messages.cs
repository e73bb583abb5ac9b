using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    private const string LeaseSql =
        "UPDATE messages SET receive_count = receive_count + 1, lease_gen = lease_gen + 1, first_receive_at = COALESCE(first_receive_at, $1), " +
        "leased = true, leased_at = $1, visible_at = $2 WHERE seq = ANY($3) RETURNING " + MessageRow.Columns;

    // attempts = the receive count in the source queue (SET reads the row as it was before the update).
    private const string MoveToDeadLetterSql =
        "UPDATE messages SET queue_id = $1, receive_count = 0, lease_gen = lease_gen + 1, visible_at = $2, leased = false, enqueued_at = $2, " +
        "dl_source = $3, dl_reason = $4, dl_attempts = receive_count, dl_at = $2, last_error = COALESCE($5::text, last_error) WHERE seq = ANY($6)";

    /// <inheritdoc />
    /// <remarks>
    /// One transaction: deduplication ids are looked up for the whole batch at once, the rows inserted with one
    /// statement, and the ids claimed with one more (a node that claimed one of them first makes this publish run again
    /// and find it). On a FIFO queue, publishes to one message group are serialized (an advisory lock per group), so
    /// sequence numbers within a group follow commit order. A bounded queue (max length) serializes its publishes on
    /// its row to count its messages.
    /// </remarks>
    public ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return RunAsync(async (c, now, ct) =>
        {
            var (q, dlq) = await RequireQueueWithDeadLettersAsync(c, queue, ct).ConfigureAwait(false);
            return await PublishIntoAsync(c, q, dlq, messages, now, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    private static async Task<IReadOnlyList<PublishResult>> PublishIntoAsync(NpgsqlConnection c, QueueRow q, QueueRow? dlq, IReadOnlyList<OutgoingMessage> messages,
        long now, CancellationToken ct) =>
        await ApplyPublishAsync(c, await PlanPublishAsync(c, q, dlq, messages, now, null, ct).ConfigureAwait(false), null, ct).ConfigureAwait(false);

    /// <summary>
    /// Plans a publish into one queue, changing no message yet: takes the locks it needs (a FIFO queue's message
    /// groups, a bounded queue's row), looks up the batch's deduplication ids in one query, and picks the messages the
    /// overflow policy evicts (judged against the queue as it is now).
    /// </summary>
    /// <param name="c">The operation's connection, in its transaction.</param>
    /// <param name="q">The queue.</param>
    /// <param name="dlq">Its dead-letter queue, or <see langword="null"/>.</param>
    /// <param name="messages">The batch, in order.</param>
    /// <param name="now">The operation's time (unix ms).</param>
    /// <param name="ids">The ids new messages get (a topic publish's); <see langword="null"/>: new UUIDv7s.</param>
    /// <param name="ct">Cancels the operation.</param>
    /// <exception cref="SluiceException">The queue's refusal, such as queue_full; nothing has changed.</exception>
    private static async Task<PendingPublish> PlanPublishAsync(NpgsqlConnection c, QueueRow q, QueueRow? dlq, IReadOnlyList<OutgoingMessage> messages,
        long now, IReadOnlyList<Guid>? ids, CancellationToken ct)
    {
        var options = q.Options;
        if (options.Fifo)
        {
            // Sorted, so two publishes to the same groups take the locks in one order.
            var groups = messages.Select(m => m.MessageGroupId ?? "").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            await ExecuteAsync(c, "SELECT count(pg_advisory_xact_lock(hashtextextended($1::text || ':' || g, 0))) FROM unnest($2::text[]) WITH ORDINALITY AS u(g, o)",
                ct, q.Id.ToString(CultureInfo.InvariantCulture), groups).ConfigureAwait(false);
        }

        var keys = new List<byte[]>();
        foreach (var m in messages)
        {
            if (QueueRules.DeduplicationKey(options, m.DeduplicationId, m.MessageGroupId) is { } key)
            {
                keys.Add(Encoding.UTF8.GetBytes(key));
            }
        }

        var stored = new Dictionary<string, PublishResult>(StringComparer.Ordinal);
        if (keys.Count > 0)
        {
            foreach (var (key, result) in await QueryAsync(c,
                "SELECT dedup_key, message_id, seq FROM dedup WHERE queue_id = $1 AND dedup_key = ANY($2) AND expires_at > $3",
                r => (Encoding.UTF8.GetString(r.GetFieldValue<byte[]>(0)), new PublishResult(r.GetGuid(1), Duplicate: true) { SequenceNumber = r.GetInt64(2) }),
                ct, q.Id, keys.ToArray(), now).ConfigureAwait(false))
            {
                stored[key] = result;
            }
        }

        var plan = QueueRules.PlanPublish(options, messages, Time.FromMs(now), key => stored.TryGetValue(key, out var r) ? r : null, ids);
        var evict = new List<(long Seq, long Size)>();
        if (plan.AddCount > 0 && q.Bounded)
        {
            await ExecuteAsync(c, "SELECT 1 FROM queues WHERE id = $1 FOR NO KEY UPDATE", ct, q.Id).ConfigureAwait(false);
            var (count, bytes) = await CountAsync(c, q.Id, ct).ConfigureAwait(false);
            QueueRules.MakeRoom(q.Info, count, bytes, plan.AddCount, plan.AddBytes, OldestReady(c, q.Id, now), evict.Add);
        }

        return new PendingPublish(q, dlq, messages, now, plan, evict);
    }

    /// <summary>
    /// Carries out a planned publish: evicts (an overflow move into the dead-letter queue ignores that queue's limits,
    /// as every move does), inserts the new rows with one statement, and claims their deduplication ids with one more
    /// (a live id another publish claimed after the plan looked: <see cref="ConflictException"/>, and the operation
    /// runs again and finds it).
    /// </summary>
    /// <param name="c">The operation's connection, in its transaction.</param>
    /// <param name="pending">The plan.</param>
    /// <param name="sharedBody">For a new message (by index), the <c>bodies</c> row its body is shared from, or <see langword="null"/> to store it in the row; <see langword="null"/>: every row keeps its own.</param>
    /// <param name="ct">Cancels the operation.</param>
    private static async Task<IReadOnlyList<PublishResult>> ApplyPublishAsync(NpgsqlConnection c, PendingPublish pending, Func<int, long?>? sharedBody,
        CancellationToken ct)
    {
        var (q, dlq, messages, now, plan, evict) = pending;
        var options = q.Options;
        if (plan.AddCount == 0)
        {
            return plan.Complete();
        }

        if (evict.Count > 0)
        {
            var seqs = evict.ConvertAll(e => e.Seq).ToArray();
            if (QueueRules.DeadLettersOnOverflow(options) && dlq is not null)
            {
                await ExecuteAsync(c, MoveToDeadLetterSql, ct, dlq.Id, now, q.Name, DeadLetterInfo.OverflowReason, null, seqs).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(c, "DELETE FROM messages WHERE seq = ANY($1)", ct, seqs).ConfigureAwait(false);
            }
        }

        var n = (int)plan.AddCount;
        var ids = new Guid[n];
        var bodies = new byte[]?[n];
        var bodyIds = new long?[n];
        var attributes = new byte[]?[n];
        var priorities = new int[n];
        var visibleAt = new long[n];
        var dedupIds = new string?[n];
        var sizes = new int[n];
        var groups = new string?[n];
        var indexOf = new Dictionary<Guid, int>(n);
        for (int i = 0, j = 0; i < messages.Count; i++)
        {
            if (!plan.IsNew(i))
            {
                continue;
            }

            var m = messages[i];
            ids[j] = plan.MessageId(i);
            bodyIds[j] = sharedBody?.Invoke(i);
            bodies[j] = bodyIds[j] is null ? AsArray(m.Body) : null;
            attributes[j] = AttributeCodec.Encode(m.Attributes);
            priorities[j] = m.Priority;
            visibleAt[j] = now + Time.Ms(QueueRules.DeliveryDelay(options, m));
            dedupIds[j] = m.DeduplicationId;
            sizes[j] = m.Body.Length;
            groups[j] = m.MessageGroupId;
            indexOf[ids[j]] = i;
            j++;
        }

        var inserted = await QueryAsync(c,
            "INSERT INTO messages(queue_id, id, body, body_id, attributes, priority, visible_at, sent_at, enqueued_at, dedup_id, size, group_id) " +
            "SELECT $1, u.id, u.body, u.body_id, u.attrs, u.p, u.v, $2, $2, u.d, u.size, u.g " +
            "FROM unnest($3::uuid[], $4::bytea[], $5::bigint[], $6::bytea[], $7::integer[], $8::bigint[], $9::text[], $10::integer[], $11::text[]) " +
            "WITH ORDINALITY AS u(id, body, body_id, attrs, p, v, d, size, g, ord) ORDER BY u.ord RETURNING seq, id",
            r => (Seq: r.GetInt64(0), Id: r.GetGuid(1)), ct, q.Id, now, ids, bodies, bodyIds, attributes, priorities, visibleAt, dedupIds, sizes, groups)
            .ConfigureAwait(false);
        var claimKeys = new List<byte[]>();
        var claimIds = new List<Guid>();
        var claimSeqs = new List<long>();
        foreach (var (seq, id) in inserted)
        {
            var i = indexOf[id];
            plan.Stored(i, seq);
            if (plan.DeduplicationKeys[i] is { } key)
            {
                claimKeys.Add(Encoding.UTF8.GetBytes(key));
                claimIds.Add(id);
                claimSeqs.Add(seq);
            }
        }

        if (claimKeys.Count > 0)
        {
            // An expired row of the same key (not swept yet) is taken over; a live one was claimed by a publish that
            // committed after this one looked: run again, and find it.
            var claimed = await ExecuteAsync(c,
                "INSERT INTO dedup(queue_id, dedup_key, message_id, seq, expires_at) SELECT $1, k, i, s, $2 FROM unnest($3::bytea[], $4::uuid[], $5::bigint[]) AS u(k, i, s) " +
                "ON CONFLICT (queue_id, dedup_key) DO UPDATE SET message_id = excluded.message_id, seq = excluded.seq, expires_at = excluded.expires_at " +
                "WHERE dedup.expires_at <= $6",
                ct, q.Id, now + Time.Ms(options.DeduplicationWindow), claimKeys.ToArray(), claimIds.ToArray(), claimSeqs.ToArray(), now).ConfigureAwait(false);
            if (claimed != claimKeys.Count)
            {
                throw new ConflictException("another publish claimed a deduplication id of this batch first");
            }
        }

        return plan.Complete();
    }

    /// <summary>A publish into one queue, planned and not yet carried out (<see cref="PlanPublishAsync"/>).</summary>
    private sealed record PendingPublish(QueueRow Queue, QueueRow? DeadLetterQueue, IReadOnlyList<OutgoingMessage> Messages, long Now, PublishPlan Plan,
        List<(long Seq, long Size)> Evict);

    /// <summary>A queue's message count and body bytes (all states).</summary>
    private static async Task<(long Count, long Bytes)> CountAsync(NpgsqlConnection c, long queueId, CancellationToken ct) =>
        (await QueryAsync(c, "SELECT count(*), COALESCE(sum(size), 0)::bigint FROM messages WHERE queue_id = $1",
            r => (r.GetInt64(0), r.GetInt64(1)), ct, queueId).ConfigureAwait(false))[0];

    /// <summary>
    /// The queue's ready messages, oldest first, a page at a time, locked (one a receive holds is skipped): what the
    /// overflow policy may evict. Synchronous, because <see cref="QueueRules.MakeRoom"/> reads it lazily; the rare
    /// overflow path pays a blocking read.
    /// </summary>
    private static IEnumerable<((long Seq, long Size) Message, long Size)> OldestReady(NpgsqlConnection c, long queueId, long now)
    {
        long after = 0;
        var page = new List<(long Seq, long Size)>();
        while (true)
        {
            page.Clear();
            using (var cmd = Command(c, "SELECT seq, size FROM messages WHERE queue_id = $1 AND visible_at <= $2 AND seq > $3 ORDER BY seq LIMIT 64 FOR UPDATE SKIP LOCKED",
                queueId, now, after))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    page.Add((r.GetInt64(0), r.GetInt32(1)));
                }
            }

            if (page.Count == 0)
            {
                yield break;
            }

            foreach (var m in page)
            {
                after = m.Seq;
                yield return (m, m.Size);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Candidates are locked with <c>FOR UPDATE SKIP LOCKED</c> (so receivers on any node never wait for each other
    /// or take the same message) and leased with one update; ones past the max receive count move to the
    /// dead-letter queue in the same round trip.
    /// </remarks>
    public ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) =>
        {
            var (q, dlq) = await RequireQueueWithDeadLettersAsync(c, queue, ct).ConfigureAwait(false);
            var until = now + Time.Ms(visibilityTimeout);
            var delivered = new List<QueueMessage>(Math.Min(maxMessages, 32));
            if (q.Options.Fifo)
            {
                await ReceiveFifoAsync(c, q, dlq, maxMessages, now, until, delivered, ct).ConfigureAwait(false);
            }
            else
            {
                while (delivered.Count < maxMessages)
                {
                    var want = maxMessages - delivered.Count;
                    var candidates = await QueryAsync(c,
                        "SELECT seq, receive_count FROM messages WHERE queue_id = $1 AND visible_at <= $2 " +
                        "ORDER BY priority DESC, visible_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED",
                        r => (Seq: r.GetInt64(0), ReceiveCount: r.GetInt32(1)), ct, q.Id, now, want).ConfigureAwait(false);
                    var used = dlq is null ? [] : candidates.Where(m => QueueRules.ReceivesUsedUp(q.Options, m.ReceiveCount)).Select(m => m.Seq).ToArray();
                    var live = candidates.Select(m => m.Seq).Except(used).ToArray();
                    await LeaseAsync(c, q, dlq, used, live, now, until, delivered, ct).ConfigureAwait(false);
                    if (candidates.Count < want || used.Length == 0)
                    {
                        break;
                    }
                }
            }

            if (delivered.Count > 0)
            {
                return new ReceiveResult(delivered, null);
            }

            var next = (long?)await ScalarAsync(c, "SELECT min(visible_at) FROM messages WHERE queue_id = $1 AND visible_at > $2", ct, q.Id, now).ConfigureAwait(false);
            return new ReceiveResult([], next is { } n ? Time.FromMs(n) : null);
        }, cancellationToken);

    // The visible group heads (each group's lowest sequence), oldest first. PostgreSQL 15 has no skip scan, and
    // min(seq) ... GROUP BY group_id reads the whole group index; this hops from group to group instead (two index probes
    // per group, however deep each group is).
    private const string FifoHeadsSql = """
        WITH RECURSIVE g(group_id) AS (
            (SELECT group_id FROM messages WHERE queue_id = $1 AND group_id IS NOT NULL ORDER BY group_id LIMIT 1)
            UNION ALL
            SELECT (SELECT m.group_id FROM messages m WHERE m.queue_id = $1 AND m.group_id > g.group_id ORDER BY m.group_id LIMIT 1)
            FROM g WHERE g.group_id IS NOT NULL)
        SELECT seq, receive_count, group_id FROM messages WHERE seq = ANY(ARRAY(
            SELECT (SELECT h.seq FROM messages h WHERE h.queue_id = $1 AND h.group_id = g.group_id ORDER BY h.seq LIMIT 1)
            FROM g WHERE g.group_id IS NOT NULL))
        AND visible_at <= $2 ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED
        """;

    /// <summary>
    /// FIFO delivery: only a group's head (its lowest sequence) can be delivered, and only when visible, so a group with a
    /// message in flight or delayed waits. After a head, its group's following visible messages fill the response in
    /// order. Heads are locked with SKIP LOCKED: a head another receiver is leasing is passed over, and its followers
    /// are never heads, so one group is in flight on one receiver at a time, across nodes.
    /// </summary>
    private static async Task ReceiveFifoAsync(NpgsqlConnection c, QueueRow q, QueueRow? dlq, int maxMessages, long now, long until,
        List<QueueMessage> delivered, CancellationToken ct)
    {
        while (delivered.Count < maxMessages)
        {
            var heads = await QueryAsync(c, FifoHeadsSql,
                r => (Seq: r.GetInt64(0), ReceiveCount: r.GetInt32(1), Group: r.GetString(2)), ct, q.Id, now, maxMessages - delivered.Count).ConfigureAwait(false);
            var used = new List<long>();
            var live = new List<long>();
            foreach (var head in heads)
            {
                if (delivered.Count + live.Count >= maxMessages)
                {
                    break;
                }

                if (dlq is not null && QueueRules.ReceivesUsedUp(q.Options, head.ReceiveCount))
                {
                    used.Add(head.Seq); // the group's next message becomes its head: look again
                    continue;
                }

                live.Add(head.Seq);
                var room = maxMessages - delivered.Count - live.Count;
                if (room > 0)
                {
                    var followers = await QueryAsync(c,
                        "SELECT seq, receive_count, visible_at FROM messages WHERE queue_id = $1 AND group_id = $2 AND seq > $3 ORDER BY seq LIMIT $4 FOR UPDATE",
                        r => (Seq: r.GetInt64(0), ReceiveCount: r.GetInt32(1), VisibleAt: r.GetInt64(2)), ct, q.Id, head.Group, head.Seq, room).ConfigureAwait(false);
                    foreach (var next in followers)
                    {
                        if (next.VisibleAt > now || (dlq is not null && QueueRules.ReceivesUsedUp(q.Options, next.ReceiveCount)))
                        {
                            break; // not deliverable now: the rest of the group waits behind it
                        }

                        live.Add(next.Seq);
                    }
                }
            }

            await LeaseAsync(c, q, dlq, [.. used], [.. live], now, until, delivered, ct).ConfigureAwait(false);
            if (used.Count == 0)
            {
                break;
            }
        }
    }

    /// <summary>
    /// In one round trip: moves <paramref name="used"/> (past their max receive count) to the dead-letter queue and
    /// leases <paramref name="live"/>, adding those to <paramref name="delivered"/> in the order given.
    /// </summary>
    private static async Task LeaseAsync(NpgsqlConnection c, QueueRow q, QueueRow? dlq, long[] used, long[] live, long now, long until,
        List<QueueMessage> delivered, CancellationToken ct)
    {
        if (used.Length == 0 && live.Length == 0)
        {
            return;
        }

        var batch = new NpgsqlBatch(c);
        await using (batch.ConfigureAwait(false))
        {
            if (used.Length > 0)
            {
                batch.BatchCommands.Add(BatchCommand(MoveToDeadLetterSql, dlq!.Id, now, q.Name, DeadLetterInfo.MaxReceiveCountReason, null, used));
            }

            if (live.Length > 0)
            {
                batch.BatchCommands.Add(BatchCommand(LeaseSql, now, until, live));
            }

            var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new Dictionary<long, MessageRow>(live.Length);
                do
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        var row = MessageRow.Read(reader);
                        rows[row.Seq] = row;
                    }
                }
                while (await reader.NextResultAsync(ct).ConfigureAwait(false));

                foreach (var seq in live)
                {
                    var row = rows[seq];
                    delivered.Add(row.ToMessage(MessageState.InFlight, ReceiptHandle.Issue(q.Info, row.Seq, row.LeaseGeneration)));
                }
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>One transaction: the handles' messages are locked with one query and the acknowledged ones deleted with one statement.</remarks>
    public ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiptHandles);
        return RunAsync<IReadOnlyList<BatchItemResult>>(async (c, now, ct) =>
        {
            var q = await RequireQueueAsync(c, queue, ct).ConfigureAwait(false);
            var results = new BatchItemResult[receiptHandles.Count];
            var handles = new ReceiptHandle?[receiptHandles.Count];
            for (var i = 0; i < handles.Length; i++)
            {
                try
                {
                    handles[i] = ReceiptHandle.Parse(receiptHandles[i], q.Info);
                }
                catch (SluiceException ex)
                {
                    results[i] = BatchItemResult.From(ex);
                }
            }

            var leases = await LockLeasesAsync(c, q, handles.Where(h => h is not null).Select(h => h!.Value.Sequence), ct).ConfigureAwait(false);
            var deleted = new List<long>();
            for (var i = 0; i < handles.Length; i++)
            {
                if (handles[i] is not { } handle)
                {
                    continue;
                }

                try
                {
                    CheckHandle(q, handle, leases, requireInFlight: false, now);
                    leases.Remove(handle.Sequence); // a second handle of the same message finds it gone
                    deleted.Add(handle.Sequence);
                }
                catch (SluiceException ex)
                {
                    results[i] = BatchItemResult.From(ex);
                }
            }

            if (deleted.Count > 0)
            {
                await ExecuteAsync(c, "DELETE FROM messages WHERE seq = ANY($1)", ct, deleted.ToArray()).ConfigureAwait(false);
            }

            return results;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask NackAsync(string queue, string receiptHandle, TimeSpan delay, string? lastError, CancellationToken cancellationToken = default) =>
        await RunAsync(async (c, now, ct) =>
        {
            var (q, dlq) = await RequireQueueWithDeadLettersAsync(c, queue, ct).ConfigureAwait(false);
            var lease = await CheckOneAsync(c, q, receiptHandle, requireInFlight: true, now, ct).ConfigureAwait(false);
            if (dlq is not null && QueueRules.ReceivesUsedUp(q.Options, lease.ReceiveCount))
            {
                await ExecuteAsync(c, MoveToDeadLetterSql, ct, dlq.Id, now, q.Name, DeadLetterInfo.MaxReceiveCountReason, lastError, new[] { lease.Seq }).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(c, "UPDATE messages SET visible_at = $1, leased = false, last_error = COALESCE($2::text, last_error) WHERE seq = $3",
                    ct, now + Time.Ms(delay), lastError, lease.Seq).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError, CancellationToken cancellationToken = default) =>
        await RunAsync(async (c, now, ct) =>
        {
            var (q, dlq) = await RequireQueueWithDeadLettersAsync(c, queue, ct).ConfigureAwait(false);
            if (dlq is null)
            {
                throw StoreErrors.NoDeadLetterQueue(queue);
            }

            var lease = await CheckOneAsync(c, q, receiptHandle, requireInFlight: false, now, ct).ConfigureAwait(false);
            await ExecuteAsync(c, MoveToDeadLetterSql, ct, dlq.Id, now, q.Name, DeadLetterInfo.RejectedReason, lastError, new[] { lease.Seq }).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, bool restart = false, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) =>
        {
            var q = await RequireQueueAsync(c, queue, ct).ConfigureAwait(false);
            var lease = await CheckOneAsync(c, q, receiptHandle, requireInFlight: true, now, ct).ConfigureAwait(false);
            if (!restart)
            {
                LeaseLimit.Check(lease.LeasedAt is { } at ? Time.FromMs(at) : null, Time.FromMs(now), visibilityTimeout);
            }

            var until = now + Time.Ms(visibilityTimeout);
            await ExecuteAsync(c, "UPDATE messages SET visible_at = $1, leased = $2, leased_at = COALESCE($3::bigint, leased_at) WHERE seq = $4",
                ct, until, visibilityTimeout > TimeSpan.Zero, restart ? now : null, lease.Seq).ConfigureAwait(false);
            return Time.FromMs(until);
        }, cancellationToken);

    /// <summary>What the handle checks need of a stored message, locked for the rest of the transaction.</summary>
    private readonly record struct Lease(long Seq, int ReceiveCount, LeaseState State, long? LeasedAt);

    /// <summary>Locks the messages of <paramref name="q"/> with the given sequence numbers (in sequence order, so concurrent batches cannot deadlock).</summary>
    private static async Task<Dictionary<long, Lease>> LockLeasesAsync(NpgsqlConnection c, QueueRow q, IEnumerable<long> seqs, CancellationToken ct)
    {
        var wanted = seqs.Distinct().ToArray();
        var leases = new Dictionary<long, Lease>(wanted.Length);
        if (wanted.Length == 0)
        {
            return leases;
        }

        foreach (var lease in await QueryAsync(c,
            "SELECT seq, receive_count, lease_gen, leased, visible_at, leased_at FROM messages WHERE queue_id = $1 AND seq = ANY($2) ORDER BY seq FOR UPDATE",
            r => new Lease(r.GetInt64(0), r.GetInt32(1), new LeaseState(r.GetInt32(2), r.GetBoolean(3), Time.FromMs(r.GetInt64(4))),
                r.IsDBNull(5) ? null : r.GetInt64(5)),
            ct, q.Id, wanted).ConfigureAwait(false))
        {
            leases[lease.Seq] = lease;
        }

        return leases;
    }

    /// <summary>Parses one handle, locks its message and checks the handle still speaks for it (<see cref="QueueRules.CheckHandle"/>).</summary>
    private static async Task<Lease> CheckOneAsync(NpgsqlConnection c, QueueRow q, string text, bool requireInFlight, long now, CancellationToken ct)
    {
        var handle = ReceiptHandle.Parse(text, q.Info);
        var leases = await LockLeasesAsync(c, q, [handle.Sequence], ct).ConfigureAwait(false);
        return CheckHandle(q, handle, leases, requireInFlight, now);
    }

    private static Lease CheckHandle(QueueRow q, ReceiptHandle handle, Dictionary<long, Lease> leases, bool requireInFlight, long now)
    {
        var found = leases.TryGetValue(handle.Sequence, out var lease);
        QueueRules.CheckHandle(q.Info, handle, found ? lease.State : null, requireInFlight, Time.FromMs(now));
        return lease;
    }

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, _, ct) =>
        {
            var q = await RequireQueueAsync(c, queue, ct).ConfigureAwait(false);
            return (long)await ExecuteAsync(c, "DELETE FROM messages WHERE queue_id = $1", ct, q.Id).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<QueueMessage>>(async (c, now, ct) =>
        {
            var q = await RequireQueueAsync(c, queue, ct).ConfigureAwait(false);
            return (await QueryAsync(c,
                $"SELECT {MessageRow.Columns} FROM messages WHERE queue_id = $1 ORDER BY visible_at > $2, priority DESC, visible_at, seq LIMIT $3",
                r => MessageRow.Read(r), ct, q.Id, now, maxMessages).ConfigureAwait(false))
                .ConvertAll(row => row.ToMessage(row.StateAt(now), null));
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) =>
        {
            var (q, dlq) = await RequireQueueWithDeadLettersAsync(c, queue, ct).ConfigureAwait(false);
            return (await QueryAsync(c,
                "SELECT count(*) FILTER (WHERE visible_at <= $2), count(*) FILTER (WHERE visible_at > $2 AND leased), " +
                "count(*) FILTER (WHERE visible_at > $2 AND NOT leased), COALESCE(sum(size), 0)::bigint, min(enqueued_at), " +
                "(SELECT count(*) FROM messages WHERE queue_id = $3 AND dl_source = $4) FROM messages WHERE queue_id = $1",
                r => new QueueCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(5),
                    r.IsDBNull(4) ? null : Time.FromMs(r.GetInt64(4))),
                ct, q.Id, now, dlq?.Id ?? 0L, q.Name).ConfigureAwait(false))[0];
        }, cancellationToken);

    private static byte[] AsArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();
}
