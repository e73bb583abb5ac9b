using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Hosting;

namespace Sluice.Storage.Sqlite.Tests;

/// <summary>The README's DI line, <c>services.AddSluice(b => b.UseSqlite(path))</c>, inside a real host.</summary>
public sealed class SqliteHostingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-hosting-").FullName;

    private string DatabasePath => Path.Combine(_directory, "app.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AddSluice_UseSqliteInjectedIntoHostedService_OpensTheStoreBeforeFirstUse()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddHostedService<CreateQueueOnStart>();
        builder.Services.AddSluice(b => b.UseSqlite(DatabasePath));
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Equal("jobs", (await host.Services.GetRequiredService<Broker>().GetQueueAsync("jobs")).Name);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddSluice_UseSqliteStartedByHandToo_OpensTheDatabaseOnce()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSluice(b => b.UseSqlite(DatabasePath));
        using var host = builder.Build();
        // A second open of the same database in one process would be refused as "in use".
        await host.Services.GetRequiredService<Broker>().StartAsync();

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task AddSluice_HostStopped_ClosesTheDatabaseForTheNextOpener()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSluice(b => b.UseSqlite(DatabasePath));
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<Broker>().CreateQueueAsync("kept");

        await host.StopAsync();

        await using var next = new Broker(new SqliteMessageStore(new SqliteStoreOptions { Path = DatabasePath }));
        await next.StartAsync();
        Assert.Equal("kept", (await next.GetQueueAsync("kept")).Name);
    }

    [Fact]
    public async Task Operation_AfterStartFailed_ThrowsNamingTheStartFailure()
    {
        await using var first = new Broker(new SqliteMessageStore(new SqliteStoreOptions { Path = DatabasePath }));
        await first.StartAsync();
        await using var second = new Broker(new SqliteMessageStore(new SqliteStoreOptions { Path = DatabasePath }));
        await Assert.ThrowsAsync<SluiceException>(() => second.StartAsync());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await second.ListQueuesAsync());

        Assert.StartsWith($"the broker failed to start (database '{DatabasePath}' is in use by another Sluice process", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("): fix that and create a new Broker", ex.Message, StringComparison.Ordinal);
    }

    private sealed class CreateQueueOnStart(Broker broker) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken) => await broker.CreateQueueAsync("jobs", cancellationToken: cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
