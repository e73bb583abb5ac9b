namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Publish_MaxLengthReachedWithReject_ThrowsTransientQueueFullAndStoresNothing()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 2 });
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b");

        var ex = await AssertErrorAsync(ErrorCodes.QueueFull, () => PublishAsync("jobs", "c"));

        Assert.True(ex.IsTransient);
        Assert.Equal(["a", "b"], (await PeekAsync("jobs")).Select(Text));
    }

    [Fact]
    public async Task PublishBatch_WouldExceedMaxLengthWithReject_StoresNoneOfTheBatch()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 3 });
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b");

        await AssertErrorAsync(ErrorCodes.QueueFull, () => Broker.PublishBatchAsync("jobs", [Message("c"), Message("d")]).AsTask());

        Assert.Equal(["a", "b"], (await PeekAsync("jobs")).Select(Text));
        await PublishAsync("jobs", "c");
        Assert.Equal(3, (await PeekAsync("jobs")).Count);
    }

    [Fact]
    public async Task Publish_MaxLengthCountsInFlightAndDelayed_RejectsUntilAcked()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 2 });
        await PublishAsync("jobs", "leased");
        await PublishAsync("jobs", "delayed", delay: TimeSpan.FromMinutes(1));
        var leased = await ReceiveOneAsync("jobs");

        await AssertErrorAsync(ErrorCodes.QueueFull, () => PublishAsync("jobs", "c"));
        await Broker.AckAsync("jobs", leased.ReceiptHandle!);
        await PublishAsync("jobs", "c");

        Assert.Equal(2, (await PeekAsync("jobs")).Count);
    }

    [Fact]
    public async Task Publish_MaxLengthReachedWithDropHead_DeletesTheOldest()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 2, OverflowPolicy = OverflowPolicy.DropHead });
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b");

        var result = await Broker.PublishAsync("jobs", Message("c"));

        Assert.False(result.Duplicate);
        Assert.Equal(["b", "c"], (await PeekAsync("jobs")).Select(Text));
        Assert.Equal(["b", "c"], (await ReceiveAsync("jobs", 10)).Select(Text));
    }

    [Fact]
    public async Task PublishBatch_ExceedsMaxLengthWithDropHead_KeepsTheNewest()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 3, OverflowPolicy = OverflowPolicy.DropHead });
        await Broker.PublishBatchAsync("jobs", [Message("a"), Message("b"), Message("c")]);

        await Broker.PublishBatchAsync("jobs", [Message("d"), Message("e")]);

        Assert.Equal(["c", "d", "e"], (await PeekAsync("jobs")).Select(Text));
    }

    [Fact]
    public async Task Publish_MaxLengthReachedWithDeadLetterHead_MovesTheOldestWithReasonOverflow()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 2, OverflowPolicy = OverflowPolicy.DeadLetterHead, DeadLetterQueue = "dlq" });
        var oldest = await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b");
        Advance(TimeSpan.FromSeconds(3));

        await PublishAsync("jobs", "c");

        Assert.Equal(["b", "c"], (await PeekAsync("jobs")).Select(Text));
        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal(oldest, dead.MessageId);
        Assert.Equal("a", Text(dead));
        Assert.Equal(StartTime, dead.SentAt);
        Assert.Equal("jobs", dead.DeadLetter!.SourceQueue);
        Assert.Equal(DeadLetterInfo.OverflowReason, dead.DeadLetter.Reason);
        Assert.Equal(0, dead.DeadLetter.Attempts);
        Assert.Equal(Now, dead.DeadLetter.DeadLetteredAt);
        Assert.Equal(1, (await StatsAsync("jobs")).DeadLettered);
    }

    [Fact]
    public async Task Publish_MaxLengthBytesReachedWithReject_ThrowsQueueFull()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLengthBytes = 10 });
        await PublishAsync("jobs", "12345");
        await PublishAsync("jobs", "6789");

        var ex = await AssertErrorAsync(ErrorCodes.QueueFull, () => PublishAsync("jobs", "ab"));

        Assert.True(ex.IsTransient);
        Assert.Equal(9, (await StatsAsync("jobs")).Bytes);
        await PublishAsync("jobs", "0");
        Assert.Equal(10, (await StatsAsync("jobs")).Bytes);
    }

    [Fact]
    public async Task Publish_MaxLengthBytesReachedWithDropHead_DeletesOldestUntilItFits()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLengthBytes = 10, OverflowPolicy = OverflowPolicy.DropHead });
        await PublishAsync("jobs", "aaaa");
        await PublishAsync("jobs", "bbb");
        await PublishAsync("jobs", "cc");

        await PublishAsync("jobs", "dddddddd");

        Assert.Equal(["cc", "dddddddd"], (await PeekAsync("jobs")).Select(Text));
        Assert.Equal(10, (await StatsAsync("jobs")).Bytes);
    }

    [Fact]
    public async Task Publish_MaxLengthBytesReachedWithDeadLetterHead_MovesOldest()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("jobs", new QueueOptions { MaxLengthBytes = 10, OverflowPolicy = OverflowPolicy.DeadLetterHead, DeadLetterQueue = "dlq" });
        await PublishAsync("jobs", "aaaaaa");
        await PublishAsync("jobs", "bbbb");

        await PublishAsync("jobs", "c");

        Assert.Equal(["bbbb", "c"], (await PeekAsync("jobs")).Select(Text));
        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal("aaaaaa", Text(dead));
        Assert.Equal(DeadLetterInfo.OverflowReason, dead.DeadLetter!.Reason);
    }

    [Fact]
    public async Task Publish_Duplicate_DoesNotCountAgainstMaxLength()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 1 });
        var original = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "order-1"));

        var again = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "order-1"));

        Assert.True(again.Duplicate);
        Assert.Equal(original.MessageId, again.MessageId);
        Assert.Single(await PeekAsync("jobs"));
    }
}
