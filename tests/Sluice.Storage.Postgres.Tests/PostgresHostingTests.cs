using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Hosting;

namespace Sluice.Storage.Postgres.Tests;

/// <summary><c>services.AddSluice(b => b.UsePostgres(connectionString))</c> inside real hosts: two hosts on one database see one set of queues.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresHostingTests(PostgresServer server) : IAsyncLifetime
{
    private readonly PostgresDatabase _database = new(server);

    public Task InitializeAsync() => _database.CreateAsync();

    public Task DisposeAsync() => _database.DropAsync();

    [Fact]
    public async Task AddSluice_UsePostgresInTwoHosts_APublishOnOneIsReceivedOnTheOther()
    {
        using var first = await StartHostAsync();
        using var second = await StartHostAsync();
        var a = first.Services.GetRequiredService<Broker>();
        var b = second.Services.GetRequiredService<Broker>();

        await a.CreateQueueAsync("jobs");
        await a.PublishAsync("jobs", new OutgoingMessage(Encoding.UTF8.GetBytes("hello")));
        var received = Assert.Single(await b.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = 10 }));
        await a.AckAsync("jobs", received.ReceiptHandle!);

        Assert.Equal("hello", Encoding.UTF8.GetString(received.Body.Span));
        var stats = await b.GetStatsAsync("jobs");
        Assert.Equal((0, 0, 0), (stats.Ready, stats.InFlight, stats.Delayed));
        await first.StopAsync();
        await second.StopAsync();
    }

    private async Task<IHost> StartHostAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSluice(b => b.UsePostgres(_database.ConnectionString));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
