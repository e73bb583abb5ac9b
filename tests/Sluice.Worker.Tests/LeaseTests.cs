namespace Sluice.Worker.Tests;

public sealed class LeaseTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LongJob_HeartbeatsForThreeLeases_NeverRedeliveredWhileAlive()
    {
        await using var h = await WorkerHarness.StartAsync(w =>
        {
            w.ConfigureQueue("jobs", new WorkerQueueOptions { LeaseDuration = Lease });
            w.AddJob<TestJob, TestJobHandler>();
        });
        h.Probe.Hold("long");
        var id = await h.Jobs.EnqueueAsync(new TestJob("long"));
        await h.WaitForStateAsync(id, JobState.Processing);
        var received = h.Now;

        // 9 heartbeats (every third of the lease) carry the job through 3 leases.
        for (var beat = 1; beat <= 9; beat++)
        {
            h.Time.Advance(Lease / 3);
            var expected = h.Now + Lease;
            await WorkerHarness.WaitUntilAsync(async () => (await h.PeekOneAsync("jobs")).VisibleAt == expected, $"heartbeat {beat} extended the lease");
            Assert.Empty(await h.Client.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = 10 })); // nobody else can take it
        }

        Assert.Equal(received + (3 * Lease), h.Now);
        h.Probe.Release("long");
        var done = await h.WaitForStateAsync(id, JobState.Succeeded);

        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, h.Probe.RunsOf("long"));
        Assert.Empty(await h.Client.PeekAsync("jobs"));
    }

    [Fact]
    public async Task LeaseLost_TokenCancelledAndLateAckRefusedAndNotRetried()
    {
        // Heartbeats slower than the lease (a stalled worker): the lease lapses and another consumer takes the message.
        await using var h = await WorkerHarness.StartAsync(w =>
        {
            w.ConfigureQueue("jobs", new WorkerQueueOptions { Concurrency = 1, Prefetch = 1, LeaseDuration = Lease, HeartbeatInterval = 2 * Lease });
            w.AddJob<TestJob, TestJobHandler>();
        });
        h.Probe.Hold("stalled");
        var id = await h.Jobs.EnqueueAsync(new TestJob("stalled"));
        await h.WaitForStateAsync(id, JobState.Processing);

        h.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var other = Assert.Single(await h.Client.ReceiveAsync("jobs", new ReceiveOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) }));
        Assert.Equal(2, other.ReceiveCount);
        h.Time.Advance(Lease - TimeSpan.FromSeconds(1)); // the worker's heartbeat is refused: the lease is lost

        await WorkerHarness.WaitUntilAsync(() => h.Probe.Cancelled.Contains("stalled"), "the job's token is cancelled");
        await WorkerHarness.WaitUntilAsync(() => h.Logs.Has(5004), "the late completion is refused and reported");

        Assert.Contains(h.Logs.Entries, e => e.EventId == 5003 && e.Message.Contains(ErrorCodes.ReceiptHandleStale, StringComparison.Ordinal));
        Assert.Contains(h.Logs.Entries, e => e.EventId == 5004 && e.Message.Contains(ErrorCodes.ReceiptHandleStale, StringComparison.Ordinal));
        var stillOthers = await h.PeekOneAsync("jobs");
        Assert.Equal(MessageState.InFlight, stillOthers.State); // not acked, not released: the other consumer owns it
        Assert.Equal(2, stillOthers.ReceiveCount);
        Assert.NotEqual(JobState.Succeeded, (await h.Jobs.GetStatusAsync(id))!.State);
        await h.Client.AckAsync("jobs", other.ReceiptHandle!);
    }
}
