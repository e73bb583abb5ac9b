using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Sluice.Client;
using Sluice.Worker.Recurring;

namespace Sluice.Worker.Tests.Recurring;

/// <summary>Recurring jobs registered with AddRecurringJob and run by the worker's hosted services, two processes over one broker.</summary>
public sealed class AddRecurringJobTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Noon);
    private readonly Probe _probe = new();
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<IHostedService> _started = [];
    private Broker _broker = null!;
    private InProcessSluiceClient _client = null!;

    public async Task InitializeAsync()
    {
        _broker = new Broker(new InMemory.InMemoryMessageStore(_time), new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, _time);
        await _broker.StartAsync();
        _client = new InProcessSluiceClient(_broker);
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _started)
        {
            await service.StopAsync(CancellationToken.None);
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _broker.DisposeAsync();
    }

    private ServiceProvider Process(string workerId, Action<SluiceWorkerBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(_probe);
        services.AddSingleton<ISluiceClient>(_client);
        services.AddLogging();
        services.AddSluiceWorker(w =>
        {
            w.JsonContext = TestJson.Default;
            w.Options.WorkerId = workerId;
            configure(w);
        });
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    private async Task StartAsync(ServiceProvider provider)
    {
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
            _started.Add(service);
        }
    }

    private static void Hourly(SluiceWorkerBuilder w) => w
        .AddJob<TestJob, TestJobHandler>()
        .AddRecurringJob("hourly", "0 * * * *", TimeZoneInfo.Utc, occurrence => new TestJob($"tick {occurrence:HH}"));

    [Fact]
    public async Task AddRecurringJob_TwoProcesses_EachOccurrenceRunsOnce()
    {
        await StartAsync(Process("worker-1", Hourly));
        await StartAsync(Process("worker-2", Hourly));
        await WorkerHarness.WaitUntilAsync(async () => await _client.KeyValueGetAsync("sluice-cron/hourly") is not null, "a scheduler recorded the job's state");

        _time.SetUtcNow(Noon.AddHours(1));
        await WorkerHarness.WaitUntilAsync(() => _probe.Completed.Contains("tick 13"), "the 13:00 job ran");
        _time.SetUtcNow(Noon.AddHours(2));
        await WorkerHarness.WaitUntilAsync(() => _probe.Completed.Contains("tick 14"), "the 14:00 job ran");

        Assert.Equal(1, _probe.RunsOf("tick 13"));
        Assert.Equal(1, _probe.RunsOf("tick 14"));
        Assert.DoesNotContain(_probe.Runs, r => r.Name == "tick 12"); // registered at 12:00: nothing before
    }

    [Fact]
    public async Task AddRecurringJob_JobTypeNotRegistered_HostStartFailsNamingIt()
    {
        var provider = Process("worker-1", w => w.AddRecurringJob("orphan", "0 * * * *", null, _ => new FollowUpJob("x", 1)));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(provider));

        Assert.Contains(nameof(FollowUpJob), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRecurringJob_InvalidArguments_ThrowAtRegistration()
    {
        Assert.Contains("'61 * * * *'", Assert.Throws<ArgumentException>(() => Process("w", w => w.AddRecurringJob("a", "61 * * * *", null, _ => new TestJob("x")))).Message, StringComparison.Ordinal);
        Assert.Contains("1-80 characters", Assert.Throws<ArgumentException>(() => Process("w", w => w.AddRecurringJob("a b", "0 * * * *", null, _ => new TestJob("x")))).Message, StringComparison.Ordinal);
        Assert.Contains("registered already", Assert.Throws<ArgumentException>(() => Process("w", w => w
            .AddRecurringJob("a", "0 * * * *", null, _ => new TestJob("x"))
            .AddRecurringJob("a", "0 9 * * *", null, _ => new TestJob("y")))).Message, StringComparison.Ordinal);
        Assert.Equal("ClaimTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => Process("w", w => w
            .AddRecurringJob("a", "0 * * * *", null, _ => new TestJob("x"), o => o.ClaimTimeout = TimeSpan.FromMinutes(5)))).ParamName);
    }
}
