using Sluice.DeadLetters;

namespace Sluice.Client;

public sealed partial class InProcessSluiceClient
{
    /// <inheritdoc />
    public ValueTask<DeadLetterGroupList> GetDeadLetterGroupsAsync(string queue, int maxGroups = 100, CancellationToken cancellationToken = default) =>
        _broker.GetDeadLetterGroupsAsync(queue, maxGroups, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DeadLetterGroupActionResult> RedriveDeadLetterGroupAsync(
        string queue, string groupId, string? destination = null, int maxPerSecond = 100, bool dryRun = false, CancellationToken cancellationToken = default) =>
        _broker.RedriveDeadLetterGroupAsync(queue, groupId, destination, maxPerSecond, dryRun, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DeadLetterGroupActionResult> DeleteDeadLetterGroupAsync(string queue, string groupId, bool dryRun = false, CancellationToken cancellationToken = default) =>
        _broker.DeleteDeadLetterGroupAsync(queue, groupId, dryRun, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DeadLetterGroupActionResult> MoveDeadLetterGroupAsync(string queue, string groupId, string destination, bool dryRun = false, CancellationToken cancellationToken = default) =>
        _broker.MoveDeadLetterGroupAsync(queue, groupId, destination, dryRun, cancellationToken);
}
