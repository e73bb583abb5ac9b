using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Client;
using Sluice.Worker.Internal;

namespace Sluice.Worker;

/// <summary>Registers job types and sets worker options; given to <see cref="SluiceWorkerServiceCollectionExtensions.AddSluiceWorker"/>.</summary>
public sealed class SluiceWorkerBuilder
{
    private readonly List<Func<SluiceWorkerOptions, JobRegistration>> _jobs = [];

    internal SluiceWorkerBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection (handlers are registered in it as scoped services).</summary>
    public IServiceCollection Services { get; }

    /// <summary>Worker settings.</summary>
    public SluiceWorkerOptions Options { get; } = new();

    /// <summary>
    /// Source-generated JSON metadata (a <c>JsonSerializerContext</c>) that <see cref="AddJob{TJob, THandler}(Action{JobOptions{TJob}}?)"/>
    /// takes job types from when no <see cref="JsonTypeInfo{T}"/> is given. Default none.
    /// </summary>
    public IJsonTypeInfoResolver? JsonContext { get; set; }

    /// <summary>Registers job type <typeparamref name="TJob"/>, run by <typeparamref name="THandler"/>, serialized with metadata from <see cref="JsonContext"/>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="JsonContext"/> is not set or has no metadata for <typeparamref name="TJob"/>.</exception>
    public SluiceWorkerBuilder AddJob<TJob, THandler>(Action<JobOptions<TJob>>? configure = null)
        where THandler : class, IJobHandler<TJob>
    {
        var typeInfo = JsonContext?.GetTypeInfo(typeof(TJob), System.Text.Json.JsonSerializerOptions.Default) as JsonTypeInfo<TJob>
            ?? throw new InvalidOperationException($"no JSON metadata for job type {typeof(TJob).Name}: set JsonContext to a JsonSerializerContext with [JsonSerializable(typeof({typeof(TJob).Name}))], or pass its JsonTypeInfo");
        return AddJob<TJob, THandler>(typeInfo, configure);
    }

    /// <summary>Registers job type <typeparamref name="TJob"/>, run by <typeparamref name="THandler"/>, serialized with <paramref name="typeInfo"/>.</summary>
    /// <exception cref="ArgumentException">The job type's name is registered already.</exception>
    public SluiceWorkerBuilder AddJob<TJob, THandler>(JsonTypeInfo<TJob> typeInfo, Action<JobOptions<TJob>>? configure = null)
        where THandler : class, IJobHandler<TJob>
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var options = new JobOptions<TJob>();
        configure?.Invoke(options);
        options.Retry.Validate();
        Services.TryAddScoped<THandler>();
        _jobs.Add(worker => new JobRegistration<TJob, THandler>(options, typeInfo, options.Queue ?? worker.DefaultQueue));
        return this;
    }

    /// <summary>Sets how the worker consumes <paramref name="queue"/> (concurrency, prefetch, lease).</summary>
    public SluiceWorkerBuilder ConfigureQueue(string queue, WorkerQueueOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentNullException.ThrowIfNull(options);
        Options.Queues[queue] = options;
        return this;
    }

    internal JobRegistry Build()
    {
        Options.Validate();
        return new JobRegistry([.. _jobs.Select(j => j(Options))]);
    }
}

/// <summary>Registers the Sluice worker.</summary>
public static class SluiceWorkerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the job types of <paramref name="configure"/>, an <see cref="IJobClient"/> to enqueue them and read
    /// their status, and (unless <see cref="SluiceWorkerOptions.RunJobs"/> is off) a hosted service that runs them. The
    /// worker talks to Sluice only through the registered <see cref="ISluiceClient"/>; when none is registered it uses an
    /// <see cref="InProcessSluiceClient"/> over the registered <see cref="Broker"/> (<c>services.AddSluice(...)</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="ArgumentException">Two job types share a name.</exception>
    public static IServiceCollection AddSluiceWorker(this IServiceCollection services, Action<SluiceWorkerBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new SluiceWorkerBuilder(services);
        configure(builder);
        var registry = builder.Build();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISluiceClient>(sp => new InProcessSluiceClient(sp.GetRequiredService<Broker>()));
        services.AddSingleton(builder.Options);
        services.AddSingleton(registry);
        services.AddSingleton(sp => new WorkerCore(sp.GetRequiredService<ISluiceClient>(), registry, builder.Options,
            sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<WorkerCore>>()));
        services.AddSingleton<IJobClient>(sp => sp.GetRequiredService<WorkerCore>().Jobs);
        if (builder.Options.RunJobs)
        {
            services.AddSingleton<IHostedService>(sp => new SluiceWorkerService(sp.GetRequiredService<WorkerCore>(), sp.GetRequiredService<IServiceScopeFactory>()));
        }

        return services;
    }
}
