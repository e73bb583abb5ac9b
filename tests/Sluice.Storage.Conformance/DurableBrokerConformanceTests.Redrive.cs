namespace Sluice.Storage.Conformance;

public abstract partial class DurableBrokerConformanceTests
{
    [Fact]
    public async Task Restart_RunningRedrive_SurvivesAndResumesAfterItsLease()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 6);
        var started = await Broker.StartRedriveAsync("dlq", maxPerSecond: 2);
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.Moved == 2, "the first 2 messages are moved");

        await RestartAsync();
        var afterRestart = await Broker.GetRedriveAsync(started.Id);
        var listed = await Broker.ListRedrivesAsync();
        Advance(TimeSpan.FromHours(1)); // past the lease, to the new broker's first sweep interval, where it looks for orphans
        await AdvanceUntilAsync(async () => (await Broker.GetRedriveAsync(started.Id)).State != RedriveState.Running, TimeSpan.FromSeconds(1),
            "the resumed task completes");
        var done = await Broker.GetRedriveAsync(started.Id);

        Assert.Equal((RedriveState.Running, 2L, 6L), (afterRestart.State, afterRestart.Moved, afterRestart.Total));
        Assert.Equal([started.Id], listed.Select(r => r.Id));
        Assert.Equal((RedriveState.Completed, 6L), (done.State, done.Moved));
        Assert.Empty(await PeekAsync("dlq"));
        var back = await ReceiveAsync("jobs", 10);
        Assert.Equal(["m00", "m01", "m02", "m03", "m04", "m05"], back.Select(Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Restart_RunningGroupRedrive_ResumesWhereItStopped()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 5);
        var group = (await Broker.GetDeadLetterGroupsAsync("dlq")).Groups.Single();
        var started = (await Broker.RedriveDeadLetterGroupAsync("dlq", group.GroupId, maxPerSecond: 2)).Redrive!;
        await WaitUntilRedriveAsync(Broker, started.Id, r => r.Moved == 2, "the first 2 messages are moved");

        await RestartAsync();
        Advance(TimeSpan.FromHours(1));
        await AdvanceUntilAsync(async () => (await Broker.GetRedriveAsync(started.Id)).State != RedriveState.Running, TimeSpan.FromSeconds(1),
            "the resumed group redrive completes");
        var done = await Broker.GetRedriveAsync(started.Id);

        Assert.Equal((RedriveState.Completed, 5L, group.GroupId), (done.State, done.Moved, done.GroupId));
        Assert.Null(done.Error);
        Assert.Empty(await PeekAsync("dlq"));
        Assert.Equal(5, (await ReceiveAsync("jobs", 10)).Select(Text).Distinct().Count());
    }
}
