using System.Data.Common;
using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    private const string QueueColumns = "id, name, options, created_at";

    /// <inheritdoc />
    /// <remarks>
    /// Runs under the topology lock (<see cref="LockTopologyAsync"/>): two nodes creating the same queue at once, one
    /// inserts it and the other then finds it (and compares options); the dead-letter checks read the catalogue as it is.
    /// </remarks>
    public ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunAsync(async (c, now, ct) =>
        {
            await LockTopologyAsync(c, _options.Schema, ct).ConfigureAwait(false);
            await CheckDeadLetterQueueAsync(c, name, options, ct).ConfigureAwait(false);
            if (await FindQueueAsync(c, name, ct).ConfigureAwait(false) is { } existing)
            {
                return QueueRules.CreateExisting(existing.Info, options);
            }

            var text = OptionsText(options);
            var id = (long)(await ScalarAsync(c,
                "INSERT INTO queues(name, options, dead_letter_queue, retention_ms, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                ct, name, text, options.DeadLetterQueue, Time.Ms(options.RetentionPeriod), now).ConfigureAwait(false))!;
            return ToQueue(id, name, text, now).Info;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<QueueInfo?> GetQueueAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, _, ct) => (await FindQueueAsync(c, name, ct).ConfigureAwait(false))?.Info, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<QueueInfo>>(async (c, _, ct) =>
            (await QueryAsync(c, $"SELECT {QueueColumns} FROM queues ORDER BY name COLLATE \"C\"", ReadQueue, ct).ConfigureAwait(false))
                .ConvertAll(q => q.Info), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Runs under the topology lock (<see cref="LockTopologyAsync"/>), so two updates A→B and B→A cannot both pass the cycle check.</remarks>
    public ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunAsync(async (c, _, ct) =>
        {
            await LockTopologyAsync(c, _options.Schema, ct).ConfigureAwait(false);
            await RequireQueueAsync(c, name, ct).ConfigureAwait(false);
            await CheckDeadLetterQueueAsync(c, name, options, ct).ConfigureAwait(false);
            var text = OptionsText(options);
            var rows = await QueryAsync(c,
                $"UPDATE queues SET options = $2, dead_letter_queue = $3, retention_ms = $4 WHERE name = $1 RETURNING {QueueColumns}",
                ReadQueue, ct, name, text, options.DeadLetterQueue, Time.Ms(options.RetentionPeriod)).ConfigureAwait(false);
            return rows.Count == 1 ? rows[0].Info : throw StoreErrors.QueueNotFound(name);
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Messages and deduplication ids go with the queue (foreign keys with <c>ON DELETE CASCADE</c>), in the same
    /// transaction; under the topology lock (<see cref="LockTopologyAsync"/>), so no update can name it as a dead-letter
    /// queue between the check and the delete.
    /// </remarks>
    public async ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        var id = await RunAsync(async (c, _, ct) =>
        {
            await LockTopologyAsync(c, _options.Schema, ct).ConfigureAwait(false);
            await RequireQueueAsync(c, name, ct).ConfigureAwait(false);
            QueueRules.CheckDeletable(name, await QueryAsync(c, "SELECT name FROM queues WHERE dead_letter_queue = $1 AND name <> $1",
                r => r.GetString(0), ct, name).ConfigureAwait(false));
            return (long?)await ScalarAsync(c, "DELETE FROM queues WHERE name = $1 RETURNING id", ct, name).ConfigureAwait(false)
                ?? throw StoreErrors.QueueNotFound(name);
        }, cancellationToken).ConfigureAwait(false);
        _infos.TryRemove(id, out _);
    }

    /// <summary>
    /// Serialises topology changes (create, update, delete of queues) across the cluster: a transaction-scoped advisory
    /// lock on the schema's queue catalogue, held to the end of the transaction, so a check that reads other queues
    /// (dead-letter queue exists, no cycle, in use) and the write that follows are one step for every node.
    /// </summary>
    private static Task<int> LockTopologyAsync(NpgsqlConnection c, string schema, CancellationToken ct) =>
        ExecuteAsync(c, "SELECT pg_advisory_xact_lock(hashtextextended('sluice queues ' || $1, 0))", ct, schema);

    /// <summary><see cref="QueueRules.CheckDeadLetterQueue"/> over the dead-letter queue and its chain, read in one query (under the topology lock).</summary>
    private async Task CheckDeadLetterQueueAsync(NpgsqlConnection c, string name, QueueOptions options, CancellationToken ct)
    {
        if (options.DeadLetterQueue is not { } dlq)
        {
            return;
        }

        var chain = await QueryAsync(c,
            $"WITH RECURSIVE chain(name) AS (SELECT $1::text UNION SELECT q.dead_letter_queue FROM queues q JOIN chain ON q.name = chain.name WHERE q.dead_letter_queue IS NOT NULL) " +
            $"SELECT {QueueColumns} FROM queues WHERE name IN (SELECT name FROM chain)", ReadQueue, ct, dlq).ConfigureAwait(false);
        var byName = chain.ToDictionary(q => q.Info.Name, q => q.Info, StringComparer.Ordinal);
        QueueRules.CheckDeadLetterQueue(name, options, n => byName.GetValueOrDefault(n));
    }

    private QueueRow ReadQueue(DbDataReader r) => ToQueue(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3));

    private async Task<QueueRow?> FindQueueAsync(NpgsqlConnection c, string name, CancellationToken ct) =>
        (await QueryAsync(c, $"SELECT {QueueColumns} FROM queues WHERE name = $1", ReadQueue, ct, name).ConfigureAwait(false)) is [var q] ? q : null;

    private async Task<QueueRow> RequireQueueAsync(NpgsqlConnection c, string name, CancellationToken ct) =>
        await FindQueueAsync(c, name, ct).ConfigureAwait(false) ?? throw StoreErrors.QueueNotFound(name);

    /// <summary>A queue and its dead-letter queue (when that exists and is another queue), in one round trip.</summary>
    private async Task<(QueueRow Queue, QueueRow? DeadLetterQueue)> RequireQueueWithDeadLettersAsync(NpgsqlConnection c, string name, CancellationToken ct)
    {
        var rows = await QueryAsync(c,
            "SELECT q.id, q.name, q.options, q.created_at, d.id, d.name, d.options, d.created_at " +
            "FROM queues q LEFT JOIN queues d ON d.name = q.dead_letter_queue AND d.id <> q.id WHERE q.name = $1",
            r => (ReadQueue(r), r.IsDBNull(4) ? null : ToQueue(r.GetInt64(4), r.GetString(5), r.GetString(6), r.GetInt64(7))),
            ct, name).ConfigureAwait(false);
        return rows is [var row] ? row : throw StoreErrors.QueueNotFound(name);
    }
}
