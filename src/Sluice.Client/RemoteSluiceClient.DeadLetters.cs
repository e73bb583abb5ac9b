using Sluice.DeadLetters;
using Sluice.Grpc;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Client;

public sealed partial class RemoteSluiceClient
{
    private V1.DeadLetters.DeadLettersClient DeadLetters => new(_invoker);

    /// <inheritdoc />
    public async ValueTask<DeadLetterGroupList> GetDeadLetterGroupsAsync(string queue, int maxGroups = 100, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(DeadLetters.ListGroupsAsync,
            new V1.ListDeadLetterGroupsRequest { Queue = queue ?? "", MaxGroups = maxGroups }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<DeadLetterGroupActionResult> RedriveDeadLetterGroupAsync(
        string queue, string groupId, string? destination = null, int maxPerSecond = 100, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var request = new V1.RedriveDeadLetterGroupRequest { Queue = queue ?? "", GroupId = groupId ?? "", MaxPerSecond = maxPerSecond, DryRun = dryRun };
        if (destination is not null)
        {
            request.Destination = destination;
        }

        return GrpcConvert.FromProto(await CallAsync(DeadLetters.RedriveGroupAsync, request, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask<DeadLetterGroupActionResult> DeleteDeadLetterGroupAsync(string queue, string groupId, bool dryRun = false, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(DeadLetters.DeleteGroupAsync,
            new V1.DeleteDeadLetterGroupRequest { Queue = queue ?? "", GroupId = groupId ?? "", DryRun = dryRun }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<DeadLetterGroupActionResult> MoveDeadLetterGroupAsync(string queue, string groupId, string destination, bool dryRun = false, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(DeadLetters.MoveGroupAsync,
            new V1.MoveDeadLetterGroupRequest { Queue = queue ?? "", GroupId = groupId ?? "", Destination = destination ?? "", DryRun = dryRun }, cancellationToken).ConfigureAwait(false));
}
