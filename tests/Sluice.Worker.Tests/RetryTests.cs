namespace Sluice.Worker.Tests;

public sealed class RetryTests
{
    private static readonly RetryPolicy Policy = new()
    {
        MaxAttempts = 3, InitialDelay = TimeSpan.FromSeconds(10), Multiplier = 2, MaxDelay = TimeSpan.FromMinutes(1), Jitter = 0,
        NonRetryable = [typeof(ArgumentException)],
    };

    private static Task<WorkerHarness> StartAsync() =>
        WorkerHarness.StartAsync(w => w.AddJob<TestJob, TestJobHandler>(o => o.Retry = Policy));

    [Fact]
    public void DelayAfter_GrowsExponentiallyUpToTheCap()
    {
        var policy = Policy with { MaxDelay = TimeSpan.FromSeconds(30) };

        Assert.Equal(TimeSpan.FromSeconds(10), policy.DelayAfter(1, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(20), policy.DelayAfter(2, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.DelayAfter(3, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.DelayAfter(50, 0.5));
    }

    [Fact]
    public void DelayAfter_Jitter_StaysWithinTheFraction()
    {
        var policy = Policy with { Jitter = 0.25 };

        Assert.Equal(TimeSpan.FromSeconds(7.5), policy.DelayAfter(1, 0));
        Assert.Equal(TimeSpan.FromSeconds(12.5), policy.DelayAfter(1, 1));
        Assert.InRange(policy.DelayAfter(1, 0.3), TimeSpan.FromSeconds(7.5), TimeSpan.FromSeconds(12.5));
    }

    [Fact]
    public async Task FailingJob_RetriesAfterBackoffDelays_ThenSucceeds()
    {
        await using var h = await StartAsync();
        h.Probe.Failures["flaky"] = new([new TimeoutException("first"), new TimeoutException("second")]);
        var start = h.Now;

        var id = await h.Jobs.EnqueueAsync(new TestJob("flaky"));

        var retrying = await h.WaitForStateAsync(id, JobState.FailedRetrying);
        Assert.Equal(1, retrying.Attempts);
        Assert.Equal(start + TimeSpan.FromSeconds(10), retrying.RunAt);
        var waiting = await h.PeekOneAsync("jobs");
        Assert.Equal(MessageState.Delayed, waiting.State);
        Assert.Equal(start + TimeSpan.FromSeconds(10), waiting.VisibleAt); // the delay is the message's, durable

        h.Time.Advance(TimeSpan.FromSeconds(10));
        await WorkerHarness.WaitUntilAsync(async () => (await h.Jobs.GetStatusAsync(id))?.Attempts == 2 && (await h.Jobs.GetStatusAsync(id))!.State == JobState.FailedRetrying, "attempt 2 failed");
        Assert.Equal(h.Now + TimeSpan.FromSeconds(20), (await h.PeekOneAsync("jobs")).VisibleAt);

        h.Time.Advance(TimeSpan.FromSeconds(20));
        var done = await h.WaitForStateAsync(id, JobState.Succeeded);

        Assert.Equal(3, done.Attempts);
        Assert.Equal([1, 2, 3], h.Probe.Runs.Select(r => r.Attempt));
        Assert.Empty(await h.Client.PeekAsync("jobs"));
    }

    [Fact]
    public async Task FailingJob_LastAttemptFails_DeadLetteredWithEveryAttempt()
    {
        await using var h = await StartAsync();
        h.Probe.Failures["doomed"] = new([new TimeoutException("one"), new TimeoutException("two"), new InvalidOperationException("three")]);
        var id = await h.Jobs.EnqueueAsync(new TestJob("doomed"));
        var start = h.Now;

        await h.WaitForStateAsync(id, JobState.FailedRetrying);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        await WorkerHarness.WaitUntilAsync(() => h.Probe.RunsOf("doomed") == 2, "attempt 2 ran");
        await WorkerHarness.WaitUntilAsync(async () => (await h.Jobs.GetStatusAsync(id))?.Attempts == 2 && (await h.Jobs.GetStatusAsync(id))!.State == JobState.FailedRetrying, "attempt 2 failed");
        h.Time.Advance(TimeSpan.FromSeconds(20));
        var dead = await h.WaitForStateAsync(id, JobState.DeadLettered);

        Assert.Equal(3, dead.Attempts);
        Assert.Empty(await h.Client.PeekAsync("jobs"));
        var letter = await h.PeekOneAsync("jobs-dead");
        Assert.Equal(id, letter.MessageId);
        Assert.Equal(DeadLetterInfo.RejectedReason, letter.DeadLetter!.Reason);
        Assert.True(FailureDetails.TryParse(letter.DeadLetter.LastError, out var failure));
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.ExceptionType);
        Assert.Equal("three", failure.Message);
        Assert.Contains(nameof(Probe.RunAsync), failure.StackTrace);
        Assert.False(failure.NonRetryable);
        Assert.Equal([1, 2, 3], failure.Attempts.Select(a => a.Attempt));
        Assert.Equal(["one", "two", "three"], failure.Attempts.Select(a => a.Message));
        Assert.Equal([start, start + TimeSpan.FromSeconds(10), start + TimeSpan.FromSeconds(30)], failure.Attempts.Select(a => a.At));
        Assert.All(failure.Attempts, a => Assert.Equal("worker-1", a.Worker));
        Assert.Equal(letter.DeadLetter.LastError, dead.Error);
    }

    [Fact]
    public async Task NonRetryableException_DeadLetteredAfterTheFirstAttempt()
    {
        await using var h = await StartAsync();
        h.Probe.Failures["bad"] = new([new ArgumentOutOfRangeException("amount", "negative amount")]);

        var id = await h.Jobs.EnqueueAsync(new TestJob("bad"));

        var dead = await h.WaitForStateAsync(id, JobState.DeadLettered);
        Assert.Equal(1, dead.Attempts);
        Assert.True(FailureDetails.TryParse((await h.PeekOneAsync("jobs-dead")).DeadLetter!.LastError, out var failure));
        Assert.True(failure.NonRetryable);
        Assert.Single(failure.Attempts);
        Assert.Equal(1, h.Probe.RunsOf("bad"));
    }

    [Fact]
    public async Task UnknownJobType_DeadLetteredAsRejected()
    {
        await using var h = await StartAsync();
        await h.Client.PublishAsync("jobs", new OutgoingMessage("{}"u8.ToArray())
        {
            Attributes = new Dictionary<string, MessageAttributeValue> { ["sluice-job"] = MessageAttributeValue.FromString("NoSuchJob") },
        });

        await WorkerHarness.WaitUntilAsync(async () => (await h.Client.PeekAsync("jobs-dead")).Count == 1, "the message is dead-lettered");

        Assert.True(FailureDetails.TryParse((await h.PeekOneAsync("jobs-dead")).DeadLetter!.LastError, out var failure));
        Assert.Equal(typeof(JobRejectedException).FullName, failure.ExceptionType);
        Assert.Contains("'NoSuchJob' is not registered", failure.Message);
    }
}
