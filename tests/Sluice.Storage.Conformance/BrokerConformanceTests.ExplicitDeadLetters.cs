namespace Sluice.Storage.Conformance;

/// <summary>A consumer dead-letters a message at once (<see cref="Broker.DeadLetterAsync"/>), and reads a message's last error on receive and peek.</summary>
public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task DeadLetter_LeasedMessage_MovesAtOnceWithReasonAttemptsAndError()
    {
        await CreateQueueWithDeadLettersAsync(10);
        var id = await PublishAsync("jobs", "poison");
        await Broker.NackAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!, null, "first");
        var second = await ReceiveOneAsync("jobs");
        Advance(TimeSpan.FromSeconds(3));

        await Broker.DeadLetterAsync("jobs", second.ReceiptHandle!, "not retryable");

        Assert.Empty(await PeekAsync("jobs"));
        var dead = Assert.Single(await PeekAsync("dlq"));
        Assert.Equal(id, dead.MessageId);
        Assert.Equal(MessageState.Ready, dead.State);
        Assert.Equal("jobs", dead.DeadLetter!.SourceQueue);
        Assert.Equal(DeadLetterInfo.RejectedReason, dead.DeadLetter.Reason);
        Assert.Equal(2, dead.DeadLetter.Attempts);
        Assert.Equal("not retryable", dead.DeadLetter.LastError);
        Assert.Equal(Now, dead.DeadLetter.DeadLetteredAt);
        Assert.Equal(1, (await StatsAsync("jobs")).DeadLettered);
    }

    [Fact]
    public async Task DeadLetter_WithoutError_KeepsTheLastNackError()
    {
        await CreateQueueWithDeadLettersAsync(10);
        await PublishAsync("jobs", "poison");
        await Broker.NackAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!, null, "earlier failure");

        await Broker.DeadLetterAsync("jobs", (await ReceiveOneAsync("jobs")).ReceiptHandle!);

        Assert.Equal("earlier failure", Assert.Single(await PeekAsync("dlq")).DeadLetter!.LastError);
    }

    [Fact]
    public async Task DeadLetter_QueueWithoutDeadLetterQueue_RefusedAndMessageStaysLeased()
    {
        await CreateQueueAsync("plain");
        await PublishAsync("plain", "m");
        var leased = await ReceiveOneAsync("plain");

        await AssertInvalidAsync("queue", () => Broker.DeadLetterAsync("plain", leased.ReceiptHandle!, "x").AsTask());

        var stays = Assert.Single(await PeekAsync("plain"));
        Assert.Equal(MessageState.InFlight, stays.State);
        await Broker.AckAsync("plain", leased.ReceiptHandle!);
    }

    [Fact]
    public async Task DeadLetter_HandleOfEarlierDelivery_IsStaleAndMessageStaysWithNewConsumer()
    {
        await CreateQueueWithDeadLettersAsync(10);
        await PublishAsync("jobs", "m");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(6));
        var second = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale, () => Broker.DeadLetterAsync("jobs", first.ReceiptHandle!, "late").AsTask());

        Assert.Empty(await PeekAsync("dlq"));
        Assert.Equal(MessageState.InFlight, Assert.Single(await PeekAsync("jobs")).State);
        await Broker.AckAsync("jobs", second.ReceiptHandle!);
    }

    [Fact]
    public async Task DeadLetter_ErrorTooLong_RefusedAndNothingChanges()
    {
        await CreateQueueWithDeadLettersAsync(10);
        await PublishAsync("jobs", "m");
        var leased = await ReceiveOneAsync("jobs");

        await AssertInvalidAsync("error", () => Broker.DeadLetterAsync("jobs", leased.ReceiptHandle!, new string('e', 4097)).AsTask());

        Assert.Empty(await PeekAsync("dlq"));
        Assert.Equal(MessageState.InFlight, Assert.Single(await PeekAsync("jobs")).State);
    }

    [Fact]
    public async Task Receive_AfterNackWithError_CarriesLastErrorOnReceiveAndPeek()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "m");
        var first = await ReceiveOneAsync("jobs");
        Assert.Null(first.LastError);

        await Broker.NackAsync("jobs", first.ReceiptHandle!, TimeSpan.FromSeconds(10), "attempt 1 failed");

        Assert.Equal("attempt 1 failed", Assert.Single(await PeekAsync("jobs")).LastError);
        Advance(TimeSpan.FromSeconds(10));
        var redelivered = await ReceiveOneAsync("jobs");
        Assert.Equal("attempt 1 failed", redelivered.LastError);

        // A nack without an error keeps the last one.
        await Broker.NackAsync("jobs", redelivered.ReceiptHandle!);
        Assert.Equal("attempt 1 failed", (await ReceiveOneAsync("jobs")).LastError);
    }
}
