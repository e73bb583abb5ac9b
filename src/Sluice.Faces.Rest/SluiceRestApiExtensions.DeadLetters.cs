using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sluice.Faces.Rest;

public static partial class SluiceRestApiExtensions
{
    /// <summary>Maps the dead-letter workspace routes under <c>/v1/queues/{name}/dead-letters</c> (docs/design/dead-letters.md, docs/rest-api.md).</summary>
    private static void MapDeadLetters(RouteGroupBuilder v1, Broker broker)
    {
        var h = new RestDeadLetters(broker);
        var groups = v1.MapGroup("/queues/{name}/dead-letters/groups").WithTags("Dead letters");
        groups.MapGet("", (HttpContext c, string name) => h.ListGroupsAsync(c, name)).WithName("ListDeadLetterGroups")
            .WithSummary("Group a queue's dead letters by failure")
            .WithDescription("Reads every message of queue `name` (usually a dead-letter queue) without leasing any, and groups them by failure " +
                             "fingerprint: the exception type, the top 3 application frames and the message with ids, numbers, GUIDs, e-mail " +
                             "addresses, URLs, timestamps, hex strings and quoted values masked, from each message's last error (a Worker " +
                             "failure document or free text), or from its body when it has none. Largest groups first, each with its count, " +
                             "first and last dead-letter time, source queues and a sample message with its failure. `truncated` says more groups exist.")
            .WithMetadata(new QueryParameterMetadata("max", "Most groups to list: a whole number from 1 to 1000.", 1, Broker.MaxReportedDeadLetterGroups, 100))
            .Produces<DeadLetterGroupListResponse>().WithProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        groups.MapPost("/{groupId}/redrive", (HttpContext c, string name, string groupId) => h.RedriveAsync(c, name, groupId))
            .WithName("RedriveDeadLetterGroup").WithSummary("Redrive a failure group")
            .WithDescription("Moves the group's messages back to their source queues (or `destination`) at up to `maxPerSecond`, in the background " +
                             "as a redrive task (202, `redrive` set; follow it at /v1/redrives/{id}). Moved messages are ready, receive count 0, " +
                             "without dead-letter information. Only messages dead-lettered before the call (`cutoff`) are included; leased " +
                             "ones are skipped. With `dryRun` nothing changes (200) and the answer says how many would move, from where. The body is optional.")
            .WithRequestBody<DeadLetterGroupRedriveRequest>(true).Produces<DeadLetterGroupActionResponse>()
            .Produces<DeadLetterGroupActionResponse>(StatusCodes.Status202Accepted).WithProblems(StatusCodes.Status404NotFound);
        groups.MapPost("/{groupId}/delete", (HttpContext c, string name, string groupId) => h.DeleteAsync(c, name, groupId))
            .WithName("DeleteDeadLetterGroup").WithSummary("Delete a failure group")
            .WithDescription("Deletes the group's messages dead-lettered before the call (`cutoff`), skipping leased ones. With `dryRun` nothing " +
                             "changes and the answer says how many would be deleted, from which source queues. The body is optional.")
            .WithRequestBody<DeadLetterGroupDeleteRequest>(true).Produces<DeadLetterGroupActionResponse>().WithProblems(StatusCodes.Status404NotFound);
        groups.MapPost("/{groupId}/move", (HttpContext c, string name, string groupId) => h.MoveAsync(c, name, groupId))
            .WithName("MoveDeadLetterGroup").WithSummary("Move a failure group to another queue")
            .WithDescription("Moves the group's messages dead-lettered before the call (`cutoff`) to `destination` at once, keeping their " +
                             "dead-letter information (so they still group there); leased ones and ones that do not fit are skipped. With " +
                             "`dryRun` nothing changes and the answer says how many would move.")
            .WithRequestBody<DeadLetterGroupMoveRequest>(false, "destination").Produces<DeadLetterGroupActionResponse>()
            .WithProblems(StatusCodes.Status404NotFound);
    }
}
