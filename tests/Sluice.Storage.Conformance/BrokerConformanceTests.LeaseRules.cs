namespace Sluice.Storage.Conformance;

/// <summary>
/// Three lease rules SQS clients rely on: a lease ends at most 12 hours after its receive; a receive attempt id cannot
/// be retried once a client changed one of its messages; a receipt handle works only on the queue that issued it.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    private static readonly TimeSpan TwelveHours = TimeSpan.FromHours(12);

    [Fact]
    public async Task ExtendLease_PastTwelveHoursAfterReceive_ThrowsInvalidArgumentAndKeepsTheLease()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(60));
        var receivedAt = Now;
        Advance(TimeSpan.FromSeconds(2));

        var ex = await AssertErrorAsync(ErrorCodes.InvalidArgument,
            () => Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TwelveHours).AsTask());

        Assert.Equal("visibilityTimeout", ex.Field);
        Assert.Contains("43200", ex.Message, StringComparison.Ordinal);
        Assert.Contains("43198", ex.Message, StringComparison.Ordinal);
        Assert.Equal(m.VisibleAt, Assert.Single(await PeekAsync("jobs")).VisibleAt);
        var until = await Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TwelveHours - TimeSpan.FromSeconds(2));
        Assert.Equal(receivedAt + TwelveHours, until);
    }

    [Fact]
    public async Task ExtendLease_HeartbeatsPastTwelveHours_RefusedUntilTheNextReceiveRestartsTheClock()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishAsync("orders.fifo", FifoMessage("a", "g"));
        var first = Assert.Single(await ReceiveAsync("orders.fifo", 1, TimeSpan.FromHours(2)));
        for (var hour = 1; hour <= 10; hour++)
        {
            Advance(TimeSpan.FromHours(1));
            await Broker.ExtendLeaseAsync("orders.fifo", first.ReceiptHandle!, TimeSpan.FromHours(2));
        }

        Advance(TimeSpan.FromHours(1));
        await AssertInvalidAsync("visibilityTimeout",
            () => Broker.ExtendLeaseAsync("orders.fifo", first.ReceiptHandle!, TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1)).AsTask());
        await Broker.ExtendLeaseAsync("orders.fifo", first.ReceiptHandle!, TimeSpan.FromHours(1));

        Advance(TimeSpan.FromHours(1));
        var second = Assert.Single(await ReceiveAsync("orders.fifo", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(Now + TwelveHours, await Broker.ExtendLeaseAsync("orders.fifo", second.ReceiptHandle!, TwelveHours));
    }

    [Fact]
    public async Task Receive_RetriedAttempt_RestartsTheTwelveHourClock()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishAsync("orders.fifo", FifoMessage("a", "g"));
        var options = new ReceiveOptions { ReceiveRequestAttemptId = "attempt-1", VisibilityTimeout = TimeSpan.FromMinutes(10) };
        await Broker.ReceiveAsync("orders.fifo", options);
        Advance(TimeSpan.FromMinutes(4));

        var retry = Assert.Single(await Broker.ReceiveAsync("orders.fifo", options with { VisibilityTimeout = TwelveHours }));

        Assert.Equal(Now + TwelveHours, retry.VisibleAt);
        Assert.Equal(Now + TwelveHours, await Broker.ExtendLeaseAsync("orders.fifo", retry.ReceiptHandle!, TwelveHours));
    }

    public enum LeaseChange
    {
        Ack,
        AckBatch,
        Nack,
        Extend,
    }

    [Theory]
    [InlineData(LeaseChange.Ack)]
    [InlineData(LeaseChange.AckBatch)]
    [InlineData(LeaseChange.Nack)]
    [InlineData(LeaseChange.Extend)]
    public async Task Receive_AttemptRetriedAfterAClientChangedOneOfItsMessages_ThrowsInvalidArgument(LeaseChange change)
    {
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("b1", "b"), FifoMessage("c1", "c")]);
        var options = new ReceiveOptions { MaxMessages = 2, ReceiveRequestAttemptId = "attempt-1", VisibilityTimeout = TimeSpan.FromSeconds(30) };
        var first = await Broker.ReceiveAsync("orders.fifo", options);
        var handle = first[0].ReceiptHandle!;
        switch (change)
        {
            case LeaseChange.Ack: await Broker.AckAsync("orders.fifo", handle); break;
            case LeaseChange.AckBatch: await Broker.AckBatchAsync("orders.fifo", [handle]); break;
            case LeaseChange.Nack: await Broker.NackAsync("orders.fifo", handle); break;
            default: await Broker.ExtendLeaseAsync("orders.fifo", handle, TimeSpan.FromSeconds(20)); break;
        }

        var before = await PeekAsync("orders.fifo");
        Advance(TimeSpan.FromSeconds(1));

        var ex = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.ReceiveAsync("orders.fifo", options).AsTask());

        Assert.Equal("receiveRequestAttemptId", ex.Field);
        Assert.Contains("attempt-1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before.Select(m => (m.SequenceNumber, m.VisibleAt, m.ReceiveCount)),
            (await PeekAsync("orders.fifo")).Select(m => (m.SequenceNumber, m.VisibleAt, m.ReceiveCount)));
        Assert.Contains("c1", (await Broker.ReceiveAsync("orders.fifo", options with { ReceiveRequestAttemptId = "attempt-2" })).Select(Text));
    }

    [Fact]
    public async Task Receive_AttemptRetriedAfterItsLeaseEndedOnItsOwn_IsAFreshReceive()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishAsync("orders.fifo", FifoMessage("a1", "a"));
        var options = new ReceiveOptions { ReceiveRequestAttemptId = "attempt-1", VisibilityTimeout = TimeSpan.FromSeconds(30) };
        var first = Assert.Single(await Broker.ReceiveAsync("orders.fifo", options));
        Advance(TimeSpan.FromSeconds(31));

        var retry = Assert.Single(await Broker.ReceiveAsync("orders.fifo", options));

        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.NotEqual(first.ReceiptHandle, retry.ReceiptHandle);
        Assert.Equal(2, retry.ReceiveCount);
    }

    [Fact]
    public async Task EveryHandleOperation_HandleFromAnotherQueue_ThrowsReceiptHandleInvalidAndChangesNothing()
    {
        await CreateQueueAsync("a");
        await CreateQueueAsync("b");
        await PublishAsync("a", "from a");
        await PublishAsync("b", "from b");
        var fromA = await ReceiveOneAsync("a", TimeSpan.FromSeconds(30));
        var fromB = await ReceiveOneAsync("b", TimeSpan.FromSeconds(30));
        var handle = fromA.ReceiptHandle!;

        var ack = await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("b", handle).AsTask());
        var batch = Assert.Single(await Broker.AckBatchAsync("b", [handle]));
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.NackAsync("b", handle).AsTask());
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.ExtendLeaseAsync("b", handle, TimeSpan.Zero).AsTask());

        Assert.Equal("receiptHandle", ack.Field);
        Assert.Contains("'b'", ack.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, batch.ErrorCode);
        Assert.Equal((MessageState.InFlight, fromA.VisibleAt), Single(await PeekAsync("a")));
        Assert.Equal((MessageState.InFlight, fromB.VisibleAt), Single(await PeekAsync("b")));
        await Broker.AckAsync("a", handle);
        await Broker.AckAsync("b", fromB.ReceiptHandle!);

        static (MessageState, DateTimeOffset) Single(IReadOnlyList<QueueMessage> messages) =>
            Assert.Single(messages) is var m ? (m.State, m.VisibleAt) : default;
    }

    [Fact]
    public async Task Ack_HandleFromADeletedQueueOfTheSameName_ThrowsReceiptHandleInvalid()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "old");
        var old = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));
        await Broker.DeleteQueueAsync("jobs");
        Advance(TimeSpan.FromSeconds(1));
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "new");
        await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("jobs", old.ReceiptHandle!).AsTask());

        Assert.Equal("new", Text(Assert.Single(await PeekAsync("jobs"))));
    }

    [Fact]
    public async Task Ack_HandlesAcrossADeadLetterMove_EachWorksOnlyOnItsOwnQueue()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await PublishAsync("jobs", "poison");
        var inSource = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));
        await Broker.NackAsync("jobs", inSource.ReceiptHandle!);
        var inDeadLetters = await ReceiveOneAsync("dlq", TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("dlq", inSource.ReceiptHandle!).AsTask());
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("jobs", inDeadLetters.ReceiptHandle!).AsTask());
        await AssertErrorAsync(ErrorCodes.MessageNotFound, () => Broker.AckAsync("jobs", inSource.ReceiptHandle!).AsTask());

        await Broker.AckAsync("dlq", inDeadLetters.ReceiptHandle!);
        Assert.Empty(await PeekAsync("dlq"));
    }
}
