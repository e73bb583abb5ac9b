using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Faces.Rest;
using Sluice.Faces.Sqs;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>
/// internal_error and unavailable from the store, through both faces: internals never reach the client, the answer
/// carries a trace / request id, and the failure is in the server log.
/// </summary>
public sealed class ServiceErrorTests : IClassFixture<ServiceErrorTests.Fixture>
{
    private const string Secret = "secret sqlite detail";
    private readonly Fixture _fixture;

    public ServiceErrorTests(Fixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Rest_InternalError_HidesDetail_CarriesTraceId_AndIsLoggedAsError()
    {
        using var response = await _fixture.Client.GetAsync("/v1/queues");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal("internal_error", problem.RootElement.GetProperty("code").GetString());
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3022);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains(Secret, entry.Exception!.Message, StringComparison.Ordinal);
        var traceId = entry.Message[(entry.Message.IndexOf("(trace ", StringComparison.Ordinal) + 7)..^1];
        Assert.Contains($"trace id {traceId}", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_Unavailable_KeepsMessage_AndIsLoggedAsWarning()
    {
        using var response = await _fixture.Client.DeleteAsync($"/v1/queues/{Fixture.Queue}/messages");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unavailable", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(Fixture.UnavailableMessage, problem.RootElement.GetProperty("detail").GetString());
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3023);
        Assert.Equal(LogLevel.Warning, entry.Level);
    }

    [Fact]
    public async Task Sqs_InternalError_Is500Generic_WithRequestId_AndIsLoggedAsError()
    {
        using var response = await SqsAsync("ListQueues", "{}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        using var error = JsonDocument.Parse(text);
        Assert.Equal("com.amazonaws.sqs#InternalError", error.RootElement.GetProperty("__type").GetString());
        Assert.Equal(SqsError.InternalMessage, error.RootElement.GetProperty("message").GetString());
        var requestId = Assert.Single(response.Headers.GetValues("x-amzn-RequestId"));
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3103);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains(requestId, entry.Message, StringComparison.Ordinal);
        Assert.Contains(Secret, entry.Exception!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqs_Unavailable_Is503Generic_WithRequestId_AndIsLoggedAsWarning()
    {
        using var response = await SqsAsync("PurgeQueue", $$"""{"QueueUrl":"{{_fixture.BaseAddress}}000000000000/{{Fixture.Queue}}"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("com.amazonaws.sqs#ServiceUnavailable", error.RootElement.GetProperty("__type").GetString());
        Assert.Equal(SqsError.UnavailableMessage, error.RootElement.GetProperty("message").GetString());
        Assert.Single(response.Headers.GetValues("x-amzn-RequestId"));
        var entry = Assert.Single(_fixture.Logs.Entries, e => e.EventId == 3104);
        Assert.Equal(LogLevel.Warning, entry.Level);
    }

    private async Task<HttpResponseMessage> SqsAsync(string action, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        return await _fixture.Client.SendAsync(request);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public const string Queue = "errors";
        public const string UnavailableMessage = "the store is closed: retry against a running server";
        private WebApplication _app = null!;

        public HttpClient Client { get; private set; } = null!;

        public string BaseAddress { get; private set; } = "";

        public LogSink Logs { get; } = new();

        public async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(Logs);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddSluiceRestApi();
            _app = builder.Build();
            var broker = new Broker(new FailingStore(new InMemoryMessageStore()));
            await broker.StartAsync();
            await broker.CreateQueueAsync(Queue, new QueueOptions());
            _app.UseSluiceSqs(broker, new SqsOptions(), otherFacePaths: SluiceRestApiExtensions.OwnsPath);
            _app.MapSluiceRestApi(broker);
            await _app.StartAsync();
            BaseAddress = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
            Client = new HttpClient { BaseAddress = new Uri(BaseAddress) };
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            await _app.DisposeAsync();
        }
    }

    public sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);

    /// <summary>Keeps every log entry.</summary>
    public sealed class LogSink : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Sink(this, categoryName);

        public void Dispose() { }

        private sealed class Sink(LogSink owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner._entries.Enqueue(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception), exception));
        }
    }

    /// <summary>Listing queues fails with an internal error, purging with unavailable; the rest passes through.</summary>
    private sealed class FailingStore(IQueueStore inner) : DelegatingStore(inner)
    {
        public override ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
            throw new SluiceException(ErrorCodes.Internal, Secret + ": SQLite Error 19: UNIQUE constraint failed: queues.name");

        public override ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default) =>
            throw new SluiceException(ErrorCodes.Unavailable, Fixture.UnavailableMessage, isTransient: true);
    }
}
