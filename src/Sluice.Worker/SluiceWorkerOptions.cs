namespace Sluice.Worker;

/// <summary>Settings of the Sluice background-job worker, set in <c>AddSluiceWorker</c>.</summary>
public sealed class SluiceWorkerOptions
{
    /// <summary>The queue a job type goes to when its registration names none. Default <c>"jobs"</c>.</summary>
    public string DefaultQueue { get; set; } = "jobs";

    /// <summary>
    /// This worker's name in job status and failure histories. Default <c>host/pid</c> (machine name and process id).
    /// </summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// Whether this process runs jobs (a hosted service consumes the job queues). Default <see langword="true"/>;
    /// <see langword="false"/> for a process that only enqueues (<see cref="IJobClient"/>) and reads status.
    /// </summary>
    public bool RunJobs { get; set; } = true;

    /// <summary>
    /// At shutdown, how long in-flight jobs may run on after fetching stops; then their tokens are cancelled and their
    /// messages released at once (nack, no delay) so another worker takes them. Default 30 seconds; 0 to 1 hour.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a job's status record is kept after its last change. Default 7 days; 1 minute to 365 days.</summary>
    public TimeSpan StatusRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a job that cannot start because of a limit (<see cref="JobOptions{TJob}.LimitConcurrency"/>,
    /// <see cref="JobOptions{TJob}.LimitRate"/>) waits before it is offered again: its message is released with this delay
    /// (times a random factor from 1 to 2, so waiting jobs do not return together). Default 1 second; 10 milliseconds to 1 minute.
    /// </summary>
    public TimeSpan LimitRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Per-queue settings by queue name; a queue not listed uses <see cref="WorkerQueueOptions"/>' defaults.</summary>
    public IDictionary<string, WorkerQueueOptions> Queues { get; } = new Dictionary<string, WorkerQueueOptions>(StringComparer.Ordinal);

    /// <summary>The settings of <paramref name="queue"/>.</summary>
    public WorkerQueueOptions QueueOptions(string queue) => Queues.TryGetValue(queue, out var o) ? o : WorkerQueueOptions.Default;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DefaultQueue);
        ArgumentException.ThrowIfNullOrWhiteSpace(WorkerId);
        if (ShutdownTimeout < TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownTimeout), ShutdownTimeout, "ShutdownTimeout must be 0 to 1 hour");
        }

        if (StatusRetention < TimeSpan.FromMinutes(1) || StatusRetention > TimeSpan.FromDays(365))
        {
            throw new ArgumentOutOfRangeException(nameof(StatusRetention), StatusRetention, "StatusRetention must be 1 minute to 365 days");
        }

        if (LimitRetryDelay < TimeSpan.FromMilliseconds(10) || LimitRetryDelay > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(LimitRetryDelay), LimitRetryDelay, "LimitRetryDelay must be 10 milliseconds to 1 minute");
        }

        foreach (var (name, queue) in Queues)
        {
            try
            {
                queue.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new ArgumentOutOfRangeException($"Queues[{name}].{ex.ParamName}", ex.ActualValue, $"queue '{name}': {ex.Message}");
            }
        }
    }
}

/// <summary>How the worker consumes one queue.</summary>
public sealed record WorkerQueueOptions
{
    internal static readonly WorkerQueueOptions Default = new();

    /// <summary>Most jobs of this queue running at once in this process. Default 4; 1 to 1,000.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>
    /// Most messages leased ahead and not yet settled (the consume credit, <see cref="Client.ConsumeOptions.Prefetch"/>),
    /// running jobs included; at least <see cref="Concurrency"/>. Default: <see cref="Concurrency"/>; up to 1,000.
    /// Leases of prefetched messages are heartbeated while they wait.
    /// </summary>
    public int? Prefetch { get; init; }

    /// <summary>
    /// The lease of each job's message. A running job heartbeats it every <see cref="HeartbeatInterval"/>, so a job may
    /// run much longer; a crashed worker's jobs come back this long after its last heartbeat. Default 30 seconds;
    /// 1 second to 12 hours.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a lease is extended. Default: a third of <see cref="LeaseDuration"/>; above 0.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }

    internal int EffectivePrefetch => Math.Max(Prefetch ?? Concurrency, Concurrency);

    internal TimeSpan EffectiveHeartbeat => HeartbeatInterval ?? LeaseDuration / 3;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Concurrency is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "Concurrency must be 1 to 1000");
        }

        if (Prefetch is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "Prefetch must be 1 to 1000");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromHours(12))
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration, "LeaseDuration must be 1 second to 12 hours");
        }

        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), HeartbeatInterval, "HeartbeatInterval must be above 0");
        }
    }
}
