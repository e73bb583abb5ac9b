using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Faces.Rest;
using Sluice.Faces.Sqs;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>
/// Errors under stress, in each face's own shape: a body that arrives too slowly (408), a store whose disk is full or
/// whose files fail (no storage-engine text reaches the client; the cause is in the server log).
/// </summary>
public sealed class ErrorShapeTests : IClassFixture<ErrorShapeTests.Fixture>
{
    private const string SqliteText = "SQLite Error 13: 'database or disk is full'.";
    private readonly Fixture _fixture;

    public ErrorShapeTests(Fixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Rest_SlowBody_Is408RequestTimeoutProblem()
    {
        var (status, headers, body) = await SendStalledAsync($"POST /v1/queues/{Fixture.Queue}/messages HTTP/1.1", "Content-Type: application/json");

        Assert.Equal(408, status);
        Assert.Contains("content-type: application/problem+json", headers, StringComparison.OrdinalIgnoreCase);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("request_timeout", problem.RootElement.GetProperty("code").GetString());
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains("arrived too slowly", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("MinRequestBodyDataRate", detail, StringComparison.Ordinal);
        Assert.Equal(0, (await _fixture.Broker.GetStatsAsync(Fixture.Queue)).Ready);
    }

    [Fact]
    public async Task SqsJson_SlowBody_Is408InSqsShape()
    {
        var (status, headers, body) = await SendStalledAsync("POST / HTTP/1.1", "Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS.ListQueues");

        Assert.Equal(408, status);
        Assert.Contains("content-type: application/x-amz-json-1.0", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-amzn-query-error: RequestTimeout;Sender", headers, StringComparison.OrdinalIgnoreCase);
        using var error = JsonDocument.Parse(body);
        Assert.Equal("com.amazonaws.sqs#RequestTimeout", error.RootElement.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task SqsQuery_SlowBody_Is408InSqsXml()
    {
        var (status, headers, body) = await SendStalledAsync("POST / HTTP/1.1", "Content-Type: application/x-www-form-urlencoded");

        Assert.Equal(408, status);
        Assert.Contains("content-type: text/xml", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<Code>RequestTimeout</Code>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqsJson_BodyOverTheLimit_IsAnsweredInSqsShapeNamingTheLimit()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent($$"""{"QueueUrl":"{{_fixture.BaseAddress}}000000000000/{{Fixture.Queue}}","MessageBody":"{{new string('x', 5000)}}"}""", Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Headers.Add("X-Amz-Target", "AmazonSQS.SendMessage");
        using var response = await _fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("com.amazonaws.sqs#RequestEntityTooLarge", error.RootElement.GetProperty("__type").GetString());
        Assert.Contains($"at most {Fixture.MaxRequestBodySize} bytes", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await _fixture.Broker.GetStatsAsync(Fixture.Queue)).Ready);
    }

    [Fact]
    public async Task Rest_DiskFull_Is507StorageFull_WithoutSqliteText_AndLoggedAsStorageFull()
    {
        using var response = await _fixture.Client.PostAsync($"/v1/queues/{Fixture.FullQueue}/messages",
            new StringContent("""{"body":"x"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("SQLite", text, StringComparison.OrdinalIgnoreCase);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal("storage_full", problem.RootElement.GetProperty("code").GetString());
        Assert.Contains("storage is full", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3024 && e.Message.Contains($"POST /v1/queues/{Fixture.FullQueue}/messages", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("failed: storage full", entry.Message, StringComparison.Ordinal);
        Assert.Contains("disk is full", entry.Exception?.InnerException?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Logs.Entries, e => e.Message.Contains("service unavailable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rest_StorageFailed_Is503StorageFailed_WithoutSqliteText_AndLoggedAsStorageFailed()
    {
        using var response = await _fixture.Client.DeleteAsync($"/v1/queues/{Fixture.FullQueue}/messages");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("SQLite", text, StringComparison.OrdinalIgnoreCase);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal("storage_failed", problem.RootElement.GetProperty("code").GetString());
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3025 && e.Message.Contains($"DELETE /v1/queues/{Fixture.FullQueue}/messages", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("failed: storage failed", entry.Message, StringComparison.Ordinal);
        Assert.Contains("readonly database", entry.Exception?.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqs_DiskFull_IsServiceUnavailable_WithoutSqliteText_AndLoggedAsStorageFull()
    {
        using var response = await SqsAsync("SendMessage", $$"""{"QueueUrl":"{{_fixture.BaseAddress}}000000000000/{{Fixture.FullQueue}}","MessageBody":"x"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("SQLite", text, StringComparison.OrdinalIgnoreCase);
        using var error = JsonDocument.Parse(text);
        Assert.Equal("com.amazonaws.sqs#ServiceUnavailable", error.RootElement.GetProperty("__type").GetString());
        var requestId = Assert.Single(response.Headers.GetValues("x-amzn-RequestId"));
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3106 && e.Message.Contains(requestId, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("SendMessage failed: storage full", entry.Message, StringComparison.Ordinal);
        Assert.Contains("disk is full", entry.Exception?.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqs_StorageFailed_IsServiceUnavailable_AndLoggedAsStorageFailed()
    {
        using var response = await SqsAsync("PurgeQueue", $$"""{"QueueUrl":"{{_fixture.BaseAddress}}000000000000/{{Fixture.FullQueue}}"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("x-amzn-RequestId"));
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3107 && e.Message.Contains(requestId, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("PurgeQueue failed: storage failed", entry.Message, StringComparison.Ordinal);
        Assert.Contains("readonly database", entry.Exception?.InnerException?.Message, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SqsAsync(string action, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        return await _fixture.Client.SendAsync(request);
    }

    /// <summary>Sends a request whose body announces 1000 bytes and stops after 10, then reads the whole answer.</summary>
    private async Task<(int Status, string Headers, string Body)> SendStalledAsync(string requestLine, params string[] headers)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_fixture.Address.Host, _fixture.Address.Port);
        var stream = tcp.GetStream();
        var head = $"{requestLine}\r\nHost: {_fixture.Address.Authority}\r\n{string.Join("\r\n", headers)}\r\nContent-Length: 1000\r\n\r\n" + "{\"body\":\"x";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.FlushAsync();

        // Kestrel answers once the body rate falls below the minimum (after its grace period), then closes.
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var statusLine = response[..response.IndexOf("\r\n", StringComparison.Ordinal)];
        var body = response[(split + 4)..];
        if (response[..split].Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return (int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), response[..split], body);
    }

    private static string Unchunk(string chunked)
    {
        var result = new StringBuilder();
        var at = 0;
        while (true)
        {
            var end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..end], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public const string Queue = "slow";
        public const string FullQueue = "full";
        public const long MaxRequestBodySize = 4096;
        private WebApplication _app = null!;

        public HttpClient Client { get; private set; } = null!;

        public Uri Address { get; private set; } = null!;

        public string BaseAddress => Address.ToString();

        public Broker Broker { get; private set; } = null!;

        public ServiceErrorTests.LogSink Logs { get; } = new();

        public async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(Logs);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            // A short grace period keeps the slow-body tests short; the rule is the same as the default's.
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 100, gracePeriod: TimeSpan.FromSeconds(2));
                k.Limits.MaxRequestBodySize = MaxRequestBodySize;
            });
            builder.Services.AddSluiceRestApi();
            _app = builder.Build();
            Broker = new Broker(new FullStore(new InMemoryMessageStore()));
            await Broker.StartAsync();
            await Broker.CreateQueueAsync(Queue, new QueueOptions());
            await Broker.CreateQueueAsync(FullQueue, new QueueOptions());
            _app.UseSluiceSqs(Broker, new SqsOptions(), otherFacePaths: SluiceRestApiExtensions.OwnsPath);
            _app.MapSluiceRestApi(Broker);
            await _app.StartAsync();
            Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
            Client = new HttpClient { BaseAddress = Address };
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            await _app.DisposeAsync();
            await Broker.DisposeAsync();
        }
    }

    /// <summary>
    /// A store whose disk is full for the queue "full" (publish fails as the SQLite store reports it) and whose files
    /// fail on purge; the rest passes through.
    /// </summary>
    private sealed class FullStore(IQueueStore inner) : DelegatingStore(inner)
    {
        public override ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
            queue == Fixture.FullQueue
                ? throw StoreErrors.StorageFull(new SqliteException(SqliteText, 13))
                : base.PublishAsync(queue, messages, cancellationToken);

        public override ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default) =>
            throw StoreErrors.StorageFailed(new SqliteException("SQLite Error 8: 'attempt to write a readonly database'.", 8));
    }
}
