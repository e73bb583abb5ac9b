namespace Sluice.Storage.Conformance;

/// <summary>Fencing tokens, redrive rules and the other behaviours a breaking session found wanting; each test keeps one fixed.</summary>
public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Ack_HandleFromBeforeDeadLetterAndRedrive_IsStaleAndLeavesTheNewLease()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await PublishAsync("jobs", "once");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(1));
        Advance(TimeSpan.FromSeconds(2));
        await AssertNothingToReceiveAsync("jobs"); // the receive moves it to the dead-letter queue
        var fromDlq = await ReceiveOneAsync("dlq", TimeSpan.FromSeconds(1));
        Assert.NotEqual(first.ReceiptHandle, fromDlq.ReceiptHandle);
        Advance(TimeSpan.FromSeconds(2));
        var redrive = await Broker.StartRedriveAsync("dlq");
        await Broker.WaitForRedriveAsync(redrive.Id).AsTask().WaitAsync(RealTimeout);
        var again = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(60));

        Assert.NotEqual(first.ReceiptHandle, again.ReceiptHandle);
        Assert.NotEqual(fromDlq.ReceiptHandle, again.ReceiptHandle);
        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale, () => Broker.AckAsync("jobs", first.ReceiptHandle!).AsTask());
        await AssertErrorAsync(ErrorCodes.MessageNotFound, () => Broker.AckAsync("dlq", fromDlq.ReceiptHandle!).AsTask());
        Assert.Equal(1, (await StatsAsync("jobs")).InFlight);
        await Broker.AckAsync("jobs", again.ReceiptHandle!);
    }

    [Fact]
    public async Task Redrive_MessageLeasedInDeadLetterQueue_StaysWithItsConsumer()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 2);
        var held = await ReceiveOneAsync("dlq", TimeSpan.FromMinutes(5));

        var redrive = await Broker.StartRedriveAsync("dlq");
        var done = await Broker.WaitForRedriveAsync(redrive.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(RedriveState.Completed, done.State);
        Assert.Equal(1, done.Moved);
        Assert.NotNull(done.Error); // says what stayed behind
        Assert.Equal(1, (await StatsAsync("dlq")).InFlight);
        await Broker.AckAsync("dlq", held.ReceiptHandle!);
    }

    [Fact]
    public async Task Redrive_DestinationFull_FailsAndKeepsTheDeadLetters()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 3);
        await CreateQueueAsync("small", new QueueOptions { MaxLength = 1 });

        var redrive = await Broker.StartRedriveAsync("dlq", "small");
        var done = await Broker.WaitForRedriveAsync(redrive.Id).AsTask().WaitAsync(RealTimeout);

        Assert.Equal(RedriveState.Failed, done.State);
        Assert.Equal(1, done.Moved);
        Assert.Equal(1, (await StatsAsync("small")).Ready);
        Assert.Equal(2, (await StatsAsync("dlq")).Ready);
    }

    [Fact]
    public async Task Redrive_FromQueueThatIsNoDeadLetterQueue_Refused()
    {
        await CreateQueueAsync("plain");
        await CreateQueueAsync("other");
        await PublishAsync("plain", "x");

        await AssertInvalidAsync("queue", () => Broker.StartRedriveAsync("plain", "other").AsTask());
        Assert.Equal(1, (await StatsAsync("plain")).Ready);
    }

    [Fact]
    public async Task Redrive_ToQueueOfOtherKind_Refused()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await CreateQueueAsync("other.fifo", new QueueOptions { Fifo = true });

        await AssertInvalidAsync("destination", () => Broker.StartRedriveAsync("dlq", "other.fifo").AsTask());
    }

    [Fact]
    public async Task Ack_FifoLeaseExpired_RefusedAndMessageStays()
    {
        await CreateQueueAsync("f.fifo", new QueueOptions { Fifo = true });
        await Broker.PublishAsync("f.fifo", Message("a", deduplicationId: "a") with { MessageGroupId = "g" });
        var got = await ReceiveOneAsync("f.fifo", TimeSpan.FromSeconds(1));
        Advance(TimeSpan.FromSeconds(2));

        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale, () => Broker.AckAsync("f.fifo", got.ReceiptHandle!).AsTask());
        Assert.Equal("a", Text(await ReceiveOneAsync("f.fifo")));
    }

    [Fact]
    public async Task ExtendLease_Shortened_WakesWaitingReceiverAtTheNewTime()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "x");
        var held = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(60));
        var waiting = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20));

        var timers = Time.TimersCreated;
        await Broker.ExtendLeaseAsync("jobs", held.ReceiptHandle!, TimeSpan.FromSeconds(2));
        // The waiter wakes, finds nothing yet, and re-arms its timer for the new, earlier visible time.
        await WaitUntilAsync(() => Broker.GetWaitingReceiverCount("jobs") == 1 && Time.TimersCreated > timers, "the receiver waits again");
        Advance(TimeSpan.FromSeconds(3));

        var got = Assert.Single(await CompletesAsync(waiting, "the shortened lease ends"));
        Assert.Equal("x", Text(got));
    }

    [Fact]
    public async Task Publish_BatchLargerThanMaxLength_RefusedAsNeverFitting()
    {
        await CreateQueueAsync("small", new QueueOptions { MaxLength = 2, MaxLengthBytes = 10, OverflowPolicy = OverflowPolicy.DropHead });

        var count = await AssertErrorAsync(ErrorCodes.InvalidArgument,
            () => Broker.PublishBatchAsync("small", [Message("a"), Message("b"), Message("c")]).AsTask());
        var bytes = await AssertErrorAsync(ErrorCodes.MessageTooLarge, () => Broker.PublishAsync("small", Message("eleven byte")).AsTask());

        Assert.False(count.IsTransient);
        Assert.False(bytes.IsTransient);
        Assert.Empty(await PeekAsync("small"));
    }

    [Fact]
    public async Task CreateQueue_DeadLetterChainBackToItself_Refused()
    {
        await CreateQueueAsync("a");
        await CreateQueueAsync("b", new QueueOptions { DeadLetterQueue = "a", MaxReceiveCount = 1 });

        await AssertInvalidAsync("deadLetterQueue",
            () => Broker.UpdateQueueAsync("a", new QueueOptions { DeadLetterQueue = "b", MaxReceiveCount = 1 }).AsTask());
        Assert.Null((await Broker.GetQueueAsync("a")).Options.DeadLetterQueue);
    }

    [Fact]
    public async Task DeleteQueue_WhileReceiverWaits_ReceiverGetsQueueNotFound()
    {
        await CreateQueueAsync("gone");
        var waiting = await StartLongPollAsync("gone", TimeSpan.FromSeconds(20));

        await Broker.DeleteQueueAsync("gone");

        var ex = await Assert.ThrowsAsync<SluiceException>(() => CompletesAsync(waiting, "the deleted queue's receiver returns"));
        Assert.Equal(ErrorCodes.QueueNotFound, ex.ErrorCode);
    }
}
