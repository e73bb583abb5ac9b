using System.Text.Json;

namespace Sluice.Worker;

/// <summary>How one job type is queued, retried, limited and continued; set in <see cref="SluiceWorkerBuilder.AddJob{TJob, THandler}(Action{JobOptions{TJob}}?)"/>.</summary>
/// <typeparam name="TJob">The job type.</typeparam>
public sealed class JobOptions<TJob>
{
    private readonly List<Func<Guid, TJob, JsonElement?, IJobClient, CancellationToken, ValueTask>> _continuations = [];

    /// <summary>The name jobs of this type carry in their messages (keep it stable across versions). Default the type's name.</summary>
    public string Name { get; set; } = typeof(TJob).Name;

    /// <summary>The queue the jobs go to. Default <see cref="SluiceWorkerOptions.DefaultQueue"/>.</summary>
    public string? Queue { get; set; }

    /// <summary>How failures are retried. Default <see cref="RetryPolicy.Default"/>.</summary>
    public RetryPolicy Retry { get; set; } = RetryPolicy.Default;

    internal (Func<TJob, string> Key, int Max)? Concurrency { get; private set; }

    internal (int Count, TimeSpan Period)? Rate { get; private set; }

    internal IReadOnlyList<Func<Guid, TJob, JsonElement?, IJobClient, CancellationToken, ValueTask>> Continuations => _continuations;

    internal string? ResultQueue { get; private set; }

    /// <summary>
    /// At most <paramref name="max"/> jobs with the same key (e.g. <c>job =&gt; $"customer:{job.CustomerId}"</c>) run at
    /// once, across every worker sharing the broker. A job over the limit waits (state <see cref="JobState.Waiting"/>).
    /// </summary>
    /// <param name="key">The limit's key for a job: 1-200 characters.</param>
    /// <param name="max">1 to 1,000.</param>
    public JobOptions<TJob> LimitConcurrency(Func<TJob, string> key, int max)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, 1000);
        Concurrency = (key, max);
        return this;
    }

    /// <summary>
    /// At most <paramref name="count"/> jobs of this type start in any <paramref name="period"/> (a sliding window),
    /// across every worker sharing the broker. A job over the limit waits (state <see cref="JobState.Waiting"/>).
    /// </summary>
    /// <param name="count">1 to 1,000.</param>
    /// <param name="period">1 millisecond to 12 hours.</param>
    public JobOptions<TJob> LimitRate(int count, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1000);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(period, TimeSpan.FromHours(12));
        Rate = (count, period);
        return this;
    }

    /// <summary>
    /// When a job succeeds, enqueues the follow-up job <paramref name="next"/> builds from it and its result (null: no
    /// follow-up). <typeparamref name="TNext"/> must be registered. The follow-up is enqueued before the job's message
    /// is acked, with the job's id as idempotency key, so a retried completion does not enqueue it twice.
    /// </summary>
    public JobOptions<TJob> ContinueWith<TNext>(Func<TJob, JsonElement?, TNext?> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var index = _continuations.Count;
        _continuations.Add(async (jobId, job, result, jobs, ct) =>
        {
            if (next(job, result) is { } follow)
            {
                await jobs.EnqueueAsync(follow, new EnqueueOptions { IdempotencyKey = $"after-{jobId:N}-{index}" }, ct).ConfigureAwait(false);
            }
        });
        return this;
    }

    /// <summary>
    /// When a job succeeds, publishes its result to <paramref name="queue"/> (created if missing) as a JSON message
    /// <c>{"jobId": "...", "jobType": "...", "result": ...}</c>, deduplicated by the job's id.
    /// </summary>
    public JobOptions<TJob> PublishResultTo(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ResultQueue = queue;
        return this;
    }
}
