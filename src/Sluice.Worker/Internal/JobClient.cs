namespace Sluice.Worker.Internal;

/// <summary>The <see cref="IJobClient"/>: a job is a message whose body is the job's JSON and whose <see cref="WorkerCore.JobTypeAttribute"/> names its type.</summary>
internal sealed class JobClient(WorkerCore core) : IJobClient
{
    public async ValueTask<Guid> EnqueueAsync<TJob>(TJob job, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        options ??= new EnqueueOptions();
        var registration = core.Registry.For(typeof(TJob));
        if (options.Delay is not null && options.RunAt is not null)
        {
            throw new ArgumentException("give a Delay or a RunAt, not both", nameof(options));
        }

        var now = core.Time.GetUtcNow();
        var delay = options.Delay ?? (options.RunAt is { } at ? at - now : null);
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        await core.EnsureQueueAsync(registration.Queue, cancellationToken).ConfigureAwait(false);
        var message = new OutgoingMessage(registration.Serialize(job))
        {
            Attributes = new Dictionary<string, MessageAttributeValue> { [WorkerCore.JobTypeAttribute] = MessageAttributeValue.FromString(registration.Name) },
            Delay = delay,
            DeduplicationId = options.IdempotencyKey,
            Priority = options.Priority,
        };
        var result = await core.Client.PublishAsync(registration.Queue, message, cancellationToken).ConfigureAwait(false);
        if (!result.Duplicate)
        {
            var scheduled = delay > TimeSpan.Zero;
            await core.WriteStatusAsync(new JobStatus
            {
                JobId = result.MessageId,
                JobType = registration.Name,
                Queue = registration.Queue,
                State = scheduled ? JobState.Scheduled : JobState.Enqueued,
                RunAt = scheduled ? now + delay : null,
            }, onlyIfNew: true, cancellationToken).ConfigureAwait(false);
        }

        return result.MessageId;
    }

    public ValueTask<JobStatus?> GetStatusAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        core.ReadStatusAsync(jobId, cancellationToken);
}
