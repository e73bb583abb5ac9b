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

    private const string FifoScanSql =
        "SELECT " + MessageRow.Columns + " FROM messages WHERE queue_id = $q AND priority = $p AND visible_at <= $now " +
        "AND (visible_at, seq) > ($av, $as) ORDER BY visible_at, seq LIMIT 256;";

    private const int FifoScanPage = 256;

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
    private SqliteCommand? _fifoScan;
    private SqliteCommand? _groupHead;

    private void PrepareMessageCommands()
    {
        _insert = Command("""
            INSERT INTO messages(queue_id, id, body, attributes, priority, visible_at, sent_at, enqueued_at, receive_count, leased, dedup_id, size, group_id)
            VALUES($q, $id, $body, $attrs, $p, $v, $now, $now, 0, 0, $d, $size, $g) RETURNING seq;
            """, "$q", "$id", "$body", "$attrs", "$p", "$v", "$now", "$d", "$size", "$g");
        _dedupFind = Command("SELECT message_id, seq FROM dedup WHERE queue_id = $q AND dedup_key = $d AND expires_at > $now;", "$q", "$d", "$now");
        _dedupPut = Command("INSERT OR REPLACE INTO dedup(queue_id, dedup_key, message_id, seq, expires_at) VALUES($q, $d, $id, $seq, $exp);", "$q", "$d", "$id", "$seq", "$exp");
        _fifoScan = Command(FifoScanSql, "$q", "$p", "$now", "$av", "$as");
        _groupHead = Command("SELECT seq FROM messages WHERE queue_id = $q AND group_id = $g ORDER BY seq LIMIT 1 OFFSET $o;", "$q", "$g", "$o");
        _ready = Command(ReadySql, "$q", "$p", "$now", "$n");
        _pending = Command(PendingSql, "$q", "$p", "$now", "$n");
        _nextVisible = Command("SELECT MIN(visible_at) FROM messages WHERE queue_id = $q AND priority = $p AND visible_at > $now;", "$q", "$p", "$now");
        _lease = Command("""
            UPDATE messages SET receive_count = receive_count + 1, first_receive_at = COALESCE(first_receive_at, $now), leased = 1, visible_at = $until
            WHERE seq = $seq;
            """, "$now", "$until", "$seq");
        _lookup = Command("SELECT queue_id, receive_count, leased, size FROM messages WHERE seq = $seq;", "$seq");
        _delete = Command("DELETE FROM messages WHERE seq = $seq;", "$seq");
        _nack = Command("UPDATE messages SET visible_at = $v, leased = 0, last_error = COALESCE($err, last_error) WHERE seq = $seq;", "$v", "$err", "$seq");
        _extend = Command("UPDATE messages SET visible_at = $v, leased = $l WHERE seq = $seq;", "$v", "$l", "$seq");
        _moveToDeadLetter = Command("""
            UPDATE messages SET queue_id = $dlq, receive_count = 0, visible_at = $now, leased = 0, enqueued_at = $now,
                dl_source = $src, dl_reason = $reason, dl_attempts = $attempts, dl_at = $now,
                last_error = COALESCE($err, last_error)
            WHERE seq = $seq;
            """, "$dlq", "$now", "$src", "$reason", "$attempts", "$err", "$seq");
        _oldestReady = Command("SELECT seq, size, receive_count FROM messages WHERE queue_id = $q AND visible_at <= $now ORDER BY seq LIMIT 64;", "$q", "$now");
    }

    private SqliteCommand?[] AllCommands() =>
    [
        _begin, _commit, _rollback, _savepoint, _release, _rollbackTo, _insert, _dedupFind, _dedupPut, _ready, _pending,
        _nextVisible, _lease, _lookup, _delete, _nack, _extend, _moveToDeadLetter, _oldestReady, _fifoScan, _groupHead,
    ];

    private PublishResult[] ExecPublish(string queue, IReadOnlyList<OutgoingMessage> messages)
    {
        var q = RequireQueue(queue);
        var options = q.Options;
        var nowTime = _time.GetUtcNow();
        var now = nowTime.ToUnixTimeMilliseconds();
        var window = Time.Ms(options.DeduplicationWindow);
        var results = new PublishResult[messages.Count];
        Dictionary<string, int>? seen = null;
        List<(int Index, int Original)>? batchDuplicates = null;
        long addCount = 0, addBytes = 0;

        // Plan the whole batch before changing anything: it is all or nothing.
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (DeduplicationKey(options, m) is { } key)
            {
                if (seen is not null && seen.TryGetValue(key, out var original))
                {
                    (batchDuplicates ??= []).Add((i, original));
                    results[i] = new PublishResult(results[original].MessageId, Duplicate: true);
                    continue;
                }

                if (FindDuplicate(q.Id, key, now) is { } stored)
                {
                    results[i] = stored;
                    continue;
                }

                (seen ??= new Dictionary<string, int>(StringComparer.Ordinal))[key] = i;
            }

            results[i] = new PublishResult(Guid.CreateVersion7(nowTime), Duplicate: false);
            addCount++;
            addBytes += m.Body.Length;
        }

        if (addCount == 0)
        {
            return results;
        }

        MakeRoom(q, addCount, addBytes, now);
        var defaultDelay = Time.Ms(options.DeliveryDelay);
        var insert = _insert!;
        Set(insert, 0, q.Id);
        Set(insert, 6, now);
        for (var i = 0; i < messages.Count; i++)
        {
            if (results[i].Duplicate)
            {
                continue;
            }

            var m = messages[i];
            var idBytes = results[i].MessageId.ToByteArray(bigEndian: true);
            Set(insert, 1, idBytes);
            Set(insert, 2, AsArray(m.Body));
            Set(insert, 3, AttributeCodec.Encode(m.Attributes));
            Set(insert, 4, m.Priority);
            Set(insert, 5, now + (m.Delay is { } d ? Time.Ms(d) : defaultDelay));
            Set(insert, 7, m.DeduplicationId);
            Set(insert, 8, m.Body.Length);
            Set(insert, 9, m.MessageGroupId);
            var seq = (long)insert.ExecuteScalar()!;
            results[i] = results[i] with { SequenceNumber = seq };
            if (DeduplicationKey(options, m) is { } key)
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

        if (batchDuplicates is not null)
        {
            foreach (var (index, original) in batchDuplicates)
            {
                results[index] = results[original] with { Duplicate = true };
            }
        }

        Adjust(q, addCount, addBytes);
        return results;
    }

    /// <summary>The key a deduplication id is remembered under, or <see langword="null"/> when the message is not deduplicated.</summary>
    private static string? DeduplicationKey(QueueOptions options, OutgoingMessage m) =>
        m.DeduplicationId is null || options.DeduplicationWindow <= TimeSpan.Zero ? null
        : options.DeduplicationScope == DeduplicationScope.MessageGroup ? $"{m.MessageGroupId}\u0000{m.DeduplicationId}"
        : m.DeduplicationId;

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

    /// <summary>Applies the overflow policy so <paramref name="addCount"/> messages of <paramref name="addBytes"/> fit.</summary>
    private void MakeRoom(QueueState q, long addCount, long addBytes, long now)
    {
        var maxLength = q.Options.MaxLength;
        var maxBytes = q.Options.MaxLengthBytes;
        if (!Over())
        {
            return;
        }

        var policy = q.Options.OverflowPolicy;
        if (policy == OverflowPolicy.Reject || addCount > maxLength || addBytes > maxBytes)
        {
            throw QueueFull();
        }

        var dlq = policy == OverflowPolicy.DeadLetterHead ? DeadLetterQueueOf(q) : null;
        var oldest = _oldestReady!;
        var page = new List<(long Seq, long Size, int ReceiveCount)>();
        while (Over())
        {
            page.Clear();
            Set(oldest, 0, q.Id);
            Set(oldest, 1, now);
            using (var r = oldest.ExecuteReader())
            {
                while (r.Read())
                {
                    page.Add((r.GetInt64(0), r.GetInt64(1), r.GetInt32(2)));
                }
            }

            if (page.Count == 0)
            {
                throw QueueFull();
            }

            foreach (var (seq, size, receiveCount) in page)
            {
                if (!Over())
                {
                    break;
                }

                if (dlq is not null)
                {
                    MoveToDeadLetter(seq, size, q, dlq, DeadLetterInfo.OverflowReason, receiveCount, now, null);
                }
                else
                {
                    DeleteMessage(seq);
                    Adjust(q, -1, -size);
                }
            }
        }

        bool Over() => q.Count + addCount > maxLength || q.Bytes + addBytes > maxBytes;

        SluiceException QueueFull() => new(ErrorCodes.QueueFull,
            $"queue '{q.Name}' is full: it holds {q.Count} messages ({q.Bytes} bytes) and a publish of {addCount} messages ({addBytes} bytes) " +
            $"would pass maxLength {maxLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unbounded"} / " +
            $"maxLengthBytes {maxBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unbounded"} (overflow policy {policy}); " +
            "retry after consumers catch up, or raise the limits", "queue", isTransient: true);
    }

    private ReceiveResult ExecReceive(string queue, int maxMessages, TimeSpan visibilityTimeout)
    {
        var q = RequireQueue(queue);
        var now = Now();
        var until = now + Time.Ms(visibilityTimeout);
        var maxReceive = q.Options.MaxReceiveCount;
        var dlq = maxReceive is null ? null : DeadLetterQueueOf(q);
        var delivered = new List<QueueMessage>(Math.Min(maxMessages, 32));
        if (q.Options.Fifo)
        {
            ReceiveFifo(q, maxMessages, now, until, dlq, maxReceive, delivered);
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
                        if (dlq is not null && row.ReceiveCount >= maxReceive)
                        {
                            MoveToDeadLetter(row.Seq, row.Size, q, dlq, DeadLetterInfo.MaxReceiveCountReason, row.ReceiveCount, now, null);
                        }
                        else
                        {
                            Deliver(row, now, until, delivered);
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
    /// FIFO delivery: a visible message is delivered only when every earlier message of its group (by sequence) is gone
    /// or was delivered by this same receive. Visible messages are scanned in delivery order; when a delivery unblocks a
    /// group skipped earlier in the scan, the scan starts again so the result keeps delivery order.
    /// </summary>
    private void ReceiveFifo(QueueState q, int maxMessages, long now, long until, QueueState? dlq, int? maxReceive, List<QueueMessage> delivered)
    {
        var chosen = new Dictionary<string, int>(StringComparer.Ordinal);
        var heads = new Dictionary<string, long>(StringComparer.Ordinal);
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        bool restart;
        do
        {
            restart = false;
            skipped.Clear();
            for (var p = OutgoingMessage.MaxPriority; p >= 0 && delivered.Count < maxMessages && !restart; p--)
            {
                long afterVisible = long.MinValue, afterSeq = 0;
                while (delivered.Count < maxMessages && !restart)
                {
                    var scan = _fifoScan!;
                    Set(scan, 0, q.Id);
                    Set(scan, 1, p);
                    Set(scan, 2, now);
                    Set(scan, 3, afterVisible);
                    Set(scan, 4, afterSeq);
                    using (var r = scan.ExecuteReader())
                    {
                        while (r.Read())
                        {
                            _rows.Add(MessageRow.Read(r));
                        }
                    }

                    var page = _rows.ToArray();
                    _rows.Clear();
                    foreach (var row in page)
                    {
                        if (delivered.Count >= maxMessages)
                        {
                            break;
                        }

                        afterVisible = row.VisibleAt;
                        afterSeq = row.Seq;
                        var group = row.GroupId;
                        if (group is not null)
                        {
                            if (!heads.TryGetValue(group, out var head))
                            {
                                head = GroupHead(q.Id, group, chosen.GetValueOrDefault(group));
                                heads[group] = head;
                            }

                            if (row.Seq != head)
                            {
                                skipped.Add(group);
                                continue;
                            }

                            heads.Remove(group);
                        }

                        if (dlq is not null && row.ReceiveCount >= maxReceive)
                        {
                            MoveToDeadLetter(row.Seq, row.Size, q, dlq, DeadLetterInfo.MaxReceiveCountReason, row.ReceiveCount, now, null);
                        }
                        else
                        {
                            Deliver(row, now, until, delivered);
                            if (group is not null)
                            {
                                chosen[group] = chosen.GetValueOrDefault(group) + 1;
                            }
                        }

                        if (group is not null && skipped.Contains(group))
                        {
                            restart = true;
                            break;
                        }
                    }

                    if (page.Length < FifoScanPage)
                    {
                        break;
                    }
                }
            }
        }
        while (restart && delivered.Count < maxMessages);
    }

    /// <summary>The sequence of a group's first message not yet delivered by this receive (the first <paramref name="delivered"/> are).</summary>
    private long GroupHead(long queueId, string group, int delivered)
    {
        var cmd = _groupHead!;
        Set(cmd, 0, queueId);
        Set(cmd, 1, group);
        Set(cmd, 2, delivered);
        return cmd.ExecuteScalar() is long seq ? seq : -1;
    }

    /// <summary>Leases a row read by a receive and adds it to the delivered list.</summary>
    private void Deliver(MessageRow row, long now, long until, List<QueueMessage> delivered)
    {
        var lease = _lease!;
        Set(lease, 0, now);
        Set(lease, 1, until);
        Set(lease, 2, row.Seq);
        lease.ExecuteNonQuery();
        row.ReceiveCount++;
        row.FirstReceiveAt ??= now;
        row.Leased = true;
        row.VisibleAt = until;
        delivered.Add(row.ToMessage(MessageState.InFlight, new ReceiptHandle(row.Seq, row.ReceiveCount).ToString()));
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
                var (seq, _, size) = CheckHandle(q, receiptHandles[i], requireLeased: false);
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
        var (seq, receiveCount, size) = CheckHandle(q, receiptHandle, requireLeased: true);
        if (q.Options.MaxReceiveCount is { } max && receiveCount >= max && DeadLetterQueueOf(q) is { } dlq)
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

    private DateTimeOffset ExecExtend(string queue, string receiptHandle, TimeSpan visibilityTimeout)
    {
        var q = RequireQueue(queue);
        var now = Now();
        var (seq, _, _) = CheckHandle(q, receiptHandle, requireLeased: true);
        var until = now + Time.Ms(visibilityTimeout);
        var extend = _extend!;
        Set(extend, 0, until);
        Set(extend, 1, visibilityTimeout > TimeSpan.Zero ? 1 : 0);
        Set(extend, 2, seq);
        extend.ExecuteNonQuery();
        return Time.FromMs(until);
    }

    /// <summary>Checks a receipt handle against the stored message: it exists in the queue, its attempt is the latest (and it is leased).</summary>
    private (long Seq, int ReceiveCount, long Size) CheckHandle(QueueState q, string text, bool requireLeased)
    {
        var handle = ReceiptHandle.Parse(text);
        var lookup = _lookup!;
        Set(lookup, 0, handle.Sequence);
        long queueId;
        int receiveCount;
        bool leased;
        long size;
        using (var r = lookup.ExecuteReader())
        {
            if (!r.Read())
            {
                throw ReceiptHandle.NotFound(q.Name, text);
            }

            queueId = r.GetInt64(0);
            receiveCount = r.GetInt32(1);
            leased = r.GetInt64(2) != 0;
            size = r.GetInt64(3);
        }

        if (queueId != q.Id)
        {
            throw ReceiptHandle.NotFound(q.Name, text);
        }

        if (handle.Attempt > receiveCount)
        {
            throw ReceiptHandle.NotFound(q.Name, text);
        }

        if (handle.Attempt != receiveCount)
        {
            throw ReceiptHandle.Stale(q.Name, text, receiveCount);
        }

        if (requireLeased && !leased)
        {
            throw ReceiptHandle.NotInFlight(q.Name, text);
        }

        return (handle.Sequence, receiveCount, size);
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
