using BenchmarkDotNet.Attributes;
using Sluice.InMemory;
using Sluice.Storage;
using Sluice.Storage.Log;
using Sluice.Storage.Sqlite;

namespace Sluice.Benchmarks;

/// <summary>
/// W5 (embedded): publish + receive + ack of 1 KiB messages through the broker in-process, with fsync on.
/// <see cref="Producers"/> concurrent callers each publish a batch, receive it and ack it; group commit is what lets
/// concurrent callers share an fsync. One operation = one message through its whole life.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class EmbeddedRoundTrip
{
    private readonly byte[] _body = new byte[1024];
    private Broker _broker = null!;
    private string _dir = null!;
    private OutgoingMessage[] _batch = null!;

    /// <summary>Messages per publish, receive and ack call.</summary>
    [Params(1, 32)]
    public int Batch { get; set; }

    /// <summary>Concurrent callers.</summary>
    [Params(1, 16)]
    public int Producers { get; set; }

    /// <summary>The store: <c>log</c> (the default store, fsync on), <c>sqlite</c> (fsync on) or <c>memory</c> (reference, not durable).</summary>
    [Params("log", "sqlite", "memory")]
    public string Store { get; set; } = "log";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Random.Shared.NextBytes(_body);
        _dir = Path.Combine(Path.GetTempPath(), "sluice-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        IQueueStore store = Store switch
        {
            "log" => new LogMessageStore(new LogStoreOptions { Directory = Path.Combine(_dir, "log"), Fsync = true }),
            "sqlite" => new SqliteMessageStore(new SqliteStoreOptions { Path = Path.Combine(_dir, "bench.db"), Fsync = true }),
            _ => new InMemoryMessageStore(),
        };
        _broker = new Broker(store);
        await _broker.StartAsync().ConfigureAwait(false);
        for (var p = 0; p < Producers; p++)
        {
            await _broker.CreateQueueAsync("q" + p).ConfigureAwait(false);
        }

        _batch = [.. Enumerable.Range(0, Batch).Select(_ => new OutgoingMessage(_body))];
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _broker.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Runs 8 rounds per caller so one invocation carries enough messages to time.</summary>
    [Benchmark(OperationsPerInvoke = 8)]
    public async Task PublishReceiveAck()
    {
        var callers = new Task[Producers];
        for (var p = 0; p < Producers; p++)
        {
            callers[p] = RoundsAsync("q" + p);
        }

        await Task.WhenAll(callers).ConfigureAwait(false);
    }

    private async Task RoundsAsync(string queue)
    {
        var receive = new ReceiveOptions { MaxMessages = Batch };
        for (var round = 0; round < 8; round++)
        {
            await _broker.PublishBatchAsync(queue, _batch).ConfigureAwait(false);
            var got = 0;
            while (got < Batch)
            {
                var messages = await _broker.ReceiveAsync(queue, receive).ConfigureAwait(false);
                got += messages.Count;
                await _broker.AckBatchAsync(queue, [.. messages.Select(m => m.ReceiptHandle!)]).ConfigureAwait(false);
            }
        }
    }
}
