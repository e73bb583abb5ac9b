namespace Sluice.Storage.Conformance;

/// <summary>
/// Two brokers over one store's data (the two-broker fixture: <see cref="BrokerConformanceTests.StartPeerAsync"/>), as
/// cluster nodes share one database: redrive tasks are shared, one runs per dead-letter queue across both, any broker
/// follows and cancels any task and resumes one whose broker stopped; one broker sweeps per interval.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    /// <summary>Event ids of the broker's maintenance decisions (Sluice.Core's log table).</summary>
    private const int MaintenanceHeldEvent = 1202, MaintenanceSkippedEvent = 1203;

    [Fact]
    public async Task Redrive_TwoBrokers_SameQueueRunsOnceAndBothSeeTheTask()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 5);
        var peer = await StartPeerAsync();

        var started = await Broker.StartRedriveAsync("dlq", maxPerSecond: 1);
        var refused = await AssertErrorAsync(ErrorCodes.RedriveInProgress, () => peer.StartRedriveAsync("dlq").AsTask());
        var seen = await WaitUntilRedriveAsync(peer, started.Id, r => r.Moved == 1, "the peer sees the first message moved");
        var listed = await peer.ListRedrivesAsync();

        Assert.Contains(started.Id, refused.Message, StringComparison.Ordinal);
        Assert.Equal(RedriveState.Running, seen.State);
        Assert.Equal(5, seen.Total);
        Assert.Equal([started.Id], listed.Select(r => r.Id));
        await Broker.CancelRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);
    }

    [Fact]
    public async Task Redrive_TwoBrokersStartingAtOnce_OneRunsAndTheOtherIsRefused()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 5);
        var peer = await StartPeerAsync();

        var attempts = new[] { Broker.StartRedriveAsync("dlq", maxPerSecond: 1).AsTask(), peer.StartRedriveAsync("dlq", maxPerSecond: 1).AsTask() };
        await Task.WhenAll(attempts).ContinueWith(_ => { }, TaskScheduler.Default);
        var running = await Broker.ListRedrivesAsync();

        var started = await Assert.Single(attempts, a => a.IsCompletedSuccessfully);
        var refused = Assert.IsType<SluiceException>(Assert.Single(attempts, a => a.IsFaulted).Exception!.InnerException);
        Assert.Equal(ErrorCodes.RedriveInProgress, refused.ErrorCode);
        Assert.Equal([started.Id], running.Select(r => r.Id));
        var runner = attempts[0].IsCompletedSuccessfully ? Broker : peer;
        await runner.CancelRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);
    }

    [Fact]
    public async Task Redrive_CancelledFromAnotherBroker_StopsOnTheRunnerAndFreesTheQueue()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 10);
        var peer = await StartPeerAsync();
        var started = await Broker.StartRedriveAsync("dlq", maxPerSecond: 2);
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.Moved == 2, "the first 2 messages are moved");

        var cancel = peer.CancelRedriveAsync(started.Id).AsTask();
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.CancelRequested, "the cancel request is stored");
        await AdvanceUntilAsync(() => Task.FromResult(cancel.IsCompleted), TimeSpan.FromMilliseconds(100), "the peer's cancel returns");
        var answered = await cancel;
        await AdvanceUntilAsync(async () => (await Broker.GetRedriveAsync(started.Id)).State != RedriveState.Running, TimeSpan.FromMilliseconds(100),
            "the runner stops the task");
        var stopped = await peer.GetRedriveAsync(started.Id);
        var moved = (await StatsAsync("jobs")).Ready;
        Advance(TimeSpan.FromSeconds(10));
        var left = (await StatsAsync("dlq")).Ready;
        var again = await peer.StartRedriveAsync("dlq", maxPerSecond: 1);

        Assert.True(answered.State == RedriveState.Cancelled || answered.CancelRequested, $"the cancel answered {answered}");
        Assert.Equal(RedriveState.Cancelled, stopped.State);
        Assert.False(stopped.CancelRequested);
        Assert.NotNull(stopped.FinishedAt);
        Assert.Equal(stopped.Moved, moved);
        Assert.InRange(moved, 2, 4);
        Assert.Equal(10 - moved, left);
        Assert.Equal(RedriveState.Running, again.State);
        await peer.CancelRedriveAsync(again.Id).AsTask().WaitAsync(RealTimeout);
    }

    [Fact]
    public async Task Redrive_RunnerStopped_AnotherBrokerResumesAfterTheLeaseWithoutLossOrDuplicates()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 6);
        var peer = await StartPeerAsync();
        var started = await peer.StartRedriveAsync("dlq", maxPerSecond: 2);
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.Moved == 2, "the first 2 messages are moved");

        await peer.DisposeAsync(); // the runner goes away: its task stays running in the store until its lease expires
        var orphaned = await Broker.GetRedriveAsync(started.Id);
        Advance(TimeSpan.FromHours(1)); // past the lease, to the broker's next sweep interval, where it looks for orphans
        await AdvanceUntilAsync(async () => (await Broker.GetRedriveAsync(started.Id)).State != RedriveState.Running, TimeSpan.FromSeconds(1),
            "the resumed task completes");
        var done = await Broker.GetRedriveAsync(started.Id);

        Assert.Equal((RedriveState.Running, 2L), (orphaned.State, orphaned.Moved));
        Assert.Equal(RedriveState.Completed, done.State);
        Assert.Equal(6, done.Moved);
        Assert.Empty(await PeekAsync("dlq"));
        var back = await ReceiveAsync("jobs", 10);
        Assert.Equal(["m00", "m01", "m02", "m03", "m04", "m05"], back.Select(Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sweep_TwoBrokers_OneSweepsPerIntervalAndTheOtherTakesOverWhenItStops()
    {
        // The peers sweep every minute; the main broker's sweeper (every hour) stays out of the way.
        var options = BrokerOptions with { SweepInterval = TimeSpan.FromMinutes(1) };
        var (logA, logB) = (new RecordingLogger(), new RecordingLogger());
        var a = await StartPeerAsync(options, logA);
        var b = await StartPeerAsync(options, logB);
        static int Decisions(RecordingLogger log) => log.Count(MaintenanceHeldEvent) + log.Count(MaintenanceSkippedEvent);

        for (var interval = 1; interval <= 3; interval++)
        {
            Advance(TimeSpan.FromMinutes(1));
            await WaitUntilAsync(() => Decisions(logA) == interval && Decisions(logB) == interval, $"both brokers decided at interval {interval}",
                () => (Decisions(logA), Decisions(logB)));
            Assert.Equal(interval, logA.Count(MaintenanceHeldEvent) + logB.Count(MaintenanceHeldEvent));
        }

        var (holder, holderLog, other, otherLog) = logA.Count(MaintenanceHeldEvent) == 3 ? (a, logA, b, logB) : (b, logB, a, logA);
        Assert.Equal(3, holderLog.Count(MaintenanceHeldEvent)); // the same broker at every interval
        await holder.DisposeAsync();
        Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => Decisions(otherLog) == 4, "the other broker decided at interval 4");

        Assert.Equal(1, otherLog.Count(MaintenanceHeldEvent));
        Assert.True(await other.SweepAsync() >= 0); // an explicit sweep runs on any broker
    }

    [Fact]
    public async Task KeyValue_ReservedPrefix_RefusedAndHiddenFromListings()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 1);
        var started = await Broker.StartRedriveAsync("dlq");
        await Broker.WaitForRedriveAsync(started.Id).AsTask().WaitAsync(RealTimeout);
        await Broker.KeyValueSetAsync("$a", new byte[] { 1 });
        await Broker.KeyValueSetAsync("z", new byte[] { 2 });

        var key = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueGetAsync(KeyValueRules.ReservedPrefix + "redrive/task/" + started.Id).AsTask());
        var set = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueSetAsync(KeyValueRules.ReservedPrefix + "maintenance", new byte[] { 1 }).AsTask());
        var delete = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueDeleteAsync(KeyValueRules.ReservedPrefix + "x").AsTask());
        var prefix = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueListAsync(KeyValueRules.ReservedPrefix).AsTask());
        var all = await Broker.KeyValueListAsync();
        var paged = await Broker.KeyValueListAsync(limit: 1);
        var next = await Broker.KeyValueListAsync(after: paged.NextAfter, limit: 1);

        Assert.Equal(("key", "key", "key", "prefix"), (key.Field, set.Field, delete.Field, prefix.Field));
        Assert.Contains("reserved", set.Message, StringComparison.Ordinal);
        Assert.Equal(["$a", "z"], all.Records.Select(r => r.Key));
        Assert.Equal(["$a"], paged.Records.Select(r => r.Key));
        Assert.Equal(["z"], next.Records.Select(r => r.Key));
        Assert.Equal(RedriveState.Completed, (await Broker.GetRedriveAsync(started.Id)).State); // the task record is still there
    }
}
