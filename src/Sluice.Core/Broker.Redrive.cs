using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.InMemory;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// Redrive tasks, durable and cluster-wide: each task is a key-value record under
/// <see cref="KeyValueRules.ReservedPrefix"/><c>redrive/task/</c> holding its definition and status, the node running
/// it and that node's lease. The runner renews the lease with a compare-and-set at every step (at least once a
/// second); a task whose lease expired (its broker stopped or died) is resumed by the first broker that sees it (each
/// broker looks when it starts and at every sweep interval). One task runs per dead-letter queue (and per queue and
/// failure group) across all brokers: the task holds the key <c>redrive/running/{queue}[/{group}]</c>, taken with a
/// compare-and-set. A store without <see cref="IKeyValueStore"/> keeps the records in the broker's memory (node-local,
/// lost on restart).
/// </summary>
public sealed partial class Broker
{
    private const int RedriveBatch = 10;
    private const int KeptFinishedRedrives = 100;
    private const int MaxRedriveConflicts = 50;
    private const string RedriveTaskPrefix = KeyValueRules.ReservedPrefix + "redrive/task/";
    private const string RedriveRunningPrefix = KeyValueRules.ReservedPrefix + "redrive/running/";

    /// <summary>How long a runner's claim on a redrive task lasts without a renewal: 15 seconds (renewed at every step, at least once a second).</summary>
    internal static readonly TimeSpan RedriveLease = TimeSpan.FromSeconds(15);

    /// <summary>How long a cancel waits for a task running on another broker to stop: 5 seconds.</summary>
    private static readonly TimeSpan RedriveCancelWait = TimeSpan.FromSeconds(5);

    /// <summary>How often a wait for a task running on another broker reads its record: every 100 ms.</summary>
    private static readonly TimeSpan RedrivePoll = TimeSpan.FromMilliseconds(100);

    /// <summary>The tasks this broker runs, by id.</summary>
    private readonly ConcurrentDictionary<string, LocalRedrive> _redrives = new(StringComparer.Ordinal);

    /// <summary>This broker's id in redrive and maintenance records: new for every broker instance.</summary>
    private readonly string _nodeId = Guid.NewGuid().ToString("N");

    private readonly Lazy<InMemoryMessageStore> _localRecords = new(() => new InMemoryMessageStore());
    private TaskCompletionSource _redrivesChanged = NewSignal();

    /// <summary>Where redrive and maintenance records live: the store's key-value records, or the broker's memory for a store without them.</summary>
    private IKeyValueStore Records => StartedStore as IKeyValueStore ?? _localRecords.Value;

    /// <summary>
    /// Starts moving messages out of a dead-letter queue, oldest first, at most <paramref name="maxPerSecond"/> a second.
    /// Each step is atomic, so cancelling or a crash loses nothing. The task is stored: it survives a restart of its
    /// broker and is resumed by any broker sharing the store once its runner's lease (15 seconds) expires; any broker
    /// can follow or cancel it.
    /// </summary>
    /// <param name="deadLetterQueue">The queue to drain.</param>
    /// <param name="destination">Where to move messages; <see langword="null"/> (default) returns each to the queue it came from.</param>
    /// <param name="maxPerSecond">Rate limit in messages per second; default 100; 1 to 10,000.</param>
    /// <param name="cancellationToken">Cancels the start only; use <see cref="CancelRedriveAsync"/> to stop a running task.</param>
    /// <returns>The task's first status.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument; redrive_in_progress (a whole-queue redrive of this queue is running on any broker; the message names its id).</exception>
    public async ValueTask<RedriveStatus> StartRedriveAsync(string deadLetterQueue, string? destination = null, int maxPerSecond = 100, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, deadLetterQueue);
        if (destination is not null)
        {
            SluiceAccess.Demand(SluicePermissions.Admin, destination);
        }

        var dlq = await GetQueueAsync(deadLetterQueue, cancellationToken).ConfigureAwait(false);
        if (destination is not null)
        {
            await CheckRedriveDestinationAsync(dlq, destination, cancellationToken).ConfigureAwait(false);
        }

        var queues = await StartedStore.ListQueuesAsync(cancellationToken).ConfigureAwait(false);
        if (!queues.Any(q => q.Options.DeadLetterQueue == deadLetterQueue))
        {
            throw SluiceException.Invalid("queue",
                $"queue '{deadLetterQueue}' is not the dead-letter queue of any queue: redrive moves dead letters only (name it as a queue's deadLetterQueue first)");
        }

        if (destination is null)
        {
            // Each message returns to the queue it came from: admin on every queue dead-lettering here.
            foreach (var source in queues.Where(q => q.Options.DeadLetterQueue == deadLetterQueue))
            {
                SluiceAccess.Demand(SluicePermissions.Admin, source.Name);
            }
        }

        Validation.Range(maxPerSecond, 1, Validation.MaxRedriveRate, "maxPerSecond");
        var total = (await StartedStore.GetCountsAsync(deadLetterQueue, cancellationToken).ConfigureAwait(false)).Total;
        return await StartRedriveTaskAsync(deadLetterQueue, destination, maxPerSecond, total, null, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks a redrive's (or a group move's) destination: an existing queue of the same kind as <paramref name="from"/>, not that queue itself.</summary>
    private async ValueTask CheckRedriveDestinationAsync(QueueInfo from, string destination, CancellationToken cancellationToken)
    {
        Validation.QueueName(destination, "destination");
        var target = await StartedStore.GetQueueAsync(destination, cancellationToken).ConfigureAwait(false) ??
            throw new SluiceException(ErrorCodes.QueueNotFound, $"destination queue '{destination}' does not exist: create it first", "destination");
        if (target.Options.Fifo != from.Options.Fifo || destination == from.Name)
        {
            throw SluiceException.Invalid("destination", destination == from.Name
                ? $"destination '{destination}' is the queue the messages are in: name another queue"
                : $"destination '{destination}' is {(target.Options.Fifo ? "FIFO" : "standard")} but '{from.Name}' is {(from.Options.Fifo ? "FIFO" : "standard")}: both must be of the same kind");
        }
    }

    /// <summary>
    /// Stores a new redrive task (a group redrive when <paramref name="groupId"/> is set, walking the group's messages
    /// dead-lettered at or before <paramref name="cutoff"/>), takes its queue's running key and starts it here.
    /// </summary>
    /// <exception cref="SluiceException">redrive_in_progress.</exception>
    private async ValueTask<RedriveStatus> StartRedriveTaskAsync(string deadLetterQueue, string? destination, int maxPerSecond, long total, string? groupId,
        DateTimeOffset? cutoff, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var record = new RedriveRecord
        {
            Id = Guid.CreateVersion7(now).ToString("N"),
            DeadLetterQueue = deadLetterQueue,
            Destination = destination,
            MaxPerSecond = maxPerSecond,
            GroupId = groupId,
            Total = total,
            StartedAt = now,
            Runner = _nodeId,
            LeaseExpiresAt = now + RedriveLease,
            Cutoff = cutoff,
        };
        record = await WriteRedriveAsync(record, 0, cancellationToken).ConfigureAwait(false);
        try
        {
            await TakeRunningKeyAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not started after all: the task record goes (a failure here leaves a running record without the key,
            // which its resumption settles: it takes the key or fails naming the task that holds it).
            try
            {
                await Records.DeleteKeyValueAsync(TaskKey(record.Id), record.Version, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SluiceException)
            {
                // Left running without its key: its resumption settles it.
            }

            throw;
        }

        Launch(record, resumed: false);
        await PruneFinishedRedrivesAsync().ConfigureAwait(false);
        return record.ToStatus();
    }

    /// <summary>The status of a redrive task, started on this broker or any other sharing its store.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">redrive_not_found.</exception>
    public async ValueTask<RedriveStatus> GetRedriveAsync(string id, CancellationToken cancellationToken = default)
    {
        var record = await FindRedriveAsync(id, cancellationToken).ConfigureAwait(false);
        SluiceAccess.Demand(SluicePermissions.Admin, record.DeadLetterQueue);
        return record.ToStatus();
    }

    /// <summary>
    /// The redrive tasks of every broker sharing the store, newest first: the running ones and the 100 most recent
    /// finished ones (older finished tasks are pruned when a task starts).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<IReadOnlyList<RedriveStatus>> ListRedrivesAsync(CancellationToken cancellationToken = default) =>
        [.. (await ListRedriveRecordsAsync(cancellationToken).ConfigureAwait(false)).Where(r => SluiceAccess.MaySee(r.DeadLetterQueue)).Select(r => r.ToStatus())];

    /// <summary>
    /// Cancels a running redrive task, on whichever broker runs it; messages already moved stay moved. The runner sees
    /// the request at its next step (within about a second); the call waits until the task stopped, for at most 5
    /// seconds when another broker runs it, then returns the status as it is (still
    /// <see cref="RedriveState.Running"/> with <see cref="RedriveStatus.CancelRequested"/> set: it stops shortly).
    /// A task whose runner's lease expired is cancelled at once. A task that already stopped is returned as it is.
    /// </summary>
    /// <param name="id">The task id.</param>
    /// <param name="cancellationToken">Cancels the wait; the cancel request, once written, stays.</param>
    /// <returns>The status after it stopped (or after the wait).</returns>
    /// <exception cref="SluiceException">redrive_not_found.</exception>
    public async ValueTask<RedriveStatus> CancelRedriveAsync(string id, CancellationToken cancellationToken = default)
    {
        var signal = Volatile.Read(ref _redrivesChanged);
        var found = await FindRedriveAsync(id, cancellationToken).ConfigureAwait(false);
        SluiceAccess.Demand(SluicePermissions.Admin, found.DeadLetterQueue);
        var now = _time.GetUtcNow();
        var (record, written) = await UpdateRedriveAsync(found, r => r.State != RedriveState.Running || r.CancelRequested ? null
            : r.LeaseExpiresAt <= now
                ? r with { CancelRequested = true, State = RedriveState.Cancelled, FinishedAt = now, Runner = null, LeaseExpiresAt = null }
                : r with { CancelRequested = true }, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            throw RedriveNotFound(id);
        }

        if (written && record.State == RedriveState.Cancelled)
        {
            // Nobody ran it (its runner's lease had expired): cancelled here, so its queue is free again.
            Log.RedriveStopped(_logger, record.Id, record.State, record.Moved);
            await ReleaseRunningKeyAsync(record).ConfigureAwait(false);
        }

        if (record.State != RedriveState.Running)
        {
            return record.ToStatus();
        }

        if (_redrives.TryGetValue(id, out var local))
        {
            await local.Cancellation.CancelAsync().ConfigureAwait(false);
            await local.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            return await GetRedriveAsync(id, cancellationToken).ConfigureAwait(false);
        }

        return await WaitForFinalAsync(id, signal, RedriveCancelWait, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until a redrive task stops (completes, fails or is cancelled), on whichever broker runs it.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="cancellationToken">Cancels the wait (the task runs on).</param>
    /// <exception cref="SluiceException">redrive_not_found.</exception>
    public async ValueTask<RedriveStatus> WaitForRedriveAsync(string id, CancellationToken cancellationToken = default)
    {
        var signal = Volatile.Read(ref _redrivesChanged);
        SluiceAccess.Demand(SluicePermissions.Admin, (await FindRedriveAsync(id, cancellationToken).ConfigureAwait(false)).DeadLetterQueue);
        return await WaitForFinalAsync(id, signal, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the task's record is final, at most <paramref name="bound"/> (broker time; null: no bound). A task
    /// this broker runs is awaited; one running elsewhere is read every 100 ms and whenever a task starts or stops here.
    /// </summary>
    private async ValueTask<RedriveStatus> WaitForFinalAsync(string id, TaskCompletionSource signal, TimeSpan? bound, CancellationToken cancellationToken)
    {
        var until = bound is { } b ? _time.GetUtcNow() + b : (DateTimeOffset?)null;
        while (true)
        {
            var record = await FindRedriveAsync(id, cancellationToken).ConfigureAwait(false);
            if (record.State != RedriveState.Running || _time.GetUtcNow() >= until)
            {
                return record.ToStatus();
            }

            if (_redrives.TryGetValue(id, out var local))
            {
                await local.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
                signal = Volatile.Read(ref _redrivesChanged);
                continue;
            }

            await Task.WhenAny(signal.Task, Task.Delay(RedrivePoll, _time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            signal = Volatile.Read(ref _redrivesChanged);
        }
    }

    /// <summary>
    /// Resumes every stored running task whose runner's lease expired (its broker stopped or died): claims it with a
    /// compare-and-set (so one broker resumes it) and runs it here from where it was. Called when the broker starts
    /// and at every sweep interval; errors are logged, and the next call tries again.
    /// </summary>
    private async ValueTask ResumeRedrivesAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var orphan in await ListRedriveRecordsAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                if (orphan.State != RedriveState.Running || orphan.LeaseExpiresAt > now || _redrives.ContainsKey(orphan.Id))
                {
                    continue;
                }

                RedriveRecord claimed;
                try
                {
                    claimed = await WriteRedriveAsync(orphan with { Runner = _nodeId, LeaseExpiresAt = now + RedriveLease }, orphan.Version, cancellationToken).ConfigureAwait(false);
                }
                catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict)
                {
                    continue; // another broker claimed it first, or its runner came back
                }

                if (claimed.CancelRequested)
                {
                    await FinishRedriveAsync(claimed, RedriveState.Cancelled, null).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    await TakeRunningKeyAsync(claimed, cancellationToken).ConfigureAwait(false);
                }
                catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.RedriveInProgress)
                {
                    // Its starter stopped before it took the queue's key, and another task has it now.
                    await FinishRedriveAsync(claimed, RedriveState.Failed, ex.Message).ConfigureAwait(false);
                    continue;
                }

                Launch(claimed, resumed: true);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RedriveResumeFailed(_logger, ex);
        }
    }

    /// <summary>Starts running a claimed task on this broker.</summary>
    private void Launch(RedriveRecord record, bool resumed)
    {
        var local = new LocalRedrive();
        _redrives[record.Id] = local;
        local.Completion = Task.Run(() => RunRedriveAsync(record, local, resumed), CancellationToken.None);
        PulseRedrives();
    }

    private async Task RunRedriveAsync(RedriveRecord record, LocalRedrive local, bool resumed)
    {
        var (step, save) = RedriveStepsFor(record);

        // The rate budget refills on the broker's clock (so fake time drives it in tests): each second allows
        // MaxPerSecond messages, moved in atomic steps of at most RedriveBatch.
        using var second = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(local.Cancellation.Token, _stopping.Token);
        if (resumed)
        {
            Log.RedriveResumed(_logger, record.Id, record.DeadLetterQueue, record.Moved);
        }
        else
        {
            Log.RedriveStarted(_logger, record.Id, record.DeadLetterQueue, record.Destination ?? "(source queues)", record.MaxPerSecond);
        }

        RedriveState? final = null;
        string? error = null;
        try
        {
            RedriveProgress progress = default;
            while (!progress.Finished)
            {
                for (var budget = record.MaxPerSecond; budget > 0 && !progress.Finished;)
                {
                    RedriveRecord? current;
                    bool written;
                    try
                    {
                        progress = await step(Math.Min(RedriveBatch, budget), linked.Token).ConfigureAwait(false);
                        budget -= progress.Moved;
                        NotifyRedriven(record.Destination, progress.Moved);

                        // The heartbeat: progress and a renewed lease, written with a compare-and-set. A cancel request
                        // written on any broker makes the write conflict, and the re-read brings it here.
                        var moved = progress.Moved;
                        var renewedUntil = _time.GetUtcNow() + RedriveLease;
                        (current, written) = await UpdateRedriveAsync(record, r => r.Runner != _nodeId || r.State != RedriveState.Running ? null
                            : save(r) with { Moved = r.Moved + moved, LeaseExpiresAt = renewedUntil }, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.Unavailable && !linked.IsCancellationRequested)
                    {
                        // The store failed for now (a broken connection, a database restarting): the task is not failed
                        // for that (other transient codes, such as a full destination, still fail it: waiting would not help). It tries again at the next second; a step is one transaction, so nothing was half
                        // moved, and if the outage outlasts the lease the next heartbeat finds whether another broker
                        // resumed the task meanwhile (then it runs there).
                        Log.RedriveStepRetried(_logger, record.Id, ex.Message);
                        break;
                    }

                    if (!written || current is null)
                    {
                        throw new RedriveLostException();
                    }

                    record = current;
                    if (record.CancelRequested)
                    {
                        throw new OperationCanceledException();
                    }
                }

                if (!progress.Finished)
                {
                    await second.WaitForNextTickAsync(linked.Token).ConfigureAwait(false);
                }
            }

            (final, error) = (RedriveState.Completed, progress.LeftBehind);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !record.CancelRequested && !local.Cancellation.IsCancellationRequested)
        {
            // The broker is stopping: the task stays running in the store, and any broker resumes it once its lease expires.
        }
        catch (OperationCanceledException)
        {
            final = RedriveState.Cancelled;
        }
        catch (RedriveLostException)
        {
            // Another broker took the task over (this one's lease had expired): it runs there now.
        }
        catch (Exception ex)
        {
            (final, error) = (RedriveState.Failed, ex.Message);
            Log.RedriveFailed(_logger, ex, record.Id);
        }

        if (final is { } state)
        {
            record = await FinishRedriveAsync(record, state, error).ConfigureAwait(false) ?? record;
        }

        _redrives.TryRemove(record.Id, out _);
        PulseRedrives();
    }

    /// <summary>
    /// The step of a task (at most the given number of messages) and what it adds to the record after each step (a
    /// group redrive's walk position and counts, so a resumed task goes on from there).
    /// </summary>
    private (Func<int, CancellationToken, ValueTask<RedriveProgress>> Step, Func<RedriveRecord, RedriveRecord> Save) RedriveStepsFor(RedriveRecord record)
    {
        var queue = record.DeadLetterQueue;
        var destination = record.Destination;
        if (record.GroupId is not { } groupId)
        {
            return (async (max, ct) =>
            {
                var step = await StartedStore.RedriveAsync(queue, destination, max, ct).ConfigureAwait(false);
                var finished = step.Moved == 0 || step.Remaining == 0;
                // Finished, but say what stayed behind and why, so nothing is left silently.
                return new RedriveProgress(step.Moved, finished, !finished || step.Remaining == 0 ? null :
                    $"messages left in '{queue}': {step.Remaining} (leased by a consumer there, or their source queue no longer exists)");
            }, r => r);
        }

        var selection = new GroupSelection(this, queue, groupId, record.Cutoff ?? record.StartedAt);
        selection.Resume(record.After, record.Leased, record.Unmovable);
        return ((max, ct) => selection.RedriveStepAsync(destination, max, ct),
            r => r with { After = selection.After, Leased = selection.Leased, Unmovable = selection.Unmovable });
    }

    /// <summary>Writes a task's final state (when this broker still runs it) and frees its queue's running key.</summary>
    /// <returns>The final record, or <see langword="null"/> when it could not be written (it stays running and is resumed later).</returns>
    private async ValueTask<RedriveRecord?> FinishRedriveAsync(RedriveRecord record, RedriveState state, string? error)
    {
        try
        {
            var now = _time.GetUtcNow();
            var (final, written) = await UpdateRedriveAsync(record, r => r.Runner != _nodeId || r.State != RedriveState.Running ? null
                : r with { State = state, FinishedAt = now, Error = error, Runner = null, LeaseExpiresAt = null }, CancellationToken.None).ConfigureAwait(false);
            if (!written || final is null)
            {
                return null;
            }

            Log.RedriveStopped(_logger, final.Id, final.State, final.Moved);
            await ReleaseRunningKeyAsync(final).ConfigureAwait(false);
            return final;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RedriveFailed(_logger, ex, record.Id);
            return null;
        }
    }

    /// <summary>
    /// Takes the running key of the task's queue (and group) with a compare-and-set: free, held by this task already,
    /// or held by a task that stopped (the key is taken over); a running task holding it is refused.
    /// </summary>
    /// <exception cref="SluiceException">redrive_in_progress.</exception>
    private async ValueTask TakeRunningKeyAsync(RedriveRecord record, CancellationToken cancellationToken)
    {
        var key = RunningKey(record.DeadLetterQueue, record.GroupId);
        var value = Encoding.UTF8.GetBytes(record.Id);
        for (var attempt = 0; ; attempt++)
        {
            var held = await Records.GetKeyValueAsync(key, cancellationToken).ConfigureAwait(false);
            if (held is not null)
            {
                var holderId = Encoding.UTF8.GetString(held.Value.Span);
                if (holderId == record.Id)
                {
                    return;
                }

                if (await ReadRedriveAsync(holderId, cancellationToken).ConfigureAwait(false) is { State: RedriveState.Running } running)
                {
                    throw new SluiceException(ErrorCodes.RedriveInProgress, record.GroupId is null
                        ? $"a redrive of '{record.DeadLetterQueue}' is running already (id {running.Id}): follow or cancel it with /v1/redrives/{running.Id}"
                        : $"a redrive of group {record.GroupId} of '{record.DeadLetterQueue}' is running already (id {running.Id}): follow or cancel it with /v1/redrives/{running.Id}",
                        record.GroupId is null ? "queue" : "groupId");
                }
            }

            try
            {
                await Records.SetKeyValueAsync(key, value, held?.Version ?? 0, null, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict && attempt < MaxRedriveConflicts)
            {
                // Another task took it (or took it over) first: look again.
            }
        }
    }

    /// <summary>Deletes the task's queue running key when the task holds it; errors are ignored (a stale key is taken over by the next start).</summary>
    private async ValueTask ReleaseRunningKeyAsync(RedriveRecord record)
    {
        try
        {
            var key = RunningKey(record.DeadLetterQueue, record.GroupId);
            if (await Records.GetKeyValueAsync(key, CancellationToken.None).ConfigureAwait(false) is { } held &&
                Encoding.UTF8.GetString(held.Value.Span) == record.Id)
            {
                await Records.DeleteKeyValueAsync(key, held.Version, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (SluiceException)
        {
            // Stale: the next start of a redrive of the queue finds the task stopped and takes the key over.
        }
    }

    /// <summary>Keeps the 100 most recent finished tasks (running ones are always kept); deletes older ones. Errors are ignored (the next start prunes).</summary>
    private async ValueTask PruneFinishedRedrivesAsync()
    {
        var cancellationToken = CancellationToken.None; // the task is started: the caller's token no longer applies
        try
        {
            foreach (var old in (await ListRedriveRecordsAsync(cancellationToken).ConfigureAwait(false))
                     .Where(r => r.State != RedriveState.Running).Skip(KeptFinishedRedrives))
            {
                await Records.DeleteKeyValueAsync(TaskKey(old.Id), old.Version, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SluiceException)
        {
            // Another broker pruned (or changed) a record first.
        }
    }

    /// <summary>Every stored task, newest first.</summary>
    private async ValueTask<List<RedriveRecord>> ListRedriveRecordsAsync(CancellationToken cancellationToken)
    {
        var records = new List<RedriveRecord>();
        string? after = null;
        do
        {
            var page = await Records.ListKeyValuesAsync(RedriveTaskPrefix, after, KeyValueRules.MaxListLimit, cancellationToken).ConfigureAwait(false);
            records.AddRange(page.Records.Select(Deserialize).OfType<RedriveRecord>());
            after = page.NextAfter;
        }
        while (after is not null);

        return [.. records.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)];
    }

    private async ValueTask<RedriveRecord> FindRedriveAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || id.Any(char.IsControl))
        {
            throw RedriveNotFound(id);
        }

        return await ReadRedriveAsync(id, cancellationToken).ConfigureAwait(false) ?? throw RedriveNotFound(id);
    }

    private static SluiceException RedriveNotFound(string? id) =>
        new(ErrorCodes.RedriveNotFound, $"redrive task '{Validation.Quote(id)}' does not exist: list tasks with GET /v1/redrives", "id");

    private async ValueTask<RedriveRecord?> ReadRedriveAsync(string id, CancellationToken cancellationToken) =>
        await Records.GetKeyValueAsync(TaskKey(id), cancellationToken).ConfigureAwait(false) is { } stored ? Deserialize(stored) : null;

    /// <summary>Writes a task record when the stored one is at <paramref name="expectedVersion"/> (0: none); returns it with its new version.</summary>
    /// <exception cref="SluiceException">version_conflict.</exception>
    private async ValueTask<RedriveRecord> WriteRedriveAsync(RedriveRecord record, long expectedVersion, CancellationToken cancellationToken)
    {
        var value = JsonSerializer.SerializeToUtf8Bytes(record, RedriveJsonContext.Default.RedriveRecord);
        var written = await Records.SetKeyValueAsync(TaskKey(record.Id), value, expectedVersion, null, cancellationToken).ConfigureAwait(false);
        return record with { Version = written.Version };
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the task's record with a compare-and-set, first against <paramref name="known"/>
    /// and, when another write came first, against the record read anew.
    /// </summary>
    /// <returns>The record as written, or (when <paramref name="change"/> returned null: nothing to write) as read; null when the task is gone.</returns>
    private async ValueTask<(RedriveRecord? Record, bool Written)> UpdateRedriveAsync(RedriveRecord known, Func<RedriveRecord, RedriveRecord?> change, CancellationToken cancellationToken)
    {
        var current = known;
        for (var attempt = 0; ; attempt++)
        {
            if (change(current) is not { } next)
            {
                return (current, false);
            }

            try
            {
                return (await WriteRedriveAsync(next, current.Version, cancellationToken).ConfigureAwait(false), true);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict && attempt < MaxRedriveConflicts)
            {
                if (await ReadRedriveAsync(known.Id, cancellationToken).ConfigureAwait(false) is not { } reread)
                {
                    return (null, false);
                }

                current = reread;
            }
        }
    }

    private static RedriveRecord? Deserialize(KeyValueRecord stored)
    {
        try
        {
            return JsonSerializer.Deserialize(stored.Value.Span, RedriveJsonContext.Default.RedriveRecord) is { Id: not null, DeadLetterQueue: not null } record
                ? record with { Version = stored.Version }
                : null;
        }
        catch (JsonException)
        {
            return null; // not a task record (written by something else under the reserved prefix): not listed
        }
    }

    private static string TaskKey(string id) => RedriveTaskPrefix + id;

    private static string RunningKey(string queue, string? groupId) => RedriveRunningPrefix + queue + (groupId is null ? "" : "/" + groupId);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes the waits of <see cref="WaitForFinalAsync"/>: a task started or stopped on this broker.</summary>
    private void PulseRedrives() => Interlocked.Exchange(ref _redrivesChanged, NewSignal()).TrySetResult();

    /// <summary>The outcome of one redrive step.</summary>
    /// <param name="Moved">Messages moved by the step.</param>
    /// <param name="Finished">Whether the task is done (nothing more to move).</param>
    /// <param name="LeftBehind">When finished: what stayed behind and why, or <see langword="null"/> when nothing did.</param>
    private readonly record struct RedriveProgress(int Moved, bool Finished, string? LeftBehind);

    /// <summary>A task running on this broker.</summary>
    private sealed class LocalRedrive
    {
        public CancellationTokenSource Cancellation { get; } = new();

        public Task Completion { get; set; } = Task.CompletedTask;
    }

    /// <summary>The runner lost its claim on a task (another broker resumed it after this one's lease expired).</summary>
    private sealed class RedriveLostException : Exception;

    /// <summary>A redrive task as stored (JSON, camelCase): definition, progress, state, runner and lease.</summary>
    internal sealed record RedriveRecord
    {
        public string Id { get; init; } = null!;

        public string DeadLetterQueue { get; init; } = null!;

        public string? Destination { get; init; }

        public int MaxPerSecond { get; init; }

        public string? GroupId { get; init; }

        [JsonConverter(typeof(JsonStringEnumConverter<RedriveState>))]
        public RedriveState State { get; init; }

        public long Moved { get; init; }

        public long Total { get; init; }

        public DateTimeOffset StartedAt { get; init; }

        public DateTimeOffset? FinishedAt { get; init; }

        public string? Error { get; init; }

        /// <summary>The node (broker instance) running the task; null once it stopped.</summary>
        public string? Runner { get; init; }

        /// <summary>When the runner's claim ends unless renewed; null once it stopped.</summary>
        public DateTimeOffset? LeaseExpiresAt { get; init; }

        public bool CancelRequested { get; init; }

        /// <summary>A group redrive's cutoff: the group's messages dead-lettered later are not moved.</summary>
        public DateTimeOffset? Cutoff { get; init; }

        /// <summary>A group redrive's walk position: the last sequence number looked at.</summary>
        public long After { get; init; }

        public long Leased { get; init; }

        public long Unmovable { get; init; }

        /// <summary>The key-value record's version (not stored in the value).</summary>
        [JsonIgnore]
        public long Version { get; init; }

        public RedriveStatus ToStatus() => new(Id, DeadLetterQueue, Destination, MaxPerSecond, State, Moved, Total, StartedAt, FinishedAt, Error)
        {
            GroupId = GroupId,
            CancelRequested = CancelRequested && State == RedriveState.Running,
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(Broker.RedriveRecord))]
internal sealed partial class RedriveJsonContext : JsonSerializerContext;
