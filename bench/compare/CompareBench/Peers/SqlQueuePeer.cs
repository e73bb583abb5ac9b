using Npgsql;
using NpgsqlTypes;

namespace CompareBench.Peers;

/// <summary>
/// The baseline of the cluster benchmark: a queue in plain SQL on PostgreSQL, the way pgmq and River-style job tables
/// work, driven through Npgsql with no Sluice in between. One table per queue (<c>id bigserial</c>, visibility time,
/// read count, body); a publish is one <c>INSERT</c> in its own transaction (durable: the server's default
/// <c>synchronous_commit = on</c>, so the commit waits for the WAL fsync; concurrent commits share one); a read leases
/// up to <see cref="Peer.Window"/> visible rows with <c>UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)
/// RETURNING</c> (pgmq's <c>read</c>); an ack is one <c>DELETE</c> by id. An empty read waits 5 ms before the next (pgmq's
/// <c>read_with_poll</c> polls the same way). Each producer and consumer has its own pool of up to 16 connections.
/// </summary>
internal sealed class SqlQueuePeer(string connectionString) : Peer
{
    private const int PoolSize = 16;

    private NpgsqlDataSource Open() =>
        new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = PoolSize }.ConnectionString).Build();

    private static string Table(string queue) => "q_" + queue.Replace('-', '_');

    public override async Task PrepareAsync(string queue, CancellationToken cancellationToken)
    {
        await using var source = Open();
        await using var command = source.CreateCommand(
            $"CREATE TABLE IF NOT EXISTS {Table(queue)} (id bigserial PRIMARY KEY, vt timestamptz NOT NULL DEFAULT now(), " +
            $"read_ct integer NOT NULL DEFAULT 0, enqueued_at timestamptz NOT NULL DEFAULT now(), body bytea NOT NULL); " +
            $"CREATE INDEX IF NOT EXISTS {Table(queue)}_vt ON {Table(queue)} (vt)");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override Task<IProducer> OpenProducerAsync(string queue, CancellationToken cancellationToken) =>
        Task.FromResult<IProducer>(new Producer(Open(), Table(queue)));

    private sealed class Producer(NpgsqlDataSource source, string table) : IProducer
    {
        private readonly string _insert = $"INSERT INTO {table} (body) VALUES ($1)";

        public async Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        {
            await using var command = source.CreateCommand(_insert);
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = body, NpgsqlDbType = NpgsqlDbType.Bytea });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => source.DisposeAsync();
    }

    public override async Task ConsumeAsync(string queue, Action<ReadOnlyMemory<byte>> onMessage, CancellationToken cancellationToken)
    {
        await using var source = Open();
        var table = Table(queue);
        var read = $"UPDATE {table} SET vt = now() + interval '30 seconds', read_ct = read_ct + 1 WHERE id IN " +
                   $"(SELECT id FROM {table} WHERE vt <= now() ORDER BY id LIMIT {Window} FOR UPDATE SKIP LOCKED) RETURNING id, body";
        var delete = $"DELETE FROM {table} WHERE id = $1";
        var acks = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var ids = new List<long>(Window);
                await using (var command = source.CreateCommand(read))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        ids.Add(reader.GetInt64(0));
                        onMessage((byte[])reader[1]);
                    }
                }

                // The acks of the previous read complete before the next read (at most one read's worth outstanding).
                await Task.WhenAll(acks);
                acks.Clear();
                if (ids.Count == 0)
                {
                    await Task.Delay(5, cancellationToken);
                    continue;
                }

                foreach (var id in ids)
                {
                    acks.Add(AckAsync(id));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(acks);

        async Task AckAsync(long id)
        {
            await using var command = source.CreateCommand(delete);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override async Task<TimeSpan?> TimeStatsAsync(string queue, CancellationToken cancellationToken)
    {
        await using var source = Open();
        await using var command = source.CreateCommand($"SELECT count(*) FROM {Table(queue)}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await command.ExecuteScalarAsync(cancellationToken);
        return clock.Elapsed;
    }

    public override async Task CleanupAsync(string queue, CancellationToken cancellationToken)
    {
        await using var source = Open();
        await using var command = source.CreateCommand($"DROP TABLE IF EXISTS {Table(queue)}");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
