using Sluice.DeadLetters;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>The dead-letter workspace: failure groups of a queue and bulk actions on a group (docs/design/dead-letters.md).</summary>
public sealed partial class Broker
{
    /// <summary>
    /// The most groups one <see cref="GetDeadLetterGroupsAsync"/> keeps track of: 10,000. Beyond that the smallest tracked
    /// group is replaced (Space-Saving heavy hitters): every group holding more than 1/10,000 of the queue's dead letters is
    /// always reported, with a count that is exact or an upper bound (<see cref="DeadLetterGroup.CountOvercount"/>).
    /// </summary>
    public const int MaxTrackedDeadLetterGroups = 10_000;

    /// <summary>The most groups one <see cref="GetDeadLetterGroupsAsync"/> reports: 1,000.</summary>
    public const int MaxReportedDeadLetterGroups = 1_000;

    /// <summary>Messages read per store call while scanning a queue: 256.</summary>
    private const int ScanPage = 256;

    /// <summary>
    /// Groups the messages of a queue (usually a dead-letter queue) by failure fingerprint
    /// (<see cref="FailureFingerprint"/>): the last error of each dead letter, or its body when it has none. Reads the
    /// whole queue page by page without leasing or changing anything; memory is bounded by the number of groups (one
    /// sample each), at most <see cref="MaxTrackedDeadLetterGroups"/> (see there for what happens beyond).
    /// </summary>
    /// <param name="queue">The queue to group.</param>
    /// <param name="maxGroups">How many of the largest groups to report; default 100; 1 to <see cref="MaxReportedDeadLetterGroups"/>.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The groups, largest first, with <see cref="DeadLetterGroupList.Truncated"/> set when more exist.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument.</exception>
    public async ValueTask<DeadLetterGroupList> GetDeadLetterGroupsAsync(string queue, int maxGroups = 100, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        Validation.Range(maxGroups, 1, MaxReportedDeadLetterGroups, "maxGroups");
        var isDeadLetterQueue = await IsDeadLetterQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        var groups = new SpaceSaving<GroupTally>(MaxTrackedDeadLetterGroups);
        long scanned = 0, deadLetters = 0;
        await foreach (var (message, fingerprint) in ScanFingerprintsAsync(queue, cancellationToken).ConfigureAwait(false))
        {
            scanned++;
            if (fingerprint is null)
            {
                continue; // a live message: never grouped
            }

            deadLetters++;
            groups.Add(fingerprint.GroupId, () => new GroupTally(fingerprint, Sample(message))).Value.Add(message);
        }

        if (deadLetters == 0 && !isDeadLetterQueue)
        {
            throw NotADeadLetterQueue(queue);
        }

        var reported = groups.Entries.OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(maxGroups).Select(g => g.Value.ToGroup(g.Count, g.Overcount)).ToList();
        return new DeadLetterGroupList(queue, scanned, reported, groups.Count, groups.Count > reported.Count || groups.Evicted > 0, groups.Evicted);
    }

    /// <summary>
    /// Redrives one failure group of a queue: moves its messages back to the queue each was dead-lettered from (or to
    /// <paramref name="destination"/>) as a redrive task, at most <paramref name="maxPerSecond"/> a second, with the
    /// same mechanism, status and cancellation as <see cref="StartRedriveAsync"/> (<see cref="RedriveStatus.GroupId"/>
    /// set). Moved messages are ready with receive count 0 and no dead-letter information. The group's messages
    /// dead-lettered after this call (<see cref="DeadLetterGroupActionResult.Cutoff"/>) are never included, so a message
    /// that fails again during the redrive is not redriven twice; messages leased at the moment they are reached are
    /// skipped and stay.
    /// </summary>
    /// <param name="queue">The queue holding the group (a dead-letter queue).</param>
    /// <param name="groupId">The group id from <see cref="GetDeadLetterGroupsAsync"/> (16 hex characters).</param>
    /// <param name="destination">Where to move messages; <see langword="null"/> (default) returns each to its source queue (a message without one stays).</param>
    /// <param name="maxPerSecond">Rate limit in messages per second; default 100; 1 to 10,000.</param>
    /// <param name="dryRun">When set, changes nothing and reports how many messages would move, from which source queues, and how many would be skipped.</param>
    /// <param name="cancellationToken">Cancels the call (a started task runs on; stop it with <see cref="CancelRedriveAsync"/>).</param>
    /// <returns>The counts at the time of the call, and for a real run the started task (<see cref="DeadLetterGroupActionResult.Redrive"/>).</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found (queue or destination), invalid_argument (group id, rate, or a destination of another kind or the queue itself), dead_letter_group_not_found (no dead letter of the queue is in the group); redrive_in_progress (a redrive of this group is running).</exception>
    public async ValueTask<DeadLetterGroupActionResult> RedriveDeadLetterGroupAsync(
        string queue, string groupId, string? destination = null, int maxPerSecond = 100, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, queue);
        if (destination is not null)
        {
            SluiceAccess.Demand(SluicePermissions.Admin, destination);
        }

        var dlq = await PrepareGroupActionAsync(queue, groupId, destination, cancellationToken).ConfigureAwait(false);
        Validation.Range(maxPerSecond, 1, Validation.MaxRedriveRate, "maxPerSecond");
        var preview = await PreviewGroupActionAsync(dlq, groupId, DeadLetterGroupAction.Redrive, destination, cancellationToken).ConfigureAwait(false);
        if (destination is null)
        {
            // Each message returns to the queue it came from: admin on every one of them.
            foreach (var source in preview.SourceQueues)
            {
                SluiceAccess.Demand(SluicePermissions.Admin, source.Queue);
            }
        }
        if (dryRun)
        {
            return preview;
        }

        var task = await StartRedriveTaskAsync(queue, destination, maxPerSecond, preview.Affected, groupId, preview.Cutoff, cancellationToken).ConfigureAwait(false);
        return preview with { DryRun = false, Redrive = task };
    }

    /// <summary>
    /// Deletes one failure group of a queue, page by page (one store transaction per page of at most 256 messages).
    /// The group's messages dead-lettered after this call (<see cref="DeadLetterGroupActionResult.Cutoff"/>) are never
    /// included; messages leased at the moment their page is reached are skipped and counted.
    /// </summary>
    /// <param name="queue">The queue holding the group.</param>
    /// <param name="groupId">The group id from <see cref="GetDeadLetterGroupsAsync"/>.</param>
    /// <param name="dryRun">When set, changes nothing and reports how many messages would be deleted and from which source queues.</param>
    /// <param name="cancellationToken">Cancels the action between pages (pages already done stay done).</param>
    /// <returns>What was (or would be) deleted.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument (group id), dead_letter_group_not_found (no dead letter of the queue is in the group).</exception>
    public async ValueTask<DeadLetterGroupActionResult> DeleteDeadLetterGroupAsync(string queue, string groupId, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, queue);
        var dlq = await PrepareGroupActionAsync(queue, groupId, null, cancellationToken).ConfigureAwait(false);
        return dryRun
            ? await PreviewGroupActionAsync(dlq, groupId, DeadLetterGroupAction.Delete, null, cancellationToken).ConfigureAwait(false)
            : await RunGroupActionAsync(queue, groupId, DeadLetterGroupAction.Delete, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves one failure group of a queue to <paramref name="destination"/> at once (not rate-limited), page by page
    /// (one store transaction per page), keeping each message's dead-letter information so it can still be grouped
    /// there. Moved messages are ready with receive count 0. The group's messages dead-lettered after this call are
    /// never included; messages leased at that moment, or that do not fit the destination, are skipped and counted.
    /// </summary>
    /// <param name="queue">The queue holding the group.</param>
    /// <param name="groupId">The group id from <see cref="GetDeadLetterGroupsAsync"/>.</param>
    /// <param name="destination">The queue to move to: an existing queue of the same kind (standard or FIFO), not <paramref name="queue"/>.</param>
    /// <param name="dryRun">When set, changes nothing and reports how many messages would move and from which source queues.</param>
    /// <param name="cancellationToken">Cancels the action between pages (pages already done stay done).</param>
    /// <returns>What was (or would be) moved.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found (queue or destination), invalid_argument (group id, destination), dead_letter_group_not_found (no dead letter of the queue is in the group).</exception>
    public async ValueTask<DeadLetterGroupActionResult> MoveDeadLetterGroupAsync(string queue, string groupId, string destination, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, queue);
        if (destination is null)
        {
            throw SluiceException.Invalid("destination", "destination is required: name the queue to move the group's messages to");
        }

        SluiceAccess.Demand(SluicePermissions.Admin, destination);

        var dlq = await PrepareGroupActionAsync(queue, groupId, destination, cancellationToken).ConfigureAwait(false);
        return dryRun
            ? await PreviewGroupActionAsync(dlq, groupId, DeadLetterGroupAction.Move, destination, cancellationToken).ConfigureAwait(false)
            : await RunGroupActionAsync(queue, groupId, DeadLetterGroupAction.Move, destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks a group action's arguments; returns the queue.</summary>
    private async ValueTask<QueueInfo> PrepareGroupActionAsync(string queue, string groupId, string? destination, CancellationToken cancellationToken)
    {
        var info = await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        if (groupId is not { Length: 16 } || !groupId.All(char.IsAsciiHexDigitLower))
        {
            throw SluiceException.Invalid("groupId",
                $"group id '{Validation.Quote(groupId)}' is invalid: use the 16 lower-case hex characters of a group listed by GET /v1/queues/{queue}/dead-letters/groups");
        }

        if (destination is not null)
        {
            await CheckRedriveDestinationAsync(info, destination, cancellationToken).ConfigureAwait(false);
        }

        if (!await IsDeadLetterQueueAsync(queue, cancellationToken).ConfigureAwait(false))
        {
            await foreach (var (_, fingerprint) in ScanFingerprintsAsync(queue, cancellationToken).ConfigureAwait(false))
            {
                if (fingerprint is not null)
                {
                    return info; // holds dead letters (moved there with their dead-letter information)
                }
            }

            throw NotADeadLetterQueue(queue);
        }

        return info;
    }

    /// <summary>Whether some queue names <paramref name="queue"/> as its dead-letter queue.</summary>
    private async ValueTask<bool> IsDeadLetterQueueAsync(string queue, CancellationToken cancellationToken) =>
        (await StartedStore.ListQueuesAsync(cancellationToken).ConfigureAwait(false)).Any(q => q.Options.DeadLetterQueue == queue);

    private static SluiceException NotADeadLetterQueue(string queue) => SluiceException.Invalid("queue",
        $"queue '{queue}' is not the dead-letter queue of any queue and holds no dead letters: the dead-letter workspace groups and acts on dead letters only (name it as a queue's deadLetterQueue first)");

    /// <summary>Counts what an action would do, changing nothing.</summary>
    private async ValueTask<DeadLetterGroupActionResult> PreviewGroupActionAsync(
        QueueInfo queue, string groupId, DeadLetterGroupAction action, string? destination, CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow();
        // The same rules as the real action: a target that no longer exists, is the queue itself or is full makes a
        // message unmovable; room is counted down as messages would arrive, so the preview matches an idle real run.
        var targets = new Dictionary<string, Room?>(StringComparer.Ordinal);
        var sources = new Dictionary<string, long>(StringComparer.Ordinal);
        long affected = 0, leased = 0, unmovable = 0;
        await foreach (var (message, fingerprint) in ScanFingerprintsAsync(queue.Name, cancellationToken).ConfigureAwait(false))
        {
            if (fingerprint is null || fingerprint.GroupId != groupId || DeadLetteredAt(message) > cutoff)
            {
                continue;
            }

            if (message.State == MessageState.InFlight)
            {
                leased++;
            }
            else if (action != DeadLetterGroupAction.Delete &&
                !await TakeRoomAsync(targets, queue.Name, destination ?? message.DeadLetter?.SourceQueue, message.Body.Length, cancellationToken).ConfigureAwait(false))
            {
                unmovable++;
            }
            else
            {
                affected++;
                AddSource(sources, message);
            }
        }

        return Found(new DeadLetterGroupActionResult(queue.Name, groupId, action, true, destination, cutoff, affected, leased, unmovable, Sources(sources)));
    }

    /// <summary>What a target queue would hold during a dry run.</summary>
    private sealed class Room(QueueOptions options, long count, long bytes)
    {
        public bool Take(int size)
        {
            if (!QueueRules.Fits(options, count + 1, bytes + size))
            {
                return false;
            }

            count++;
            bytes += size;
            return true;
        }
    }

    /// <summary>Whether a message of <paramref name="size"/> bytes would move to <paramref name="target"/> (it exists, is not <paramref name="from"/>, and has room); counts it in if so.</summary>
    private async ValueTask<bool> TakeRoomAsync(Dictionary<string, Room?> targets, string from, string? target, int size, CancellationToken cancellationToken)
    {
        if (target is null || target == from)
        {
            return false;
        }

        if (!targets.TryGetValue(target, out var room))
        {
            var info = await StartedStore.GetQueueAsync(target, cancellationToken).ConfigureAwait(false);
            var counts = info is null ? default : await StartedStore.GetCountsAsync(target, cancellationToken).ConfigureAwait(false);
            targets[target] = room = info is null ? null : new Room(info.Options, counts.Total, counts.Bytes);
        }

        return room is not null && room.Take(size);
    }

    /// <summary>The result of an action that met at least one of the group's messages; else dead_letter_group_not_found (nothing was changed).</summary>
    private static DeadLetterGroupActionResult Found(DeadLetterGroupActionResult result) =>
        result.Affected + result.SkippedLeased + result.SkippedUnmovable > 0 ? result : throw new SluiceException(ErrorCodes.DeadLetterGroupNotFound,
            $"group {result.GroupId} has no dead letters in '{result.Queue}' (at or before {result.Cutoff:O}): list the groups with GET /v1/queues/{result.Queue}/dead-letters/groups or `sluice dlq groups {result.Queue}`",
            "groupId");

    /// <summary>Deletes or moves a group page by page.</summary>
    private async ValueTask<DeadLetterGroupActionResult> RunGroupActionAsync(
        string queue, string groupId, DeadLetterGroupAction action, string? destination, CancellationToken cancellationToken)
    {
        var selection = new GroupSelection(this, queue, groupId, _time.GetUtcNow());
        var sources = new Dictionary<string, long>(StringComparer.Ordinal);
        long affected = 0;
        var outcome = "failed";
        Log.DeadLetterGroupActionStarted(_logger, groupId, queue, action, destination ?? "-");
        try
        {
            while (await selection.NextAsync(int.MaxValue, cancellationToken).ConfigureAwait(false) is { Count: > 0 } page)
            {
                var sequences = page.Select(m => m.SequenceNumber).ToList();
                var outcomes = action == DeadLetterGroupAction.Delete
                    ? await StartedStore.DeleteMessagesAsync(queue, sequences, cancellationToken).ConfigureAwait(false)
                    : await MoveGroupPageAsync(queue, sequences, destination!, affected, cancellationToken).ConfigureAwait(false);
                affected += selection.Count(page, outcomes, sources);
                if (destination is not null)
                {
                    NotifyRedriven(destination, outcomes.Count(o => o == MessageSetOutcome.Done));
                }
            }

            outcome = "completed";
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            // Pages done stay done: the log says how far the action got, also when it was cancelled or failed.
            Log.DeadLetterGroupActed(_logger, groupId, queue, action, destination ?? "-", outcome, affected, selection.Leased, selection.Unmovable);
        }

        return Found(new DeadLetterGroupActionResult(queue, groupId, action, false, destination, selection.Cutoff, affected,
            selection.Leased, selection.Unmovable, Sources(sources)));
    }

    /// <summary>Moves one page of a group move; a destination deleted meanwhile is refused naming it, with how many had moved.</summary>
    private async ValueTask<IReadOnlyList<MessageSetOutcome>> MoveGroupPageAsync(
        string queue, List<long> sequences, string destination, long movedSoFar, CancellationToken cancellationToken)
    {
        try
        {
            return await StartedStore.MoveMessagesAsync(queue, sequences, destination, keepDeadLetterInfo: true, cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueNotFound)
        {
            if (await StartedStore.GetQueueAsync(destination, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw;
            }

            throw new SluiceException(ErrorCodes.QueueNotFound,
                $"destination queue '{destination}' was deleted during the move: {movedSoFar} messages had moved there and stay moved; the rest stay in '{queue}'",
                "destination");
        }
    }

    /// <summary>Every message of a queue with its fingerprint, page by page, in sequence order; the fingerprint is null for a live message (no dead-letter information), which is never grouped nor acted on.</summary>
    private async IAsyncEnumerable<(QueueMessage Message, FailureFingerprint? Fingerprint)> ScanFingerprintsAsync(
        string queue, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var page = await StartedStore.ScanAsync(queue, after, ScanPage, cancellationToken).ConfigureAwait(false);
            foreach (var message in page)
            {
                yield return (message, message.DeadLetter is null ? null : FailureFingerprint.Of(message));
            }

            if (page.Count < ScanPage)
            {
                yield break;
            }

            after = page[^1].SequenceNumber;
        }
    }

    private static DateTimeOffset DeadLetteredAt(QueueMessage message) => message.DeadLetter?.DeadLetteredAt ?? message.SentAt;

    private static void AddSource(Dictionary<string, long> sources, QueueMessage message)
    {
        var source = message.DeadLetter?.SourceQueue ?? "";
        sources[source] = sources.GetValueOrDefault(source) + 1;
    }

    private static IReadOnlyList<DeadLetterSourceCount> Sources(Dictionary<string, long> sources) =>
        [.. sources.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => new DeadLetterSourceCount(s.Key, s.Value))];

    private static DeadLetterSample Sample(QueueMessage message)
    {
        const int MaxChars = 256, MaxBytes = 192;
        var text = FailureMasking.BodyText(message.Body.Span, out var isText);
        var preview = isText
            ? (text.Length > MaxChars ? text[..MaxChars] : text)
            : Convert.ToBase64String(message.Body.Span[..Math.Min(MaxBytes, message.Body.Length)]);
        return new DeadLetterSample(message.MessageId, message.SequenceNumber, preview, isText, message.Body.Length, message.DeadLetter,
            FailureDetails.TryParse(message.DeadLetter?.LastError, out var failure) ? failure : null);
    }

    /// <summary>What one group has accumulated during a scan: counts, times and source queues, and one sample.</summary>
    private sealed class GroupTally(FailureFingerprint fingerprint, DeadLetterSample sample)
    {
        private readonly Dictionary<string, long> _sources = new(StringComparer.Ordinal);
        private DateTimeOffset _first = DateTimeOffset.MaxValue;
        private DateTimeOffset _last = DateTimeOffset.MinValue;

        public FailureFingerprint Fingerprint => fingerprint;

        public long Count { get; private set; }

        public void Add(QueueMessage message)
        {
            Count++;
            var at = DeadLetteredAt(message);
            _first = at < _first ? at : _first;
            _last = at > _last ? at : _last;
            AddSource(_sources, message);
        }

        /// <summary>The group, with its count from the heavy-hitters counter (<paramref name="count"/>, at most <paramref name="overcount"/> too high).</summary>
        public DeadLetterGroup ToGroup(long count, long overcount) => new(fingerprint.GroupId, count, _first, _last, Sources(_sources),
            fingerprint.Source, fingerprint.ExceptionType, fingerprint.Frames, fingerprint.Message, sample)
        { CountOvercount = overcount };
    }

    /// <summary>
    /// A forward walk over one group's messages dead-lettered at or before <see cref="Cutoff"/>, skipping (and counting)
    /// leased ones; used by delete, move and group redrive alike.
    /// </summary>
    private sealed class GroupSelection(Broker broker, string queue, string groupId, DateTimeOffset cutoff)
    {
        private long _after;
        private bool _end;

        public DateTimeOffset Cutoff => cutoff;

        /// <summary>The walk's position: the last sequence number looked at (0: none yet).</summary>
        public long After => _after;

        /// <summary>Goes on from a stored position and counts (a resumed group redrive).</summary>
        public void Resume(long after, long leased, long unmovable) => (_after, Leased, Unmovable) = (after, leased, unmovable);

        public long Leased { get; private set; }

        public long Unmovable { get; private set; }

        /// <summary>The next candidates: the group's messages (not in flight) of the next pages, at most <paramref name="max"/>; empty at the end.</summary>
        public async ValueTask<List<QueueMessage>> NextAsync(int max, CancellationToken cancellationToken)
        {
            var found = new List<QueueMessage>();
            while (!_end && found.Count == 0)
            {
                var page = await broker.StartedStore.ScanAsync(queue, _after, Math.Min(ScanPage, max), cancellationToken).ConfigureAwait(false);
                _end = page.Count < Math.Min(ScanPage, max);
                foreach (var message in page)
                {
                    _after = message.SequenceNumber;
                    if (message.DeadLetter is null || DeadLetteredAt(message) > cutoff || FailureFingerprint.Of(message).GroupId != groupId)
                    {
                        continue;
                    }

                    if (message.State == MessageState.InFlight)
                    {
                        Leased++;
                        continue;
                    }

                    found.Add(message);
                }
            }

            return found;
        }

        /// <summary>Counts the outcomes of one page; returns how many were done (their source queues added to <paramref name="sources"/>).</summary>
        public int Count(List<QueueMessage> page, IReadOnlyList<MessageSetOutcome> outcomes, Dictionary<string, long>? sources)
        {
            var done = 0;
            for (var i = 0; i < page.Count; i++)
            {
                switch (outcomes[i])
                {
                    case MessageSetOutcome.Done:
                        done++;
                        if (sources is not null)
                        {
                            AddSource(sources, page[i]);
                        }

                        break;
                    case MessageSetOutcome.Leased: Leased++; break;
                    case MessageSetOutcome.Unmovable: Unmovable++; break;
                    default: break;
                }
            }

            return done;
        }

        /// <summary>One step of a group redrive task: moves at most <paramref name="max"/> of the group's next messages.</summary>
        public async ValueTask<RedriveProgress> RedriveStepAsync(string? destination, int max, CancellationToken cancellationToken)
        {
            var page = await NextAsync(max, cancellationToken).ConfigureAwait(false);
            var moved = 0;
            if (page.Count > 0)
            {
                var outcomes = await broker.StartedStore.MoveMessagesAsync(queue, [.. page.Select(m => m.SequenceNumber)], destination, keepDeadLetterInfo: false, cancellationToken).ConfigureAwait(false);
                moved = Count(page, outcomes, null);
            }

            // Finished once the walk reached the end of the queue: nothing after the last page is left to look at.
            return !_end ? new RedriveProgress(moved, false, null) : new RedriveProgress(moved, true, Leased + Unmovable == 0 ? null :
                $"messages of group {groupId} left in '{queue}': {Leased} leased by a consumer there, {Unmovable} without a source queue to return to or that did not fit");
        }
    }
}
