using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace Sluice.Cli.Http;

/// <summary>The stream routes, <c>/v1/streams/**</c> (docs/rest-api.md, "Streams").</summary>
internal sealed partial class SluiceHttpClient
{
    private static readonly StreamJsonContext StreamJson = StreamJsonContext.Default;

    public async Task<IReadOnlyList<StreamSummaryDto>> ListStreamsAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/streams", null, StreamJson.StreamListDto, cancellationToken).ConfigureAwait(false)).Streams;

    /// <summary><c>PUT /v1/streams/{name}</c>: creates the stream when missing and sets its retention.</summary>
    public Task<StreamDto> PutStreamAsync(string name, StreamRetentionDto retention, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, StreamPath(name), JsonContent.Create(retention, StreamJson.StreamRetentionDto), StreamJson.StreamDto, cancellationToken);

    public Task<StreamDto> GetStreamAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, StreamPath(name), null, StreamJson.StreamDto, cancellationToken);

    public Task DeleteStreamAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, StreamPath(name), null, cancellationToken);

    public async Task<string> AppendAsync(string name, StreamAppendRequest entry, CancellationToken cancellationToken)
    {
        var ids = (await SendAsync(HttpMethod.Post, StreamPath(name) + "/entries", JsonContent.Create(entry, StreamJson.StreamAppendRequest),
            StreamJson.StreamAppendDto, cancellationToken).ConfigureAwait(false)).Ids;
        return ids.Count == 1 ? ids[0] : throw new CliException($"the server answered an append with {ids.Count} ids instead of 1");
    }

    public async Task<IReadOnlyList<StreamEntryDto>> RangeAsync(string name, string from, string to, int count, bool descending, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, StreamPath(name) + "/entries" +
            Query(("from", from), ("to", to), ("count", count.ToString(CultureInfo.InvariantCulture)), ("order", descending ? "desc" : "asc")),
            null, StreamJson.StreamEntryListDto, cancellationToken).ConfigureAwait(false)).Entries;

    public async Task<IReadOnlyList<StreamEntryDto>> ReadAsync(string name, string after, int count, double? waitSeconds, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, StreamPath(name) + "/read" +
            Query(("after", after), ("count", count.ToString(CultureInfo.InvariantCulture)), ("waitSeconds", waitSeconds?.ToString(CultureInfo.InvariantCulture))),
            null, StreamJson.StreamEntryListDto, cancellationToken).ConfigureAwait(false)).Entries;

    /// <summary><c>POST /v1/streams/{name}/entries/delete</c>: deletes the entries (every id checked first); answers how many existed.</summary>
    public async Task<long> DeleteEntriesAsync(string name, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, StreamPath(name) + "/entries/delete", JsonContent.Create(new StreamIdsRequest { Ids = [.. ids] }, StreamJson.StreamIdsRequest),
            StreamJson.StreamCountDto, cancellationToken).ConfigureAwait(false)).Count;

    public async Task<long> TrimAsync(string name, StreamTrimRequest trim, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, StreamPath(name) + "/trim", JsonContent.Create(trim, StreamJson.StreamTrimRequest),
            StreamJson.StreamCountDto, cancellationToken).ConfigureAwait(false)).Count;

    public async Task<IReadOnlyList<StreamGroupDto>> ListGroupsAsync(string name, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, StreamPath(name) + "/groups", null, StreamJson.StreamGroupListDto, cancellationToken).ConfigureAwait(false)).Groups;

    public Task<StreamGroupDto> CreateGroupAsync(string name, StreamGroupCreateRequest group, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, StreamPath(name) + "/groups", JsonContent.Create(group, StreamJson.StreamGroupCreateRequest), StreamJson.StreamGroupDto, cancellationToken);

    public Task<StreamGroupDto> SetGroupIdAsync(string name, string group, string lastDeliveredId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, GroupPath(name, group), JsonContent.Create(new StreamGroupUpdateRequest { LastDeliveredId = lastDeliveredId }, StreamJson.StreamGroupUpdateRequest),
            StreamJson.StreamGroupDto, cancellationToken);

    public Task DeleteGroupAsync(string name, string group, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, GroupPath(name, group), null, cancellationToken);

    public async Task<IReadOnlyList<StreamEntryDto>> ReadGroupAsync(string name, string group, StreamGroupReadRequest request, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, GroupPath(name, group) + "/read", JsonContent.Create(request, StreamJson.StreamGroupReadRequest),
            StreamJson.StreamEntryListDto, cancellationToken).ConfigureAwait(false)).Entries;

    public async Task<long> AckEntriesAsync(string name, string group, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, GroupPath(name, group) + "/ack", JsonContent.Create(new StreamIdsRequest { Ids = [.. ids] }, StreamJson.StreamIdsRequest),
            StreamJson.StreamCountDto, cancellationToken).ConfigureAwait(false)).Count;

    public Task<StreamPendingSummaryDto> PendingSummaryAsync(string name, string group, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, GroupPath(name, group) + "/pending", null, StreamJson.StreamPendingSummaryDto, cancellationToken);

    public async Task<IReadOnlyList<StreamPendingEntryDto>> PendingEntriesAsync(string name, string group, int count, string? consumer, double? minIdleSeconds, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, GroupPath(name, group) + "/pending/entries" +
            Query(("count", count.ToString(CultureInfo.InvariantCulture)), ("consumer", consumer), ("minIdleSeconds", minIdleSeconds?.ToString(CultureInfo.InvariantCulture))),
            null, StreamJson.StreamPendingListDto, cancellationToken).ConfigureAwait(false)).Entries;

    public Task<StreamClaimDto> ClaimAsync(string name, string group, StreamClaimRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, GroupPath(name, group) + "/claim", JsonContent.Create(request, StreamJson.StreamClaimRequest),
            StreamJson.StreamClaimDto, cancellationToken);

    public Task<StreamAutoClaimDto> AutoClaimAsync(string name, string group, StreamAutoClaimRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, GroupPath(name, group) + "/autoclaim", JsonContent.Create(request, StreamJson.StreamAutoClaimRequest),
            StreamJson.StreamAutoClaimDto, cancellationToken);

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
