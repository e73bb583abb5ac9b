namespace Sluice.Worker.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_JobFinishesWithinDeadline_IsAcked()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>());
        h.Probe.Hold("finishing");
        var id = await h.Jobs.EnqueueAsync(new TestJob("finishing"));
        await h.WaitForStateAsync(id, JobState.Processing);

        var stopping = h.StopAsync();
        h.Probe.Release("finishing");
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(JobState.Succeeded, (await h.Jobs.GetStatusAsync(id))!.State);
        Assert.Empty(await h.Client.PeekAsync("jobs"));
    }

    [Fact]
    public async Task Stop_JobPastDeadline_TokenCancelledAndReleasedAtOnce()
    {
        await using var h = await WorkerHarness.StartAsync(w =>
        {
            w.Options.ShutdownTimeout = TimeSpan.FromSeconds(5);
            w.ConfigureQueue("jobs", new WorkerQueueOptions { Concurrency = 1, Prefetch = 2, LeaseDuration = TimeSpan.FromMinutes(5) });
            w.AddJob<TestJob, TestJobHandler>();
        });
        h.Probe.Hold("slow");
        var slow = await h.Jobs.EnqueueAsync(new TestJob("slow"));
        await h.WaitForStateAsync(slow, JobState.Processing);
        var queued = await h.Jobs.EnqueueAsync(new TestJob("queued"));
        await WorkerHarness.WaitUntilAsync(async () => (await h.Client.PeekAsync("jobs")).All(m => m.State == MessageState.InFlight) &&
            (await h.Client.PeekAsync("jobs")).Count == 2, "the second job is prefetched");

        var stopping = h.StopAsync();

        // Fetching stops: the prefetched job that never started goes back at once.
        await WorkerHarness.WaitUntilAsync(async () => (await h.Client.PeekAsync("jobs")).Any(m => m.MessageId == queued && m.State == MessageState.Ready), "the prefetched job is released");
        Assert.False(stopping.IsCompleted);

        h.Time.Advance(TimeSpan.FromSeconds(5));
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("slow", h.Probe.Cancelled);
        Assert.All(await h.Client.PeekAsync("jobs"), m => Assert.Equal(MessageState.Ready, m.State)); // released, not left to lease expiry
        var released = (await h.Jobs.GetStatusAsync(slow))!;
        Assert.Equal(JobState.Enqueued, released.State);
        Assert.Equal(0, released.Attempts); // a release at shutdown is not a failed attempt
        Assert.Equal(0, h.Probe.RunsOf("queued"));
    }

    [Fact]
    public async Task Stop_HandlerIgnoresCancellation_LeaseKeptUntilItEndsThenSettledNormally()
    {
        await using var h = await WorkerHarness.StartAsync(w =>
        {
            w.Options.ShutdownTimeout = TimeSpan.FromSeconds(5);
            w.ConfigureQueue("jobs", new WorkerQueueOptions { Concurrency = 1, LeaseDuration = TimeSpan.FromSeconds(30) });
            w.AddJob<TestJob, TestJobHandler>();
        });
        h.Probe.HoldIgnoringCancellation("deaf");
        var id = await h.Jobs.EnqueueAsync(new TestJob("deaf"));
        await h.WaitForStateAsync(id, JobState.Processing);

        var stopping = h.StopAsync();
        h.Time.Advance(TimeSpan.FromSeconds(5)); // the shutdown deadline: tokens cancelled
        await WorkerHarness.WaitUntilAsync(() => h.Logs.Entries.Any(e => e.EventId == 5007), "shutdown cancelled the running job");
        h.Time.Advance(TimeSpan.FromSeconds(5)); // the grace for handlers to end
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));

        for (var i = 0; i < 4; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(10)); // well past the 30-second lease: heartbeats keep it
            await WorkerHarness.WaitUntilAsync(async () => (await h.PeekOneAsync("jobs")) is { State: MessageState.InFlight } m && m.VisibleAt >= h.Now + TimeSpan.FromSeconds(30),
                "a heartbeat extended the lease");
        }

        h.Probe.Release("deaf");
        var done = await h.WaitForStateAsync(id, JobState.Succeeded);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, h.Probe.RunsOf("deaf"));
        Assert.Empty(await h.Client.PeekAsync("jobs"));
    }
}
