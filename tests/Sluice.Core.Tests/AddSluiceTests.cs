using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Sluice.Hosting;
using Sluice.InMemory;

namespace Sluice.Core.Tests;

public class AddSluiceTests
{
    [Fact]
    public async Task AddSluice_Default_ResolvesOneBrokerOnTheRegisteredClock()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).AddSluice();
        await using var provider = services.BuildServiceProvider();
        var broker = provider.GetRequiredService<Broker>();
        Assert.Same(broker, provider.GetRequiredService<Broker>());
        Assert.IsType<InMemoryMessageStore>(broker.Store);
        await broker.StartAsync();
        await broker.CreateQueueAsync("q");
        Assert.Equal(time.GetUtcNow(), (await broker.GetQueueAsync("q")).CreatedAt);
    }

    [Fact]
    public void AddSluice_BadBrokerOptions_ThrowsAtRegistration() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddSluice(b => b.BrokerOptions = new BrokerOptions { MaxWaitTime = TimeSpan.FromHours(1) }));

    [Fact]
    public async Task AddSluice_HostedServiceRegisteredBeforeIt_FindsTheBrokerStarted()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddHostedService<PublishOnStart>();
        builder.Services.AddSluice();
        using var host = builder.Build();

        await host.StartAsync();

        var broker = host.Services.GetRequiredService<Broker>();
        Assert.True(broker.IsStarted);
        Assert.Equal(1, (await broker.GetStatsAsync("jobs")).Ready);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddSluice_BackgroundServiceRegisteredAfterIt_PublishesAndReceives()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSluice();
        builder.Services.AddSingleton<RoundTrip>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RoundTrip>());
        using var host = builder.Build();

        await host.StartAsync();
        var body = await host.Services.GetRequiredService<RoundTrip>().Received.Task;

        Assert.Equal("hello", body);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddSluice_HostStopped_DisposesTheBroker()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSluice();
        using var host = builder.Build();
        await host.StartAsync();
        var broker = host.Services.GetRequiredService<Broker>();

        await host.StopAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => broker.StartAsync());
    }

    [Fact]
    public async Task AddSluice_StartedByHandBeforeTheHost_HostStartStillSucceeds()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSluice();
        using var host = builder.Build();
        var broker = host.Services.GetRequiredService<Broker>();
        await broker.StartAsync();
        await broker.CreateQueueAsync("early");

        await host.StartAsync();

        Assert.Equal("early", (await broker.GetQueueAsync("early")).Name);
        await host.StopAsync();
    }

    [Fact]
    public void AddSluice_CalledTwice_RegistersOneStarter()
    {
        var services = new ServiceCollection().AddSluice().AddSluice();
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    private sealed class PublishOnStart(Broker broker) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await broker.CreateQueueAsync("jobs", cancellationToken: cancellationToken);
            await broker.PublishAsync("jobs", new OutgoingMessage("hi"u8.ToArray()), cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RoundTrip(Broker broker) : BackgroundService
    {
        public TaskCompletionSource<string> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                await broker.CreateQueueAsync("jobs", cancellationToken: stoppingToken);
                await broker.PublishAsync("jobs", new OutgoingMessage("hello"u8.ToArray()), stoppingToken);
                var message = Assert.Single(await broker.ReceiveAsync("jobs", cancellationToken: stoppingToken));
                await broker.AckAsync("jobs", message.ReceiptHandle!, stoppingToken);
                Received.SetResult(System.Text.Encoding.UTF8.GetString(message.Body.Span));
            }
            catch (Exception ex)
            {
                Received.SetException(ex);
            }
        }
    }
}
