using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Sluice.Worker.Internal;

/// <summary>One registered job type, with its job as an <see cref="object"/> (the typed subclass does the typed work).</summary>
internal abstract class JobRegistration(string name, string queue, Type jobType, RetryPolicy retry)
{
    public string Name { get; } = name;

    public string Queue { get; } = queue;

    public Type JobType { get; } = jobType;

    public RetryPolicy Retry { get; } = retry;

    /// <summary>The limit's key and size for a job, or null when the type has no concurrency limit.</summary>
    public abstract (string Key, int Max)? ConcurrencyLimit(object job);

    public abstract (int Count, TimeSpan Period)? Rate { get; }

    public abstract string? ResultQueue { get; }

    public abstract object Deserialize(ReadOnlyMemory<byte> body);

    public abstract byte[] Serialize(object job);

    public abstract ValueTask RunAsync(IServiceProvider services, object job, JobContext context, CancellationToken cancellationToken);

    public abstract ValueTask ContinueAsync(Guid jobId, object job, JsonElement? result, IJobClient jobs, CancellationToken cancellationToken);
}

internal sealed class JobRegistration<TJob, THandler>(JobOptions<TJob> options, JsonTypeInfo<TJob> typeInfo, string queue)
    : JobRegistration(options.Name, queue, typeof(TJob), options.Retry)
    where THandler : class, IJobHandler<TJob>
{
    public override (string Key, int Max)? ConcurrencyLimit(object job) =>
        options.Concurrency is { } c ? (c.Key((TJob)job), c.Max) : null;

    public override (int Count, TimeSpan Period)? Rate => options.Rate;

    public override string? ResultQueue => options.ResultQueue;

    public override object Deserialize(ReadOnlyMemory<byte> body) =>
        JsonSerializer.Deserialize(body.Span, typeInfo) ?? throw new JsonException($"the body of a {Name} job is JSON null");

    public override byte[] Serialize(object job) => JsonSerializer.SerializeToUtf8Bytes((TJob)job, typeInfo);

    public override ValueTask RunAsync(IServiceProvider services, object job, JobContext context, CancellationToken cancellationToken) =>
        services.GetRequiredService<THandler>().HandleAsync((TJob)job, context, cancellationToken);

    public override async ValueTask ContinueAsync(Guid jobId, object job, JsonElement? result, IJobClient jobs, CancellationToken cancellationToken)
    {
        foreach (var next in options.Continuations)
        {
            await next(jobId, (TJob)job, result, jobs, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Every registered job type, by CLR type and by name.</summary>
internal sealed class JobRegistry
{
    private readonly Dictionary<Type, JobRegistration> _byType = [];
    private readonly Dictionary<string, JobRegistration> _byName = new(StringComparer.Ordinal);

    public JobRegistry(IReadOnlyList<JobRegistration> jobs)
    {
        foreach (var job in jobs)
        {
            if (!_byName.TryAdd(job.Name, job))
            {
                throw new ArgumentException($"two job types are named '{job.Name}': give one another name (JobOptions.Name)", nameof(jobs));
            }

            _byType[job.JobType] = job;
        }

        Queues = [.. jobs.Select(j => j.Queue).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The queues the registered job types go to.</summary>
    public IReadOnlyList<string> Queues { get; }

    public JobRegistration? Find(string name) => _byName.GetValueOrDefault(name);

    public JobRegistration For(Type type) => _byType.GetValueOrDefault(type)
        ?? throw new InvalidOperationException($"job type {type.Name} is not registered: add it with AddSluiceWorker(w => w.AddJob<{type.Name}, ...>(...))");
}
