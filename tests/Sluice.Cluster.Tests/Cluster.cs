using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sluice.Cli.Tests;
using Sluice.Storage.Postgres.Tests;

namespace Sluice.Cluster.Tests;

/// <summary>
/// A cluster of real <c>sluice serve</c> processes (nodes <c>node-0</c>, <c>node-1</c>, ...) on a database of its own
/// in the shared throwaway PostgreSQL, each renewing its registry record every second (records live 3 seconds).
/// Disposing it kills the nodes and drops the database.
/// </summary>
internal sealed class Cluster : IAsyncDisposable
{
    /// <summary>Every node's heartbeat interval in these tests.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private readonly PostgresServer _postgres;
    private readonly string _directory;

    private Cluster(PostgresServer postgres, string connectionString, string directory, IReadOnlyList<Node> nodes)
    {
        _postgres = postgres;
        ConnectionString = connectionString;
        _directory = directory;
        Nodes = nodes;
    }

    public string ConnectionString { get; }

    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Starts <paramref name="count"/> nodes at once on a new database and returns once each answers /healthz.</summary>
    public static async Task<Cluster> StartAsync(PostgresServer postgres, int count)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var directory = Directory.CreateTempSubdirectory("sluice-cluster-").FullName;
        var settings = Path.Combine(directory, "appsettings.json");
        await File.WriteAllTextAsync(settings, $$"""{ "Sluice": { "NodeHeartbeatInterval": "{{Heartbeat:c}}" } }""");

        // The first node creates the schema; the others start once it exists (concurrent first starts are the store's
        // migration lock's business, tested there).
        var first = await StartNodeAsync(0);
        var rest = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(StartNodeAsync));
        return new Cluster(postgres, connectionString, directory, [first, .. rest]);

        async Task<Node> StartNodeAsync(int index)
        {
            var data = Path.Combine(directory, $"node-{index}");
            var process = await ServerProcess.StartAsync(data, null,
                "--store", "postgres", "--connection-string", connectionString, "--node-id", $"node-{index}", "--config", settings);
            return new Node($"node-{index}", process);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await _postgres.DropDatabaseAsync(ConnectionString);
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>One node: its process and an HTTP client for its REST API.</summary>
internal sealed class Node(string id, ServerProcess process) : IAsyncDisposable
{
    public string Id { get; } = id;

    public ServerProcess Process { get; } = process;

    public HttpClient Http { get; } = new() { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(30) };

    public bool Killed { get; private set; }

    /// <summary>kill -9.</summary>
    public async Task KillAsync()
    {
        Killed = true;
        await Process.KillAsync();
    }

    public async Task CreateQueueAsync(string name, JsonObject? options = null)
    {
        options ??= [];
        options["name"] = name;
        using var response = await Http.PostAsJsonAsync("/v1/queues", options);
        await EnsureAsync(response);
    }

    /// <summary>Publishes one message; throws <see cref="HttpRequestException"/> when the node cannot be reached and <see cref="RestError"/> on an error answer.</summary>
    public async Task PublishAsync(string queue, string body, JsonObject? fields = null)
    {
        fields ??= [];
        fields["body"] = body;
        using var response = await Http.PostAsJsonAsync($"/v1/queues/{queue}/messages", fields);
        await EnsureAsync(response);
    }

    /// <summary>Receives up to <paramref name="max"/> messages: (body, receipt handle) pairs.</summary>
    public async Task<IReadOnlyList<(string Body, string Handle)>> ReceiveAsync(string queue, int max, double waitSeconds, double? visibilitySeconds = null)
    {
        var request = new JsonObject { ["maxMessages"] = max, ["waitTimeSeconds"] = waitSeconds };
        if (visibilitySeconds is { } v)
        {
            request["visibilityTimeoutSeconds"] = v;
        }

        using var response = await Http.PostAsJsonAsync($"/v1/queues/{queue}/messages/receive", request);
        await EnsureAsync(response);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return [.. answer["messages"]!.AsArray().Select(m => (m!["body"]!.GetValue<string>(), m["receiptHandle"]!.GetValue<string>()))];
    }

    /// <summary>Acks a batch; returns the handles whose ack succeeded.</summary>
    public async Task<IReadOnlySet<string>> AckAsync(string queue, IReadOnlyList<string> handles)
    {
        using var response = await Http.PostAsJsonAsync($"/v1/queues/{queue}/messages/ack", new JsonObject { ["receiptHandles"] = new JsonArray([.. handles.Select(h => JsonValue.Create(h))]) });
        await EnsureAsync(response);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return answer["results"]!.AsArray().Where(r => r!["ok"]!.GetValue<bool>()).Select(r => r!["receiptHandle"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        await EnsureAsync(response);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        return Process.DisposeAsync();
    }

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync();
        string? code = null;
        try
        {
            code = JsonNode.Parse(text)?["code"]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            // Not problem+json.
        }

        throw new RestError((int)response.StatusCode, code, text);
    }
}

/// <summary>An error answer of the REST API: its status, its problem code and its body.</summary>
internal sealed class RestError(int status, string? code, string body) : Exception($"HTTP {status} {code}: {body}")
{
    public int Status { get; } = status;

    public string? Code { get; } = code;

    /// <summary>The transient answer of an unreachable store: 503 <c>unavailable</c> (docs/errors.md).</summary>
    public bool IsUnavailable => Status == 503 && Code == "unavailable";
}

/// <summary>Polls a condition until it holds or a deadline passes (no sleeps as synchronisation).</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not within {within.TotalSeconds} s");
            }

            await Task.Delay(20);
        }
    }
}
