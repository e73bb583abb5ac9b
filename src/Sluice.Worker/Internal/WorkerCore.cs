using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Client;

namespace Sluice.Worker.Internal;

/// <summary>
/// What the job client and the job runner share: the client, the registry, queue setup, status records and limits.
/// </summary>
internal sealed class WorkerCore
{
    /// <summary>The message attribute naming a job's type.</summary>
    public const string JobTypeAttribute = "sluice-job";

    private readonly ConcurrentDictionary<string, Lazy<Task>> _queues = new(StringComparer.Ordinal);
    private int _statusUnsupported;

    public WorkerCore(ISluiceClient client, JobRegistry registry, SluiceWorkerOptions options, TimeProvider time, ILogger? logger)
    {
        Client = client;
        Registry = registry;
        Options = options;
        Time = time;
        Logger = logger ?? NullLogger.Instance;
        Jobs = new JobClient(this);
        Limits = new LimitGate(this);
    }

    public ISluiceClient Client { get; }

    public JobRegistry Registry { get; }

    public SluiceWorkerOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public JobClient Jobs { get; }

    public LimitGate Limits { get; }

    /// <summary>The dead-letter queue the worker gives a job queue: <c>{queue}-dead</c>.</summary>
    public static string DeadLetterQueueOf(string queue) => queue.Length <= 75 ? $"{queue}-dead" : $"{queue[..75]}-dead";

    /// <summary>
    /// Creates a queue (once per process) with a dead-letter queue and the worker's lease as its visibility timeout;
    /// an existing queue keeps its options, and gets a dead-letter queue when it has none.
    /// </summary>
    public Task EnsureQueueAsync(string queue, CancellationToken cancellationToken) =>
        _queues.GetOrAdd(queue, q => new Lazy<Task>(() => CreateQueueAsync(q, cancellationToken))).Value;

    private async Task CreateQueueAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            var dlq = DeadLetterQueueOf(queue);
            var lease = Options.QueueOptions(queue).LeaseDuration;
            QueueInfo? existing = null;
            try
            {
                existing = await Client.GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueNotFound)
            {
            }

            if (existing?.Options.DeadLetterQueue is not null)
            {
                return;
            }

            await Client.CreateQueueAsync(dlq, new QueueOptions { RetentionPeriod = TimeSpan.FromDays(14) }, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                try
                {
                    await Client.CreateQueueAsync(queue, new QueueOptions { DeadLetterQueue = dlq, VisibilityTimeout = lease }, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueAlreadyExists)
                {
                    existing = await Client.GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
                    if (existing.Options.DeadLetterQueue is not null)
                    {
                        return;
                    }
                }
            }

            await Client.UpdateQueueAsync(queue, existing.Options with { DeadLetterQueue = dlq }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _queues.TryRemove(queue, out _); // try again next time
            throw;
        }
    }

    // ---- Status records ----

    public static string StatusKey(Guid jobId) => $"sluice-job/{jobId:N}";

    public async ValueTask<JobStatus?> ReadStatusAsync(Guid jobId, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _statusUnsupported) == 1)
        {
            return null;
        }

        try
        {
            var record = await Client.KeyValueGetAsync(StatusKey(jobId), cancellationToken).ConfigureAwait(false);
            return record is null ? null : JsonSerializer.Deserialize(record.Value.Span, WorkerJson.Default.JobStatus);
        }
        catch (Exception ex) when (ex is SluiceException or JsonException)
        {
            StatusError(ex);
            return null;
        }
    }

    /// <summary>Writes a status record (best effort: a failure is logged, never thrown). With <paramref name="onlyIfNew"/>, only when the job has none yet.</summary>
    public async ValueTask WriteStatusAsync(JobStatus status, bool onlyIfNew, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _statusUnsupported) == 1)
        {
            return;
        }

        try
        {
            var value = JsonSerializer.SerializeToUtf8Bytes(status with { UpdatedAt = Time.GetUtcNow() }, WorkerJson.Default.JobStatus);
            await Client.KeyValueSetAsync(StatusKey(status.JobId), value,
                new KeyValueWriteOptions { ExpectedVersion = onlyIfNew ? 0 : null, TimeToLive = Options.StatusRetention }, cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (onlyIfNew && ex.ErrorCode == ErrorCodes.VersionConflict)
        {
            // A worker wrote first (it already runs the job), or the enqueue was a duplicate: its status stands.
        }
        catch (SluiceException ex)
        {
            StatusError(ex);
        }
    }

    private void StatusError(Exception ex)
    {
        if (ex is SluiceException { ErrorCode: ErrorCodes.NotSupported })
        {
            Volatile.Write(ref _statusUnsupported, 1); // the store keeps no key-value records: status is not recorded
        }

        Log.StatusFailed(Logger, ex.Message);
    }
}
