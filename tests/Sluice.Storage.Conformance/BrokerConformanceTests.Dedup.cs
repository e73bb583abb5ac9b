namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Publish_DuplicateWithinWindow_ReturnsOriginalIdAndEnqueuesNothing()
    {
        await CreateQueueAsync("jobs");
        var original = await Broker.PublishAsync("jobs", Message("first", deduplicationId: "order-42"));
        Advance(TimeSpan.FromMinutes(4));

        var duplicate = await Broker.PublishAsync("jobs", Message("second", deduplicationId: "order-42"));

        Assert.False(original.Duplicate);
        Assert.True(duplicate.Duplicate);
        Assert.Equal(original.MessageId, duplicate.MessageId);
        var m = Assert.Single(await ReceiveAsync("jobs", 10));
        Assert.Equal("first", Text(m));
        Assert.Equal("order-42", m.DeduplicationId);
    }

    [Fact]
    public async Task Publish_DuplicateAfterOriginalWasAcked_StillDuplicate()
    {
        await CreateQueueAsync("jobs");
        var original = await Broker.PublishAsync("jobs", Message("first", deduplicationId: "order-42"));
        await Broker.AckAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!);
        Advance(TimeSpan.FromMinutes(1));

        var duplicate = await Broker.PublishAsync("jobs", Message("again", deduplicationId: "order-42"));

        Assert.True(duplicate.Duplicate);
        Assert.Equal(original.MessageId, duplicate.MessageId);
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Publish_SameIdAfterWindowAndSweep_EnqueuedAsNewMessage()
    {
        await CreateQueueAsync("jobs", new QueueOptions { DeduplicationWindow = TimeSpan.FromMinutes(5) });
        var original = await Broker.PublishAsync("jobs", Message("first", deduplicationId: "order-42"));
        Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await Broker.SweepAsync();

        var later = await Broker.PublishAsync("jobs", Message("second", deduplicationId: "order-42"));

        Assert.False(later.Duplicate);
        Assert.NotEqual(original.MessageId, later.MessageId);
        Assert.Equal(["first", "second"], (await ReceiveAsync("jobs", 10)).Select(Text));
    }

    [Fact]
    public async Task Publish_SameIdAfterWindowWithoutSweep_EnqueuedAsNewMessage()
    {
        await CreateQueueAsync("jobs", new QueueOptions { DeduplicationWindow = TimeSpan.FromMinutes(5) });
        var original = await Broker.PublishAsync("jobs", Message("first", deduplicationId: "order-42"));
        Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var later = await Broker.PublishAsync("jobs", Message("second", deduplicationId: "order-42"));

        Assert.False(later.Duplicate);
        Assert.NotEqual(original.MessageId, later.MessageId);
        Assert.Equal(2, (await PeekAsync("jobs")).Count);
    }

    [Fact]
    public async Task Publish_SameIdWhileWindowOff_EnqueuesBoth()
    {
        await CreateQueueAsync("jobs", new QueueOptions { DeduplicationWindow = TimeSpan.Zero });

        var first = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "same"));
        var second = await Broker.PublishAsync("jobs", Message("b", deduplicationId: "same"));

        Assert.False(second.Duplicate);
        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.Equal(2, (await PeekAsync("jobs")).Count);
    }

    [Fact]
    public async Task PublishBatch_SameIdTwiceInOneBatch_SecondIsDuplicateOfFirst()
    {
        await CreateQueueAsync("jobs");

        var results = await Broker.PublishBatchAsync("jobs",
            [Message("a", deduplicationId: "same"), Message("b", deduplicationId: "other"), Message("c", deduplicationId: "same")]);

        Assert.Equal([false, false, true], results.Select(r => r.Duplicate));
        Assert.Equal(results[0].MessageId, results[2].MessageId);
        Assert.Equal(["a", "b"], (await ReceiveAsync("jobs", 10)).Select(Text));
    }

    [Fact]
    public async Task PublishBatch_DuplicateAndNewMixed_EnqueuesOnlyNew()
    {
        await CreateQueueAsync("jobs");
        var original = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "a"));

        var results = await Broker.PublishBatchAsync("jobs", [Message("a again", deduplicationId: "a"), Message("b", deduplicationId: "b"), Message("no id")]);

        Assert.Equal([true, false, false], results.Select(r => r.Duplicate));
        Assert.Equal(original.MessageId, results[0].MessageId);
        Assert.Equal(["a", "b", "no id"], (await ReceiveAsync("jobs", 10)).Select(Text));
    }

    [Fact]
    public async Task Publish_SameIdOnAnotherQueue_NotADuplicate()
    {
        await CreateQueueAsync("jobs");
        await CreateQueueAsync("other");
        await Broker.PublishAsync("jobs", Message("a", deduplicationId: "same"));

        var result = await Broker.PublishAsync("other", Message("b", deduplicationId: "same"));

        Assert.False(result.Duplicate);
        Assert.Single(await PeekAsync("other"));
    }

    [Fact]
    public async Task Publish_SameIdAfterQueueDeletedAndRecreated_NotADuplicate()
    {
        await CreateQueueAsync("jobs");
        await Broker.PublishAsync("jobs", Message("a", deduplicationId: "same"));
        await Broker.DeleteQueueAsync("jobs");
        await CreateQueueAsync("jobs");

        var result = await Broker.PublishAsync("jobs", Message("b", deduplicationId: "same"));

        Assert.False(result.Duplicate);
        Assert.Equal("b", Text(await ReceiveOneAsync("jobs")));
    }

    [Fact]
    public async Task Publish_DuplicateRejectedByQueueFull_StillReturnsOriginal()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxLength = 1 });
        var original = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "a"));
        await AssertErrorAsync(ErrorCodes.QueueFull, () => Broker.PublishAsync("jobs", Message("b", deduplicationId: "b")).AsTask());

        var retry = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "a"));

        Assert.True(retry.Duplicate);
        Assert.Equal(original.MessageId, retry.MessageId);
    }

    [Fact]
    public async Task Publish_RejectedBatch_DoesNotRememberItsDeduplicationIds()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxMessageSize = 5 });
        await AssertErrorAsync(ErrorCodes.MessageTooLarge,
            () => Broker.PublishBatchAsync("jobs", [Message("a", deduplicationId: "a"), Message("too long", deduplicationId: "b")]).AsTask());

        var retry = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "a"));

        Assert.False(retry.Duplicate);
        Assert.Single(await PeekAsync("jobs"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\tbed")]
    [InlineData("ünïcode")]
    [InlineData("toolong")]
    public async Task Publish_InvalidDeduplicationId_ThrowsInvalidArgument(string id)
    {
        await CreateQueueAsync("jobs");
        id = id == "toolong" ? new string('d', Validation.MaxDeduplicationIdLength + 1) : id;

        await AssertInvalidAsync("message.deduplicationId", () => Broker.PublishAsync("jobs", Message("x", deduplicationId: id)).AsTask());

        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Publish_LongestPrintableDeduplicationId_Accepted()
    {
        await CreateQueueAsync("jobs");
        var id = string.Concat(Enumerable.Range(0, Validation.MaxDeduplicationIdLength).Select(i => (char)('!' + (i % 94))));

        var first = await Broker.PublishAsync("jobs", Message("x", deduplicationId: id));
        var second = await Broker.PublishAsync("jobs", Message("x", deduplicationId: id));

        Assert.True(second.Duplicate);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(id, Assert.Single(await PeekAsync("jobs")).DeduplicationId);
    }
}
