using StackExchange.Redis;

namespace CompareBench.Peers;

/// <summary>
/// Redis Streams through StackExchange.Redis: producers <c>XADD key * d &lt;body&gt;</c> (the multiplexer pipelines the
/// window of outstanding adds); a consumer group created at 0; each consumer loops <c>XREADGROUP GROUP g cN COUNT 256
/// BLOCK 100 STREAMS key &gt;</c> on a connection of its own (a blocking read would stall a shared multiplexer) and sends
/// one <c>XACK</c> per entry on a second connection, pipelined, waiting for a batch's acks before its next read but one.
/// Whether a reply means the write is on disk is the server's <c>appendfsync</c> setting.
/// </summary>
internal sealed class RedisPeer(string endpoint) : Peer
{
    private const string Group = "g";
    private static readonly RedisValue Field = "d";
    private int _consumers;

    private Task<ConnectionMultiplexer> ConnectAsync() =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { endpoint }, Protocol = RedisProtocol.Resp2, AbortOnConnectFail = true, SyncTimeout = 30_000, AsyncTimeout = 30_000 });

    public override async Task PrepareAsync(string queue, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectAsync();
        await redis.GetDatabase().StreamCreateConsumerGroupAsync(queue, Group, StreamPosition.Beginning, createStream: true);
    }

    public override async Task<IProducer> OpenProducerAsync(string queue, CancellationToken cancellationToken) =>
        new Producer(await ConnectAsync(), queue);

    private sealed class Producer(ConnectionMultiplexer redis, RedisKey queue) : IProducer
    {
        private readonly IDatabase _db = redis.GetDatabase();

        public Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken) => _db.StreamAddAsync(queue, Field, body);

        public ValueTask DisposeAsync() => redis.DisposeAsync();
    }

    public override async Task ConsumeAsync(string queue, Action<ReadOnlyMemory<byte>> onMessage, CancellationToken cancellationToken)
    {
        await using var reader = await ConnectAsync();
        await using var acker = await ConnectAsync();
        var read = reader.GetDatabase();
        var ack = acker.GetDatabase();
        var consumer = "c" + Interlocked.Increment(ref _consumers);
        var command = new object[] { "GROUP", Group, consumer, "COUNT", Window, "BLOCK", 100, "STREAMS", queue, ">" };
        var older = new List<Task>(); // acks of the batch before the last one read
        var last = new List<Task>(); // acks of the last batch read
        while (!cancellationToken.IsCancellationRequested)
        {
            var reply = await read.ExecuteAsync("XREADGROUP", command);
            await Task.WhenAll(older);
            older.Clear();
            (older, last) = (last, older);
            if (reply.IsNull)
            {
                continue;
            }

            // [[key, [[id, [field, value, ...]], ...]]]
            foreach (var entry in (RedisResult[])((RedisResult[])((RedisResult[])reply!)[0]!)[1]!)
            {
                var parts = (RedisResult[])entry!;
                var fields = (RedisResult[])parts[1]!;
                onMessage((byte[])fields[1]!);
                last.Add(ack.StreamAcknowledgeAsync(queue, Group, (RedisValue)parts[0]));
            }
        }

        await Task.WhenAll(older.Concat(last));
    }

    public override async Task<TimeSpan?> TimeStatsAsync(string queue, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await redis.GetDatabase().StreamLengthAsync(queue);
        return clock.Elapsed;
    }

    public override async Task CleanupAsync(string queue, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectAsync();
        await redis.GetDatabase().KeyDeleteAsync(queue);
    }
}
