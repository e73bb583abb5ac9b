using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests;

/// <summary>A real Kestrel on 127.0.0.1 and a free port, shared by the tests of one class (each test uses its own queues).</summary>
public class ServerFixture : IAsyncLifetime
{
    /// <summary>The request body limit the fixtures use, so "too large" tests stay small.</summary>
    public const long MaxRequestBodySize = 64 * 1024;

    public SluiceServer Server { get; private set; } = null!;

    public HttpClient Client { get; protected set; } = null!;

    protected virtual SluiceServerOptions CreateOptions() => new()
    {
        Auth = TestAuth.Off,
        Store = SluiceServerOptions.MemoryStore,
        HttpUrl = "http://127.0.0.1:0",
        MaxRequestBodySize = MaxRequestBodySize,
    };

    /// <summary>The broker's clock; default the system's.</summary>
    protected virtual TimeProvider? CreateTimeProvider() => null;

    public async Task InitializeAsync()
    {
        Server = new SluiceServer(CreateOptions(), NullLoggerFactory.Instance, CreateTimeProvider());
        await Server.StartAsync();
        Client = new HttpClient { BaseAddress = Server.HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Helpers shared by the REST tests.</summary>
public abstract class RestTests(ServerFixture fixture)
{
    protected HttpClient Client => fixture.Client;

    protected SluiceServer Server => fixture.Server;

    protected static string NewName(string prefix = "q") => $"{prefix}-{Guid.NewGuid():N}";

    protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    protected Task<HttpResponseMessage> PostAsync(string path, string json) => Client.PostAsync(path, Json(json));

    protected async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    protected async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, string? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : Json(json) };
        using var response = await Client.SendAsync(request);
        return await ReadJsonAsync(response, expected);
    }

    protected static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(code, problem.GetProperty("title").GetString());
        Assert.Equal("urn:sluice:error:" + code, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.True(problem.TryGetProperty("field", out var f), "problem has no field property");
        Assert.Equal(field, f.ValueKind == JsonValueKind.Null ? null : f.GetString());
        return problem;
    }

    protected async Task<JsonElement> CreateQueueAsync(string name, string extra = "")
    {
        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{name}}"{{(extra.Length > 0 ? "," + extra : "")}}}""");
        return await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    protected async Task<string> PublishAsync(string queue, string body = "hello")
    {
        using var response = await PostAsync($"/v1/queues/{queue}/messages", JsonSerializer.Serialize(new { body }));
        var json = await ReadJsonAsync(response);
        return json.GetProperty("messages")[0].GetProperty("messageId").GetString()!;
    }

    protected async Task<JsonElement[]> ReceiveAsync(string queue, string json = "{}")
    {
        using var response = await PostAsync($"/v1/queues/{queue}/messages/receive", json);
        var result = await ReadJsonAsync(response);
        return [.. result.GetProperty("messages").EnumerateArray()];
    }

    protected async Task<JsonElement[]> PeekAsync(string queue)
    {
        var result = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{queue}/messages?max=100");
        return [.. result.GetProperty("messages").EnumerateArray()];
    }

    protected static StringContent WithMediaType(string body, string mediaType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }
}
