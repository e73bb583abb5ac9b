using System.Text;

namespace Sluice.Storage.Conformance;

public abstract partial class DurableBrokerConformanceTests
{
    [Fact]
    public async Task Restart_QueuesAndOptions_Survive()
    {
        await CreateQueueAsync("dlq");
        var jobs = await CreateQueueAsync("jobs", FullOptions);
        Advance(TimeSpan.FromMinutes(1));
        await CreateQueueAsync("alpha");

        await RestartAsync();

        Assert.Equal(["alpha", "dlq", "jobs"], (await Broker.ListQueuesAsync()).Select(q => q.Name));
        Assert.Equal(jobs, await Broker.GetQueueAsync("jobs"));
        Assert.Equal(jobs, await CreateQueueAsync("jobs", FullOptions));
        await AssertErrorAsync(ErrorCodes.QueueAlreadyExists, () => CreateQueueAsync("jobs", new QueueOptions()));
    }

    [Fact]
    public async Task Restart_ReadyMessages_SurviveWithBodyAttributesAndOrder()
    {
        await CreateQueueAsync("jobs");
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["s"] = MessageAttributeValue.FromString("text"),
            ["n"] = MessageAttributeValue.FromNumber("3.14"),
            ["b"] = MessageAttributeValue.FromBinary(new byte[] { 0, 255 }),
        };
        var body = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var low = await PublishAsync("jobs", "low-1", 1);
        var high = (await Broker.PublishAsync("jobs", new OutgoingMessage(body) { Attributes = attributes, Priority = 7 })).MessageId;
        var low2 = await PublishAsync("jobs", "low-2", 1);

        await RestartAsync();

        var received = await ReceiveAsync("jobs", 10);
        Assert.Equal([high, low, low2], received.Select(m => m.MessageId));
        Assert.Equal(body, received[0].Body.ToArray());
        Assert.Equal(7, received[0].Priority);
        Assert.Equal(StartTime, received[0].SentAt);
        foreach (var (name, value) in attributes)
        {
            Assert.Equal(value, received[0].Attributes[name]);
        }

        Assert.Equal("low-2", Text(received[2]));
    }

    [Fact]
    public async Task Restart_NewPublishes_OrderedAfterMessagesFromBefore()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "before-1");
        await PublishAsync("jobs", "before-2");

        await RestartAsync();
        await PublishAsync("jobs", "after-1");
        await RestartAsync();
        await PublishAsync("jobs", "after-2");

        Assert.Equal(["before-1", "before-2", "after-1", "after-2"], (await ReceiveAsync("jobs", 10)).Select(Text));
    }

    [Fact]
    public async Task Restart_DelayedMessage_StaysDelayedUntilDue()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "later", delay: TimeSpan.FromMinutes(10));
        Advance(TimeSpan.FromMinutes(4));

        await RestartAsync();

        await AssertNothingToReceiveAsync("jobs");
        Assert.Equal(1, (await StatsAsync("jobs")).Delayed);
        Advance(TimeSpan.FromMinutes(6) - TimeSpan.FromSeconds(1));
        await AssertNothingToReceiveAsync("jobs");
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("later", Text(await ReceiveOneAsync("jobs")));
    }

    [Fact]
    public async Task Restart_InFlightLease_KeepsRemainingTimeAndHandleStillAcks()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "leased");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));
        Advance(TimeSpan.FromSeconds(10));

        await RestartAsync();

        await AssertNothingToReceiveAsync("jobs");
        var peeked = Assert.Single(await PeekAsync("jobs"));
        Assert.Equal(MessageState.InFlight, peeked.State);
        Assert.Equal(m.VisibleAt, peeked.VisibleAt);
        Advance(TimeSpan.FromSeconds(19));
        await AssertNothingToReceiveAsync("jobs");
        var until = await Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(30));
        Assert.Equal(Now + TimeSpan.FromSeconds(30), until);
        await Broker.AckAsync("jobs", m.ReceiptHandle!);
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Restart_InFlightLease_KeepsItsReceiveTimeForTheTwelveHourLimit()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "leased");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(60));
        var receivedAt = Now;
        Advance(TimeSpan.FromSeconds(2));

        await RestartAsync();

        await AssertInvalidAsync("visibilityTimeout", () => Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromHours(12)).AsTask());
        var until = await Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromHours(12) - TimeSpan.FromSeconds(2));
        Assert.Equal(receivedAt + TimeSpan.FromHours(12), until);
    }

    [Fact]
    public async Task Restart_ReceiptHandles_StayBoundToTheirQueue()
    {
        await CreateQueueAsync("a");
        await CreateQueueAsync("b");
        await PublishAsync("a", "leased");
        var m = await ReceiveOneAsync("a", TimeSpan.FromSeconds(60));

        await RestartAsync();

        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("b", m.ReceiptHandle!).AsTask());
        await Broker.AckAsync("a", m.ReceiptHandle!);
        Assert.Empty(await PeekAsync("a"));
    }

    [Fact]
    public async Task Restart_InFlightLease_ExpiresOnScheduleWithReceiveCountKept()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "leased");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));

        await RestartAsync();
        Advance(TimeSpan.FromSeconds(30));

        var again = await ReceiveOneAsync("jobs");
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(2, again.ReceiveCount);
        Assert.Equal(StartTime, again.FirstReceivedAt);
        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale, () => Broker.AckAsync("jobs", first.ReceiptHandle!).AsTask());
        await Broker.AckAsync("jobs", again.ReceiptHandle!);
    }

    [Fact]
    public async Task Restart_NackedMessage_KeepsDelayAndLastErrorForDeadLettering()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 2 });
        await PublishAsync("jobs", "flaky");
        await Broker.NackAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!, TimeSpan.FromSeconds(30), "first failure");

        await RestartAsync();

        await AssertNothingToReceiveAsync("jobs");
        Advance(TimeSpan.FromSeconds(30));
        var second = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));
        Assert.Equal(2, second.ReceiveCount);
        await RestartAsync();
        Advance(TimeSpan.FromSeconds(5));
        await AssertNothingToReceiveAsync("jobs");
        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal("first failure", dead.DeadLetter!.LastError);
        Assert.Equal(2, dead.DeadLetter.Attempts);
    }

    [Fact]
    public async Task Restart_DeadLetters_KeepTheirInfo()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });
        var id = (await Broker.PublishAsync("jobs", new OutgoingMessage(Encoding.UTF8.GetBytes("poison")))).MessageId;
        Advance(TimeSpan.FromSeconds(1));
        await Broker.NackAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!, null, "cannot parse");
        var deadLetteredAt = Now;

        await RestartAsync();

        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal(id, dead.MessageId);
        Assert.Equal("poison", Text(dead));
        Assert.Equal(StartTime, dead.SentAt);
        Assert.Equal(new DeadLetterInfo("jobs", DeadLetterInfo.MaxReceiveCountReason, 1, "cannot parse", deadLetteredAt), dead.DeadLetter);
        Assert.Equal(1, (await StatsAsync("jobs")).DeadLettered);
        var redrive = await Broker.StartRedriveAsync("dlq");
        await Broker.WaitForRedriveAsync(redrive.Id).AsTask().WaitAsync(RealTimeout);
        Assert.Equal("poison", Text(await ReceiveOneAsync("jobs")));
    }

    [Fact]
    public async Task Restart_DeduplicationIds_StillDeduplicateWithinWindow()
    {
        await CreateQueueAsync("jobs");
        var original = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "order-1"));
        var acked = await Broker.PublishAsync("jobs", Message("b", deduplicationId: "order-2"));
        var received = await ReceiveAsync("jobs", 2);
        await Broker.AckAsync("jobs", received.Single(m => m.MessageId == acked.MessageId).ReceiptHandle!);

        await RestartAsync();
        Advance(TimeSpan.FromMinutes(4));

        var dup1 = await Broker.PublishAsync("jobs", Message("a", deduplicationId: "order-1"));
        var dup2 = await Broker.PublishAsync("jobs", Message("b", deduplicationId: "order-2"));
        Assert.True(dup1.Duplicate);
        Assert.Equal(original.MessageId, dup1.MessageId);
        Assert.True(dup2.Duplicate);
        Assert.Equal(acked.MessageId, dup2.MessageId);
        Assert.Single(await PeekAsync("jobs"));
        Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.False((await Broker.PublishAsync("jobs", Message("a", deduplicationId: "order-1"))).Duplicate);
    }

    [Fact]
    public async Task Restart_AckedAndPurgedMessages_NeverComeBack()
    {
        await CreateQueueAsync("jobs");
        await CreateQueueAsync("other");
        await PublishAsync("jobs", "acked");
        await PublishAsync("other", "purged");
        await Broker.AckAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!);
        await Broker.PurgeAsync("other");
        await CreateQueueAsync("gone");
        await PublishAsync("gone", "deleted");
        await Broker.DeleteQueueAsync("gone");

        await RestartAsync();
        Advance(TimeSpan.FromHours(1));

        await AssertNothingToReceiveAsync("jobs");
        await AssertNothingToReceiveAsync("other");
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.GetQueueAsync("gone").AsTask());
    }

    [Fact]
    public async Task Restart_StatsAndRetention_Survive()
    {
        await CreateQueueAsync("jobs", new QueueOptions { RetentionPeriod = TimeSpan.FromMinutes(10) });
        await PublishAsync("jobs", "12345");
        await PublishAsync("jobs", "678", delay: TimeSpan.FromMinutes(1));
        Advance(TimeSpan.FromMinutes(2));

        await RestartAsync();

        var stats = await StatsAsync("jobs");
        Assert.Equal((2, 0, 0, 8), (stats.Ready, stats.InFlight, stats.Delayed, stats.Bytes));
        Assert.Equal(TimeSpan.FromMinutes(2), stats.OldestAge);
        Advance(TimeSpan.FromMinutes(8) + TimeSpan.FromSeconds(1));
        Assert.Equal(2, await Broker.SweepAsync());
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Restart_FifoGroupWithMessageInFlight_StaysBlockedAndKeepsOrder()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a"), FifoMessage("b1", "b")]);
        var a1 = await ReceiveOneAsync("orders.fifo", TimeSpan.FromMinutes(1));

        await RestartAsync();

        Assert.Equal(["b1"], (await ReceiveAsync("orders.fifo", 10)).Select(Text));
        await Broker.PublishAsync("orders.fifo", FifoMessage("a3", "a"));
        await AssertNothingToReceiveAsync("orders.fifo");
        await Broker.AckAsync("orders.fifo", a1.ReceiptHandle!);
        var rest = await ReceiveAsync("orders.fifo", 10);
        Assert.Equal(["a2", "a3"], rest.Select(Text));
        Assert.Equal("a", rest[0].MessageGroupId);
        Assert.True(rest[0].SequenceNumber < rest[1].SequenceNumber);
    }

    [Fact]
    public async Task Restart_SequenceNumbers_KeepIncreasingAndDuplicatesReportTheOriginal()
    {
        await CreateQueueAsync("jobs");
        var before = await Broker.PublishAsync("jobs", Message("before", deduplicationId: "d1"));

        await RestartAsync();
        var after = await Broker.PublishAsync("jobs", Message("after"));
        var duplicate = await Broker.PublishAsync("jobs", Message("before again", deduplicationId: "d1"));

        Assert.True(after.SequenceNumber > before.SequenceNumber);
        Assert.True(duplicate.Duplicate);
        Assert.Equal(before.SequenceNumber, duplicate.SequenceNumber);
        Assert.Equal([before.SequenceNumber, after.SequenceNumber], (await PeekAsync("jobs")).Select(m => m.SequenceNumber));
    }

    [Fact]
    public async Task Restart_AttemptRetriedAfterTheRestart_ReturnsSameMessagesAndHandles()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("b1", "b")]);
        var options = new ReceiveOptions { MaxMessages = 10, ReceiveRequestAttemptId = "attempt-1", VisibilityTimeout = TimeSpan.FromSeconds(30) };
        var first = await Broker.ReceiveAsync("orders.fifo", options);

        await RestartAsync();
        Advance(TimeSpan.FromSeconds(10));
        var retry = await Broker.ReceiveAsync("orders.fifo", options);

        Assert.Equal(first.Select(m => (m.MessageId, m.ReceiptHandle, Text(m))), retry.Select(m => (m.MessageId, m.ReceiptHandle, Text(m))));
        Assert.All(retry, m => Assert.Equal(Now + TimeSpan.FromSeconds(30), m.VisibleAt));
        await Broker.AckAsync("orders.fifo", retry[0].ReceiptHandle!);

        await RestartAsync();
        await AssertInvalidAsync("receiveRequestAttemptId", () => Broker.ReceiveAsync("orders.fifo", options).AsTask());
    }
}
