using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    private const string ReadySql =
        "SELECT " + MessageRow.Columns + " FROM messages WHERE queue_id = $q AND priority = $p AND visible_at <= $now ORDER BY visible_at, seq LIMIT $n;";

    private const string PendingSql =
        "SELECT " + MessageRow.Columns + " FROM messages WHERE queue_id = $q AND priority = $p AND visible_at > $now ORDER BY visible_at, seq LIMIT $n;";

    // A FIFO group's head is its lowest sequence; only visible heads can be delivered (an in-flight or delayed head blocks its group).
    private const string FifoHeadsSql =
        "SELECT " + MessageRow.Columns + " FROM messages WHERE seq IN " +
        "(SELECT MIN(seq) FROM messages WHERE queue_id = $q AND group_id IS NOT NULL GROUP BY group_id) " +
        "AND visible_at <= $now ORDER BY seq LIMIT $n;";

    private const string FifoFollowersSql =
        "SELECT " + MessageRow.Columns + " FROM messages WHERE queue_id = $q AND group_id = $g AND seq > $s ORDER BY seq LIMIT $n;";

    private readonly List<MessageRow> _rows = [];
    private SqliteCommand? _insert;
    private SqliteCommand? _dedupFind;
    private SqliteCommand? _dedupPut;
    private SqliteCommand? _ready;
    private SqliteCommand? _pending;
    private SqliteCommand? _nextVisible;
    private SqliteCommand? _lease;
    private SqliteCommand? _lookup;
    private SqliteCommand? _delete;
    private SqliteCommand? _nack;
    private SqliteCommand? _extend;
    private SqliteCommand? _moveToDeadLetter;
    private SqliteCommand? _oldestReady;
    private SqliteCommand? _fifoHeads;
    private SqliteCommand? _fifoFollowers;

    private void PrepareMessageCommands()
    {
        _insert = Command("""
            INSERT INTO messages(queue_id, id, body, attributes, priority, visible_at, sent_at, enqueued_at, receive_count, leased, dedup_id, size, group_id, body_id)
            VALUES($q, $id, $body, $attrs, $p, $v, $now, $now, 0, 0, $d, $size, $g, $bid) RETURNING seq;
            """, "$q", "$id", "$body", "$attrs", "$p", "$v", "$now", "$d", "$size", "$g", "$bid");
        _dedupFind = Command("SELECT message_id, seq FROM dedup WHERE queue_id = $q AND dedup_key = $d AND expires_at > $now;", "$q", "$d", "$now");
        _dedupPut = Command("INSERT OR REPLACE INTO dedup(queue_id, dedup_key, message_id, seq, expires_at) VALUES($q, $d, $id, $seq, $exp);", "$q", "$d", "$id", "$seq", "$exp");
        _fifoHeads = Command(FifoHeadsSql, "$q", "$now", "$n");
        _fifoFollowers = Command(FifoFollowersSql, "$q", "$g", "$s", "$n");
        _ready = Command(ReadySql, "$q", "$p", "$now", "$n");
        _pending = Command(PendingSql, "$q", "$p", "$now", "$n");
        _nextVisible = Command("SELECT MIN(visible_at) FROM messages WHERE queue_id = $q AND priority = $p AND visible_at > $now;", "$q", "$p", "$now");
        _lease = Command("""
            UPDATE messages SET receive_count = receive_count + 1, lease_gen = lease_gen + 1, first_receive_at = COALESCE(first_receive_at, $now),
                leased = 1, leased_at = $now, visible_at = $until
            WHERE seq = $seq;
            """, "$now", "$until", "$seq");
        _lookup = Command("SELECT queue_id, receive_count, leased, size, lease_gen, visible_at, leased_at FROM messages WHERE seq = $seq;", "$seq");
        _delete = Command("DELETE FROM messages WHERE seq = $seq;", "$seq");
        _nack = Command("UPDATE messages SET visible_at = $v, leased = 0, last_error = COALESCE($err, last_error) WHERE seq = $seq;", "$v", "$err", "$seq");
        _extend = Command("UPDATE messages SET visible_at = $v, leased = $l, leased_at = COALESCE($at, leased_at) WHERE seq = $seq;", "$v", "$l", "$at", "$seq");
        _moveToDeadLetter = Command("""
            UPDATE messages SET queue_id = $dlq, receive_count = 0, lease_gen = lease_gen + 1, visible_at = $now, leased = 0, enqueued_at = $now,
                dl_source = $src, dl_reason = $reason, dl_attempts = $attempts, dl_at = $now,
                last_error = COALESCE($err, last_error)
            WHERE seq = $seq;
            """, "$dlq", "$now", "$src", "$reason", "$attempts", "$err", "$seq");
        _oldestReady = Command("SELECT seq, size, receive_count FROM messages WHERE queue_id = $q AND visible_at <= $now AND seq > $after ORDER BY seq LIMIT 64;", "$q", "$now", "$after");
    }

    private SqliteCommand?[] AllCommands() =>
    [
        _begin, _commit, _rollback, _savepoint, _release, _rollbackTo, _insert, _dedupFind, _dedupPut, _ready, _pending,
        _nextVisible, _lease, _lookup, _delete, _nack, _extend, _moveToDeadLetter, _oldestReady, _fifoHeads, _fifoFollowers,
    ];

    private IReadOnlyList<PublishResult> ExecPublish(string queue, IReadOnlyList<OutgoingMessage> messages) =>
        ExecPublish(RequireQueue(queue), messages, _time.GetUtcNow(), null, null);

    /// <summary>
    /// The one publish path into a queue (a queue publish, and each queue's copies of a topic publish): deduplication,
    /// the overflow policy, then the rows. <see cref="PlanPublish"/> then <see cref="ApplyPublish"/>.
    /// </summary>
    private IReadOnlyList<PublishResult> ExecPublish(QueueState q, IReadOnlyList<OutgoingMessage> messages, DateTimeOffset nowTime,
        IReadOnlyList<Guid>? ids, Func<int, long?>? sharedBody) =>
        ApplyPublish(PlanPublish(q, messages, nowTime, ids), sharedBody);

    /// <summary>
    /// Plans a publish into one queue without changing anything: deduplication against the queue as it is, and the
    /// messages the overflow policy evicts to make room (judged against the queue as it is now).
    /// </summary>
    /// <param name="q">The queue.</param>
    /// <param name="messages">The batch.</param>
    /// <param name="nowTime">The operation's time.</param>
    /// <param name="ids">The ids new messages get (a topic publish's); <see langword="null"/>: new UUIDv7s.</param>
    /// <exception cref="SluiceException">The queue's refusal, such as queue_full; nothing has changed.</exception>
    private PendingPublish PlanPublish(QueueState q, IReadOnlyList<OutgoingMessage> messages, DateTimeOffset nowTime, IReadOnlyList<Guid>? ids)
    {
        var now = nowTime.ToUnixTimeMilliseconds();
        var plan = QueueRules.PlanPublish(q.Options, messages, nowTime, key => FindDuplicate(q.Id, key, now), ids);
        var evict = new List<(long Seq, long Size, int ReceiveCount)>();
        QueueRules.MakeRoom(q.Info, q.Count, q.Bytes, plan.AddCount, plan.AddBytes, OldestReady(q, now), evict.Add);
        return new PendingPublish(q, messages, now, plan, evict);
    }

    /// <summary>
    /// Carries out a planned publish: evicts (an overflow move into the dead-letter queue ignores that queue's limits,
    /// as every move does), then inserts the new rows.
    /// </summary>
    /// <param name="pending">The plan.</param>
    /// <param name="sharedBody">
    /// For a new message (by index), the <c>bodies</c> row its body is shared from, or <see langword="null"/> to store
    /// the body in the row itself; <see langword="null"/>: every row keeps its own body.
    /// </param>
    private IReadOnlyList<PublishResult> ApplyPublish(PendingPublish pending, Func<int, long?>? sharedBody)
    {
        var (q, messages, now, plan, evict) = pending;
        var options = q.Options;
        if (plan.AddCount == 0)
        {
            return plan.Complete();
        }

        var dlq = evict.Count > 0 && QueueRules.DeadLettersOnOverflow(options) ? DeadLetterQueueOf(q) : null;
        foreach (var m in evict)
        {
            if (dlq is not null)
            {
                MoveToDeadLetter(m.Seq, m.Size, q, dlq, DeadLetterInfo.OverflowReason, m.ReceiveCount, now, null);
            }
            else
            {
                DeleteMessage(m.Seq);
                Adjust(q, -1, -m.Size);
            }
        }

        var window = Time.Ms(options.DeduplicationWindow);
        var insert = _insert!;
        Set(insert, 0, q.Id);
        Set(insert, 6, now);
        for (var i = 0; i < messages.Count; i++)
        {
            if (!plan.IsNew(i))
            {
                continue;
            }

            var m = messages[i];
            var idBytes = plan.MessageId(i).ToByteArray(bigEndian: true);
            Set(insert, 1, idBytes);
            var bodyId = sharedBody?.Invoke(i);
            Set(insert, 2, bodyId is null ? AsArray(m.Body) : Array.Empty<byte>());
            Set(insert, 10, bodyId);
            Set(insert, 3, AttributeCodec.Encode(m.Attributes));
            Set(insert, 4, m.Priority);
            Set(insert, 5, now + Time.Ms(QueueRules.DeliveryDelay(options, m)));
            Set(insert, 7, m.DeduplicationId);
            Set(insert, 8, m.Body.Length);
            Set(insert, 9, m.MessageGroupId);
            var seq = (long)insert.ExecuteScalar()!;
            plan.Stored(i, seq);
            if (plan.DeduplicationKeys[i] is { } key)
            {
                var put = _dedupPut!;
                Set(put, 0, q.Id);
                Set(put, 1, key);
                Set(put, 2, idBytes);
                Set(put, 3, seq);
                Set(put, 4, now + window);
                put.ExecuteNonQuery();
            }
        }

        Adjust(q, plan.AddCount, plan.AddBytes);
        return plan.Complete();
    }

    /// <summary>A publish into one queue, planned and not yet carried out (<see cref="PlanPublish"/>).</summary>
    private sealed record PendingPublish(QueueState Queue, IReadOnlyList<OutgoingMessage> Messages, long Now, PublishPlan Plan,
        List<(long Seq, long Size, int ReceiveCount)> Evict);

    private PublishResult? FindDuplicate(long queueId, string key, long now)
    {
        var find = _dedupFind!;
        Set(find, 0, queueId);
        Set(find, 1, key);
        Set(find, 2, now);
        using var r = find.ExecuteReader();
        return r.Read()
            ? new PublishResult(new Guid(r.GetFieldValue<byte[]>(0), bigEndian: true), Duplicate: true) { SequenceNumber = r.GetInt64(1) }
            : null;
    }

    /// <summary>The queue's ready messages, oldest first, read a page at a time.</summary>
    private IEnumerable<((long Seq, long Size, int ReceiveCount) Message, long Size)> OldestReady(QueueState q, long now)
    {
        var oldest = _oldestReady!;
        var page = new List<(long Seq, long Size, int ReceiveCount)>();
        long after = 0;
        while (true)
        {
            page.Clear();
            Set(oldest, 0, q.Id);
            Set(oldest, 1, now);
            Set(oldest, 2, after);
            using (var r = oldest.ExecuteReader())
            {
                while (r.Read())
                {
                    page.Add((r.GetInt64(0), r.GetInt64(1), r.GetInt32(2)));
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

    private ReceiveResult ExecReceive(string queue, int maxMessages, TimeSpan visibilityTimeout)
    {
        var q = RequireQueue(queue);
        var now = Now();
        var until = now + Time.Ms(visibilityTimeout);
        var dlq = q.Options.MaxReceiveCount is null ? null : DeadLetterQueueOf(q);
        var delivered = new List<QueueMessage>(Math.Min(maxMessages, 32));
        if (q.Options.Fifo)
        {
            ReceiveFifo(q, maxMessages, now, until, dlq, delivered);
        }
        else
        {
            for (var p = OutgoingMessage.MaxPriority; p >= 0 && delivered.Count < maxMessages; p--)
            {
                while (delivered.Count < maxMessages)
                {
                    var want = maxMessages - delivered.Count;
                    ReadRows(_ready!, q.Id, p, now, want);
                    var exhausted = _rows.Count < want;
                    foreach (var row in _rows)
                    {
                        if (dlq is not null && QueueRules.ReceivesUsedUp(q.Options, row.ReceiveCount))
                        {
                            MoveToDeadLetter(row.Seq, row.Size, q, dlq, DeadLetterInfo.MaxReceiveCountReason, row.ReceiveCount, now, null);
                        }
                        else
                        {
                            Deliver(q, row, now, until, delivered);
                        }
                    }

                    _rows.Clear();
                    if (exhausted)
                    {
                        break;
                    }
                }
            }
        }

        return delivered.Count > 0 ? new ReceiveResult(delivered, null) : new ReceiveResult([], NextVisibleAt(q.Id, now));
    }

    /// <summary>
    /// FIFO delivery: only a group's head (its lowest sequence) can be delivered, and only when visible, so a group with a
    /// message in flight or delayed waits. After a head, its group's following visible messages fill the response in
    /// order (SQS prefers one group per response). Reads only group heads, so a long blocked group costs an index scan,
    /// not a read of its rows.
    /// </summary>
    private void ReceiveFifo(QueueState q, int maxMessages, long now, long until, QueueState? dlq, List<QueueMessage> delivered)
    {
        bool movedAny;
        do
        {
            movedAny = false;
            ReadFifo(_fifoHeads!, q.Id, null, 0, now, maxMessages - delivered.Count);
            var heads = _rows.ToArray();
            _rows.Clear();
            foreach (var head in heads)
            {
                if (delivered.Count >= maxMessages)
                {
                    break;
                }

                if (dlq is not null && QueueRules.ReceivesUsedUp(q.Options, head.ReceiveCount))
                {
                    // The group's next message becomes its head: look again.
                    MoveToDeadLetter(head.Seq, head.Size, q, dlq, DeadLetterInfo.MaxReceiveCountReason, head.ReceiveCount, now, null);
                    movedAny = true;
                    continue;
                }

                Deliver(q, head, now, until, delivered);
                if (delivered.Count < maxMessages)
                {
                    ReadFifo(_fifoFollowers!, q.Id, head.GroupId, head.Seq, now, maxMessages - delivered.Count);
                    var followers = _rows.ToArray();
                    _rows.Clear();
                    foreach (var next in followers)
                    {
                        if (next.VisibleAt > now || (dlq is not null && QueueRules.ReceivesUsedUp(q.Options, next.ReceiveCount)))
                        {
                            break; // not deliverable now: the rest of the group waits behind it
                        }

                        Deliver(q, next, now, until, delivered);
                    }
                }
            }
        }
        while (movedAny && delivered.Count < maxMessages);
    }

    private void ReadFifo(SqliteCommand cmd, long queueId, string? group, long afterSeq, long now, int limit)
    {
        Set(cmd, 0, queueId);
        if (group is null)
        {
            Set(cmd, 1, now);
            Set(cmd, 2, limit);
        }
        else
        {
            Set(cmd, 1, group);
            Set(cmd, 2, afterSeq);
            Set(cmd, 3, limit);
        }

        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            _rows.Add(MessageRow.Read(r));
        }
    }

    /// <summary>Leases a row read by a receive and adds it to the delivered list.</summary>
    private void Deliver(QueueState q, MessageRow row, long now, long until, List<QueueMessage> delivered)
    {
        var lease = _lease!;
        Set(lease, 0, now);
        Set(lease, 1, until);
        Set(lease, 2, row.Seq);
        lease.ExecuteNonQuery();
        row.ReceiveCount++;
        row.LeaseGeneration++;
        row.FirstReceiveAt ??= now;
        row.Leased = true;
        row.VisibleAt = until;
        delivered.Add(row.ToMessage(MessageState.InFlight, ReceiptHandle.Issue(q.Info, row.Seq, row.LeaseGeneration)));
    }

    private DateTimeOffset? NextVisibleAt(long queueId, long now)
    {
        long? next = null;
        var cmd = _nextVisible!;
        Set(cmd, 0, queueId);
        Set(cmd, 2, now);
        for (var p = OutgoingMessage.MaxPriority; p >= 0; p--)
        {
            Set(cmd, 1, p);
            if (cmd.ExecuteScalar() is long at && (next is null || at < next))
            {
                next = at;
            }
        }

        return next is { } n ? Time.FromMs(n) : null;
    }

    private void ReadRows(SqliteCommand cmd, long queueId, int priority, long now, int limit)
    {
        Set(cmd, 0, queueId);
        Set(cmd, 1, priority);
        Set(cmd, 2, now);
        Set(cmd, 3, limit);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            _rows.Add(MessageRow.Read(r));
        }
    }

    private BatchItemResult[] ExecAck(string queue, IReadOnlyList<string> receiptHandles)
    {
        var q = RequireQueue(queue);
        var results = new BatchItemResult[receiptHandles.Count];
        for (var i = 0; i < receiptHandles.Count; i++)
        {
            try
            {
                var (seq, _, size, _) = CheckHandle(q, receiptHandles[i], requireLeased: false);
                DeleteMessage(seq);
                Adjust(q, -1, -size);
                results[i] = BatchItemResult.Ok;
            }
            catch (SluiceException ex)
            {
                results[i] = BatchItemResult.From(ex);
            }
        }

        return results;
    }

    private bool ExecNack(string queue, string receiptHandle, TimeSpan delay, string? lastError)
    {
        var q = RequireQueue(queue);
        var now = Now();
        var (seq, receiveCount, size, _) = CheckHandle(q, receiptHandle, requireLeased: true);
        if (QueueRules.ReceivesUsedUp(q.Options, receiveCount) && DeadLetterQueueOf(q) is { } dlq)
        {
            MoveToDeadLetter(seq, size, q, dlq, DeadLetterInfo.MaxReceiveCountReason, receiveCount, now, lastError);
            return true;
        }

        var nack = _nack!;
        Set(nack, 0, now + Time.Ms(delay));
        Set(nack, 1, lastError);
        Set(nack, 2, seq);
        nack.ExecuteNonQuery();
        return true;
    }

    private bool ExecDeadLetter(string queue, string receiptHandle, string? lastError)
    {
        var q = RequireQueue(queue);
        var dlq = DeadLetterQueueOf(q) ?? throw StoreErrors.NoDeadLetterQueue(queue);
        var (seq, receiveCount, size, _) = CheckHandle(q, receiptHandle, requireLeased: false);
        MoveToDeadLetter(seq, size, q, dlq, DeadLetterInfo.RejectedReason, receiveCount, Now(), lastError);
        return true;
    }

    private DateTimeOffset ExecExtend(string queue, string receiptHandle, TimeSpan visibilityTimeout, bool restart)
    {
        var q = RequireQueue(queue);
        var now = Now();
        var (seq, _, _, leasedAt) = CheckHandle(q, receiptHandle, requireLeased: true);
        if (!restart)
        {
            LeaseLimit.Check(leasedAt is { } at ? Time.FromMs(at) : null, Time.FromMs(now), visibilityTimeout);
        }

        var until = now + Time.Ms(visibilityTimeout);
        var extend = _extend!;
        Set(extend, 0, until);
        Set(extend, 1, visibilityTimeout > TimeSpan.Zero ? 1 : 0);
        Set(extend, 2, restart ? now : (long?)null);
        Set(extend, 3, seq);
        extend.ExecuteNonQuery();
        return Time.FromMs(until);
    }

    /// <summary>Checks a receipt handle against the stored message: it exists in the queue, its fencing token is the latest lease generation (and it is leased).</summary>
    private (long Seq, int ReceiveCount, long Size, long? LeasedAt) CheckHandle(QueueState q, string text, bool requireLeased)
    {
        var handle = ReceiptHandle.Parse(text, q.Info);
        var lookup = _lookup!;
        Set(lookup, 0, handle.Sequence);
        LeaseState? stored = null;
        int receiveCount = 0;
        long size = 0;
        long? leasedAt = null;
        using (var r = lookup.ExecuteReader())
        {
            // A row of another queue is, for this queue, no message at all.
            if (r.Read() && r.GetInt64(0) == q.Id)
            {
                receiveCount = r.GetInt32(1);
                size = r.GetInt64(3);
                leasedAt = r.IsDBNull(6) ? null : r.GetInt64(6);
                stored = new LeaseState(r.GetInt32(4), r.GetInt64(2) != 0, Time.FromMs(r.GetInt64(5)));
            }
        }

        QueueRules.CheckHandle(q.Info, handle, stored, requireLeased, Time.FromMs(Now()));
        return (handle.Sequence, receiveCount, size, leasedAt);
    }

    private void DeleteMessage(long seq)
    {
        var delete = _delete!;
        Set(delete, 0, seq);
        delete.ExecuteNonQuery();
    }

    private long ExecPurge(string queue)
    {
        var q = RequireQueue(queue);
        using var cmd = Command("DELETE FROM messages WHERE queue_id = $q;", "$q");
        Set(cmd, 0, q.Id);
        var deleted = cmd.ExecuteNonQuery();
        Adjust(q, -q.Count, -q.Bytes);
        return deleted;
    }

    private List<QueueMessage> ExecPeek(string queue, int maxMessages)
    {
        var q = RequireQueue(queue);
        var now = Now();
        var result = new List<QueueMessage>(Math.Min(maxMessages, 32));
        foreach (var cmd in (ReadOnlySpan<SqliteCommand>)[_ready!, _pending!])
        {
            for (var p = OutgoingMessage.MaxPriority; p >= 0 && result.Count < maxMessages; p--)
            {
                ReadRows(cmd, q.Id, p, now, maxMessages - result.Count);
                foreach (var row in _rows)
                {
                    result.Add(row.ToMessage(row.StateAt(now), null));
                }

                _rows.Clear();
            }
        }

        return result;
    }

    private QueueCounts ExecCounts(string queue)
    {
        var q = RequireQueue(queue);
        var now = Now();
        using var cmd = Command("""
            SELECT COALESCE(SUM(visible_at <= $now), 0), COALESCE(SUM(visible_at > $now AND leased = 1), 0),
                   COALESCE(SUM(visible_at > $now AND leased = 0), 0), COALESCE(SUM(size), 0), MIN(enqueued_at)
            FROM messages WHERE queue_id = $q;
            """, "$now", "$q");
        Set(cmd, 0, now);
        Set(cmd, 1, q.Id);
        long ready, inFlight, delayed, bytes;
        DateTimeOffset? oldest;
        using (var r = cmd.ExecuteReader())
        {
            r.Read();
            ready = r.GetInt64(0);
            inFlight = r.GetInt64(1);
            delayed = r.GetInt64(2);
            bytes = r.GetInt64(3);
            oldest = r.IsDBNull(4) ? null : Time.FromMs(r.GetInt64(4));
        }

        long deadLettered = 0;
        if (DeadLetterQueueOf(q) is { } dlq)
        {
            using var dl = Command("SELECT COUNT(*) FROM messages WHERE dl_source = $src AND queue_id = $q;", "$src", "$q");
            Set(dl, 0, q.Name);
            Set(dl, 1, dlq.Id);
            deadLettered = (long)dl.ExecuteScalar()!;
        }

        return new QueueCounts(ready, inFlight, delayed, bytes, deadLettered, oldest);
    }

    private static byte[] AsArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();
}
