namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Ack_ReceivedMessage_DeletesItForGood()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));

        await Broker.AckAsync("jobs", m.ReceiptHandle!);

        Assert.Empty(await PeekAsync("jobs"));
        Advance(TimeSpan.FromMinutes(10));
        await AssertNothingToReceiveAsync("jobs");
        var stats = await StatsAsync("jobs");
        Assert.Equal((0, 0, 0, 0), (stats.Ready, stats.InFlight, stats.Delayed, stats.Bytes));
        Assert.Null(stats.OldestAge);
    }

    [Fact]
    public async Task AckBatch_MixedHandles_ReportsEachEntryInOrder()
    {
        await CreateQueueAsync("jobs");
        await Broker.PublishBatchAsync("jobs", [Message("a"), Message("b"), Message("c")]);
        var received = await ReceiveAsync("jobs", 3);
        await Broker.AckAsync("jobs", received[2].ReceiptHandle!);

        var results = await Broker.AckBatchAsync("jobs", [received[0].ReceiptHandle!, "not-a-handle", received[1].ReceiptHandle!, received[2].ReceiptHandle!]);

        Assert.Equal(4, results.Count);
        Assert.True(results[0].Succeeded);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, results[1].ErrorCode);
        Assert.False(string.IsNullOrEmpty(results[1].ErrorMessage));
        Assert.True(results[2].Succeeded);
        Assert.Equal(ErrorCodes.MessageNotFound, results[3].ErrorCode);
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Ack_StaleHandle_ThrowsReceiptHandleStaleAndLeavesMessageLeased()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(5));
        var second = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale, () => Broker.AckAsync("jobs", first.ReceiptHandle!).AsTask());

        var peeked = Assert.Single(await PeekAsync("jobs"));
        Assert.Equal(MessageState.InFlight, peeked.State);
        Assert.Equal(2, peeked.ReceiveCount);
        Assert.Equal(second.VisibleAt, peeked.VisibleAt);
        await AssertNothingToReceiveAsync("jobs");
        await Broker.AckAsync("jobs", second.ReceiptHandle!);
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Ack_LeaseExpiredButNotReceivedAgain_Succeeds()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "slow consumer");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(30));

        await Broker.AckAsync("jobs", m.ReceiptHandle!);

        Assert.Empty(await PeekAsync("jobs"));
        await AssertNothingToReceiveAsync("jobs");
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("!!!!!!!!!!!!!!!!")]
    [InlineData("AAAAAAAAAAAAAAAA")]
    public async Task Ack_MalformedHandle_ThrowsReceiptHandleInvalid(string handle)
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        await ReceiveOneAsync("jobs");

        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("jobs", handle).AsTask());

        Assert.Equal(1, (await StatsAsync("jobs")).InFlight);
    }

    [Fact]
    public async Task Ack_HandleOfAnotherQueue_FailsAndLeavesBothQueuesUntouched()
    {
        await CreateQueueAsync("jobs");
        await CreateQueueAsync("other");
        await PublishAsync("jobs", "a");
        await PublishAsync("other", "b");
        var fromJobs = await ReceiveOneAsync("jobs");
        await ReceiveOneAsync("other");

        var result = Assert.Single(await Broker.AckBatchAsync("other", [fromJobs.ReceiptHandle!]));

        Assert.False(result.Succeeded);
        Assert.Contains(result.ErrorCode, new[] { ErrorCodes.ReceiptHandleInvalid, ErrorCodes.MessageNotFound });
        Assert.Equal(1, (await StatsAsync("jobs")).InFlight);
        Assert.Equal(1, (await StatsAsync("other")).InFlight);
        await Broker.AckAsync("jobs", fromJobs.ReceiptHandle!);
    }

    [Fact]
    public async Task Ack_AlreadyAcked_ThrowsMessageNotFound()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");
        await Broker.AckAsync("jobs", m.ReceiptHandle!);

        await AssertErrorAsync(ErrorCodes.MessageNotFound, () => Broker.AckAsync("jobs", m.ReceiptHandle!).AsTask());
    }

    [Fact]
    public async Task Nack_WithDelayAndError_VisibleAgainAfterTheDelay()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(5));

        await Broker.NackAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(10), "db timeout");

        await AssertNothingToReceiveAsync("jobs");
        var stats = await StatsAsync("jobs");
        Assert.Equal((0, 0, 1), (stats.Ready, stats.InFlight, stats.Delayed));
        var peeked = Assert.Single(await PeekAsync("jobs"));
        Assert.Equal(MessageState.Delayed, peeked.State);
        Assert.Equal(Now + TimeSpan.FromSeconds(10), peeked.VisibleAt);
        Advance(TimeSpan.FromSeconds(9));
        await AssertNothingToReceiveAsync("jobs");
        Advance(TimeSpan.FromSeconds(1));
        var again = await ReceiveOneAsync("jobs");
        Assert.Equal(m.MessageId, again.MessageId);
        Assert.Equal(2, again.ReceiveCount);
        Assert.Equal(StartTime, again.FirstReceivedAt);
    }

    [Fact]
    public async Task Nack_WithoutDelay_VisibleAtOnce()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");

        await Broker.NackAsync("jobs", m.ReceiptHandle!);

        var again = await ReceiveOneAsync("jobs");
        Assert.Equal(m.MessageId, again.MessageId);
        Assert.Equal(2, again.ReceiveCount);
    }

    [Fact]
    public async Task Nack_WakesALongPollingReceiver()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");
        var receive = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20));

        await Broker.NackAsync("jobs", m.ReceiptHandle!);

        Assert.Equal(m.MessageId, Assert.Single(await CompletesAsync(receive, "the waiting receive gets the nacked message")).MessageId);
    }

    [Fact]
    public async Task Nack_Twice_ThrowsMessageNotInFlight()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");
        await Broker.NackAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.MessageNotInFlight, () => Broker.NackAsync("jobs", m.ReceiptHandle!).AsTask());

        Assert.Equal(1, (await StatsAsync("jobs")).Delayed);
    }

    [Fact]
    public async Task Nack_StaleHandle_ThrowsReceiptHandleStale()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(5));
        var second = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale, () => Broker.NackAsync("jobs", first.ReceiptHandle!).AsTask());

        Assert.Equal(1, (await StatsAsync("jobs")).InFlight);
        await Broker.AckAsync("jobs", second.ReceiptHandle!);
    }

    [Fact]
    public async Task Nack_AckedMessage_ThrowsMessageNotFound()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");
        await Broker.AckAsync("jobs", m.ReceiptHandle!);

        await AssertErrorAsync(ErrorCodes.MessageNotFound, () => Broker.NackAsync("jobs", m.ReceiptHandle!).AsTask());
    }

    [Fact]
    public async Task Nack_InvalidArguments_ThrowInvalidArgument()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");

        await AssertInvalidAsync("delay", () => Broker.NackAsync("jobs", m.ReceiptHandle!, TimeSpan.FromHours(13)).AsTask());
        await AssertInvalidAsync("error", () => Broker.NackAsync("jobs", m.ReceiptHandle!, null, new string('e', 4097)).AsTask());
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.NackAsync("jobs", "garbage").AsTask());

        Assert.Equal(1, (await StatsAsync("jobs")).InFlight);
    }

    [Fact]
    public async Task ExtendLease_Heartbeat_KeepsMessageInvisiblePastOriginalTimeout()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "long job");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(10));
        Advance(TimeSpan.FromSeconds(8));

        var until = await Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(10));

        Assert.Equal(Now + TimeSpan.FromSeconds(10), until);
        Advance(TimeSpan.FromSeconds(5));
        await AssertNothingToReceiveAsync("jobs");
        Assert.Equal(until, Assert.Single(await PeekAsync("jobs")).VisibleAt);
        Advance(TimeSpan.FromSeconds(4));
        await AssertNothingToReceiveAsync("jobs");
        await Broker.AckAsync("jobs", m.ReceiptHandle!);
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task ExtendLease_RepeatedHeartbeats_KeepTheSameHandleValid()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "long job");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(10));

        for (var i = 0; i < 5; i++)
        {
            Advance(TimeSpan.FromSeconds(9));
            await Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(10));
            await AssertNothingToReceiveAsync("jobs");
        }

        await Broker.AckAsync("jobs", m.ReceiptHandle!);
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task ExtendLease_StaleHandle_ThrowsReceiptHandleStaleAndKeepsNewLease()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));
        Advance(TimeSpan.FromSeconds(5));
        var second = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale,
            () => Broker.ExtendLeaseAsync("jobs", first.ReceiptHandle!, TimeSpan.FromMinutes(10)).AsTask());

        Assert.Equal(second.VisibleAt, Assert.Single(await PeekAsync("jobs")).VisibleAt);
    }

    [Fact]
    public async Task ExtendLease_Zero_ReleasesTheMessageAtOnce()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(5));

        var until = await Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.Zero);

        Assert.Equal(Now, until);
        var again = await ReceiveOneAsync("jobs");
        Assert.Equal(m.MessageId, again.MessageId);
        Assert.Equal(2, again.ReceiveCount);
    }

    [Fact]
    public async Task ExtendLease_AfterNack_ThrowsMessageNotInFlight()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");
        await Broker.NackAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(30));

        await AssertErrorAsync(ErrorCodes.MessageNotInFlight,
            () => Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(30)).AsTask());
    }

    [Fact]
    public async Task ExtendLease_AckedMessage_ThrowsMessageNotFound()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");
        await Broker.AckAsync("jobs", m.ReceiptHandle!);

        await AssertErrorAsync(ErrorCodes.MessageNotFound,
            () => Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromSeconds(30)).AsTask());
    }

    [Fact]
    public async Task ExtendLease_OutOfRange_ThrowsInvalidArgument()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");

        await AssertInvalidAsync("visibilityTimeout",
            () => Broker.ExtendLeaseAsync("jobs", m.ReceiptHandle!, TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1)).AsTask());
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid,
            () => Broker.ExtendLeaseAsync("jobs", "garbage", TimeSpan.FromSeconds(1)).AsTask());
    }
}
