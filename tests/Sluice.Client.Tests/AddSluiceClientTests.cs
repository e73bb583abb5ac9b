using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Client.Hosting;
using Sluice.Hosting;

namespace Sluice.Client.Tests;

public sealed class AddSluiceClientTests
{
    private static HostApplicationBuilder Builder(Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        return builder;
    }

    [Fact]
    public async Task AddSluiceClient_WithAddSluice_InProcessClientOverTheRegisteredBroker()
    {
        var builder = Builder();
        builder.Services.AddSluiceClient();
        builder.Services.AddSluice();
        using var host = builder.Build();
        await host.StartAsync();

        var client = Assert.IsType<InProcessSluiceClient>(host.Services.GetRequiredService<ISluiceClient>());
        Assert.Same(host.Services.GetRequiredService<Broker>(), client.Broker);
        await client.CreateQueueAsync("jobs");
        await client.PublishAsync("jobs", new OutgoingMessage("hi"u8.ToArray()));
        Assert.Single(await client.ReceiveAsync("jobs"));
        await host.StopAsync();
    }

    [Fact]
    public void AddSluiceClient_ConfigurationSection_SettingsBoundThenConfigureApplied()
    {
        var builder = Builder(new()
        {
            ["Sluice:Client:PublishLinger"] = "00:00:00.005",
            ["Sluice:Client:MaxPublishBatch"] = "50",
            ["Sluice:Client:MaxPendingPublishes"] = "20",
        });
        builder.Services.AddSluice();
        builder.Services.AddSluiceClient(o => o with { MaxPendingPublishes = 30 });
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<SluiceClientOptions>();

        Assert.Equal(TimeSpan.FromMilliseconds(5), options.PublishLinger);
        Assert.Equal(50, options.MaxPublishBatch);
        Assert.Equal(30, options.MaxPendingPublishes);
        Assert.Equal(new SluiceClientOptions().ReconnectMaxBackoff, options.ReconnectMaxBackoff);
    }

    [Fact]
    public async Task AddSluiceClient_SettingOutOfRange_HostStartFailsNamingTheSetting()
    {
        var builder = Builder(new() { ["Sluice:Client:MaxPublishBatch"] = "0" });
        builder.Services.AddSluice();
        builder.Services.AddSluiceClient();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Sluice:Client:MaxPublishBatch", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSluiceClient_SettingMalformed_HostStartFailsNamingTheSetting()
    {
        var builder = Builder(new() { ["Sluice:Client:PublishLinger"] = "soon" });
        builder.Services.AddSluice();
        builder.Services.AddSluiceClient();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Sluice:Client:PublishLinger", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSluiceClient_NoBrokerAndNoAddress_HostStartFailsSayingWhatToDo()
    {
        var builder = Builder();
        builder.Services.AddSluiceClient();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("services.AddSluice(...)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Sluice:Client:Address", error.Message, StringComparison.Ordinal);
    }
}
