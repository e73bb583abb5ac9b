using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    private const string MoveOutSql = """
        UPDATE messages SET queue_id = $q, receive_count = 0, lease_gen = lease_gen + 1, visible_at = $now, leased = 0, enqueued_at = $now,
            dl_source = NULL, dl_reason = NULL, dl_attempts = NULL, dl_at = NULL, last_error = NULL
        WHERE seq = $seq;
        """;

    private const string MoveKeepingDeadLetterSql =
        "UPDATE messages SET queue_id = $q, receive_count = 0, lease_gen = lease_gen + 1, visible_at = $now, leased = 0, enqueued_at = $now WHERE seq = $seq;";

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> ScanAsync(string queue, long afterSequence, int maxMessages, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<QueueMessage>>(() => ExecScan(queue, afterSequence, maxMessages), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> DeleteMessagesAsync(string queue, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<MessageSetOutcome>>(() => ExecMessageSet(queue, sequences, null, keepDeadLetterInfo: false, delete: true), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> MoveMessagesAsync(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<MessageSetOutcome>>(() => ExecMessageSet(queue, sequences, destination, keepDeadLetterInfo, delete: false), cancellationToken);

    private List<QueueMessage> ExecScan(string queue, long afterSequence, int maxMessages)
    {
        var q = RequireQueue(queue);
        var now = Now();
        using var cmd = Command("SELECT " + MessageRow.Columns + " FROM messages WHERE queue_id = $q AND seq > $after ORDER BY seq LIMIT $n;", "$q", "$after", "$n");
        Set(cmd, 0, q.Id);
        Set(cmd, 1, afterSequence);
        Set(cmd, 2, maxMessages);
        var page = new List<QueueMessage>(Math.Min(maxMessages, 256));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var row = MessageRow.Read(r);
            page.Add(row.ToMessage(row.StateAt(now), null));
        }

        return page;
    }

    /// <summary>Deletes or moves the given messages of a queue (one operation, so one transaction), skipping leased ones.</summary>
    private MessageSetOutcome[] ExecMessageSet(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo, bool delete)
    {
        var q = RequireQueue(queue);
        var fixedTarget = destination is null ? null : RequireQueue(destination);
        var now = Now();
        using var lookup = Command("SELECT queue_id, leased, visible_at, size, dl_source FROM messages WHERE seq = $seq;", "$seq");
        var outcomes = new MessageSetOutcome[sequences.Count];
        for (var i = 0; i < sequences.Count; i++)
        {
            var seq = sequences[i];
            Set(lookup, 0, seq);
            long size;
            string? source;
            using (var r = lookup.ExecuteReader())
            {
                if (!r.Read() || r.GetInt64(0) != q.Id)
                {
                    outcomes[i] = MessageSetOutcome.Missing;
                    continue;
                }

                if (r.GetInt64(1) != 0 && r.GetInt64(2) > now)
                {
                    outcomes[i] = MessageSetOutcome.Leased;
                    continue;
                }

                size = r.GetInt64(3);
                source = r.IsDBNull(4) ? null : r.GetString(4);
            }

            if (delete)
            {
                DeleteMessage(seq);
                Adjust(q, -1, -size);
                continue;
            }

            var to = fixedTarget ?? (source is not null && _queues.TryGetValue(source, out var origin) ? origin : null);
            outcomes[i] = to is null || to == q || !QueueRules.Fits(to.Options, to.Count + 1, to.Bytes + size)
                ? MessageSetOutcome.Unmovable
                : MoveOut(seq, size, q, to, keepDeadLetterInfo, now);
        }

        return outcomes;
    }

    /// <summary>
    /// Moves one message to another queue: ready now, receive count 0, a new lease generation, entered now; its
    /// dead-letter columns and last error kept only when <paramref name="keepDeadLetterInfo"/> is set.
    /// </summary>
    private MessageSetOutcome MoveOut(long seq, long size, QueueState from, QueueState to, bool keepDeadLetterInfo, long now)
    {
        using var move = Command(keepDeadLetterInfo ? MoveKeepingDeadLetterSql : MoveOutSql, "$q", "$now", "$seq");
        Set(move, 0, to.Id);
        Set(move, 1, now);
        Set(move, 2, seq);
        move.ExecuteNonQuery();
        Adjust(from, -1, -size);
        Adjust(to, 1, size);
        return MessageSetOutcome.Done;
    }
}
