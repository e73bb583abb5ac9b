using Sluice.Client;

namespace Sluice.Worker.Tests;

public sealed class BackPressureTests
{
    [Fact]
    public async Task Enqueue_QueueFullWithOverflowReject_ProducerSlowedWithClearErrorAndNothingLost()
    {
        const int maxLength = 3;
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(), startWorker: false);
        await h.Client.CreateQueueAsync("jobs", new QueueOptions { MaxLength = maxLength, OverflowPolicy = OverflowPolicy.Reject });
        for (var i = 0; i < maxLength; i++)
        {
            await h.Jobs.EnqueueAsync(new TestJob($"job-{i}"));
        }

        var full = await Assert.ThrowsAsync<SluiceException>(() => h.Jobs.EnqueueAsync(new TestJob("job-3")).AsTask());
        Assert.Equal(ErrorCodes.QueueFull, full.ErrorCode);
        Assert.True(full.IsTransient);
        Assert.Contains("queue 'jobs' is full", full.Message, StringComparison.Ordinal);
        Assert.Equal(maxLength, (await h.Client.PeekAsync("jobs", 10)).Count); // nothing was added, nothing dropped

        // The producer backs off on queue_full and tries again; the worker drains the queue meanwhile.
        await h.Worker.StartAsync(CancellationToken.None);
        const int total = 20;
        var refusals = 1;
        for (var i = maxLength; i < total; i++)
        {
            while (true)
            {
                try
                {
                    await h.Jobs.EnqueueAsync(new TestJob($"job-{i}"));
                    break;
                }
                catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueFull)
                {
                    // Room comes when the worker acks a job (its message leaves the queue), which is after its handler
                    // returned: a count of finished handlers can already include every queued job while their acks are
                    // still on the way, and no further job would then finish. Wait for the room itself.
                    refusals++;
                    await WorkerHarness.WaitUntilAsync(async () => await LengthAsync(h.Client, "jobs") < maxLength, "the worker acks a job (room in the queue)");
                }
            }
        }

        await WorkerHarness.WaitUntilAsync(() => h.Probe.Completed.Count == total, $"all {total} jobs complete");
        Assert.Equal(total, h.Probe.Completed.Distinct().Count());
        Assert.True(refusals >= 1);
        await WorkerHarness.WaitUntilAsync(async () => (await h.Client.PeekAsync("jobs")).Count == 0, "the queue is empty");
        Assert.Empty(await h.Client.PeekAsync("jobs-dead"));
    }

    /// <summary>The messages in <paramref name="queue"/> (ready, in flight, delayed): what its max length bounds.</summary>
    private static async Task<long> LengthAsync(ISluiceClient client, string queue)
    {
        var stats = await client.GetQueueStatsAsync(queue);
        return stats.Ready + stats.InFlight + stats.Delayed;
    }
}
