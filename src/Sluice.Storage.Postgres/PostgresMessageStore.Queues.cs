using System.Data.Common;
using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    private const string QueueColumns = "id, name, options, created_at";

    /// <inheritdoc />
    /// <remarks>Two nodes creating the same queue at once: one inserts it, the other then finds it (and compares options).</remarks>
    public ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunAsync(async (c, now, ct) =>
        {
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
    public ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunAsync(async (c, _, ct) =>
        {
            var text = OptionsText(options);
            var rows = await QueryAsync(c,
                $"UPDATE queues SET options = $2, dead_letter_queue = $3, retention_ms = $4 WHERE name = $1 RETURNING {QueueColumns}",
                ReadQueue, ct, name, text, options.DeadLetterQueue, Time.Ms(options.RetentionPeriod)).ConfigureAwait(false);
            return rows.Count == 1 ? rows[0].Info : throw StoreErrors.QueueNotFound(name);
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Messages and deduplication ids go with the queue (foreign keys with <c>ON DELETE CASCADE</c>), in the same transaction.</remarks>
    public async ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        var id = await RunAsync(async (c, _, ct) =>
            (long?)await ScalarAsync(c, "DELETE FROM queues WHERE name = $1 RETURNING id", ct, name).ConfigureAwait(false)
                ?? throw StoreErrors.QueueNotFound(name), cancellationToken).ConfigureAwait(false);
        _infos.TryRemove(id, out _);
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
