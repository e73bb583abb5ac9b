using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests;

public class SluiceServerTests
{
    private static SluiceServerOptions Memory => new() { Store = SluiceServerOptions.MemoryStore, HttpUrl = "http://127.0.0.1:0", Auth = TestAuth.Off };

    [Fact]
    public void FromConfiguration_BindsSluiceSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Keys as the environment variable provider yields them (SLUICE__HTTPURL -> SLUICE:HTTPURL): case does not matter.
            ["SLUICE:HTTPURL"] = "http://127.0.0.1:9999",
            ["Sluice:DataDirectory"] = "/tmp/x",
            ["Sluice:Store"] = "memory",
            ["Sluice:Fsync"] = "false",
            ["Sluice:MaxRequestBodySize"] = "2048",
            ["Sluice:Broker:MaxBatchSize"] = "50",
            ["Sluice:Broker:MaxWaitTime"] = "00:00:05",
        }).Build();

        var options = SluiceServerOptions.FromConfiguration(configuration);

        Assert.Equal("http://127.0.0.1:9999", options.HttpUrl);
        Assert.Equal("/tmp/x", options.DataDirectory);
        Assert.Equal("memory", options.Store);
        Assert.False(options.Fsync);
        Assert.Equal(2048, options.MaxRequestBodySize);
        Assert.Equal(50, options.Broker.MaxBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Broker.MaxWaitTime);
        options.Validate();
    }

    [Fact]
    public void FromConfiguration_Empty_KeepsDefaults()
    {
        var options = SluiceServerOptions.FromConfiguration(new ConfigurationBuilder().Build());

        Assert.Equal(new SluiceServerOptions(), options with { Broker = options.Broker });
        Assert.Equal("http://127.0.0.1:7480", options.HttpUrl);
        Assert.Equal("./sluice-data", options.DataDirectory);
        Assert.Equal("log", options.Store);
        Assert.True(options.Fsync);
        Assert.Equal(16 * 1024 * 1024, options.MaxRequestBodySize);
    }

    [Fact]
    public void FromConfiguration_UnconvertibleValue_NamesSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sluice:Fsync"] = "maybe" }).Build();
        var error = Assert.Throws<ArgumentException>(() => SluiceServerOptions.FromConfiguration(configuration));
        Assert.Contains("Sluice:Fsync", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HttpUrl", "not a url")]
    [InlineData("HttpUrl", "https://127.0.0.1:7480")]
    [InlineData("HttpUrl", "http://localhost:0")]
    [InlineData("Store", "mysql")]
    [InlineData("ConnectionString", "Host=db;Database=sluice")]
    [InlineData("NodeId", "a b")]
    [InlineData("NodeHeartbeatInterval", "00:00:00.5")]
    [InlineData("MaxRequestBodySize", "10")]
    [InlineData("Broker:MaxBatchSize", "0")]
    public async Task StartAsync_InvalidSetting_ThrowsNamingSetting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sluice:Store"] = "memory",
            ["Sluice:HttpUrl"] = "http://127.0.0.1:0",
            ["Sluice:" + key] = value,
        }).Build();
        await using var server = new SluiceServer(SluiceServerOptions.FromConfiguration(configuration), NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => server.StartAsync());

        Assert.Equal("Sluice:" + key, error.ParamName);
        Assert.Contains("Sluice:" + key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PortZero_ReportsRealPortAndServes()
    {
        await using var server = new SluiceServer(Memory, NullLoggerFactory.Instance);
        Assert.Throws<InvalidOperationException>(() => server.HttpAddress);
        Assert.Throws<InvalidOperationException>(() => server.Broker);

        await server.StartAsync();

        Assert.NotEqual(0, server.HttpAddress.Port);
        Assert.Equal("127.0.0.1", server.HttpAddress.Host);
        Assert.Contains(server.HttpAddress, server.Urls);
        using var client = new HttpClient { BaseAddress = server.HttpAddress };
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
        await server.Broker.CreateQueueAsync("embedded");
        Assert.Contains("embedded", await client.GetStringAsync("/v1/queues"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_Twice_Throws()
    {
        await using var server = new SluiceServer(Memory, NullLoggerFactory.Instance);
        await server.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
    }

    [Fact]
    public async Task StartAsync_PortInUse_ThrowsNamingHttpUrl()
    {
        await using var first = new SluiceServer(Memory, NullLoggerFactory.Instance);
        await first.StartAsync();
        await using var second = new SluiceServer(Memory with { HttpUrl = first.HttpAddress.ToString() }, NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());
        Assert.Contains("Sluice:HttpUrl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_EndsLongPollEmptyAndIsIdempotent()
    {
        var server = new SluiceServer(Memory, NullLoggerFactory.Instance);
        await server.StartAsync();
        await server.Broker.CreateQueueAsync("waiting");
        using var client = new HttpClient { BaseAddress = server.HttpAddress };

        var receive = client.PostAsync("/v1/queues/waiting/messages/receive",
            new StringContent("""{"waitTimeSeconds":20}""", Encoding.UTF8, "application/json"));
        await WaitForReceiverAsync(server.Broker, "waiting");
        await server.StopAsync();
        await server.StopAsync();
        await server.DisposeAsync();

        using var response = await receive;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"messages":[]}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MaxRequestBodySize_IsEnforced()
    {
        await using var server = new SluiceServer(Memory with { MaxRequestBodySize = 1024 }, NullLoggerFactory.Instance);
        await server.StartAsync();
        await server.Broker.CreateQueueAsync("small");
        using var client = new HttpClient { BaseAddress = server.HttpAddress };

        using var response = await client.PostAsync("/v1/queues/small/messages",
            new StringContent($$"""{"body":"{{new string('x', 2000)}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("request_too_large", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await server.Broker.PeekAsync("small"));
    }

    /// <summary>Waits until the broker reports a long-polling receiver (an event, not a timing guess).</summary>
    private static async Task WaitForReceiverAsync(Broker broker, string queue)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (broker.GetWaitingReceiverCount(queue) == 0)
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }
}
