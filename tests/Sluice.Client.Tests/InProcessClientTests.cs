using System.Diagnostics;
using Sluice.InMemory;
using Sluice.Storage;
using Sluice.Storage.Conformance;
using Sluice.Storage.Sqlite;

namespace Sluice.Client.Tests;

/// <summary>
/// The SDK suite over <see cref="InProcessSluiceClient"/>: a broker in this process on a fake clock. Time-dependent
/// cases advance the clock once their long-poll receive is waiting (its timer armed), so nothing waits in real time.
/// </summary>
public abstract class InProcessClientTests : SluiceClientTests
{
    /// <summary>The broker's clock.</summary>
    protected ConformanceTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The broker behind the client.</summary>
    protected Broker Broker { get; private set; } = null!;

    /// <summary>Creates the store under the broker.</summary>
    protected abstract IQueueStore CreateStore(TimeProvider time);

    protected override async ValueTask<ISluiceClient> CreateClientAsync(SluiceClientOptions options)
    {
        Broker = new Broker(CreateStore(Time), timeProvider: Time);
        await Broker.StartAsync();
        return new InProcessSluiceClient(Broker, options, ownsBroker: true);
    }

    protected override async Task<IReadOnlyList<QueueMessage>> WhileTimePassesAsync(string queue, TimeSpan duration, Func<Task<IReadOnlyList<QueueMessage>>> receive)
    {
        var waiting = Broker.GetWaitingReceiverCount(queue);
        var timers = Time.TimersCreated;
        var task = receive();
        var watch = Stopwatch.StartNew();
        while (!task.IsCompleted && !(Broker.GetWaitingReceiverCount(queue) > waiting && Time.TimersCreated > timers))
        {
            Assert.True(watch.Elapsed < RealTimeout, $"the receive on '{queue}' never started waiting");
            await Task.Yield();
        }

        Time.Advance(duration);
        return await task.WaitAsync(RealTimeout);
    }
}

/// <summary>The SDK suite in-process on the in-memory store.</summary>
public sealed class InMemoryClientTests : InProcessClientTests
{
    protected override IQueueStore CreateStore(TimeProvider time) => new InMemoryMessageStore(time);
}

/// <summary>The SDK suite in-process on a real SQLite file.</summary>
public sealed class SqliteClientTests : InProcessClientTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-client-").FullName;

    protected override IQueueStore CreateStore(TimeProvider time) =>
        new SqliteMessageStore(new SqliteStoreOptions { Path = Path.Combine(_directory, "sluice.db") }, time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>In-process behaviours that depend on the broker's own settings.</summary>
public sealed class InProcessClientBrokerOptionsTests
{
    [Fact]
    public async Task Consume_BrokerWithoutLongPolling_DeliversAMessagePublishedLater()
    {
        var broker = new Broker(new InMemoryMessageStore(), new BrokerOptions { MaxWaitTime = TimeSpan.Zero });
        await broker.StartAsync();
        await using var client = new InProcessSluiceClient(broker, ownsBroker: true);
        await client.CreateQueueAsync("jobs");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var consumer = client.ConsumeAsync("jobs", cancellationToken: stop.Token).GetAsyncEnumerator();
        var first = consumer.MoveNextAsync().AsTask();

        await client.PublishAsync("jobs", new OutgoingMessage("late"u8.ToArray()));

        Assert.True(await first);
        Assert.Equal("late"u8.ToArray(), consumer.Current.Body.ToArray());
        await stop.CancelAsync();
        await consumer.DisposeAsync();
    }
}
