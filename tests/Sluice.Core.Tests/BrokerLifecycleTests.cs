using Sluice.InMemory;

namespace Sluice.Core.Tests;

/// <summary>Start and dispose rules of <see cref="Broker"/>: one guard refuses every operation before <see cref="Broker.StartAsync"/>.</summary>
public class BrokerLifecycleTests
{
    private const string Handle = "not-a-handle";

    public static TheoryData<string> Operations() =>
    [
        "CreateQueue", "GetQueue", "ListQueues", "UpdateQueue", "DeleteQueue", "Publish", "PublishBatch", "Receive", "Ack",
        "AckBatch", "Nack", "ExtendLease", "Purge", "Peek", "GetStats", "StartRedrive", "Sweep",
    ];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Operation_BrokerNotStarted_ThrowsNamingStartAsyncAndAddSluice(string operation)
    {
        await using var broker = new Broker(new InMemoryMessageStore());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Run(broker, operation));

        Assert.Equal(
            "the broker is not started: call 'await broker.StartAsync()' before using it, or register it with " +
            "services.AddSluice(...) in a host (Host.CreateApplicationBuilder, WebApplication), which starts it when the host starts",
            ex.Message);
        Assert.False(broker.IsStarted);
    }

    [Fact]
    public async Task StoreFor_ConcernTheStoreImplements_ReturnsTheStore()
    {
        await using var broker = new Broker(new InMemoryMessageStore());
        await broker.StartAsync();

        Assert.Same(broker.Store, broker.StoreFor<Sluice.Storage.IQueueStore>("queues"));
    }

    [Fact]
    public async Task StoreFor_ConcernTheStoreLacks_ThrowsNotSupportedNamingIt()
    {
        await using var broker = new Broker(new InMemoryMessageStore());
        await broker.StartAsync();

        // IDisposable stands in for a concern the in-memory store does not implement.
        var ex = Assert.Throws<SluiceException>(() => broker.StoreFor<IDisposable>("disposal"));

        Assert.Equal(ErrorCodes.NotSupported, ex.ErrorCode);
        Assert.False(ex.IsTransient);
        Assert.Equal("this server's store (InMemoryMessageStore) does not implement disposal (IDisposable): configure a store that implements IDisposable", ex.Message);
    }

    [Fact]
    public async Task StartAsync_CalledConcurrently_StartsOnceAndEveryCallerSeesItStarted()
    {
        await using var broker = new Broker(new InMemoryMessageStore());

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => broker.StartAsync())));

        Assert.True(broker.IsStarted);
        await broker.CreateQueueAsync("q");
        Assert.Single(await broker.ListQueuesAsync());
    }

    [Fact]
    public async Task DisposeAsync_Twice_IsHarmless()
    {
        var broker = new Broker(new InMemoryMessageStore());
        await broker.StartAsync();

        await broker.DisposeAsync();
        await broker.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => broker.StartAsync());
    }

    [Fact]
    public async Task Operation_DisposedBeforeStart_ThrowsSayingSo()
    {
        var broker = new Broker(new InMemoryMessageStore());
        await broker.DisposeAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await broker.ListQueuesAsync());

        Assert.Contains("disposed before it was started", ex.Message, StringComparison.Ordinal);
    }

    private static async Task Run(Broker broker, string operation)
    {
        var message = new OutgoingMessage("x"u8.ToArray());
        switch (operation)
        {
            case "CreateQueue": await broker.CreateQueueAsync("q"); break;
            case "GetQueue": await broker.GetQueueAsync("q"); break;
            case "ListQueues": await broker.ListQueuesAsync(); break;
            case "UpdateQueue": await broker.UpdateQueueAsync("q", new QueueOptions()); break;
            case "DeleteQueue": await broker.DeleteQueueAsync("q"); break;
            case "Publish": await broker.PublishAsync("q", message); break;
            case "PublishBatch": await broker.PublishBatchAsync("q", [message]); break;
            case "Receive": await broker.ReceiveAsync("q"); break;
            case "Ack": await broker.AckAsync("q", Handle); break;
            case "AckBatch": await broker.AckBatchAsync("q", [Handle]); break;
            case "Nack": await broker.NackAsync("q", Handle); break;
            case "ExtendLease": await broker.ExtendLeaseAsync("q", Handle, TimeSpan.FromSeconds(30)); break;
            case "Purge": await broker.PurgeAsync("q"); break;
            case "Peek": await broker.PeekAsync("q"); break;
            case "GetStats": await broker.GetStatsAsync("q"); break;
            case "StartRedrive": await broker.StartRedriveAsync("q"); break;
            case "Sweep": await broker.SweepAsync(); break;
            default: throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown operation");
        }
    }
}
