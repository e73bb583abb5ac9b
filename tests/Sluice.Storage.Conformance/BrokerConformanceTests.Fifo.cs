using System.Text;

namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    /// <summary>A FIFO message: a group and a deduplication id (the body unless given).</summary>
    protected static OutgoingMessage FifoMessage(string body, string group, string? deduplicationId = null) =>
        new(Encoding.UTF8.GetBytes(body)) { MessageGroupId = group, DeduplicationId = deduplicationId ?? body };

    /// <summary>Creates the FIFO queue <c>orders.fifo</c>.</summary>
    protected async Task CreateFifoQueueAsync(QueueOptions? options = null) =>
        await CreateQueueAsync("orders.fifo", (options ?? new QueueOptions()) with { Fifo = true });

    [Fact]
    public async Task CreateQueue_FifoWithEveryFifoOption_RoundTrips()
    {
        await CreateQueueAsync("dead.fifo", new QueueOptions { Fifo = true });
        var options = new QueueOptions
        {
            Fifo = true,
            ContentBasedDeduplication = true,
            DeduplicationScope = DeduplicationScope.MessageGroup,
            DeadLetterQueue = "dead.fifo",
            MaxReceiveCount = 3,
        };

        var created = await CreateQueueAsync("orders.fifo", options);

        Assert.Equal(options, created.Options);
        Assert.Equal(options, (await Broker.GetQueueAsync("orders.fifo")).Options);
    }

    [Fact]
    public async Task CreateQueue_KindAndNameDisagree_ThrowsInvalidArgument()
    {
        await AssertInvalidAsync("fifo", () => CreateQueueAsync("orders", new QueueOptions { Fifo = true }));
        await AssertInvalidAsync("fifo", () => CreateQueueAsync("orders.fifo"));
        await AssertInvalidAsync("contentBasedDeduplication", () => CreateQueueAsync("orders", new QueueOptions { ContentBasedDeduplication = true }));

        Assert.Empty(await Broker.ListQueuesAsync());
    }

    [Fact]
    public async Task CreateQueue_DeadLetterQueueOfOtherKind_ThrowsInvalidArgument()
    {
        await CreateQueueAsync("dlq");

        await AssertInvalidAsync("deadLetterQueue",
            () => CreateQueueAsync("orders.fifo", new QueueOptions { Fifo = true, DeadLetterQueue = "dlq", MaxReceiveCount = 2 }));
    }

    [Fact]
    public async Task UpdateQueue_ChangeKind_ThrowsInvalidArgument()
    {
        await CreateFifoQueueAsync();

        await AssertInvalidAsync("fifo", () => Broker.UpdateQueueAsync("orders.fifo", new QueueOptions()).AsTask());

        Assert.True((await Broker.GetQueueAsync("orders.fifo")).Options.Fifo);
    }

    [Fact]
    public async Task Publish_FifoMessageBreakingFifoRules_ThrowsInvalidArgument()
    {
        await CreateFifoQueueAsync();

        await AssertInvalidAsync("message.messageGroupId",
            () => Broker.PublishAsync("orders.fifo", new OutgoingMessage(new byte[1]) { DeduplicationId = "d" }).AsTask());
        await AssertInvalidAsync("message.deduplicationId",
            () => Broker.PublishAsync("orders.fifo", new OutgoingMessage(new byte[1]) { MessageGroupId = "g" }).AsTask());
        await AssertInvalidAsync("message.priority",
            () => Broker.PublishAsync("orders.fifo", FifoMessage("x", "g") with { Priority = 1 }).AsTask());
        await AssertInvalidAsync("message.delay",
            () => Broker.PublishAsync("orders.fifo", FifoMessage("x", "g") with { Delay = TimeSpan.FromSeconds(1) }).AsTask());
        await AssertInvalidAsync("message.messageGroupId",
            () => Broker.PublishAsync("orders.fifo", FifoMessage("x", "bad group")).AsTask());

        Assert.Empty(await PeekAsync("orders.fifo"));
    }

    [Fact]
    public async Task Receive_FifoGroupWithMessageInFlight_LaterMessagesOfThatGroupWait()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a"), FifoMessage("b1", "b")]);

        var a1 = await ReceiveOneAsync("orders.fifo");
        var others = await ReceiveAsync("orders.fifo", 10);
        await Broker.PublishAsync("orders.fifo", FifoMessage("a3", "a"));
        var whileBlocked = await ReceiveAsync("orders.fifo", 10);
        await Broker.AckAsync("orders.fifo", a1.ReceiptHandle!);
        var rest = await ReceiveAsync("orders.fifo", 10);

        Assert.Equal("a1", Text(a1));
        Assert.Equal("a", a1.MessageGroupId);
        Assert.Equal(["b1"], others.Select(Text));
        Assert.Empty(whileBlocked);
        Assert.Equal(["a2", "a3"], rest.Select(Text));
    }

    [Fact]
    public async Task Receive_FifoOneGroup_ReturnsConsecutiveMessagesInPublishOrder()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [.. Enumerable.Range(0, 5).Select(i => FifoMessage($"m{i}", "g"))]);

        var first = await ReceiveAsync("orders.fifo", 3);

        Assert.Equal(["m0", "m1", "m2"], first.Select(Text));
        Assert.Empty(await ReceiveAsync("orders.fifo", 10));
        await Broker.AckBatchAsync("orders.fifo", [.. first.Select(m => m.ReceiptHandle!)]);
        Assert.Equal(["m3", "m4"], (await ReceiveAsync("orders.fifo", 10)).Select(Text));
    }

    [Fact]
    public async Task Receive_FifoLeaseExpires_SameMessageRedeliveredBeforeLaterOnes()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a")]);
        await ReceiveOneAsync("orders.fifo", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(5));

        var again = await ReceiveOneAsync("orders.fifo");

        Assert.Equal("a1", Text(again));
        Assert.Equal(2, again.ReceiveCount);
    }

    [Fact]
    public async Task ExtendLease_Fifo_KeepsTheGroupBlocked()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a")]);
        var a1 = await ReceiveOneAsync("orders.fifo", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(4));

        await Broker.ExtendLeaseAsync("orders.fifo", a1.ReceiptHandle!, TimeSpan.FromSeconds(30));
        Advance(TimeSpan.FromSeconds(10));

        await AssertNothingToReceiveAsync("orders.fifo");
        await Broker.AckAsync("orders.fifo", a1.ReceiptHandle!);
        Assert.Equal("a2", Text(await ReceiveOneAsync("orders.fifo")));
    }

    [Fact]
    public async Task Nack_FifoWithDelay_GroupWaitsAndNackedMessageComesFirst()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a"), FifoMessage("b1", "b")]);
        var a1 = await ReceiveOneAsync("orders.fifo");

        await Broker.NackAsync("orders.fifo", a1.ReceiptHandle!, TimeSpan.FromSeconds(10), "retry later");

        Assert.Equal(["b1"], (await ReceiveAsync("orders.fifo", 10)).Select(Text));
        Advance(TimeSpan.FromSeconds(10));
        var next = await ReceiveAsync("orders.fifo", 10);
        Assert.Equal(["a1", "a2"], next.Select(Text));
        Assert.Equal(2, next[0].ReceiveCount);
    }

    [Fact]
    public async Task Nack_FifoMaxReceiveCountReached_DeadLettersAndUnblocksTheGroup()
    {
        await CreateQueueAsync("dead.fifo", new QueueOptions { Fifo = true });
        await CreateFifoQueueAsync(new QueueOptions { DeadLetterQueue = "dead.fifo", MaxReceiveCount = 1 });
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a")]);

        await Broker.NackAsync("orders.fifo", (await ReceiveOneAsync("orders.fifo")).ReceiptHandle!, null, "poison");

        Assert.Equal("a2", Text(await ReceiveOneAsync("orders.fifo")));
        var dead = Assert.Single(await PeekAsync("dead.fifo"));
        Assert.Equal("a1", Text(dead));
        Assert.Equal("a", dead.MessageGroupId);
        Assert.Equal("poison", dead.DeadLetter!.LastError);
    }

    [Fact]
    public async Task ReceiveLongPoll_FifoGroupUnblockedByAck_WakesTheWaiter()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a")]);
        var a1 = await ReceiveOneAsync("orders.fifo", TimeSpan.FromSeconds(30));
        var receive = await StartLongPollAsync("orders.fifo", TimeSpan.FromSeconds(20));

        Advance(TimeSpan.FromSeconds(20));

        Assert.Empty(await CompletesAsync(receive, "the waiting receive returns empty while the group is blocked"));
        await Broker.AckAsync("orders.fifo", a1.ReceiptHandle!);
        Assert.Equal("a2", Text(await ReceiveOneAsync("orders.fifo")));
    }

    [Fact]
    public async Task Publish_FifoContentBasedDeduplication_SameBodyIsDuplicate()
    {
        await CreateFifoQueueAsync(new QueueOptions { ContentBasedDeduplication = true });
        var body = Encoding.UTF8.GetBytes("same body");

        var one = await Broker.PublishAsync("orders.fifo", new OutgoingMessage(body) { MessageGroupId = "g" });
        var two = await Broker.PublishAsync("orders.fifo", new OutgoingMessage(body) { MessageGroupId = "g" });
        var other = await Broker.PublishAsync("orders.fifo", new OutgoingMessage(Encoding.UTF8.GetBytes("other body")) { MessageGroupId = "g" });

        Assert.True(two.Duplicate);
        Assert.Equal(one.MessageId, two.MessageId);
        Assert.False(other.Duplicate);
        Assert.Equal(2, (await PeekAsync("orders.fifo")).Count);
    }

    [Fact]
    public async Task Publish_DeduplicationScopeMessageGroup_SameIdInAnotherGroupIsNew()
    {
        await CreateFifoQueueAsync(new QueueOptions { DeduplicationScope = DeduplicationScope.MessageGroup });

        var a = await Broker.PublishAsync("orders.fifo", FifoMessage("x", "a", "id-1"));
        var b = await Broker.PublishAsync("orders.fifo", FifoMessage("y", "b", "id-1"));
        var aAgain = await Broker.PublishAsync("orders.fifo", FifoMessage("z", "a", "id-1"));

        Assert.False(b.Duplicate);
        Assert.NotEqual(a.MessageId, b.MessageId);
        Assert.True(aAgain.Duplicate);
        Assert.Equal(a.MessageId, aAgain.MessageId);
        Assert.Equal(2, (await PeekAsync("orders.fifo")).Count);
    }

    [Fact]
    public async Task Publish_DeduplicationScopeQueue_SameIdInAnotherGroupIsDuplicate()
    {
        await CreateFifoQueueAsync();

        var a = await Broker.PublishAsync("orders.fifo", FifoMessage("x", "a", "id-1"));
        var b = await Broker.PublishAsync("orders.fifo", FifoMessage("y", "b", "id-1"));

        Assert.True(b.Duplicate);
        Assert.Equal(a.MessageId, b.MessageId);
    }

    [Fact]
    public async Task Publish_SequenceNumbers_StrictlyIncreasingAndKeptOnDuplicateAndMove()
    {
        await CreateQueueWithDeadLettersAsync(1);
        var results = new List<PublishResult>();
        results.AddRange(await Broker.PublishBatchAsync("jobs", [Message("a", deduplicationId: "a"), Message("b")]));
        await CreateQueueAsync("other");
        await PublishAsync("other", "elsewhere");
        results.Add(await Broker.PublishAsync("jobs", Message("c")));
        var duplicate = await Broker.PublishAsync("jobs", Message("a again", deduplicationId: "a"));

        Assert.True(results[0].SequenceNumber > 0);
        Assert.True(results[0].SequenceNumber < results[1].SequenceNumber && results[1].SequenceNumber < results[2].SequenceNumber);
        Assert.Equal(results[0].SequenceNumber, duplicate.SequenceNumber);
        var received = await ReceiveAsync("jobs", 10);
        Assert.Equal(results.Select(r => r.SequenceNumber), received.Select(m => m.SequenceNumber));
        await Broker.NackAsync("jobs", received[0].ReceiptHandle!);
        Assert.Equal(results[0].SequenceNumber, Assert.Single(await PeekAsync("dlq")).SequenceNumber);
    }

    [Fact]
    public async Task Receive_RetriedWithSameAttemptId_ReturnsSameMessagesAndHandles()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("b1", "b")]);
        var options = new ReceiveOptions { MaxMessages = 10, ReceiveRequestAttemptId = "attempt-1", VisibilityTimeout = TimeSpan.FromSeconds(30) };
        var first = await Broker.ReceiveAsync("orders.fifo", options);
        Advance(TimeSpan.FromSeconds(10));

        var retry = await Broker.ReceiveAsync("orders.fifo", options);

        Assert.Equal(first.Select(m => m.ReceiptHandle), retry.Select(m => m.ReceiptHandle));
        Assert.All(retry, m => Assert.Equal(Now + TimeSpan.FromSeconds(30), m.VisibleAt));
        Assert.All(await PeekAsync("orders.fifo"), m => Assert.Equal(1, m.ReceiveCount));
        await Broker.AckBatchAsync("orders.fifo", [.. retry.Select(m => m.ReceiptHandle!)]);
        Assert.Empty(await PeekAsync("orders.fifo"));
    }

    [Fact]
    public async Task Receive_QueueDefaultWaitTime_LongPollsWhenTheRequestNamesNone()
    {
        await CreateQueueAsync("jobs", new QueueOptions { ReceiveWaitTime = TimeSpan.FromSeconds(5) });
        var receive = await StartLongPollAsync("jobs", null);

        await PublishAsync("jobs", "arrived");

        Assert.Equal("arrived", Text(Assert.Single(await CompletesAsync(receive, "the default long poll returns the message"))));
    }
}
