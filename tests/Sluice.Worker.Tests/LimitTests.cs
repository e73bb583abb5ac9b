namespace Sluice.Worker.Tests;

public sealed class LimitTests
{
    private static void PerCustomer(SluiceWorkerBuilder w) =>
        w.AddJob<TestJob, TestJobHandler>(o => o.LimitConcurrency(job => $"customer:{job.Customer}", 2));

    [Fact]
    public async Task ConcurrencyLimit_AcrossTwoWorkers_AtMostTwoPerKeyAndTheWaitingJobSaysWhy()
    {
        await using var h = await WorkerHarness.StartAsync(PerCustomer);
        await h.AddWorkerAsync(PerCustomer);
        foreach (var name in new[] { "a", "b", "c", "other" })
        {
            h.Probe.Hold(name);
        }

        var a = await h.Jobs.EnqueueAsync(new TestJob("a", "42"));
        var b = await h.Jobs.EnqueueAsync(new TestJob("b", "42"));
        await WorkerHarness.WaitUntilAsync(() => h.Probe.Running == 2, "two jobs of customer 42 run");
        var c = await h.Jobs.EnqueueAsync(new TestJob("c", "42"));
        var other = await h.Jobs.EnqueueAsync(new TestJob("other", "7"));

        var waiting = await h.WaitForStateAsync(c, JobState.Waiting);
        Assert.Equal("waiting for concurrency limit customer:42 (2 in use, at most 2)", waiting.WaitingReason);
        await h.WaitForStateAsync(other, JobState.Processing); // another customer is not held up
        Assert.Equal(0, h.Probe.RunsOf("c"));

        h.Probe.Release("a");
        await h.WaitForStateAsync(a, JobState.Succeeded);
        h.Time.Advance(TimeSpan.FromSeconds(2)); // the waiting job's retry delay (1 to 2 seconds)
        await h.WaitForStateAsync(c, JobState.Processing);

        h.Probe.ReleaseAll();
        await h.WaitForStateAsync(b, JobState.Succeeded);
        await h.WaitForStateAsync(c, JobState.Succeeded);
        Assert.Equal(1, (await h.Jobs.GetStatusAsync(c))!.Attempts); // waiting is not an attempt
        Assert.Equal(3, h.Probe.MaxRunning);
        Assert.Equal(1, h.Probe.RunsOf("c"));
    }

    [Fact]
    public async Task ConcurrencyLimit_WorkerCrashedHoldingPermit_PermitReturnsWhenItsLeaseExpires()
    {
        await using var h = await WorkerHarness.StartAsync(w =>
        {
            w.ConfigureQueue("jobs", new WorkerQueueOptions { LeaseDuration = TimeSpan.FromSeconds(30) });
            w.AddJob<TestJob, TestJobHandler>(o => o.LimitConcurrency(job => $"customer:{job.Customer}", 1));
        });
        var permits = Worker.Internal.LimitGate.QueueOf("customer:9");
        await h.Jobs.EnqueueAsync(new TestJob("first", "9"));
        await WorkerHarness.WaitUntilAsync(() => h.Probe.Completed.Contains("first"), "the first job ran (seeding the permit)");
        await WorkerHarness.WaitUntilAsync(async () => (await h.Client.PeekAsync(permits)).SingleOrDefault()?.State == MessageState.Ready, "the permit is back");

        // A crashed worker: it took the permit and never gave it back.
        var taken = Assert.Single(await h.Client.ReceiveAsync(permits, new ReceiveOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) }));
        var id = await h.Jobs.EnqueueAsync(new TestJob("second", "9"));
        await h.WaitForStateAsync(id, JobState.Waiting);

        h.Time.Advance(TimeSpan.FromSeconds(31));
        await h.WaitForStateAsync(id, JobState.Succeeded);
        // Returned by the job that ran, just after its status says succeeded (the two are separate writes).
        await WorkerHarness.WaitUntilAsync(async () => (await h.Client.PeekAsync(permits)).SingleOrDefault()?.State == MessageState.Ready, "the permit is back after the second job");
    }

    [Fact]
    public async Task RateLimit_TwoPerMinute_ThirdWaitsForTheWindow()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(o => o.LimitRate(2, TimeSpan.FromMinutes(1))));

        var first = await h.Jobs.EnqueueAsync(new TestJob("r1"));
        var second = await h.Jobs.EnqueueAsync(new TestJob("r2"));
        await h.WaitForStateAsync(first, JobState.Succeeded);
        await h.WaitForStateAsync(second, JobState.Succeeded);
        var third = await h.Jobs.EnqueueAsync(new TestJob("r3"));

        var waiting = await h.WaitForStateAsync(third, JobState.Waiting);
        Assert.Equal("waiting for rate limit TestJob (2 per 00:01:00)", waiting.WaitingReason);

        h.Time.Advance(TimeSpan.FromSeconds(30));
        await WorkerHarness.WaitUntilAsync(async () => (await h.Jobs.GetStatusAsync(third))!.RunAt > h.Now, "the job waits again");
        Assert.Equal(0, h.Probe.RunsOf("r3"));
        h.Time.Advance(TimeSpan.FromSeconds(32));
        await h.WaitForStateAsync(third, JobState.Succeeded);
    }

    [Fact]
    public async Task Permits_LimitShrinks_NewLimitHoldsAndExtraPermitsRetired()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(o => o.LimitConcurrency(job => "shared", 3)));
        await h.WaitForStateAsync(await h.Jobs.EnqueueAsync(new TestJob("seed")), JobState.Succeeded);
        var permits = Worker.Internal.LimitGate.QueueOf("shared");
        Assert.Equal(3, (await h.Client.PeekAsync(permits)).Count);
        await h.StopAsync(0);

        await h.AddWorkerAsync(w => w.AddJob<TestJob, TestJobHandler>(o => o.LimitConcurrency(job => "shared", 1)));
        h.Probe.Hold("x");
        var x = await h.Jobs.EnqueueAsync(new TestJob("x"));
        await h.WaitForStateAsync(x, JobState.Processing);
        var y = await h.Jobs.EnqueueAsync(new TestJob("y"));

        var waiting = await h.WaitForStateAsync(y, JobState.Waiting);
        Assert.Equal("waiting for concurrency limit shared (1 in use, at most 1)", waiting.WaitingReason);
        Assert.Single(await h.Client.PeekAsync(permits)); // permits 2 and 3 were retired when they came up
    }

    [Fact]
    public async Task ConcurrencyLimit_KeyFunctionThrows_FailedAttemptRetriedThenDeadLetteredAndLeaseReleased()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(o =>
        {
            o.Retry = new RetryPolicy { MaxAttempts = 2, InitialDelay = TimeSpan.FromSeconds(10), Jitter = 0 };
            o.LimitConcurrency(job => job.Customer == "throw" ? throw new InvalidOperationException("no key for this job") : job.Customer, 1);
        }));

        var id = await h.Jobs.EnqueueAsync(new TestJob("keyless", "throw"));

        var retrying = await h.WaitForStateAsync(id, JobState.FailedRetrying);
        Assert.Equal(1, retrying.Attempts);
        Assert.Equal(MessageState.Delayed, (await h.PeekOneAsync("jobs")).State);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        var dead = await h.WaitForStateAsync(id, JobState.DeadLettered);

        Assert.Equal(2, dead.Attempts);
        Assert.Empty(await h.Client.PeekAsync("jobs"));
        Assert.True(FailureDetails.TryParse((await h.PeekOneAsync("jobs-dead")).DeadLetter!.LastError, out var failure));
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.ExceptionType);
        Assert.Equal("no key for this job", failure.Message);
        Assert.Equal([1, 2], failure.Attempts.Select(a => a.Attempt));
        Assert.Equal(0, h.Probe.RunsOf("keyless"));
    }

    [Fact]
    public async Task ConcurrencyLimit_KeyLongerThan200Characters_DeadLetteredNamingTheRule()
    {
        await using var h = await WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(o =>
        {
            o.Retry = new RetryPolicy { MaxAttempts = 1 };
            o.LimitConcurrency(job => job.Customer, 1);
        }));

        var id = await h.Jobs.EnqueueAsync(new TestJob("long", new string('k', 201)));

        var dead = await h.WaitForStateAsync(id, JobState.DeadLettered);
        Assert.Contains("is 201 characters long: a limit key has 1 to 200 characters", dead.Error);
        Assert.Equal(0, h.Probe.RunsOf("long"));
    }

    [Fact]
    public async Task ConcurrencyLimit_PermitLeaseLostWhileRunning_JobTokenCancelled()
    {
        await using var h = await WorkerHarness.StartAsync(w =>
        {
            w.ConfigureQueue("jobs", new WorkerQueueOptions { LeaseDuration = TimeSpan.FromSeconds(30) });
            w.AddJob<TestJob, TestJobHandler>(o => o.LimitConcurrency(job => "lost-permit", 1));
        });
        h.Probe.Hold("p");
        var id = await h.Jobs.EnqueueAsync(new TestJob("p"));
        await h.WaitForStateAsync(id, JobState.Processing);

        await h.Client.PurgeQueueAsync(Worker.Internal.LimitGate.QueueOf("lost-permit")); // the permit's lease is gone
        h.Time.Advance(TimeSpan.FromSeconds(10)); // the permit's next heartbeat is refused

        await WorkerHarness.WaitUntilAsync(() => h.Probe.Cancelled.Contains("p"), "the job's token is cancelled");
    }
}
