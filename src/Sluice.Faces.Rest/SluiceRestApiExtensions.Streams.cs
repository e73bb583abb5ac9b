using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Sluice.Faces.Rest;

public static partial class SluiceRestApiExtensions
{
    private const string IdSyntax = "an entry id `<ms>-<seq>` or `<ms>`";

    /// <summary>Maps <c>/v1/streams/**</c> (docs/rest-api.md, "Streams") over the broker's stream API.</summary>
    private static void MapStreams(RouteGroupBuilder v1, Broker broker, CancellationToken stopping)
    {
        var h = new RestStreamHandlers(broker, stopping);
        const int Bad = StatusCodes.Status400BadRequest, Missing = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict;
        var streams = v1.MapGroup("/streams").WithTags("Streams").AddEndpointFilter(StreamPathSegments.DecodeAsync);
        streams.MapGet("", (Func<HttpContext, Task<IResult>>)h.ListStreamsAsync).WithName("ListStreams")
            .WithSummary("List streams").WithDescription("Every stream with its length, bytes, first and last entry ids and groups, ordered by name.")
            .Produces<StreamListResponse>();
        streams.MapPut("/{name}", (HttpContext c, string name) => h.PutStreamAsync(c, name)).WithName("PutStream")
            .WithSummary("Create a stream or set its retention")
            .WithDescription("Creates the stream (empty) when missing and sets its retention to the body's limits (a limit left out is none; " +
                             "the body is optional). The count and byte limits apply at once, the age limit at each sweep. " +
                             "201 when created, 200 when it existed. Streams are also created by an append or a group created with makeStream.")
            .WithRequestBody<StreamRetentionRequest>(true).Produces<StreamResponse>(StatusCodes.Status201Created).Produces<StreamResponse>();
        streams.MapGet("/{name}", (HttpContext c, string name) => h.GetStreamAsync(c, name)).WithName("GetStream")
            .WithSummary("Get a stream").WithDescription("The stream's state (XINFO STREAM): length, bytes, first and last entry, ids, counters, groups, retention.")
            .Produces<StreamResponse>().WithProblems(Bad, Missing);
        streams.MapDelete("/{name}", (HttpContext c, string name) => h.DeleteStreamAsync(c, name)).WithName("DeleteStream")
            .WithSummary("Delete a stream").WithDescription("Deletes the stream with its entries and groups; readers blocked on its groups are answered stream_group_not_found.")
            .Produces(StatusCodes.Status204NoContent).WithProblems(Bad, Missing);

        var entries = streams.MapGroup("/{name}").WithTags("Stream entries");
        entries.MapPost("/entries", (HttpContext c, string name) => h.AppendAsync(c, name)).WithName("AppendEntries")
            .WithSummary("Append entries")
            .WithDescription("Appends one entry (`fields`, optional `id`) or `{\"entries\":[...]}` in order (XADD), waking blocked readers. `fields` is an " +
                             "object of text names to text values (order kept) or an array of `{name | nameBase64, value | valueBase64}` (names may repeat, bytes allowed). " +
                             "`id` is `*` (default), `<ms>-*` or `<ms>-<seq>` above the stream's last id (400 stream_id_too_small otherwise). A batch is appended " +
                             "in order, not atomically: an entry refused stops the batch, and the error says how many were appended. `noMakeStream` answers 404 " +
                             "stream_not_found for a missing stream. Answers the new ids.")
            .WithRequestBody<StreamAppendRequest>(false).Produces<StreamAppendResponse>().WithProblems(Missing);
        entries.MapGet("/entries", (HttpContext c, string name) => h.RangeAsync(c, name)).WithName("GetEntries")
            .WithSummary("Read a range of entries")
            .WithDescription("Entries with from <= id <= to (XRANGE; XREVRANGE with order=desc), at most `count`. Continue a page with from=(<last id>. A missing stream is empty.")
            .WithMetadata(
                QueryParameterMetadata.Text("from", $"The smallest id: `-` (default, the first), {IdSyntax} (sequence 0), or `(<id>` exclusive.", "-"),
                QueryParameterMetadata.Text("to", $"The largest id: `+` (default, the last), {IdSyntax} (the largest sequence), or `(<id>` exclusive.", "+"),
                new QueryParameterMetadata("count", "Most entries: a whole number from 1 to 10000.", 1, RestStreamHandlers.MaxCount, 100),
                QueryParameterMetadata.Text("order", "asc (default, oldest first) or desc (newest first).", "asc", "asc", "desc"))
            .Produces<StreamEntryListResponse>().WithProblems(Bad);
        entries.MapGet("/read", (HttpContext c, string name) => h.ReadAsync(c, name)).WithName("ReadEntries")
            .WithSummary("Read new entries, waiting for them")
            .WithDescription("Entries after `after` (XREAD), at most `count`. When there are none, waits up to `waitSeconds` for an append (a long poll) " +
                             "and answers an empty list if none came. `after=$` reads only entries appended after the request arrived.")
            .WithMetadata(
                QueryParameterMetadata.Text("after", $"`$` (entries appended from now on) or {IdSyntax}: entries with a greater id. No default.", null) with { Required = true },
                new QueryParameterMetadata("count", "Most entries: a whole number from 1 to 10000.", 1, RestStreamHandlers.MaxCount, 100),
                QueryParameterMetadata.Seconds("waitSeconds", "Seconds to wait for an append when there is nothing to read: 0 (default) to the server's MaxWaitTime (default 20)."))
            .Produces<StreamEntryListResponse>().WithProblems(Bad);
        entries.MapDelete("/entries/{id}", (HttpContext c, string name, string id) => h.DeleteEntryAsync(c, name, id)).WithName("DeleteEntry")
            .WithSummary("Delete an entry")
            .WithDescription("Deletes one entry (XDEL); pending lists keep its id. Answers `count` 1 when it was deleted, 0 when there was no such entry.")
            .Produces<StreamCountResponse>().WithProblems(Bad);
        entries.MapPost("/entries/delete", (HttpContext c, string name) => h.DeleteEntriesAsync(c, name)).WithName("DeleteEntries")
            .WithSummary("Delete entries")
            .WithDescription("Deletes the entries `ids` (XDEL with several ids): every id is checked first, so a bad one deletes nothing. Pending lists keep " +
                             "the ids. Answers `count`, how many of the entries existed.")
            .WithRequestBody<StreamIdsRequest>(false, "ids").Produces<StreamCountResponse>();
        entries.MapPost("/trim", (HttpContext c, string name) => h.TrimAsync(c, name)).WithName("TrimStream")
            .WithSummary("Trim a stream")
            .WithDescription("Removes the oldest entries (XTRIM): down to `maxLength` entries, or those below `minId`. Answers `count`, the entries removed.")
            .WithRequestBody<StreamTrimRequest>(false).Produces<StreamCountResponse>();

        var groups = streams.MapGroup("/{name}/groups").WithTags("Stream groups");
        groups.MapGet("", (HttpContext c, string name) => h.ListGroupsAsync(c, name)).WithName("ListStreamGroups")
            .WithSummary("List consumer groups").WithDescription("The stream's consumer groups (XINFO GROUPS).")
            .Produces<StreamGroupListResponse>().WithProblems(Bad, Missing);
        groups.MapPost("", (HttpContext c, string name) => h.CreateGroupAsync(c, name)).WithName("CreateStreamGroup")
            .WithSummary("Create a consumer group")
            .WithDescription("Creates group `name` (XGROUP CREATE) at `startId` (`$` by default: only new entries). `makeStream` creates a missing stream. " +
                             "Beyond Redis: `maxDeliveries` with `deadLetterStream` moves an entry delivered that many times to the dead-letter stream on its next delivery. " +
                             "409 stream_group_exists when the group exists.")
            .WithRequestBody<StreamGroupCreateRequest>(false, "name").Produces<StreamGroupResponse>(StatusCodes.Status201Created)
            .WithProblems(Missing, Conflict);
        groups.MapGet("/{group}", (HttpContext c, string name, string group) => h.GetGroupAsync(c, name, group)).WithName("GetStreamGroup")
            .WithSummary("Get a consumer group").WithDescription("The group's consumers, pending count, last-delivered id, entries read, lag and policy.")
            .Produces<StreamGroupResponse>().WithProblems(Bad, Missing);
        groups.MapPatch("/{group}", (HttpContext c, string name, string group) => h.UpdateGroupAsync(c, name, group)).WithName("SetStreamGroupId")
            .WithSummary("Move a consumer group")
            .WithDescription("Sets the group's last-delivered id (XGROUP SETID; `$` is the stream's last id) and entries-read counter; pending lists stay.")
            .WithRequestBody<StreamGroupUpdateRequest>(false, "lastDeliveredId").Produces<StreamGroupResponse>().WithProblems(Missing);
        groups.MapDelete("/{group}", (HttpContext c, string name, string group) => h.DeleteGroupAsync(c, name, group)).WithName("DeleteStreamGroup")
            .WithSummary("Delete a consumer group")
            .WithDescription("Deletes the group with its consumers and pending lists (XGROUP DESTROY); its blocked readers are answered stream_group_not_found.")
            .Produces(StatusCodes.Status204NoContent).WithProblems(Bad, Missing);
        groups.MapGet("/{group}/consumers", (HttpContext c, string name, string group) => h.ListConsumersAsync(c, name, group)).WithName("ListStreamConsumers")
            .WithSummary("List a group's consumers").WithDescription("Each consumer's pending count, idle and inactive seconds (XINFO CONSUMERS).")
            .Produces<StreamConsumerListResponse>().WithProblems(Bad, Missing);
        groups.MapPut("/{group}/consumers/{consumer}", (HttpContext c, string name, string group, string consumer) => h.CreateConsumerAsync(c, name, group, consumer))
            .WithName("CreateStreamConsumer").WithSummary("Create a consumer")
            .WithDescription("Creates the consumer in the group (XGROUP CREATECONSUMER): 201 when created, 200 when it existed. Reads and claims create consumers too.")
            .Produces<StreamConsumerResponse>(StatusCodes.Status201Created).Produces<StreamConsumerResponse>().WithProblems(Bad, Missing);
        groups.MapDelete("/{group}/consumers/{consumer}", (HttpContext c, string name, string group, string consumer) => h.DeleteConsumerAsync(c, name, group, consumer))
            .WithName("DeleteStreamConsumer").WithSummary("Delete a consumer")
            .WithDescription("Deletes the consumer and its pending entries (XGROUP DELCONSUMER; they are no longer pending in the group). " +
                             "Answers `count`, the pending entries it had (0 when there was no such consumer).")
            .Produces<StreamCountResponse>().WithProblems(Bad, Missing);

        groups.MapPost("/{group}/read", (HttpContext c, string name, string group) => h.GroupReadAsync(c, name, group)).WithName("ReadStreamGroup")
            .WithSummary("Read as a consumer")
            .WithDescription("Reads as `consumer` of the group (XREADGROUP). `after` `>` (default): entries never delivered to the group, now pending for the consumer " +
                             "(unless `noAck`); waits up to `waitSeconds` for an append when there are none. `after` an id: the consumer's own pending entries " +
                             "after it (a deleted entry has `fields` null), without waiting. Entries past the group's maxDeliveries go to its dead-letter stream instead.")
            .WithRequestBody<StreamGroupReadRequest>(false, "consumer").Produces<StreamEntryListResponse>().WithProblems(Missing);
        groups.MapPost("/{group}/ack", (HttpContext c, string name, string group) => h.AckAsync(c, name, group)).WithName("AckStreamEntries")
            .WithSummary("Acknowledge entries")
            .WithDescription("Removes the ids from the group's pending list (XACK). Answers `count`, how many were pending (0 for a missing stream or group, as Redis).")
            .WithRequestBody<StreamIdsRequest>(false, "ids").Produces<StreamCountResponse>();
        groups.MapGet("/{group}/pending", (HttpContext c, string name, string group) => h.PendingSummaryAsync(c, name, group)).WithName("GetStreamPendingSummary")
            .WithSummary("Summarise pending entries")
            .WithDescription("The group's pending count, smallest and largest pending id and each consumer's count (XPENDING).")
            .Produces<StreamPendingSummaryResponse>().WithProblems(Bad, Missing);
        groups.MapGet("/{group}/pending/entries", (HttpContext c, string name, string group) => h.PendingEntriesAsync(c, name, group)).WithName("GetStreamPendingEntries")
            .WithSummary("List pending entries")
            .WithDescription("Pending entries in id order with consumer, idle seconds and delivery count (XPENDING extended form).")
            .WithMetadata(
                QueryParameterMetadata.Text("from", $"The smallest id: `-` (default), {IdSyntax}, or `(<id>` exclusive.", "-"),
                QueryParameterMetadata.Text("to", $"The largest id: `+` (default), {IdSyntax}, or `(<id>` exclusive.", "+"),
                new QueryParameterMetadata("count", "Most rows: a whole number from 1 to 10000.", 1, RestStreamHandlers.MaxCount, 10),
                QueryParameterMetadata.Text("consumer", "Only this consumer's entries. Default: every consumer's.", null),
                QueryParameterMetadata.Seconds("minIdleSeconds", "Only entries idle at least this many seconds (XPENDING IDLE): 0 to 3155760000. Default: all."))
            .Produces<StreamPendingListResponse>().WithProblems(Bad, Missing);
        groups.MapPost("/{group}/claim", (HttpContext c, string name, string group) => h.ClaimAsync(c, name, group)).WithName("ClaimStreamEntries")
            .WithSummary("Claim pending entries")
            .WithDescription("Gives `consumer` the pending entries among `ids` idle at least `minIdleSeconds` (XCLAIM), adding one to their delivery count " +
                             "(not with `justId`). `force` claims ids in no pending list. Answers `entries`, the claimed entries in the order of `ids`; " +
                             "with `justId`, `ids` instead: the claimed ids.")
            .WithRequestBody<StreamClaimRequest>(false, "consumer", "ids").Produces<StreamClaimResponse>().WithProblems(Missing);
        groups.MapPost("/{group}/autoclaim", (HttpContext c, string name, string group) => h.AutoClaimAsync(c, name, group)).WithName("AutoClaimStreamEntries")
            .WithSummary("Claim idle pending entries")
            .WithDescription("Scans the pending list from `start` and gives `consumer` up to `count` entries idle at least `minIdleSeconds` (XAUTOCLAIM). " +
                             "Answers `entries`, the claimed entries (with `justId`, `ids` instead: the claimed ids), `next` (the next call's start; 0-0 " +
                             "when the scan reached the end) and `deleted`, pending ids whose entries no longer exist (removed from the pending list).")
            .WithRequestBody<StreamAutoClaimRequest>(false, "consumer").Produces<StreamAutoClaimResponse>().WithProblems(Missing);
    }

    // An entry's fields in a request take two shapes (StreamFieldsInputConverter): say so, so a client knows both.
    private static async Task DescribeStreamSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(StreamFieldsInput))
        {
            return;
        }

        var pair = await context.GetOrCreateSchemaAsync(typeof(StreamFieldDto), null, cancellationToken).ConfigureAwait(false);
        schema.Description = "The fields, in order: an object of text names to text values (each name once), or an array of " +
                             "{name | nameBase64, value | valueBase64} (names may repeat, bytes allowed). At least one.";
        schema.OneOf =
        [
            new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.String } },
            new OpenApiSchema { Type = JsonSchemaType.Array, Items = pair },
        ];
    }
}
