using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace Sluice.Cli.Http;

/// <summary>The stream routes, <c>/v1/streams/**</c> (docs/rest-api.md, "Streams").</summary>
internal sealed partial class SluiceHttpClient
{

    public async Task<IReadOnlyList<StreamSummaryResponse>> ListStreamsAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/streams", null, Json.StreamListResponse, cancellationToken).ConfigureAwait(false)).Streams;

    /// <summary><c>PUT /v1/streams/{name}</c>: creates the stream when missing and sets its retention.</summary>
    public Task<StreamResponse> PutStreamAsync(string name, StreamRetentionRequest retention, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, StreamPath(name), JsonContent.Create(retention, Json.StreamRetentionRequest), Json.StreamResponse, cancellationToken);

    public Task<StreamResponse> GetStreamAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, StreamPath(name), null, Json.StreamResponse, cancellationToken);

    public Task DeleteStreamAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, StreamPath(name), null, cancellationToken);

    public async Task<string> AppendAsync(string name, StreamAppendRequest entry, CancellationToken cancellationToken)
    {
        var ids = (await SendAsync(HttpMethod.Post, StreamPath(name) + "/entries", JsonContent.Create(entry, Json.StreamAppendRequest),
            Json.StreamAppendResponse, cancellationToken).ConfigureAwait(false)).Ids;
        return ids.Count == 1 ? ids[0] : throw new CliException($"the server answered an append with {ids.Count} ids instead of 1");
    }

    public async Task<IReadOnlyList<StreamEntryResponse>> RangeAsync(string name, string from, string to, int count, bool descending, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, StreamPath(name) + "/entries" +
            Query(("from", from), ("to", to), ("count", count.ToString(CultureInfo.InvariantCulture)), ("order", descending ? "desc" : "asc")),
            null, Json.StreamEntryListResponse, cancellationToken).ConfigureAwait(false)).Entries;

    public async Task<IReadOnlyList<StreamEntryResponse>> ReadAsync(string name, string after, int count, double? waitSeconds, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, StreamPath(name) + "/read" +
            Query(("after", after), ("count", count.ToString(CultureInfo.InvariantCulture)), ("waitSeconds", waitSeconds?.ToString(CultureInfo.InvariantCulture))),
            null, Json.StreamEntryListResponse, cancellationToken).ConfigureAwait(false)).Entries;

    /// <summary><c>POST /v1/streams/{name}/entries/delete</c>: deletes the entries (every id checked first); answers how many existed.</summary>
    public async Task<long> DeleteEntriesAsync(string name, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, StreamPath(name) + "/entries/delete", JsonContent.Create(new StreamIdsRequest { Ids = [.. ids] }, Json.StreamIdsRequest),
            Json.StreamCountResponse, cancellationToken).ConfigureAwait(false)).Count;

    public async Task<long> TrimAsync(string name, StreamTrimRequest trim, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, StreamPath(name) + "/trim", JsonContent.Create(trim, Json.StreamTrimRequest),
            Json.StreamCountResponse, cancellationToken).ConfigureAwait(false)).Count;

    public async Task<IReadOnlyList<StreamGroupResponse>> ListGroupsAsync(string name, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, StreamPath(name) + "/groups", null, Json.StreamGroupListResponse, cancellationToken).ConfigureAwait(false)).Groups;

    public Task<StreamGroupResponse> CreateGroupAsync(string name, StreamGroupCreateRequest group, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, StreamPath(name) + "/groups", JsonContent.Create(group, Json.StreamGroupCreateRequest), Json.StreamGroupResponse, cancellationToken);

    public Task<StreamGroupResponse> SetGroupIdAsync(string name, string group, string lastDeliveredId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, GroupPath(name, group), JsonContent.Create(new StreamGroupUpdateRequest { LastDeliveredId = lastDeliveredId }, Json.StreamGroupUpdateRequest),
            Json.StreamGroupResponse, cancellationToken);

    public Task DeleteGroupAsync(string name, string group, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, GroupPath(name, group), null, cancellationToken);

    public async Task<IReadOnlyList<StreamEntryResponse>> ReadGroupAsync(string name, string group, StreamGroupReadRequest request, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, GroupPath(name, group) + "/read", JsonContent.Create(request, Json.StreamGroupReadRequest),
            Json.StreamEntryListResponse, cancellationToken).ConfigureAwait(false)).Entries;

    public async Task<long> AckEntriesAsync(string name, string group, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, GroupPath(name, group) + "/ack", JsonContent.Create(new StreamIdsRequest { Ids = [.. ids] }, Json.StreamIdsRequest),
            Json.StreamCountResponse, cancellationToken).ConfigureAwait(false)).Count;

    public Task<StreamPendingSummaryResponse> PendingSummaryAsync(string name, string group, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, GroupPath(name, group) + "/pending", null, Json.StreamPendingSummaryResponse, cancellationToken);

    public async Task<IReadOnlyList<StreamPendingEntryResponse>> PendingEntriesAsync(string name, string group, int count, string? consumer, double? minIdleSeconds, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, GroupPath(name, group) + "/pending/entries" +
            Query(("count", count.ToString(CultureInfo.InvariantCulture)), ("consumer", consumer), ("minIdleSeconds", minIdleSeconds?.ToString(CultureInfo.InvariantCulture))),
            null, Json.StreamPendingListResponse, cancellationToken).ConfigureAwait(false)).Entries;

    public Task<StreamClaimResponse> ClaimAsync(string name, string group, StreamClaimRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, GroupPath(name, group) + "/claim", JsonContent.Create(request, Json.StreamClaimRequest),
            Json.StreamClaimResponse, cancellationToken);

    public Task<StreamAutoClaimResponse> AutoClaimAsync(string name, string group, StreamAutoClaimRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, GroupPath(name, group) + "/autoclaim", JsonContent.Create(request, Json.StreamAutoClaimRequest),
            Json.StreamAutoClaimResponse, cancellationToken);

    private static string StreamPath(string name) => "v1/streams/" + Segment(name);

    private static string GroupPath(string name, string group) => StreamPath(name) + "/groups/" + Segment(group);

    /// <summary>
    /// A name as one path segment: percent-escaped (RFC 3986), and <c>.</c> / <c>..</c> as <c>%2E</c> / <c>%2E%2E</c>,
    /// which the server decodes (docs/rest-api.md, "Streams") where a literal dot segment would be removed.
    /// </summary>
    private static string Segment(string name) => name is "." or ".." ? name.Replace(".", "%2E", StringComparison.Ordinal) : Uri.EscapeDataString(name);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is null)
                continue;
            text.Append(text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return text.ToString();
    }
}
