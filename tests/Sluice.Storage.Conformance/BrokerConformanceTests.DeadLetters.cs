using System.Text;

namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    /// <summary>Creates <c>dlq</c> and <c>jobs</c> (dead-lettering into <c>dlq</c> after <paramref name="maxReceiveCount"/> receives).</summary>
    protected async Task CreateQueueWithDeadLettersAsync(int maxReceiveCount, string name = "jobs", string deadLetterQueue = "dlq")
    {
        if (await Broker.FindQueueAsync(deadLetterQueue) is null)
        {
            await CreateQueueAsync(deadLetterQueue);
        }

        await CreateQueueAsync(name, new QueueOptions { DeadLetterQueue = deadLetterQueue, MaxReceiveCount = maxReceiveCount });
    }

    /// <summary>Publishes <paramref name="count"/> messages to a queue with max receive count 1 and nacks each, so each is dead-lettered.</summary>
    protected async Task DeadLetterAsync(string queue, int count, string prefix = "m")
    {
        await Broker.PublishBatchAsync(queue, [.. Enumerable.Range(0, count).Select(i => Message($"{prefix}{i:D2}"))]);
        foreach (var m in await ReceiveAsync(queue, count))
        {
            await Broker.NackAsync(queue, m.ReceiptHandle!, null, "failed");
        }
    }

    [Fact]
    public async Task Receive_MaxReceiveCountReachedByExpiry_MovesMessageToDeadLetterQueue()
    {
        await CreateQueueWithDeadLettersAsync(2);
        var attributes = new Dictionary<string, MessageAttributeValue> { ["kind"] = MessageAttributeValue.FromString("invoice") };
        var id = (await Broker.PublishAsync("jobs", new OutgoingMessage(Encoding.UTF8.GetBytes("poison")) { Attributes = attributes, Priority = 3 })).MessageId;
        Advance(TimeSpan.FromSeconds(1));
        await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(10));
        Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(10))).ReceiveCount);
        Advance(TimeSpan.FromSeconds(10));

        await AssertNothingToReceiveAsync("jobs");

        Assert.Empty(await PeekAsync("jobs"));
        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal(id, dead.MessageId);
        Assert.Equal("poison", Text(dead));
        Assert.Equal(attributes["kind"], dead.Attributes["kind"]);
        Assert.Equal(StartTime, dead.SentAt);
        Assert.Equal(MessageState.Ready, dead.State);
        Assert.Equal(0, dead.ReceiveCount);
        Assert.NotNull(dead.DeadLetter);
        Assert.Equal("jobs", dead.DeadLetter.SourceQueue);
        Assert.Equal(DeadLetterInfo.MaxReceiveCountReason, dead.DeadLetter.Reason);
        Assert.Equal(2, dead.DeadLetter.Attempts);
        Assert.Null(dead.DeadLetter.LastError);
        Assert.Equal(Now, dead.DeadLetter.DeadLetteredAt);
        Assert.Equal(1, (await StatsAsync("jobs")).DeadLettered);
        Assert.Equal(1, (await StatsAsync("dlq")).Ready);
    }

    [Fact]
    public async Task Nack_MaxReceiveCountReached_MovesMessageAtOnceWithLastError()
    {
        await CreateQueueWithDeadLettersAsync(2);
        var id = await PublishAsync("jobs", "poison");
        await Broker.NackAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!, null, "first failure");
        var second = await ReceiveOneAsync("jobs");
        Advance(TimeSpan.FromSeconds(2));

        await Broker.NackAsync("jobs", second.ReceiptHandle!, TimeSpan.FromMinutes(1), "second failure");

        Assert.Empty(await PeekAsync("jobs"));
        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal(id, dead.MessageId);
        Assert.Equal(MessageState.Ready, dead.State);
        Assert.Equal("jobs", dead.DeadLetter!.SourceQueue);
        Assert.Equal(DeadLetterInfo.MaxReceiveCountReason, dead.DeadLetter.Reason);
        Assert.Equal(2, dead.DeadLetter.Attempts);
        Assert.Equal("second failure", dead.DeadLetter.LastError);
        Assert.Equal(Now, dead.DeadLetter.DeadLetteredAt);
        Assert.Equal(1, (await StatsAsync("jobs")).DeadLettered);
    }

    [Fact]
    public async Task Receive_NackedThenExpired_DeadLetterKeepsLastNackError()
    {
        await CreateQueueWithDeadLettersAsync(2);
        await PublishAsync("jobs", "poison");
        await Broker.NackAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!, null, "boom");
        await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(5));

        await AssertNothingToReceiveAsync("jobs");

        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal("boom", dead.DeadLetter!.LastError);
        Assert.Equal(2, dead.DeadLetter.Attempts);
    }

    [Fact]
    public async Task Receive_BelowMaxReceiveCount_KeepsDelivering()
    {
        await CreateQueueWithDeadLettersAsync(3);
        await PublishAsync("jobs", "retry me");

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(1));
            Assert.Equal(attempt, m.ReceiveCount);
            Advance(TimeSpan.FromSeconds(1));
        }

        await AssertNothingToReceiveAsync("jobs");
        Assert.Single(await PeekAsync("dlq"));
    }

    [Fact]
    public async Task Receive_DeadLetterCandidateAhead_DeliversTheNextGoodMessage()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await PublishAsync("jobs", "poison");
        await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(1));
        Advance(TimeSpan.FromSeconds(2));
        await PublishAsync("jobs", "good");

        var m = await ReceiveOneAsync("jobs");

        Assert.Equal("good", Text(m));
        Assert.Equal("poison", Text(Assert.Single(await PeekAsync("dlq"))));
    }

    [Fact]
    public async Task DeadLetterQueue_Message_CanBeReceivedAndAcked()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 1);

        var m = await ReceiveOneAsync("dlq");

        Assert.Equal(1, m.ReceiveCount);
        Assert.Equal("jobs", m.DeadLetter!.SourceQueue);
        await Broker.AckAsync("dlq", m.ReceiptHandle!);
        Assert.Empty(await PeekAsync("dlq"));
        Assert.Equal(0, (await StatsAsync("jobs")).DeadLettered);
    }

    [Fact]
    public async Task DeadLetterQueue_SharedByTwoQueues_StatsCountEachSource()
    {
        await CreateQueueWithDeadLettersAsync(1, "orders");
        await CreateQueueWithDeadLettersAsync(1, "emails");

        await DeadLetterAsync("orders", 2);
        await DeadLetterAsync("emails", 3);

        Assert.Equal(2, (await StatsAsync("orders")).DeadLettered);
        Assert.Equal(3, (await StatsAsync("emails")).DeadLettered);
        Assert.Equal(5, (await StatsAsync("dlq")).Ready);
    }

    [Fact]
    public async Task DeadLetter_MoveIntoFullDeadLetterQueue_IgnoresItsMaxLength()
    {
        await CreateQueueAsync("dlq", new QueueOptions { MaxLength = 1 });
        await CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });

        await DeadLetterAsync("jobs", 3);

        Assert.Equal(3, (await PeekAsync("dlq")).Count);
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Redrive_ToSourceQueue_MessagesReadyWithReceiveCountReset()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 3);

        var started = await Broker.StartRedriveAsync("dlq");
        var done = await Broker.WaitForRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(RedriveState.Completed, done.State);
        Assert.Equal(3, done.Moved);
        Assert.Equal(3, done.Total);
        Assert.Equal("dlq", done.DeadLetterQueue);
        Assert.Null(done.Destination);
        Assert.Empty(await PeekAsync("dlq"));
        var back = await PeekAsync("jobs");
        Assert.Equal(3, back.Count);
        Assert.All(back, m =>
        {
            Assert.Equal(MessageState.Ready, m.State);
            Assert.Equal(0, m.ReceiveCount);
            Assert.Null(m.DeadLetter);
        });
        var received = await ReceiveAsync("jobs", 10);
        Assert.Equal(["m00", "m01", "m02"], received.Select(Text).Order(StringComparer.Ordinal));
        Assert.All(received, m => Assert.Equal(1, m.ReceiveCount));
        Assert.Equal(0, (await StatsAsync("jobs")).DeadLettered);
    }

    [Fact]
    public async Task Redrive_ToSourceQueues_EachMessageReturnsWhereItCameFrom()
    {
        await CreateQueueWithDeadLettersAsync(1, "orders");
        await CreateQueueWithDeadLettersAsync(1, "emails");
        await DeadLetterAsync("orders", 2, "order");
        await DeadLetterAsync("emails", 1, "email");

        var started = await Broker.StartRedriveAsync("dlq");
        await Broker.WaitForRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(["order00", "order01"], (await PeekAsync("orders")).Select(Text).Order(StringComparer.Ordinal));
        Assert.Equal(["email00"], (await PeekAsync("emails")).Select(Text));
        Assert.Empty(await PeekAsync("dlq"));
    }

    [Fact]
    public async Task Redrive_ToAnotherQueue_MovesMessagesThere()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("retry");
        await DeadLetterAsync("jobs", 4);

        var started = await Broker.StartRedriveAsync("dlq", "retry");
        var done = await Broker.WaitForRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(RedriveState.Completed, done.State);
        Assert.Equal("retry", done.Destination);
        Assert.Equal(4, done.Moved);
        Assert.Empty(await PeekAsync("dlq"));
        Assert.Empty(await PeekAsync("jobs"));
        var moved = await PeekAsync("retry");
        Assert.Equal(4, moved.Count);
        Assert.All(moved, m => Assert.True(m.State == MessageState.Ready && m.ReceiveCount == 0 && m.DeadLetter is null));
    }

    [Fact]
    public async Task Redrive_RateLimited_MovesAtMostMaxPerSecondOfFakeTime()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 25);

        var started = await Broker.StartRedriveAsync("dlq", maxPerSecond: 10);

        Assert.Equal(25, started.Total);
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.Moved == 10, "the first 10 messages are moved");
        Assert.Equal(RedriveState.Running, (await Broker.GetRedriveAsync(started.Id)).State);
        Assert.Equal(15, (await StatsAsync("dlq")).Ready);
        Assert.Equal(10, (await StatsAsync("jobs")).Ready);
        Advance(TimeSpan.FromSeconds(1));
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.Moved == 20, "20 messages are moved after one second");
        Assert.Equal(RedriveState.Running, (await Broker.GetRedriveAsync(started.Id)).State);
        Advance(TimeSpan.FromSeconds(1));
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.State != RedriveState.Running, "the redrive completes");
        var done = await Broker.GetRedriveAsync(started.Id);
        Assert.Equal(RedriveState.Completed, done.State);
        Assert.Equal(25, done.Moved);
        Assert.NotNull(done.FinishedAt);
        Assert.Empty(await PeekAsync("dlq"));
        Assert.Equal(25, (await StatsAsync("jobs")).Ready);
    }

    [Fact]
    public async Task Redrive_Cancelled_MovedStayMovedAndRestRemain()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 25);
        var started = await Broker.StartRedriveAsync("dlq", maxPerSecond: 10);
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.Moved == 10, "the first 10 messages are moved");

        var cancelled = await Broker.CancelRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(RedriveState.Cancelled, cancelled.State);
        Assert.Equal(10, cancelled.Moved);
        Assert.Equal(RedriveState.Cancelled, (await Broker.GetRedriveAsync(started.Id)).State);
        Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(10, (await StatsAsync("jobs")).Ready);
        Assert.Equal(15, (await StatsAsync("dlq")).Ready);
        Assert.All(await PeekAsync("dlq"), m => Assert.Equal("jobs", m.DeadLetter!.SourceQueue));
    }

    [Fact]
    public async Task Redrive_EmptyDeadLetterQueue_CompletesWithNothingMoved()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("src", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });

        var started = await Broker.StartRedriveAsync("dlq");
        var done = await Broker.WaitForRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(RedriveState.Completed, done.State);
        Assert.Equal(0, done.Moved);
    }

    [Fact]
    public async Task Redrive_Listed_NewestFirst()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("src", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });
        var first = await Broker.StartRedriveAsync("dlq");
        await Broker.WaitForRedriveAsync(first.Id).AsTask().WaitAsync(RealTimeout); // one running redrive per queue
        Advance(TimeSpan.FromSeconds(1));
        var second = await Broker.StartRedriveAsync("dlq");

        Assert.Equal([second.Id, first.Id], (await Broker.ListRedrivesAsync()).Select(r => r.Id));
        await Broker.WaitForRedriveAsync(second.Id).AsTask().WaitAsync(RealTimeout);
    }

    [Fact]
    public async Task Redrive_UnknownId_ThrowsRedriveNotFound()
    {
        await AssertErrorAsync(ErrorCodes.RedriveNotFound, () => Broker.GetRedriveAsync("nope").AsTask());
        await AssertErrorAsync(ErrorCodes.RedriveNotFound, () => Broker.CancelRedriveAsync("nope").AsTask());
    }

    [Fact]
    public async Task Redrive_BadArguments_Refused()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("src", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });

        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.StartRedriveAsync("dlq", "missing").AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidQueueName, () => Broker.StartRedriveAsync("dlq", "bad name").AsTask());
        await AssertInvalidAsync("maxPerSecond", () => Broker.StartRedriveAsync("dlq", maxPerSecond: 0).AsTask());
        Assert.Empty(await Broker.ListRedrivesAsync());
    }
}
