using System.Text.Json;

namespace Sluice.Worker.Tests;

public sealed class StatusTests
{
    [Fact]
    public async Task Succeeded_StatusHasResultProgressAndAttempts()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>());

        var id = await h.Jobs.EnqueueAsync(new TestJob("hello"));

        var done = await h.WaitForStateAsync(id, JobState.Succeeded);
        Assert.Equal(id, done.JobId);
        Assert.Equal("TestJob", done.JobType);
        Assert.Equal("jobs", done.Queue);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, done.Progress);
        Assert.Equal("half way", done.ProgressNote);
        Assert.Equal(5, done.GetResult(TestJson.Default.TestResult)!.Length);
        Assert.Equal("worker-1", done.Worker);
        Assert.Null(done.Error);
    }

    [Fact]
    public async Task Processing_ProgressReported_VisibleWhileRunning()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<FollowUpJob, ProgressJobHandler>());
        h.Probe.Hold("progress");

        var id = await h.Jobs.EnqueueAsync(new FollowUpJob("progress", 0));

        await WorkerHarness.WaitUntilAsync(async () => (await h.Jobs.GetStatusAsync(id))?.Progress == 0.25, "progress 0.25 is visible");
        var running = (await h.Jobs.GetStatusAsync(id))!;
        Assert.Equal(JobState.Processing, running.State);
        Assert.Equal("a quarter", running.ProgressNote);
        h.Probe.Release("progress");
        await h.WaitForStateAsync(id, JobState.Succeeded);
    }

    [Fact]
    public async Task Enqueue_AtAFutureTime_ScheduledUntilThen()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>());
        var at = h.Now + TimeSpan.FromHours(2);

        var id = await h.Jobs.EnqueueAsync(new TestJob("later"), new EnqueueOptions { RunAt = at });

        var scheduled = (await h.Jobs.GetStatusAsync(id))!;
        Assert.Equal(JobState.Scheduled, scheduled.State);
        Assert.Equal(at, scheduled.RunAt);
        Assert.Equal(at, (await h.PeekOneAsync("jobs")).VisibleAt);
        h.Time.Advance(TimeSpan.FromHours(2));
        await h.WaitForStateAsync(id, JobState.Succeeded);
    }

    [Fact]
    public async Task Enqueue_AfterADelay_Scheduled()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>());

        var id = await h.Jobs.EnqueueAsync(new TestJob("delayed"), new EnqueueOptions { Delay = TimeSpan.FromMinutes(5) });

        Assert.Equal(h.Now + TimeSpan.FromMinutes(5), (await h.Jobs.GetStatusAsync(id))!.RunAt);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        await h.WaitForStateAsync(id, JobState.Succeeded);
    }

    [Fact]
    public async Task Enqueue_SameIdempotencyKeyTwice_OneJobAndTheSameId()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(), startWorker: false);

        var first = await h.Jobs.EnqueueAsync(new TestJob("once"), new EnqueueOptions { IdempotencyKey = "order-17" });
        var second = await h.Jobs.EnqueueAsync(new TestJob("once"), new EnqueueOptions { IdempotencyKey = "order-17" });

        Assert.Equal(first, second);
        Assert.Single(await h.Client.PeekAsync("jobs"));
        Assert.Equal(JobState.Enqueued, (await h.Jobs.GetStatusAsync(first))!.State);
    }

    [Fact]
    public async Task Enqueue_UnregisteredType_Throws()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(), startWorker: false);

        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Jobs.EnqueueAsync(new TestResult(1)).AsTask());
    }

    [Fact]
    public async Task Continuation_FollowUpJobEnqueuedAndResultPublished()
    {
        await using var h = await WorkerHarness.StartAsync(w =>
        {
            w.AddJob<TestJob, TestJobHandler>(o => o
                .ContinueWith((job, result) => new FollowUpJob($"after-{job.Name}", result!.Value.GetProperty("Length").GetInt32()))
                .PublishResultTo("results"));
            w.AddJob<FollowUpJob, FollowUpJobHandler>();
        });

        var id = await h.Jobs.EnqueueAsync(new TestJob("parent"));

        await h.WaitForStateAsync(id, JobState.Succeeded);
        await WorkerHarness.WaitUntilAsync(() => h.Probe.Completed.Contains("after-parent"), "the follow-up job ran");
        var published = await h.PeekOneAsync("results");
        using var json = JsonDocument.Parse(published.Body);
        Assert.Equal(id, json.RootElement.GetProperty("jobId").GetGuid());
        Assert.Equal("TestJob", json.RootElement.GetProperty("jobType").GetString());
        Assert.Equal(6, json.RootElement.GetProperty("result").GetProperty("Length").GetInt32());
    }
}

internal sealed class ProgressJobHandler(Probe probe) : IJobHandler<FollowUpJob>
{
    public async ValueTask HandleAsync(FollowUpJob job, JobContext context, CancellationToken cancellationToken)
    {
        await context.ReportProgressAsync(0.25, "a quarter", cancellationToken);
        await probe.RunAsync(job.Name, context, cancellationToken);
    }
}
