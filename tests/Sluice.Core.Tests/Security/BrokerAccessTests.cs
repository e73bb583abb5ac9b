using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.InMemory;
using Sluice.Security;

namespace Sluice.Core.Tests.Security;

/// <summary>The broker's authorization: each operation demands its permission before it reads or changes anything.</summary>
public sealed class BrokerAccessTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private Broker _broker = null!;

    /// <summary>May publish to every orders-* queue, nothing else.</summary>
    private static readonly SluicePrincipal Publisher = new("k-pub", "order-publisher", [new AccessGrant("orders-*", SluicePermissions.Publish)]);

    /// <summary>Admin on orders-*, consume on billing.</summary>
    private static readonly SluicePrincipal OrdersAdmin = new("k-adm", "orders-admin", [
        new AccessGrant("orders-*", SluicePermissions.All),
        new AccessGrant("billing", SluicePermissions.Consume),
    ]);

    public async Task InitializeAsync()
    {
        _broker = new Broker(new InMemoryMessageStore(_time), timeProvider: _time);
        await _broker.StartAsync();
        // Set up without a principal: an in-process caller may do everything.
        await _broker.CreateQueueAsync("orders-dlq");
        await _broker.CreateQueueAsync("orders-eu", new QueueOptions { DeadLetterQueue = "orders-dlq", MaxReceiveCount = 3 });
        await _broker.CreateQueueAsync("billing");
        await _broker.PublishAsync("orders-eu", Message("first"));
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static OutgoingMessage Message(string text) => new(Encoding.UTF8.GetBytes(text));

    private static async Task AssertDeniedAsync(Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<SluiceException>(action);
        Assert.Equal(ErrorCodes.AccessDenied, error.ErrorCode);
    }

    [Fact]
    public async Task Publish_PatternGrant_SendsToMatchingQueueOnly()
    {
        using (SluiceAccess.Enter(Publisher))
        {
            await _broker.PublishAsync("orders-eu", Message("second"));
            await AssertDeniedAsync(async () => await _broker.PublishAsync("billing", Message("x")));
            await AssertDeniedAsync(async () => await _broker.ReceiveAsync("orders-eu"));
            await AssertDeniedAsync(async () => await _broker.PeekAsync("orders-eu"));
        }

        Assert.Equal(2, (await _broker.GetStatsAsync("orders-eu")).Ready);
        Assert.Equal(0, (await _broker.GetStatsAsync("billing")).Ready);
    }

    [Fact]
    public async Task AdminOperations_PublishOnly_DeniedAndNothingChanges()
    {
        using (SluiceAccess.Enter(Publisher))
        {
            await AssertDeniedAsync(async () => await _broker.CreateQueueAsync("orders-new"));
            await AssertDeniedAsync(async () => await _broker.PurgeAsync("orders-eu"));
            await AssertDeniedAsync(async () => await _broker.DeleteQueueAsync("orders-eu"));
            await AssertDeniedAsync(async () => await _broker.UpdateQueueAsync("orders-eu", new QueueOptions()));
        }

        Assert.Null(await _broker.FindQueueAsync("orders-new"));
        var queue = await _broker.GetQueueAsync("orders-eu");
        Assert.Equal("orders-dlq", queue.Options.DeadLetterQueue);
        Assert.Equal(1, (await _broker.GetStatsAsync("orders-eu")).Ready);
    }

    [Fact]
    public async Task UpdateQueue_DeadLetterQueueWithoutAdminOnIt_DeniedAndUnchanged()
    {
        using (SluiceAccess.Enter(OrdersAdmin))
        {
            // Admin on orders-eu, but only consume on billing: re-pointing orders-eu's dead letters there is refused.
            await AssertDeniedAsync(async () => await _broker.UpdateQueueAsync("orders-eu", new QueueOptions { DeadLetterQueue = "billing", MaxReceiveCount = 3 }));
            await AssertDeniedAsync(async () => await _broker.CreateQueueAsync("orders-us", new QueueOptions { DeadLetterQueue = "billing", MaxReceiveCount = 3 }));

            // Both queues its own: allowed.
            await _broker.CreateQueueAsync("orders-dlq2");
            await _broker.UpdateQueueAsync("orders-eu", new QueueOptions { DeadLetterQueue = "orders-dlq2", MaxReceiveCount = 3 });
        }

        Assert.Null(await _broker.FindQueueAsync("orders-us"));
        Assert.Equal("orders-dlq2", (await _broker.GetQueueAsync("orders-eu")).Options.DeadLetterQueue);
    }

    [Fact]
    public async Task StartRedrive_DestinationWithoutAdmin_Denied()
    {
        using (SluiceAccess.Enter(OrdersAdmin))
        {
            await AssertDeniedAsync(async () => await _broker.StartRedriveAsync("orders-dlq", "billing"));
        }

        Assert.Empty(await _broker.ListRedrivesAsync());
    }

    [Fact]
    public async Task ListQueues_Principal_ShowsOnlyVisibleNames()
    {
        using (SluiceAccess.Enter(Publisher))
        {
            var names = (await _broker.ListQueuesAsync()).Select(q => q.Name).ToList();
            Assert.Equal(["orders-dlq", "orders-eu"], names);
            await AssertDeniedAsync(async () => await _broker.GetQueueAsync("billing"));
        }

        Assert.Equal(3, (await _broker.ListQueuesAsync()).Count);
    }

    [Fact]
    public async Task KeyValues_Principal_ChecksKeysAndFiltersListing()
    {
        await _broker.KeyValueSetAsync("orders-config", Encoding.UTF8.GetBytes("a"));
        await _broker.KeyValueSetAsync("billing-config", Encoding.UTF8.GetBytes("b"));
        using (SluiceAccess.Enter(OrdersAdmin))
        {
            var page = await _broker.KeyValueListAsync();
            Assert.Equal(["orders-config"], page.Records.Select(r => r.Key));
            await AssertDeniedAsync(async () => await _broker.KeyValueSetAsync("billing-config", Encoding.UTF8.GetBytes("x")));
        }

        Assert.Equal("b", Encoding.UTF8.GetString((await _broker.KeyValueGetAsync("billing-config"))!.Value.Span));
    }

    [Fact]
    public async Task InProcess_NoPrincipal_EverythingAllowed()
    {
        await _broker.PurgeAsync("billing");
        await _broker.CreateQueueAsync("anything");
        await _broker.DeleteQueueAsync("anything");
        Assert.Single(await _broker.ReceiveAsync("orders-eu"));
    }

    [Fact]
    public async Task StreamCreateGroup_DeadLetterStreamWithoutAdminOnIt_DeniedAndNoGroup()
    {
        using (SluiceAccess.Enter(OrdersAdmin))
        {
            await AssertDeniedAsync(() => _broker.StreamCreateGroupAsync("orders-s", "g",
                new StreamGroupOptions { MakeStream = true, MaxDeliveries = 1, DeadLetterStream = "secret-s" }).AsTask());
            await _broker.StreamCreateGroupAsync("orders-s", "g2",
                new StreamGroupOptions { MakeStream = true, MaxDeliveries = 1, DeadLetterStream = "orders-s-dead" });
        }

        Assert.False(await _broker.StreamExistsAsync("secret-s"));
        Assert.Equal(["g2"], (await _broker.GetStreamGroupsAsync("orders-s")).Select(g => g.Name));
    }
}
