using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Core.Tests;

/// <summary>The in-process change feed: one per store object, synchronous delivery, unsubscribe.</summary>
public class LocalChangeFeedTests
{
    [Fact]
    public void For_SameStoreObject_ReturnsOneFeed_AnotherObjectItsOwn()
    {
        var store = new InMemoryMessageStore();

        Assert.Same(LocalChangeFeed.For(store), LocalChangeFeed.For(store));
        Assert.NotSame(LocalChangeFeed.For(store), LocalChangeFeed.For(new InMemoryMessageStore()));
    }

    [Fact]
    public void PublishChange_Subscribers_EachGetsItBeforePublishReturns()
    {
        var feed = new LocalChangeFeed();
        var first = new Recorder();
        var second = new Recorder();
        using var one = feed.Subscribe(first);
        using var two = feed.Subscribe(second);

        feed.PublishChange(StoreChange.QueueReady("q", 3));

        Assert.Equal([StoreChange.QueueReady("q", 3)], first.Changes);
        Assert.Equal([StoreChange.QueueReady("q", 3)], second.Changes);
    }

    [Fact]
    public void Subscription_Disposed_GetsNothingMore_AndDisposingAgainIsHarmless()
    {
        var feed = new LocalChangeFeed();
        var kept = new Recorder();
        var left = new Recorder();
        using var keep = feed.Subscribe(kept);
        var leave = feed.Subscribe(left);

        leave.Dispose();
        leave.Dispose();
        feed.PublishChange(StoreChange.StreamChanged("s"));

        Assert.Empty(left.Changes);
        Assert.Equal([StoreChange.StreamChanged("s")], kept.Changes);
        Assert.Equal(1, feed.SubscriberCount);
    }

    [Fact]
    public async Task Broker_NotOwningTheStore_LeavesItOpenWhenDisposed()
    {
        var store = new InMemoryMessageStore();
        await using var owner = new Broker(store);
        await owner.StartAsync();
        var second = new Broker(store, ownsStore: false);
        await second.StartAsync();
        await second.CreateQueueAsync("q");

        await second.DisposeAsync();

        await owner.PublishAsync("q", new OutgoingMessage("still open"u8.ToArray()));
        Assert.Single(await owner.ReceiveAsync("q"));
        Assert.Equal(1, LocalChangeFeed.For(store).SubscriberCount);
    }

    private sealed class Recorder : IChangeSubscriber
    {
        public List<StoreChange> Changes { get; } = [];

        public void OnChange(in StoreChange change) => Changes.Add(change);
    }
}
