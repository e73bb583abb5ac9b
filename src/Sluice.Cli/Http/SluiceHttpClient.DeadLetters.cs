using System.Globalization;
using System.Net.Http.Json;

namespace Sluice.Cli.Http;

internal sealed partial class SluiceHttpClient
{
    private static readonly DeadLetterJsonContext DeadLetterJson = DeadLetterJsonContext.Default;

    public Task<DeadLetterGroupListDto> ListDeadLetterGroupsAsync(string queue, int max, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, GroupsPath(queue) + "?max=" + max.ToString(CultureInfo.InvariantCulture), null, DeadLetterJson.DeadLetterGroupListDto, cancellationToken);

    /// <summary>Runs a group action: <paramref name="action"/> is redrive, delete or move.</summary>
    public Task<DeadLetterGroupActionDto> DeadLetterGroupActionAsync(string queue, string groupId, string action, DeadLetterGroupActionRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, GroupsPath(queue) + "/" + Uri.EscapeDataString(groupId) + "/" + action,
            JsonContent.Create(request, DeadLetterJson.DeadLetterGroupActionRequest), DeadLetterJson.DeadLetterGroupActionDto, cancellationToken);

    private static string GroupsPath(string queue) => QueuePath(queue) + "/dead-letters/groups";
}
