using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    private const string MoveOutSql =
        "UPDATE messages SET queue_id = $1, receive_count = 0, lease_gen = lease_gen + 1, visible_at = $2, leased = false, enqueued_at = $2, " +
        "dl_source = NULL, dl_reason = NULL, dl_attempts = NULL, dl_at = NULL, last_error = NULL WHERE seq = ANY($3)";

    private const string MoveKeepingDeadLetterSql =
        "UPDATE messages SET queue_id = $1, receive_count = 0, lease_gen = lease_gen + 1, visible_at = $2, leased = false, enqueued_at = $2 WHERE seq = ANY($3)";

    /// <inheritdoc />
    /// <remarks>
    /// Messages leased by a consumer of the dead-letter queue stay, and so do ones another node is moving at that
    /// moment (SKIP LOCKED): two redrives of one queue on two nodes split the messages between them.
    /// </remarks>
    public ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) =>
        {
            var source = await RequireQueueAsync(c, deadLetterQueue, ct).ConfigureAwait(false);
            var targets = new Targets(this, c, destination is null ? null : await RequireQueueAsync(c, destination, ct).ConfigureAwait(false));
            var moved = 0;
            long after = 0;
            QueueRow? full = null;
            while (moved < maxMessages)
            {
                var page = await QueryAsync(c,
                    "SELECT seq, size, dl_source FROM messages WHERE queue_id = $1 AND seq > $2 AND NOT (leased AND visible_at > $3) " +
                    "ORDER BY seq LIMIT 256 FOR UPDATE SKIP LOCKED",
                    r => (Seq: r.GetInt64(0), Size: r.GetInt32(1), From: r.IsDBNull(2) ? null : r.GetString(2)), ct, source.Id, after, now).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (var (seq, size, from) in page)
                {
                    after = seq;
                    var to = await targets.ForAsync(from, ct).ConfigureAwait(false);
                    if (to is null || to.Id == source.Id)
                    {
                        continue;
                    }

                    if (!await targets.TakeRoomAsync(to, size, ct).ConfigureAwait(false))
                    {
                        full = to;
                        continue;
                    }

                    targets.Move(to, seq);
                    if (++moved == maxMessages)
                    {
                        break;
                    }
                }
            }

            await targets.ApplyAsync(keepDeadLetterInfo: false, now, ct).ConfigureAwait(false);
            var (remaining, _) = await CountAsync(c, source.Id, ct).ConfigureAwait(false);
            return QueueRules.EndRedriveStep(moved, remaining, full?.Name);
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> ScanAsync(string queue, long afterSequence, int maxMessages, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<QueueMessage>>(async (c, now, ct) =>
        {
            var q = await RequireQueueAsync(c, queue, ct).ConfigureAwait(false);
            return (await QueryAsync(c, $"SELECT {MessageRow.Columns} FROM messages WHERE queue_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                r => MessageRow.Read(r), ct, q.Id, afterSequence, maxMessages).ConfigureAwait(false))
                .ConvertAll(row => row.ToMessage(row.StateAt(now), null));
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> DeleteMessagesAsync(string queue, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default) =>
        MessageSetAsync(queue, sequences, null, keepDeadLetterInfo: false, delete: true, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> MoveMessagesAsync(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo,
        CancellationToken cancellationToken = default) =>
        MessageSetAsync(queue, sequences, destination, keepDeadLetterInfo, delete: false, cancellationToken);

    /// <summary>Deletes or moves the given messages of a queue in one transaction (one lock query, one statement per destination), skipping leased ones.</summary>
    private ValueTask<IReadOnlyList<MessageSetOutcome>> MessageSetAsync(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo,
        bool delete, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return RunAsync<IReadOnlyList<MessageSetOutcome>>(async (c, now, ct) =>
        {
            var q = await RequireQueueAsync(c, queue, ct).ConfigureAwait(false);
            var targets = new Targets(this, c, destination is null ? null : await RequireQueueAsync(c, destination, ct).ConfigureAwait(false));
            var rows = (await QueryAsync(c,
                "SELECT seq, leased AND visible_at > $3, size, dl_source FROM messages WHERE queue_id = $1 AND seq = ANY($2) ORDER BY seq FOR UPDATE",
                r => (Seq: r.GetInt64(0), Leased: r.GetBoolean(1), Size: r.GetInt32(2), From: r.IsDBNull(3) ? null : r.GetString(3)),
                ct, q.Id, sequences.Distinct().ToArray(), now).ConfigureAwait(false)).ToDictionary(r => r.Seq);
            var outcomes = new MessageSetOutcome[sequences.Count];
            var deleted = new List<long>();
            for (var i = 0; i < sequences.Count; i++)
            {
                if (!rows.Remove(sequences[i], out var row))
                {
                    outcomes[i] = MessageSetOutcome.Missing;
                }
                else if (row.Leased)
                {
                    outcomes[i] = MessageSetOutcome.Leased;
                }
                else if (delete)
                {
                    deleted.Add(row.Seq);
                }
                else if (await targets.ForAsync(row.From, ct).ConfigureAwait(false) is not { } to || to.Id == q.Id ||
                    !await targets.TakeRoomAsync(to, row.Size, ct).ConfigureAwait(false))
                {
                    outcomes[i] = MessageSetOutcome.Unmovable;
                }
                else
                {
                    targets.Move(to, row.Seq);
                }
            }

            if (deleted.Count > 0)
            {
                await ExecuteAsync(c, "DELETE FROM messages WHERE seq = ANY($1)", ct, deleted.ToArray()).ConfigureAwait(false);
            }

            await targets.ApplyAsync(keepDeadLetterInfo, now, ct).ConfigureAwait(false);
            return outcomes;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Safe on several nodes at once: each statement deletes what has expired when it runs, and a row is deleted once.
    /// Also deletes shared topic bodies that no message references any more.
    /// </remarks>
    public ValueTask<long> SweepAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) =>
        {
            var deleted = await ExecuteAsync(c,
                "DELETE FROM messages m USING queues q WHERE m.queue_id = q.id AND m.enqueued_at <= $1 - q.retention_ms", ct, now).ConfigureAwait(false);
            await ExecuteAsync(c, "DELETE FROM dedup WHERE expires_at <= $1", ct, now).ConfigureAwait(false);

            // A shared body no copy references any more. A body is referenced only by copies inserted in the transaction
            // that inserted it, so one this statement sees unreferenced stays so.
            await ExecuteAsync(c, "DELETE FROM bodies b WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.body_id = b.id)", ct).ConfigureAwait(false);
            return (long)deleted;
        }, cancellationToken);

    /// <summary>
    /// The destinations of one redrive or move: each message's queue (a fixed destination, or the queue it was
    /// dead-lettered from), the room left in bounded ones (counted once, under a lock of the queue's row, as a publish
    /// counts), and the moves, applied with one statement per destination.
    /// </summary>
    private sealed class Targets(PostgresMessageStore store, NpgsqlConnection connection, QueueRow? fixedTarget)
    {
        private readonly Dictionary<string, QueueRow?> _byName = new(StringComparer.Ordinal);
        private readonly Dictionary<long, (long Count, long Bytes)> _held = [];
        private readonly Dictionary<long, List<long>> _moves = [];

        /// <summary>Where a message dead-lettered from <paramref name="from"/> goes: the fixed destination, else that queue if it still exists.</summary>
        public async Task<QueueRow?> ForAsync(string? from, CancellationToken ct)
        {
            if (fixedTarget is not null || from is null)
            {
                return fixedTarget;
            }

            if (!_byName.TryGetValue(from, out var queue))
            {
                queue = await store.FindQueueAsync(connection, from, ct).ConfigureAwait(false);
                _byName[from] = queue;
            }

            return queue;
        }

        /// <summary>Whether <paramref name="to"/> has room for one more message of <paramref name="size"/> bytes; if so, counts it in.</summary>
        public async Task<bool> TakeRoomAsync(QueueRow to, long size, CancellationToken ct)
        {
            if (!to.Bounded)
            {
                return true;
            }

            if (!_held.TryGetValue(to.Id, out var held))
            {
                await ExecuteAsync(connection, "SELECT 1 FROM queues WHERE id = $1 FOR NO KEY UPDATE", ct, to.Id).ConfigureAwait(false);
                held = await CountAsync(connection, to.Id, ct).ConfigureAwait(false);
            }

            if (!QueueRules.Fits(to.Options, held.Count + 1, held.Bytes + size))
            {
                _held[to.Id] = held;
                return false;
            }

            _held[to.Id] = (held.Count + 1, held.Bytes + size);
            return true;
        }

        public void Move(QueueRow to, long seq)
        {
            if (!_moves.TryGetValue(to.Id, out var seqs))
            {
                _moves[to.Id] = seqs = [];
            }

            seqs.Add(seq);
        }

        public async Task ApplyAsync(bool keepDeadLetterInfo, long now, CancellationToken ct)
        {
            foreach (var (queueId, seqs) in _moves)
            {
                await ExecuteAsync(connection, keepDeadLetterInfo ? MoveKeepingDeadLetterSql : MoveOutSql, ct, queueId, now, seqs.ToArray()).ConfigureAwait(false);
            }

            _moves.Clear();
        }
    }
}
