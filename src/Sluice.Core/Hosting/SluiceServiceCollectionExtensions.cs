using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Hosting;

/// <summary>Configures the store and broker registered by <see cref="SluiceServiceCollectionExtensions.AddSluice"/>. Stores add <c>UseX</c> extensions.</summary>
public sealed class SluiceBuilder
{
    internal SluiceBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Broker limits and timings; default <see cref="BrokerOptions"/>.</summary>
    public BrokerOptions BrokerOptions { get; set; } = new();

    internal Func<IServiceProvider, TimeProvider, IQueueStore>? StoreFactory { get; private set; }

    /// <summary>Uses a store built by <paramref name="factory"/> (it receives the services and the clock).</summary>
    public SluiceBuilder UseStore(Func<IServiceProvider, TimeProvider, IQueueStore> factory)
    {
        StoreFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Uses the in-memory store (not durable). The default when no store is chosen.</summary>
    public SluiceBuilder UseInMemory() => UseStore(static (_, time) => new InMemoryMessageStore(time));
}

/// <summary>Registers Sluice in a service collection.</summary>
public static class SluiceServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="Broker"/> over the store chosen in <paramref name="configure"/> (default: in-memory),
    /// and a hosted service that starts it when the host starts and disposes it (with its store) when the host has stopped.
    /// The broker uses the registered <see cref="TimeProvider"/> (default <see cref="TimeProvider.System"/>).
    /// </summary>
    /// <remarks>
    /// The broker starts in the host's <see cref="IHostedLifecycleService.StartingAsync"/> phase, which runs before any
    /// hosted service's <see cref="IHostedService.StartAsync"/>: a <see cref="BackgroundService"/> or other hosted service
    /// can use the injected broker whether it was registered before or after <c>AddSluice</c>. Before the host starts
    /// (code in <c>Program.cs</c> ahead of <c>RunAsync</c>, another service's own <c>StartingAsync</c>), or without a host
    /// (a bare <c>ServiceProvider</c>), call <see cref="Broker.StartAsync"/> first: it is idempotent, and the host's start
    /// then finds it started. Using the broker unstarted throws <see cref="InvalidOperationException"/> saying so.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Chooses the store (<c>UseSqlite</c>, <c>UseInMemory</c>, <c>UseStore</c>) and broker options.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A broker option is out of range.</exception>
    public static IServiceCollection AddSluice(this IServiceCollection services, Action<SluiceBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new SluiceBuilder(services);
        configure?.Invoke(builder);
        var factory = builder.StoreFactory ?? ((_, time) => new InMemoryMessageStore(time));
        var options = builder.BrokerOptions;
        options.Validate();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            return new Broker(factory(sp, time), options, time, sp.GetService<ILogger<Broker>>());
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SluiceBrokerService>());
        return services;
    }
}
