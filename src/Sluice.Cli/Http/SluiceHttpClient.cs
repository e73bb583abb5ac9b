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
    private static readonly WireJsonContext Json = WireJsonContext.Default;
    private static readonly UriCreationOptions s_asBuilt = new() { DangerousDisablePathAndQueryCanonicalization = true };
    private readonly HttpClient _http;
    private readonly string _displayUrl;

    public SluiceHttpClient(Uri baseAddress, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _displayUrl = baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var root = new Uri(_displayUrl + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = root;
        // Long polls are bounded by the server (20 s at most); leave room for them.
        _http.Timeout = TimeSpan.FromSeconds(60);
    }

    /// <summary>The server address as shown in messages (no trailing slash).</summary>
    public string DisplayUrl => _displayUrl;

    public void Dispose() => _http.Dispose();

    // Queues

    public async Task<IReadOnlyList<QueueDto>> ListQueuesAsync(CancellationToken cancellationToken) =>
        [.. (await SendAsync(HttpMethod.Get, "v1/queues", null, Json.QueueListDto, cancellationToken).ConfigureAwait(false)).Queues.Select(Canonical)];

    /// <summary><c>POST /v1/queues</c> with <paramref name="body"/> (the name plus any queue options, REST field names).</summary>
    public async Task<QueueDto> CreateQueueAsync(string name, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            return Canonical(await SendAsync(HttpMethod.Post, "v1/queues", JsonBody(body), Json.QueueDto, cancellationToken).ConfigureAwait(false));
        }
        catch (CliException e) when (e.Queue is null)
        {
            // The name is in the body, not the path: name it for the hint.
            throw new CliException(e.Message, e.Code, e) { Queue = name };
        }
    }

    /// <summary><c>PATCH /v1/queues/{name}</c>: only the fields <paramref name="body"/> names change (null restores the default).</summary>
    public async Task<QueueDto> UpdateQueueAsync(string name, JsonObject body, CancellationToken cancellationToken) =>
        Canonical(await SendAsync(HttpMethod.Patch, QueuePath(name), JsonBody(body), Json.QueueDto, cancellationToken).ConfigureAwait(false));

    public async Task<QueueDto> GetQueueAsync(string name, CancellationToken cancellationToken) =>
        Canonical(await SendAsync(HttpMethod.Get, QueuePath(name), null, Json.QueueDto, cancellationToken).ConfigureAwait(false));

    public Task DeleteQueueAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, QueuePath(name), null, cancellationToken);

    public async Task<long> PurgeQueueAsync(string name, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Delete, QueuePath(name) + "/messages", null, Json.PurgeDto, cancellationToken).ConfigureAwait(false)).Purged;

    public Task<StatsDto> GetStatsAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, QueuePath(name) + "/stats", null, Json.StatsDto, cancellationToken);

    public async Task<IReadOnlyList<StatsDto>> GetAllStatsAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/stats", null, Json.StatsListDto, cancellationToken).ConfigureAwait(false)).Queues;

    // Messages

    public async Task<PublishResultDto> PublishAsync(string queue, OutgoingMessageDto message, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages",
            JsonContent.Create(message, Json.OutgoingMessageDto), Json.PublishResponseDto, cancellationToken).ConfigureAwait(false);
        return response.Messages.Count == 1
            ? response.Messages[0]
            : throw new CliException($"the server answered a publish with {response.Messages.Count} results instead of 1");
    }

    public async Task<IReadOnlyList<MessageDto>> ReceiveAsync(string queue, ReceiveRequest request, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/receive",
            JsonContent.Create(request, Json.ReceiveRequest), Json.MessageListDto, cancellationToken).ConfigureAwait(false)).Messages;

    public async Task<IReadOnlyList<MessageDto>> PeekAsync(string queue, int max, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, QueuePath(queue) + "/messages?max=" + max.ToString(CultureInfo.InvariantCulture),
            null, Json.MessageListDto, cancellationToken).ConfigureAwait(false)).Messages;

    public Task AckAsync(string queue, string receiptHandle, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/ack",
            JsonContent.Create(new ReceiptRequest { ReceiptHandle = receiptHandle }, Json.ReceiptRequest), cancellationToken);

    public async Task<IReadOnlyList<AckResultDto>> AckBatchAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/ack",
            JsonContent.Create(new ReceiptRequest { ReceiptHandles = [.. receiptHandles] }, Json.ReceiptRequest),
            Json.AckBatchResponseDto, cancellationToken).ConfigureAwait(false)).Results;

    public Task NackAsync(string queue, string receiptHandle, double? delaySeconds, string? error, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/nack",
            JsonContent.Create(new ReceiptRequest { ReceiptHandle = receiptHandle, DelaySeconds = delaySeconds, Error = error }, Json.ReceiptRequest),
            cancellationToken);

    public async Task<DateTimeOffset> ExtendAsync(string queue, string receiptHandle, double visibilitySeconds, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, QueuePath(queue) + "/messages/extend",
            JsonContent.Create(new ReceiptRequest { ReceiptHandle = receiptHandle, VisibilityTimeoutSeconds = visibilitySeconds }, Json.ReceiptRequest),
            Json.ExtendResponseDto, cancellationToken).ConfigureAwait(false)).VisibleUntil;

    // Redrive

    public Task<RedriveDto> StartRedriveAsync(string deadLetterQueue, RedriveRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, QueuePath(deadLetterQueue) + "/redrive",
            JsonContent.Create(request, Json.RedriveRequest), Json.RedriveDto, cancellationToken);

    public Task<RedriveDto> GetRedriveAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "v1/redrives/" + Uri.EscapeDataString(id), null, Json.RedriveDto, cancellationToken);

    public Task<RedriveDto> CancelRedriveAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "v1/redrives/" + Uri.EscapeDataString(id), null, Json.RedriveDto, cancellationToken);

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
    private static QueueDto Canonical(QueueDto queue) => queue with
    {
        OverflowPolicy = Enums.Canonical(queue.OverflowPolicy),
        DeduplicationScope = Enums.Canonical(queue.DeduplicationScope),
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
        ProblemDto? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(Json.ProblemDto, cancellationToken).ConfigureAwait(false);
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
        { Queue = QueueOf(path) };
    }
}
