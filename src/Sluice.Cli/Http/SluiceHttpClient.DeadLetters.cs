using System.Globalization;
using System.Net.Http.Json;

namespace Sluice.Cli.Http;

/// <summary>The dead-letter workspace routes, <c>/v1/queues/{name}/dead-letters/groups/**</c> (docs/rest-api.md, "Dead-letter groups").</summary>
internal sealed partial class SluiceHttpClient
{
    public Task<DeadLetterGroupListResponse> ListDeadLetterGroupsAsync(string queue, int max, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, GroupsPath(queue) + "?max=" + max.ToString(CultureInfo.InvariantCulture), null, Json.DeadLetterGroupListResponse, cancellationToken);

    public Task<DeadLetterGroupActionResponse> RedriveGroupAsync(string queue, string groupId, DeadLetterGroupRedriveRequest request, CancellationToken cancellationToken) =>
        GroupActionAsync(queue, groupId, "redrive", JsonContent.Create(request, Json.DeadLetterGroupRedriveRequest), cancellationToken);

    public Task<DeadLetterGroupActionResponse> DeleteGroupAsync(string queue, string groupId, DeadLetterGroupDeleteRequest request, CancellationToken cancellationToken) =>
        GroupActionAsync(queue, groupId, "delete", JsonContent.Create(request, Json.DeadLetterGroupDeleteRequest), cancellationToken);

    public Task<DeadLetterGroupActionResponse> MoveGroupAsync(string queue, string groupId, DeadLetterGroupMoveRequest request, CancellationToken cancellationToken) =>
        GroupActionAsync(queue, groupId, "move", JsonContent.Create(request, Json.DeadLetterGroupMoveRequest), cancellationToken);

    private Task<DeadLetterGroupActionResponse> GroupActionAsync(string queue, string groupId, string action, HttpContent body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, GroupsPath(queue) + "/" + Uri.EscapeDataString(groupId) + "/" + action, body, Json.DeadLetterGroupActionResponse, cancellationToken);

    private static string GroupsPath(string queue) => QueuePath(queue) + "/dead-letters/groups";
}
