namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Receive_MoreRequestedThanReady_ReturnsUpToMax()
    {
        await CreateQueueAsync("jobs");
        await Broker.PublishBatchAsync("jobs", [.. Enumerable.Range(0, 5).Select(i => Message($"m{i}"))]);

        var first = await ReceiveAsync("jobs", 3);
        var second = await ReceiveAsync("jobs", 3);

        Assert.Equal(["m0", "m1", "m2"], first.Select(Text));
        Assert.Equal(["m3", "m4"], second.Select(Text));
        await AssertNothingToReceiveAsync("jobs");
    }

    [Fact]
    public async Task Receive_EmptyQueue_ReturnsEmptyAtOnce()
    {
        await CreateQueueAsync("jobs");

        Assert.Empty(await ReceiveAsync("jobs", 10));
    }

    [Fact]
    public async Task Receive_FirstTime_LeasesForQueueVisibilityTimeout()
    {
        await CreateQueueAsync("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(20) });
        await PublishAsync("jobs", "a");
        Advance(TimeSpan.FromSeconds(3));

        var m = await ReceiveOneAsync("jobs");

        Assert.Equal(1, m.ReceiveCount);
        Assert.Equal(Now, m.FirstReceivedAt);
        Assert.Equal(Now + TimeSpan.FromSeconds(20), m.VisibleAt);
        Assert.Equal(MessageState.InFlight, m.State);
        Assert.False(string.IsNullOrEmpty(m.ReceiptHandle));
        Advance(TimeSpan.FromSeconds(19));
        await AssertNothingToReceiveAsync("jobs");
        var stats = await StatsAsync("jobs");
        Assert.Equal((0, 1), (stats.Ready, stats.InFlight));
    }

    [Fact]
    public async Task Receive_ExplicitVisibilityTimeout_OverridesQueueDefault()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");

        var m = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(5));

        Assert.Equal(Now + TimeSpan.FromSeconds(5), m.VisibleAt);
        Advance(TimeSpan.FromSeconds(4));
        await AssertNothingToReceiveAsync("jobs");
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(m.MessageId, (await ReceiveOneAsync("jobs")).MessageId);
    }

    [Fact]
    public async Task Receive_LeaseExpired_VisibleAgainWithCountTwoAndFirstReceiveTimeKept()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(10));
        var firstReceivedAt = Now;
        Advance(TimeSpan.FromSeconds(10));

        var second = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(10));

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal("a", Text(second));
        Assert.Equal(2, second.ReceiveCount);
        Assert.Equal(firstReceivedAt, second.FirstReceivedAt);
        Assert.Equal(StartTime, second.SentAt);
        Assert.NotEqual(first.ReceiptHandle, second.ReceiptHandle);
    }

    [Fact]
    public async Task Receive_ExpiredLeaseOfOlderMessage_DeliveredBeforeNewerMessages()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "old");
        await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(10));
        Advance(TimeSpan.FromSeconds(5));
        await PublishAsync("jobs", "new");
        Advance(TimeSpan.FromSeconds(10));

        var received = await ReceiveAsync("jobs", 10);

        Assert.Equal(2, received.Count);
        Assert.Contains(received, m => Text(m) == "old" && m.ReceiveCount == 2);
        Assert.Contains(received, m => Text(m) == "new" && m.ReceiveCount == 1);
    }

    [Fact]
    public async Task Receive_OptionsOutOfRange_ThrowsInvalidArgument()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");

        await AssertInvalidAsync("maxMessages", () => Broker.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = 0 }).AsTask());
        await AssertInvalidAsync("maxMessages",
            () => Broker.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = Broker.Options.MaxBatchSize + 1 }).AsTask());
        await AssertInvalidAsync("visibilityTimeout",
            () => Broker.ReceiveAsync("jobs", new ReceiveOptions { VisibilityTimeout = TimeSpan.FromHours(13) }).AsTask());
        await AssertInvalidAsync("waitTime",
            () => Broker.ReceiveAsync("jobs", new ReceiveOptions { WaitTime = Broker.Options.MaxWaitTime + TimeSpan.FromSeconds(1) }).AsTask());

        Assert.Equal(1, (await ReceiveOneAsync("jobs")).ReceiveCount);
    }

    [Fact]
    public async Task ReceiveLongPoll_MessagePublishedWhileWaiting_ReturnsItAtOnce()
    {
        await CreateQueueAsync("jobs");
        var receive = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20));

        var id = await PublishAsync("jobs", "wake up");

        var m = Assert.Single(await CompletesAsync(receive, "the waiting receive returns the published message"));
        Assert.Equal(id, m.MessageId);
        Assert.Equal(1, m.ReceiveCount);
        Assert.Equal(StartTime, Now);
        Assert.Equal(0, Broker.GetWaitingReceiverCount("jobs"));
    }

    [Fact]
    public async Task ReceiveLongPoll_MessageAlreadyReady_ReturnsWithoutWaiting()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "ready");

        var received = await Broker.ReceiveAsync("jobs", new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }).AsTask()
            .WaitAsync(RealTimeout);

        Assert.Equal("ready", Text(Assert.Single(received)));
    }

    [Fact]
    public async Task ReceiveLongPoll_NothingArrives_ReturnsEmptyAtTheDeadline()
    {
        await CreateQueueAsync("jobs");
        var receive = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(5));

        Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(await CompletesAsync(receive, "the waiting receive returns empty at its deadline"));
        Assert.Equal(0, Broker.GetWaitingReceiverCount("jobs"));
    }

    [Fact]
    public async Task ReceiveLongPoll_DelayedMessageBecomesVisible_ReturnsIt()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "delayed", delay: TimeSpan.FromSeconds(3));
        var receive = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20));

        Advance(TimeSpan.FromSeconds(3));

        var m = Assert.Single(await CompletesAsync(receive, "the waiting receive wakes when the delayed message becomes visible"));
        Assert.Equal("delayed", Text(m));
    }

    [Fact]
    public async Task ReceiveLongPoll_LeaseExpires_ReturnsTheMessageAgain()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "leased");
        await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(3));
        var receive = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20));

        Advance(TimeSpan.FromSeconds(3));

        var m = Assert.Single(await CompletesAsync(receive, "the waiting receive wakes when the lease expires"));
        Assert.Equal("leased", Text(m));
        Assert.Equal(2, m.ReceiveCount);
    }

    [Fact]
    public async Task ReceiveLongPoll_ThreeWaitersThreeMessages_EachWaiterGetsOneInArrivalOrder()
    {
        await CreateQueueAsync("jobs");
        var waiters = new List<Task<IReadOnlyList<QueueMessage>>>();
        for (var i = 0; i < 3; i++)
        {
            waiters.Add(await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20)));
        }

        for (var i = 0; i < 3; i++)
        {
            await PublishAsync("jobs", $"m{i}");
            var m = Assert.Single(await CompletesAsync(waiters[i], $"waiter {i} receives message {i}"));
            Assert.Equal($"m{i}", Text(m));
        }

        Assert.All(waiters, w => Assert.Single(w.Result));
        Assert.Equal(0, Broker.GetWaitingReceiverCount("jobs"));
        Assert.Equal(3, (await StatsAsync("jobs")).InFlight);
    }

    [Fact]
    public async Task ReceiveLongPoll_Cancelled_ThrowsAndLeasesNothing()
    {
        await CreateQueueAsync("jobs");
        using var cts = new CancellationTokenSource();
        var receive = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20), cancellationToken: cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(RealTimeout));
        Assert.Equal(0, Broker.GetWaitingReceiverCount("jobs"));
        await PublishAsync("jobs", "after cancel");
        var m = await ReceiveOneAsync("jobs");
        Assert.Equal(1, m.ReceiveCount);
    }

    [Fact]
    public async Task ReceiveLongPoll_OneWaiterCancelled_NextWaiterStillServed()
    {
        await CreateQueueAsync("jobs");
        using var cts = new CancellationTokenSource();
        var cancelled = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20), cancellationToken: cts.Token);
        var served = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(RealTimeout));

        await PublishAsync("jobs", "for the survivor");

        Assert.Equal("for the survivor", Text(Assert.Single(await CompletesAsync(served, "the remaining waiter is served"))));
    }
}
