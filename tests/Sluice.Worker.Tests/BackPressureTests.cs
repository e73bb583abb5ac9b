namespace Sluice.Worker.Tests;

public sealed class BackPressureTests
{
    [Fact]
    public async Task Enqueue_QueueFullWithOverflowReject_ProducerSlowedWithClearErrorAndNothingLost()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(), startWorker: false);
        await h.Client.CreateQueueAsync("jobs", new QueueOptions { MaxLength = 3, OverflowPolicy = OverflowPolicy.Reject });
        for (var i = 0; i < 3; i++)
        {
            await h.Jobs.EnqueueAsync(new TestJob($"job-{i}"));
        }

        var full = await Assert.ThrowsAsync<SluiceException>(() => h.Jobs.EnqueueAsync(new TestJob("job-3")).AsTask());
        Assert.Equal(ErrorCodes.QueueFull, full.ErrorCode);
        Assert.True(full.IsTransient);
        Assert.Contains("queue 'jobs' is full", full.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await h.Client.PeekAsync("jobs", 10)).Count); // nothing was added, nothing dropped

        // The producer backs off on queue_full and tries again; the worker drains the queue meanwhile.
        await h.Worker.StartAsync(CancellationToken.None);
        const int total = 20;
        var refusals = 1;
        for (var i = 3; i < total; i++)
        {
            while (true)
            {
                // Counted before the attempt: the worker may finish every queued job between a refusal and the count.
                var done = h.Probe.Completed.Count;
                try
                {
                    await h.Jobs.EnqueueAsync(new TestJob($"job-{i}"));
                    break;
                }
                catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueFull)
                {
                    refusals++;
                    await WorkerHarness.WaitUntilAsync(() => h.Probe.Completed.Count > done, "a job completes (room in the queue)");
                }
            }
        }

        await WorkerHarness.WaitUntilAsync(() => h.Probe.Completed.Count == total, $"all {total} jobs complete");
        Assert.Equal(total, h.Probe.Completed.Distinct().Count());
        Assert.True(refusals >= 1);
        await WorkerHarness.WaitUntilAsync(async () => (await h.Client.PeekAsync("jobs")).Count == 0, "the queue is empty");
        Assert.Empty(await h.Client.PeekAsync("jobs-dead"));
    }
}
