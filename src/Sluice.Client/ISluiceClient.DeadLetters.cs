using Sluice.DeadLetters;

namespace Sluice.Client;

/// <summary>The dead-letter workspace: failure groups of a queue and bulk actions on a group (docs/design/dead-letters.md).</summary>
public partial interface ISluiceClient
{
    // ---- Dead-letter groups ----

    /// <summary>
    /// Groups the messages of a queue (usually a dead-letter queue) by failure fingerprint: the exception type, top
    /// application frames and masked message of each message's last error (variable parts such as ids, numbers, GUIDs
    /// and times masked), or its body when it has none. Reads the whole queue without leasing or changing anything.
    /// </summary>
    /// <param name="queue">The queue to group.</param>
    /// <param name="maxGroups">How many of the largest groups to report: 1 to 1,000; default 100.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// The groups, largest first (then by group id), each with its count, first and last dead-letter times, counts per
    /// source queue and one sample message; <see cref="DeadLetterGroupList.Truncated"/> is set when more groups exist.
    /// </returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument (maxGroups).</exception>
    ValueTask<DeadLetterGroupList> GetDeadLetterGroupsAsync(string queue, int maxGroups = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Redrives one failure group: moves its messages back to the queue each was dead-lettered from (or to
    /// <paramref name="destination"/>) as a background redrive task, at most <paramref name="maxPerSecond"/> a second;
    /// follow it with <see cref="GetRedriveAsync"/> (its <see cref="RedriveStatus.GroupId"/> is the group). Moved
    /// messages are ready with receive count 0 and no dead-letter information. Messages of the group dead-lettered after
    /// the call (<see cref="DeadLetterGroupActionResult.Cutoff"/>) are never included; leased ones are skipped and stay.
    /// </summary>
    /// <param name="queue">The queue holding the group (a dead-letter queue).</param>
    /// <param name="groupId">The group id from <see cref="GetDeadLetterGroupsAsync"/>: 16 lower-case hex characters.</param>
    /// <param name="destination">Where to move messages; <see langword="null"/> (default) returns each to its source queue (a message without one stays).</param>
    /// <param name="maxPerSecond">Rate limit in messages per second: 1 to 10,000; default 100.</param>
    /// <param name="dryRun">When set (default false), changes nothing and reports how many messages would move, from which source queues, and how many would be skipped.</param>
    /// <param name="cancellationToken">Cancels the call (a started task runs on).</param>
    /// <returns>The counts at the time of the call and, unless a dry run, the started task (<see cref="DeadLetterGroupActionResult.Redrive"/>).</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found (queue or destination), invalid_argument (group id, rate, or a destination of another kind or the queue itself).</exception>
    ValueTask<DeadLetterGroupActionResult> RedriveDeadLetterGroupAsync(
        string queue, string groupId, string? destination = null, int maxPerSecond = 100, bool dryRun = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes one failure group's messages, a page of at most 256 at a time. Messages of the group dead-lettered after
    /// the call are never included; leased ones are skipped and counted.
    /// </summary>
    /// <param name="queue">The queue holding the group.</param>
    /// <param name="groupId">The group id from <see cref="GetDeadLetterGroupsAsync"/>: 16 lower-case hex characters.</param>
    /// <param name="dryRun">When set (default false), changes nothing and reports how many messages would be deleted and from which source queues.</param>
    /// <param name="cancellationToken">Cancels the call; pages already deleted stay deleted.</param>
    /// <returns>What was (or would be) deleted.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument (group id).</exception>
    ValueTask<DeadLetterGroupActionResult> DeleteDeadLetterGroupAsync(string queue, string groupId, bool dryRun = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves one failure group's messages to <paramref name="destination"/> at once (not rate-limited), a page of at most
    /// 256 at a time, keeping their dead-letter information so they can still be grouped there; moved messages are ready
    /// with receive count 0. Messages of the group dead-lettered after the call are never included; leased ones, and ones
    /// that do not fit the destination, are skipped and counted.
    /// </summary>
    /// <param name="queue">The queue holding the group.</param>
    /// <param name="groupId">The group id from <see cref="GetDeadLetterGroupsAsync"/>: 16 lower-case hex characters.</param>
    /// <param name="destination">The queue to move to: an existing queue of the same kind (standard or FIFO), not <paramref name="queue"/>.</param>
    /// <param name="dryRun">When set (default false), changes nothing and reports how many messages would move and from which source queues.</param>
    /// <param name="cancellationToken">Cancels the call; pages already moved stay moved.</param>
    /// <returns>What was (or would be) moved.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found (queue or destination), invalid_argument (group id, destination).</exception>
    ValueTask<DeadLetterGroupActionResult> MoveDeadLetterGroupAsync(string queue, string groupId, string destination, bool dryRun = false, CancellationToken cancellationToken = default);
}
