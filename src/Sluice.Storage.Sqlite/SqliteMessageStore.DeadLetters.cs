using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    /// <summary>Moves one message into a dead-letter queue (ready now, receive count 0, dead-letter columns set).</summary>
    private void MoveToDeadLetter(long seq, long size, QueueState source, QueueState deadLetterQueue, string reason, int attempts, long now, string? lastError)
    {
        var move = _moveToDeadLetter!;
        Set(move, 0, deadLetterQueue.Id);
        Set(move, 1, now);
        Set(move, 2, source.Name);
        Set(move, 3, reason);
        Set(move, 4, attempts);
        Set(move, 5, lastError);
        Set(move, 6, seq);
        move.ExecuteNonQuery();
        Adjust(source, -1, -size);
        Adjust(deadLetterQueue, 1, size);
    }

    private RedriveStep ExecRedrive(string deadLetterQueue, string? destination, int maxMessages)
    {
        var source = RequireQueue(deadLetterQueue);
        var target = destination is null ? null : RequireQueue(destination);
        var now = Now();
        // Messages leased by a dead-letter consumer stay: taking them would pull work out from under it.
        using var page = Command(
            "SELECT seq, size, dl_source FROM messages WHERE queue_id = $q AND seq > $after AND NOT (leased = 1 AND visible_at > $now) ORDER BY seq LIMIT 256;",
            "$q", "$after", "$now");
        var rows = new List<(long Seq, long Size, string? From)>();
        var moved = 0;
        long after = 0;
        QueueState? full = null;
        while (moved < maxMessages)
        {
            rows.Clear();
            Set(page, 0, source.Id);
            Set(page, 1, after);
            Set(page, 2, now);
            using (var r = page.ExecuteReader())
            {
                while (r.Read())
                {
                    rows.Add((r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2)));
                }
            }

            if (rows.Count == 0)
            {
                break;
            }

            foreach (var (seq, size, from) in rows)
            {
                after = seq;
                var to = target ?? (from is not null && _queues.TryGetValue(from, out var origin) ? origin : null);
                if (to is null || to == source)
                {
                    continue;
                }

                if (!QueueRules.Fits(to.Options, to.Count + 1, to.Bytes + size))
                {
                    full = to;
                    continue;
                }

                MoveOut(seq, size, source, to, keepDeadLetterInfo: false, now);
                if (++moved == maxMessages)
                {
                    break;
                }
            }
        }

        return QueueRules.EndRedriveStep(moved, source.Count, full?.Name);
    }

    private long ExecSweep()
    {
        var now = Now();
        using var measure = Command("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM messages WHERE queue_id = $q AND enqueued_at <= $cutoff;", "$q", "$cutoff");
        using var delete = Command("DELETE FROM messages WHERE queue_id = $q AND enqueued_at <= $cutoff;", "$q", "$cutoff");
        long deleted = 0;
        foreach (var q in _queues.Values)
        {
            var cutoff = now - Time.Ms(q.Options.RetentionPeriod);
            Set(measure, 0, q.Id);
            Set(measure, 1, cutoff);
            long count, bytes;
            using (var r = measure.ExecuteReader())
            {
                r.Read();
                count = r.GetInt64(0);
                bytes = r.GetInt64(1);
            }

            if (count == 0)
            {
                continue;
            }

            Set(delete, 0, q.Id);
            Set(delete, 1, cutoff);
            delete.ExecuteNonQuery();
            Adjust(q, -count, -bytes);
            deleted += count;
        }

        using var dedup = Command("DELETE FROM dedup WHERE expires_at <= $now;", "$now");
        Set(dedup, 0, now);
        dedup.ExecuteNonQuery();
        return deleted;
    }
}
