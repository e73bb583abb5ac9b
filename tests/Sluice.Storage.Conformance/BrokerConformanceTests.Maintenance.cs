namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Purge_MessagesInEveryState_DeletesAllAndReturnsCount()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "ready");
        await PublishAsync("jobs", "leased");
        await PublishAsync("jobs", "delayed", delay: TimeSpan.FromMinutes(1));
        await ReceiveOneAsync("jobs");

        var purged = await Broker.PurgeAsync("jobs");

        Assert.Equal(3, purged);
        Assert.Empty(await PeekAsync("jobs"));
        var stats = await StatsAsync("jobs");
        Assert.Equal((0, 0, 0, 0), (stats.Ready, stats.InFlight, stats.Delayed, stats.Bytes));
        Advance(TimeSpan.FromMinutes(2));
        await AssertNothingToReceiveAsync("jobs");
        await PublishAsync("jobs", "after purge");
        Assert.Equal("after purge", Text(await ReceiveOneAsync("jobs")));
    }

    [Fact]
    public async Task Purge_HandleOfPurgedMessage_ThrowsMessageNotFound()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "leased");
        var m = await ReceiveOneAsync("jobs");
        await Broker.PurgeAsync("jobs");

        await AssertErrorAsync(ErrorCodes.MessageNotFound, () => Broker.AckAsync("jobs", m.ReceiptHandle!).AsTask());
    }

    [Fact]
    public async Task Purge_EmptyQueue_ReturnsZero()
    {
        await CreateQueueAsync("jobs");

        Assert.Equal(0, await Broker.PurgeAsync("jobs"));
    }

    [Fact]
    public async Task Peek_ReadyMessages_NoLeaseAndReceiveStillWorks()
    {
        await CreateQueueAsync("jobs");
        var a = await PublishAsync("jobs", "a", 1);
        var b = await PublishAsync("jobs", "b", 5);

        var peeked = await PeekAsync("jobs");
        var again = await PeekAsync("jobs");

        Assert.Equal([b, a], peeked.Select(m => m.MessageId));
        Assert.Equal([b, a], again.Select(m => m.MessageId));
        Assert.All(peeked, m =>
        {
            Assert.Null(m.ReceiptHandle);
            Assert.Equal(MessageState.Ready, m.State);
            Assert.Equal(0, m.ReceiveCount);
            Assert.Null(m.FirstReceivedAt);
        });
        var received = await ReceiveAsync("jobs", 10);
        Assert.Equal([b, a], received.Select(m => m.MessageId));
        Assert.All(received, m => Assert.Equal(1, m.ReceiveCount));
    }

    [Fact]
    public async Task Peek_MixedStates_ReadyFirstThenOthersWithTheirStates()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "leased", 9);
        await PublishAsync("jobs", "delayed", 9, TimeSpan.FromMinutes(1));
        await PublishAsync("jobs", "ready-low", 0);
        await PublishAsync("jobs", "ready-high", 4);
        var leased = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));
        Assert.Equal("leased", Text(leased));

        var peeked = await PeekAsync("jobs");

        Assert.Equal(4, peeked.Count);
        Assert.Equal(["ready-high", "ready-low"], peeked.Take(2).Select(Text));
        var inFlight = Assert.Single(peeked, m => Text(m) == "leased");
        Assert.Equal(MessageState.InFlight, inFlight.State);
        Assert.Equal(1, inFlight.ReceiveCount);
        Assert.Equal(leased.VisibleAt, inFlight.VisibleAt);
        Assert.Null(inFlight.ReceiptHandle);
        var delayed = Assert.Single(peeked, m => Text(m) == "delayed");
        Assert.Equal(MessageState.Delayed, delayed.State);
        Assert.Equal(StartTime + TimeSpan.FromMinutes(1), delayed.VisibleAt);
        await Broker.AckAsync("jobs", leased.ReceiptHandle!);
    }

    [Fact]
    public async Task Peek_MaxMessages_LimitsTheResult()
    {
        await CreateQueueAsync("jobs");
        await Broker.PublishBatchAsync("jobs", [.. Enumerable.Range(0, 5).Select(i => Message($"m{i}"))]);

        var peeked = await Broker.PeekAsync("jobs", 2);

        Assert.Equal(["m0", "m1"], peeked.Select(Text));
        await AssertInvalidAsync("maxMessages", () => Broker.PeekAsync("jobs", 0).AsTask());
    }

    [Fact]
    public async Task Sweep_MessagesPastRetention_DeletesOnlyThose()
    {
        await CreateQueueAsync("jobs", new QueueOptions { RetentionPeriod = TimeSpan.FromMinutes(10) });
        await PublishAsync("jobs", "old ready");
        await PublishAsync("jobs", "old leased");
        await PublishAsync("jobs", "old delayed", delay: TimeSpan.FromMinutes(9));
        await ReceiveOneAsync("jobs", TimeSpan.FromHours(1));
        Advance(TimeSpan.FromMinutes(5));
        await PublishAsync("jobs", "young");
        Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var deleted = await Broker.SweepAsync();

        Assert.Equal(3, deleted);
        Assert.Equal(["young"], (await PeekAsync("jobs")).Select(Text));
        Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await Broker.SweepAsync());
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Sweep_NothingExpired_DeletesNothing()
    {
        await CreateQueueAsync("jobs", new QueueOptions { RetentionPeriod = TimeSpan.FromMinutes(10) });
        await PublishAsync("jobs", "a");
        Advance(TimeSpan.FromMinutes(9));

        Assert.Equal(0, await Broker.SweepAsync());

        Assert.Single(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Sweep_DeadLetterRetention_CountsFromWhenItEnteredTheDeadLetterQueue()
    {
        await CreateQueueAsync("dlq", new QueueOptions { RetentionPeriod = TimeSpan.FromMinutes(10) });
        await CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });
        await PublishAsync("jobs", "a");
        Advance(TimeSpan.FromMinutes(9));
        await Broker.NackAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!);
        Advance(TimeSpan.FromMinutes(9));

        await Broker.SweepAsync();

        Assert.Single(await PeekAsync("dlq"));
        Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await Broker.SweepAsync();
        Assert.Empty(await PeekAsync("dlq"));
    }

    [Fact]
    public async Task Stats_AfterActivity_CountsStatesBytesAgeAndRates()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "bb");
        await PublishAsync("jobs", "ccc", delay: TimeSpan.FromMinutes(5));
        await PublishAsync("jobs", "dddd");
        var acked = await ReceiveOneAsync("jobs");
        await Broker.AckAsync("jobs", acked.ReceiptHandle!);
        await ReceiveOneAsync("jobs");
        Advance(TimeSpan.FromSeconds(10));

        var stats = await StatsAsync("jobs");

        Assert.Equal("jobs", stats.Queue);
        Assert.Equal(1, stats.Ready);
        Assert.Equal(1, stats.InFlight);
        Assert.Equal(1, stats.Delayed);
        Assert.Equal(9, stats.Bytes);
        Assert.Equal(TimeSpan.FromSeconds(10), stats.OldestAge);
        Assert.Equal(0, stats.DeadLettered);
        Assert.True(stats.PublishRate > 0, "publish rate should be positive after publishing");
        Assert.True(stats.AckRate > 0, "ack rate should be positive after acking");
    }

    [Fact]
    public async Task Stats_EmptyQueue_ZeroesAndNoOldestAge()
    {
        await CreateQueueAsync("jobs");

        var stats = await StatsAsync("jobs");

        Assert.Equal((0, 0, 0, 0, 0), (stats.Ready, stats.InFlight, stats.Delayed, stats.Bytes, stats.DeadLettered));
        Assert.Null(stats.OldestAge);
        Assert.Equal(0, stats.PublishRate);
        Assert.Equal(0, stats.AckRate);
    }

    [Fact]
    public async Task Stats_DelayedMessageBecomesDue_CountedAsReady()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a", delay: TimeSpan.FromSeconds(5));
        var m = await ReceiveAsync("jobs");
        Assert.Empty(m);

        Advance(TimeSpan.FromSeconds(5));

        var stats = await StatsAsync("jobs");
        Assert.Equal((1, 0), (stats.Ready, stats.Delayed));
    }

    [Fact]
    public async Task Stats_ExpiredLease_CountedAsReady()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));

        Advance(TimeSpan.FromSeconds(5));

        var stats = await StatsAsync("jobs");
        Assert.Equal((1, 0), (stats.Ready, stats.InFlight));
        Assert.Equal(MessageState.Ready, Assert.Single(await PeekAsync("jobs")).State);
    }
}
