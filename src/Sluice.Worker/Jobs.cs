using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sluice.Worker;

/// <summary>Runs jobs of type <typeparamref name="TJob"/>; resolved from a new dependency-injection scope for each job.</summary>
/// <typeparam name="TJob">The job: a type serialized with System.Text.Json (source-generated metadata).</typeparam>
public interface IJobHandler<in TJob>
{
    /// <summary>
    /// Runs one attempt of a job. Returning completes it (its message is acked); throwing fails the attempt (retried
    /// under the job type's <see cref="RetryPolicy"/>). <paramref name="cancellationToken"/> fires when the job's lease is
    /// lost (another worker may run it: stop, the completion will be refused) or at shutdown after
    /// <see cref="SluiceWorkerOptions.ShutdownTimeout"/>.
    /// </summary>
    ValueTask HandleAsync(TJob job, JobContext context, CancellationToken cancellationToken);
}

/// <summary>What a running job knows about itself, and how it reports progress and its result.</summary>
public sealed class JobContext
{
    private readonly Func<double, string?, CancellationToken, ValueTask> _progress;

    internal JobContext(Guid jobId, string jobType, string queue, int attempt, string workerId, Func<double, string?, CancellationToken, ValueTask> progress)
    {
        JobId = jobId;
        JobType = jobType;
        Queue = queue;
        Attempt = attempt;
        WorkerId = workerId;
        _progress = progress;
    }

    /// <summary>The job's id (its message id; the id <see cref="IJobClient.EnqueueAsync{TJob}"/> returned).</summary>
    public Guid JobId { get; }

    /// <summary>The job type's registered name.</summary>
    public string JobType { get; }

    /// <summary>The queue the job came from.</summary>
    public string Queue { get; }

    /// <summary>This attempt's number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>The worker running it (<see cref="SluiceWorkerOptions.WorkerId"/>).</summary>
    public string WorkerId { get; }

    /// <summary>The result set with <see cref="SetResult{T}"/>, as JSON; <see langword="null"/> when none.</summary>
    public JsonElement? Result { get; private set; }

    /// <summary>Sets the job's result: stored in its status and passed to its continuations when it succeeds.</summary>
    /// <param name="result">The result.</param>
    /// <param name="typeInfo">Its source-generated JSON metadata.</param>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    public void SetResult<T>(T result, JsonTypeInfo<T> typeInfo) => Result = JsonSerializer.SerializeToElement(result, typeInfo);

    /// <summary>Records progress in the job's status (visible to <see cref="IJobClient.GetStatusAsync"/>).</summary>
    /// <param name="fraction">0 (nothing done) to 1 (done).</param>
    /// <param name="note">What it is doing, if worth saying; at most 200 characters are kept.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is outside 0 to 1.</exception>
    public ValueTask ReportProgressAsync(double fraction, string? note = null, CancellationToken cancellationToken = default)
    {
        if (fraction is < 0 or > 1 || double.IsNaN(fraction))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "progress must be 0 to 1");
        }

        return _progress(fraction, note is { Length: > 200 } ? note[..200] : note, cancellationToken);
    }
}

/// <summary>How a job is enqueued (<see cref="IJobClient.EnqueueAsync{TJob}"/>).</summary>
public sealed record EnqueueOptions
{
    /// <summary>Run after this delay (durable: stored with the message). Default none; 0 to 14 days. Not with <see cref="RunAt"/>.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Run at (or soon after) this time; a past time runs now. At most 14 days ahead. Not with <see cref="Delay"/>.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>
    /// Idempotency key (unique job): a second enqueue with the same key to the same queue within the queue's
    /// deduplication window (5 minutes for the queues the worker creates) enqueues nothing and returns the first job's
    /// id. 1-128 printable ASCII characters.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Priority 0 (default) to 9 (highest), higher first.</summary>
    public int Priority { get; init; }
}

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>In its queue, ready to run.</summary>
    Enqueued = 0,

    /// <summary>In its queue, to run at <see cref="JobStatus.RunAt"/>.</summary>
    Scheduled = 1,

    /// <summary>Could not start because of a limit; offered again shortly (<see cref="JobStatus.WaitingReason"/> says which).</summary>
    Waiting = 2,

    /// <summary>A worker is running it.</summary>
    Processing = 3,

    /// <summary>Completed; <see cref="JobStatus.Result"/> holds its result, if any.</summary>
    Succeeded = 4,

    /// <summary>An attempt failed; it runs again at <see cref="JobStatus.RunAt"/>.</summary>
    FailedRetrying = 5,

    /// <summary>Failed for good (attempts used up, or a non-retryable failure): in the queue's dead-letter queue.</summary>
    DeadLettered = 6,
}

/// <summary>A job's status as last recorded (<see cref="IJobClient.GetStatusAsync"/>).</summary>
public sealed record JobStatus
{
    /// <summary>The job's id.</summary>
    public required Guid JobId { get; init; }

    /// <summary>The job type's registered name.</summary>
    public required string JobType { get; init; }

    /// <summary>The job's queue.</summary>
    public required string Queue { get; init; }

    /// <summary>The state.</summary>
    public JobState State { get; init; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; init; }

    /// <summary>Progress reported by the running job, 0 to 1; <see langword="null"/> when none.</summary>
    public double? Progress { get; init; }

    /// <summary>The note given with the last progress report.</summary>
    public string? ProgressNote { get; init; }

    /// <summary>The result (state <see cref="JobState.Succeeded"/>), as JSON.</summary>
    public JsonElement? Result { get; init; }

    /// <summary>The last failure (<see cref="FailureDetails.ToErrorText"/> form) when the last attempt failed.</summary>
    public string? Error { get; init; }

    /// <summary>Why the job is not running (state <see cref="JobState.Waiting"/>), e.g. <c>waiting for concurrency limit customer:42 (2 in use)</c>.</summary>
    public string? WaitingReason { get; init; }

    /// <summary>When it is to run (scheduled, retrying, waiting).</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>The worker that recorded this status, if a worker did.</summary>
    public string? Worker { get; init; }

    /// <summary>When this status was recorded.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The result read as <typeparamref name="T"/>; default when there is none.</summary>
    public T? GetResult<T>(JsonTypeInfo<T> typeInfo) => Result is { } r ? r.Deserialize(typeInfo) : default;
}

/// <summary>Enqueues jobs and reads their status. Registered by <c>AddSluiceWorker</c>; thread-safe.</summary>
public interface IJobClient
{
    /// <summary>
    /// Enqueues a job of a registered type to its queue, now, after <see cref="EnqueueOptions.Delay"/> or at
    /// <see cref="EnqueueOptions.RunAt"/>; returns the job's id once it is durable (for a duplicate idempotency key: the
    /// first job's id). Its status starts as <see cref="JobState.Enqueued"/> or <see cref="JobState.Scheduled"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="TJob"/> is not registered.</exception>
    /// <exception cref="ArgumentException">Both a delay and a time are given.</exception>
    /// <exception cref="SluiceException">
    /// queue_full (transient: the queue is at its max length with overflow <c>reject</c>; back off and retry),
    /// message_too_large, invalid_argument (delay beyond 14 days, bad idempotency key or priority).
    /// </exception>
    ValueTask<Guid> EnqueueAsync<TJob>(TJob job, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The job's last recorded status, or <see langword="null"/> when none is known (unknown id, or older than <see cref="SluiceWorkerOptions.StatusRetention"/>).</summary>
    ValueTask<JobStatus?> GetStatusAsync(Guid jobId, CancellationToken cancellationToken = default);
}
