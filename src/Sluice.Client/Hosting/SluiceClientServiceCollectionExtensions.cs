using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Sluice.Client.Hosting;

/// <summary>Registers the Sluice SDK (<see cref="ISluiceClient"/>) in a service collection.</summary>
public static class SluiceClientServiceCollectionExtensions
{
    /// <summary>The configuration section the client's settings are read from: <c>Sluice:Client</c> (e.g. <c>Sluice__Client__Address</c> in the environment).</summary>
    public const string ConfigurationSection = "Sluice:Client";

    /// <summary>
    /// Registers a singleton <see cref="ISluiceClient"/> and its <see cref="SluiceClientOptions"/>. The client is
    /// remote (a server over gRPC) when <see cref="SluiceClientOptions.Address"/> is set, and in-process
    /// (<see cref="InProcessSluiceClient"/> over the registered <see cref="Broker"/>, from <c>services.AddSluice(...)</c>)
    /// when it is not. The order of <c>AddSluice</c> and <c>AddSluiceClient</c> does not matter.
    /// </summary>
    /// <remarks>
    /// Settings: the defaults of <see cref="SluiceClientOptions"/>, overridden by the <see cref="ConfigurationSection"/>
    /// section of the registered <see cref="IConfiguration"/> (keys named as the properties: <c>Address</c>,
    /// <c>PublishLinger</c> as <c>00:00:00.002</c>, <c>MaxPublishBatch</c>, ...), then by <paramref name="configure"/>.
    /// They are validated when the host starts (a hosted service builds the client), and a bad one fails the start
    /// with an <see cref="InvalidOperationException"/> naming the setting (<c>Sluice:Client:MaxPublishBatch</c>).
    /// Without a host, the first resolution of <see cref="ISluiceClient"/> validates them.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the settings after configuration was applied, e.g. <c>o =&gt; o with { PublishLinger = TimeSpan.Zero }</c>; default none.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddSluiceClient(this IServiceCollection services, Func<SluiceClientOptions, SluiceClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<SluiceClientOptions>(sp => BuildOptions(sp.GetService<IConfiguration>(), configure));
        services.TryAddSingleton<ISluiceClient>(static sp => CreateClient(sp, sp.GetRequiredService<SluiceClientOptions>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SluiceClientStartupCheck>());
        return services;
    }

    /// <summary>Defaults, then configuration, then <paramref name="configure"/>; validated.</summary>
    /// <exception cref="InvalidOperationException">A setting is malformed or out of range (the message names it).</exception>
    internal static SluiceClientOptions BuildOptions(IConfiguration? configuration, Func<SluiceClientOptions, SluiceClientOptions>? configure)
    {
        var options = new SluiceClientOptions();
        if (configuration?.GetSection(ConfigurationSection) is { } section && section.Exists())
        {
            // The binder's own errors name the key ("Failed to convert configuration value at 'Sluice:Client:PublishLinger'...").
            options = (section.Get<SluiceClientSettings>() ?? new SluiceClientSettings()).ApplyTo(options);
        }

        if (configure is not null)
        {
            options = configure(options) ?? throw new InvalidOperationException("the AddSluiceClient configure function returned null: return the options, e.g. o => o with { ... }");
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidOperationException(
                $"Sluice client setting '{ConfigurationSection}:{ex.ParamName}' is invalid (value {ex.ActualValue}): {ex.Message.Split(" (Parameter", 2)[0]}", ex);
        }

        return options;
    }

    private static ISluiceClient CreateClient(IServiceProvider services, SluiceClientOptions options)
    {
        if (options.Address is not null)
        {
            try
            {
                return new RemoteSluiceClient(options);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"Sluice client setting '{ConfigurationSection}:Address' is invalid: {ex.Message.Split(" (Parameter", 2)[0]}", ex);
            }
        }

        var broker = services.GetService<Broker>() ?? throw new InvalidOperationException(
            $"no Sluice broker is registered and {ConfigurationSection}:Address is not set: call services.AddSluice(...) to run the broker in " +
            $"this process, or set {ConfigurationSection}:Address (e.g. http://127.0.0.1:7481) to use a server");
        return new InProcessSluiceClient(broker, options);
    }

    /// <summary>Builds the client when the host starts, so that a bad setting fails the start rather than the first call.</summary>
    private sealed class SluiceClientStartupCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<ISluiceClient>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// The configuration's view of <see cref="SluiceClientOptions"/>: settable properties, so the source-generated
/// binder can fill them (it does not set <c>init</c> properties); a key that is absent keeps the option's value.
/// </summary>
internal sealed class SluiceClientSettings
{
    public Uri? Address { get; set; }

    public string? ApiKey { get; set; }

    public TimeSpan? PublishLinger { get; set; }

    public int? MaxPublishBatch { get; set; }

    public int? MaxPendingPublishes { get; set; }

    public TimeSpan? ReconnectMinBackoff { get; set; }

    public TimeSpan? ReconnectMaxBackoff { get; set; }

    public SluiceClientOptions ApplyTo(SluiceClientOptions options) => options with
    {
        Address = Address ?? options.Address,
        ApiKey = ApiKey ?? options.ApiKey,
        PublishLinger = PublishLinger ?? options.PublishLinger,
        MaxPublishBatch = MaxPublishBatch ?? options.MaxPublishBatch,
        MaxPendingPublishes = MaxPendingPublishes ?? options.MaxPendingPublishes,
        ReconnectMinBackoff = ReconnectMinBackoff ?? options.ReconnectMinBackoff,
        ReconnectMaxBackoff = ReconnectMaxBackoff ?? options.ReconnectMaxBackoff,
    };
}
