using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Sluice.Cli.Commands;

namespace Sluice.Cli.Http;

/// <summary>
/// The CLI's only HTTP code: one method per REST route (docs/rest-api.md). Failures surface as <see cref="CliException"/>
/// whose message is ready to print.
/// </summary>
internal sealed partial class SluiceHttpClient : IDisposable
{
    private static readonly SluiceJsonContext Json = CliJson.Wire;
    private static readonly UriCreationOptions s_asBuilt = new() { DangerousDisablePathAndQueryCanonicalization = true };
    private readonly HttpClient _http;
    private readonly string _displayUrl;

    public SluiceHttpClient(Uri baseAddress, HttpMessageHandler? handler = null, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _displayUrl = baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var root = new Uri(_displayUrl + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = root;
        // Long polls are bounded by the server (20 s at most); leave room for them.
        _http.Timeout = TimeSpan.FromSeconds(60);
        if (!string.IsNullOrWhiteSpace(apiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey.Trim());
        }
    }

    /// <summary>The server address as shown in messages (no trailing slash).</summary>
    public string DisplayUrl => _displayUrl;

    public void Dispose() => _http.Dispose();

    // Queues

    public async Task<IReadOnlyList<QueueResponse>> ListQueuesAsync(CancellationToken cancellationToken) =>
        [.. (await SendAsync(HttpMethod.Get, "v1/queues", null, Json.QueueListResponse, cancellationToken).ConfigureAwait(false)).Queues.Select(Canonical)];

    /// <summary><c>POST /v1/queues</c> with <paramref name="body"/> (the name plus any queue options, REST field names).</summary>
    public async Task<QueueResponse> CreateQueueAsync(string name, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            return Canonical(await SendAsync(HttpMethod.Post, "v1/queues", JsonBody(body), Json.QueueResponse, cancellationToken).ConfigureAwait(false));
        }
        catch (CliException e) when (e.Queue is null)
        {
            // The name is in the body, not the path: name it for the hint.
            throw new CliException(e.Message, e.Code, e) { Queue = name, Field = e.Field };
        }
    }

    /// <summary><c>PATCH /v1/queues/{name}</c>: only the fields <paramref name="body"/> names change (null restores the default).</summary>
    public async Task<QueueResponse> UpdateQueueAsync(string name, JsonObject body, CancellationToken cancellationToken) =>
        Canonical(await SendAsync(HttpMethod.Patch, QueuePath(name), JsonBody(body), Json.QueueResponse, cancellationToken).ConfigureAwait(false));

    public async Task<QueueResponse> GetQueueAsync(string name, CancellationToken cancellationToken) =>
        Canonical(await SendAsync(HttpMethod.Get, QueuePath(name), null, Json.QueueResponse, cancellationToken).ConfigureAwait(false));

    public Task DeleteQueueAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, QueuePath(name), null, cancellationToken);

    public async Task<long> PurgeQueueAsync(string name, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Delete, QueuePath(name) + "/messages", null, Json.PurgeResponse, cancellationToken).ConfigureAwait(false)).Purged;

    public Task<StatsResponse> GetStatsAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, QueuePath(name) + "/stats", null, Json.StatsResponse, cancellationToken);

    public Task<ClusterResponse> GetClusterAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "v1/cluster", null, Json.ClusterResponse, cancellationToken);

    public async Task<IReadOnlyList<StatsResponse>> GetAllStatsAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/stats", null, Json.StatsListResponse, cancellationToken).ConfigureAwait(false)).Queues;

    // Messages

    public async Task<PublishResultResponse> PublishAsync(string queue, OutgoingMessageRequest message, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages",
            JsonContent.Create(message, Json.OutgoingMessageRequest), Json.PublishResponse, cancellationToken).ConfigureAwait(false);
        return response.Messages.Count == 1
            ? response.Messages[0]
            : throw new CliException($"the server answered a publish with {response.Messages.Count} results instead of 1");
    }

    public async Task<IReadOnlyList<MessageResponse>> ReceiveAsync(string queue, ReceiveRequest request, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/receive",
            JsonContent.Create(request, Json.ReceiveRequest), Json.MessageListResponse, cancellationToken).ConfigureAwait(false)).Messages;

    public async Task<IReadOnlyList<MessageResponse>> PeekAsync(string queue, int max, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, QueuePath(queue) + "/messages?max=" + max.ToString(CultureInfo.InvariantCulture),
            null, Json.MessageListResponse, cancellationToken).ConfigureAwait(false)).Messages;

    public Task AckAsync(string queue, string receiptHandle, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/ack",
            JsonContent.Create(new AckRequest { ReceiptHandle = receiptHandle }, Json.AckRequest), cancellationToken);

    public async Task<IReadOnlyList<AckResultResponse>> AckBatchAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/ack",
            JsonContent.Create(new AckRequest { ReceiptHandles = receiptHandles }, Json.AckRequest),
            Json.AckBatchResponse, cancellationToken).ConfigureAwait(false)).Results;

    public Task NackAsync(string queue, string receiptHandle, double? delaySeconds, string? error, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/nack",
            JsonContent.Create(new NackRequest { ReceiptHandle = receiptHandle, DelaySeconds = delaySeconds, Error = error }, Json.NackRequest),
            cancellationToken);

    public async Task<DateTimeOffset> ExtendAsync(string queue, string receiptHandle, double visibilitySeconds, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/extend",
            JsonContent.Create(new ExtendRequest { ReceiptHandle = receiptHandle, VisibilityTimeoutSeconds = visibilitySeconds }, Json.ExtendRequest),
            Json.ExtendResponse, cancellationToken).ConfigureAwait(false)).VisibleUntil;

    // Redrive

    public Task<RedriveResponse> StartRedriveAsync(string deadLetterQueue, RedriveRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, QueuePath(deadLetterQueue) + "/redrive",
            JsonContent.Create(request, Json.RedriveRequest), Json.RedriveResponse, cancellationToken);

    public Task<RedriveResponse> GetRedriveAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "v1/redrives/" + Uri.EscapeDataString(id), null, Json.RedriveResponse, cancellationToken);

    public Task<RedriveResponse> CancelRedriveAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "v1/redrives/" + Uri.EscapeDataString(id), null, Json.RedriveResponse, cancellationToken);

    // Plumbing

    private const string QueuesPrefix = "v1/queues/";

    private static string QueuePath(string name) => QueuesPrefix + Uri.EscapeDataString(name);

    /// <summary>The queue a path names (<c>v1/queues/{name}/...</c>), or null.</summary>
    private static string? QueueOf(string path)
    {
        if (!path.StartsWith(QueuesPrefix, StringComparison.Ordinal))
            return null;
        var rest = path[QueuesPrefix.Length..];
        var end = rest.IndexOfAny(['/', '?']);
        return Uri.UnescapeDataString(end < 0 ? rest : rest[..end]);
    }

    private static StringContent JsonBody(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>The queue with its enum values in the CLI's canonical spelling (the server may send camelCase).</summary>
    private static QueueResponse Canonical(QueueResponse queue) => queue with
    {
        OverflowPolicy = Enums.Canonical(queue.OverflowPolicy)!,
        DeduplicationScope = Enums.Canonical(queue.DeduplicationScope)!,
    };

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(method, path, content, cancellationToken).ConfigureAwait(false);
        try
        {
            var value = await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false);
            return value ?? throw new CliException($"the server at {_displayUrl} answered {method} /{path} with an empty body");
        }
        catch (JsonException e)
        {
            throw new CliException($"the server at {_displayUrl} answered {method} /{path} with JSON the CLI does not understand: {e.Message}", null, e);
        }
    }

    private async Task SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(method, path, content, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        // The path is sent as built (escaped by the caller): System.Uri would otherwise turn %2E into a dot and drop it.
        using var request = new HttpRequestMessage(method, new Uri(_displayUrl + "/" + path, s_asBuilt)) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (IsConnectFailure(e))
        {
            throw new CliException(
                $"cannot reach the Sluice server at {_displayUrl}: is 'sluice serve' running? (set --url or SLUICE_URL)", null, e);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"request to the Sluice server at {_displayUrl} failed: {e.Message}", null, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the Sluice server at {_displayUrl} did not answer within {Format.Duration(_http.Timeout)}", null, e);
        }

        if (response.IsSuccessStatusCode)
            return response;

        using (response)
            throw await ToExceptionAsync(response, method, path, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsConnectFailure(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError ||
        e.InnerException is SocketException;

    private async Task<CliException> ToExceptionAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        ProblemResponse? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(Json.ProblemResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy, or not a Sluice server): fall back to the status line below.
        }
        catch (NotSupportedException)
        {
            // Not a JSON content type: same fallback.
        }

        var status = (int)response.StatusCode;
        var text = problem?.Detail ?? problem?.Title;
        return new CliException(
            string.IsNullOrWhiteSpace(text)
                ? $"the server at {_displayUrl} answered {method} /{path} with {status} {response.ReasonPhrase}"
                : text,
            problem?.Code)
        { Queue = QueueOf(path), Field = problem?.Field };
    }
}
