using Microsoft.Extensions.Hosting;

namespace Sluice.Hosting;

/// <summary>
/// Starts the <see cref="Broker"/> registered by <see cref="SluiceServiceCollectionExtensions.AddSluice"/> with the host
/// and disposes it when the host has stopped. It starts in <see cref="StartingAsync"/>, which a host runs for every
/// lifecycle service before any hosted service's <see cref="IHostedService.StartAsync"/>, so hosted services (a
/// <see cref="BackgroundService"/>, ...) find it started whatever their registration order. It is disposed in
/// <see cref="StoppedAsync"/>, after every hosted service has stopped.
/// </summary>
internal sealed class SluiceBrokerService(Broker broker) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => broker.StartAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await broker.DisposeAsync().ConfigureAwait(false);
}
