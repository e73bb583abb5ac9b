using System.Collections.Concurrent;
using Sluice.Internal;

namespace Sluice;

public sealed partial class Broker
{
    private const int RedriveBatch = 10;
    private readonly ConcurrentDictionary<string, RedriveTask> _redrives = new(StringComparer.Ordinal);
    private readonly Lock _redriveStart = new();

    /// <summary>
    /// Starts moving messages out of a dead-letter queue, oldest first, at most <paramref name="maxPerSecond"/> a second.
    /// Each step is atomic, so cancelling or a crash loses nothing; a task is not resumed after a restart (start it again).
    /// </summary>
    /// <param name="deadLetterQueue">The queue to drain.</param>
    /// <param name="destination">Where to move messages; <see langword="null"/> (default) returns each to the queue it came from.</param>
    /// <param name="maxPerSecond">Rate limit in messages per second; default 100; 1 to 10,000.</param>
    /// <param name="cancellationToken">Cancels the start only; use <see cref="CancelRedriveAsync"/> to stop a running task.</param>
    /// <returns>The task's first status.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument; redrive_in_progress (a whole-queue redrive of this queue is running; the message names its id).</exception>
    public async ValueTask<RedriveStatus> StartRedriveAsync(string deadLetterQueue, string? destination = null, int maxPerSecond = 100, CancellationToken cancellationToken = default)
    {
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

        Validation.Range(maxPerSecond, 1, Validation.MaxRedriveRate, "maxPerSecond");
        var total = (await StartedStore.GetCountsAsync(deadLetterQueue, cancellationToken).ConfigureAwait(false)).Total;
        return StartRedriveTask(deadLetterQueue, destination, maxPerSecond, total, null, async (max, ct) =>
        {
            var step = await StartedStore.RedriveAsync(deadLetterQueue, destination, max, ct).ConfigureAwait(false);
            var finished = step.Moved == 0 || step.Remaining == 0;
            // Finished, but say what stayed behind and why, so nothing is left silently.
            return new RedriveProgress(step.Moved, finished, !finished || step.Remaining == 0 ? null :
                $"messages left in '{deadLetterQueue}': {step.Remaining} (leased by a consumer there, or their source queue no longer exists)");
        });
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

    /// <summary>Registers and starts a redrive task whose steps <paramref name="step"/> takes (at most the given number of messages each).</summary>
    private RedriveStatus StartRedriveTask(string deadLetterQueue, string? destination, int maxPerSecond, long total, string? groupId,
        Func<int, CancellationToken, ValueTask<RedriveProgress>> step)
    {
        var task = new RedriveTask(Guid.CreateVersion7(_time.GetUtcNow()).ToString("N"), deadLetterQueue, destination, maxPerSecond, total, _time.GetUtcNow(), groupId);
        lock (_redriveStart)
        {
            // One running redrive per queue (whole-queue) and per queue and group: two would race for the same messages.
            if (_redrives.Values.Select(t => t.Snapshot()).FirstOrDefault(s => s.State == RedriveState.Running &&
                    s.DeadLetterQueue == deadLetterQueue && s.GroupId == groupId) is { } running)
            {
                throw new SluiceException(ErrorCodes.RedriveInProgress, groupId is null
                    ? $"a redrive of '{deadLetterQueue}' is running already (id {running.Id}): follow or cancel it with /v1/redrives/{running.Id}"
                    : $"a redrive of group {groupId} of '{deadLetterQueue}' is running already (id {running.Id}): follow or cancel it with /v1/redrives/{running.Id}",
                    groupId is null ? "queue" : "groupId");
            }

            PruneFinishedRedrives();
            _redrives[task.Id] = task;
        }

        task.Completion = Task.Run(() => RunRedriveAsync(task, step), CancellationToken.None);
        return task.Snapshot();
    }

    /// <summary>The status of a redrive task.</summary>
    /// <exception cref="SluiceException">redrive_not_found.</exception>
    public RedriveStatus GetRedrive(string id) => Find(id).Snapshot();

    /// <summary>All redrive tasks started since this broker started, newest first.</summary>
    public IReadOnlyList<RedriveStatus> ListRedrives() =>
        [.. _redrives.Values.Select(t => t.Snapshot()).OrderByDescending(s => s.StartedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal)];

    /// <summary>Cancels a running redrive task; messages already moved stay moved.</summary>
    /// <returns>The status after it stopped.</returns>
    /// <exception cref="SluiceException">redrive_not_found.</exception>
    public async ValueTask<RedriveStatus> CancelRedriveAsync(string id)
    {
        var task = Find(id);
        await task.Cancellation.CancelAsync().ConfigureAwait(false);
        await task.Completion.ConfigureAwait(false);
        return task.Snapshot();
    }

    /// <summary>Waits until a redrive task stops (completes, fails or is cancelled).</summary>
    /// <exception cref="SluiceException">redrive_not_found.</exception>
    public async ValueTask<RedriveStatus> WaitForRedriveAsync(string id, CancellationToken cancellationToken = default)
    {
        var task = Find(id);
        await task.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return task.Snapshot();
    }

    /// <summary>Keeps the 100 most recent finished tasks (running ones are always kept).</summary>
    private void PruneFinishedRedrives()
    {
        foreach (var old in _redrives.Values.Select(t => t.Snapshot()).Where(s => s.State != RedriveState.Running)
                     .OrderByDescending(s => s.StartedAt).Skip(100).ToList())
        {
            _redrives.TryRemove(old.Id, out _);
        }
    }

    private RedriveTask Find(string id) => _redrives.TryGetValue(id ?? "", out var task)
        ? task
        : throw new SluiceException(ErrorCodes.RedriveNotFound, $"redrive task '{id}' does not exist: list tasks with GET /v1/redrives", "id");

    private async Task RunRedriveAsync(RedriveTask task, Func<int, CancellationToken, ValueTask<RedriveProgress>> step)
    {
        // The rate budget refills on the broker's clock (so fake time drives it in tests): each second allows
        // MaxPerSecond messages, moved in atomic steps of at most RedriveBatch.
        using var second = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(task.Cancellation.Token, _stopping.Token);
        Log.RedriveStarted(_logger, task.Id, task.DeadLetterQueue, task.Destination ?? "(source queues)", task.MaxPerSecond);
        try
        {
            RedriveProgress progress = default;
            while (!progress.Finished)
            {
                for (var budget = task.MaxPerSecond; budget > 0 && !progress.Finished;)
                {
                    progress = await step(Math.Min(RedriveBatch, budget), linked.Token).ConfigureAwait(false);
                    budget -= progress.Moved;
                    task.Add(progress.Moved);
                    NotifyRedriven(task.Destination, progress.Moved);
                }

                if (!progress.Finished)
                {
                    await second.WaitForNextTickAsync(linked.Token).ConfigureAwait(false);
                }
            }

            task.Finish(RedriveState.Completed, _time.GetUtcNow(), progress.LeftBehind);
        }
        catch (OperationCanceledException)
        {
            task.Finish(RedriveState.Cancelled, _time.GetUtcNow(), null);
        }
        catch (Exception ex)
        {
            task.Finish(RedriveState.Failed, _time.GetUtcNow(), ex.Message);
            Log.RedriveFailed(_logger, ex, task.Id);
        }

        var final = task.Snapshot();
        Log.RedriveStopped(_logger, final.Id, final.State, final.Moved);
    }

    /// <summary>The outcome of one redrive step.</summary>
    /// <param name="Moved">Messages moved by the step.</param>
    /// <param name="Finished">Whether the task is done (nothing more to move).</param>
    /// <param name="LeftBehind">When finished: what stayed behind and why, or <see langword="null"/> when nothing did.</param>
    private readonly record struct RedriveProgress(int Moved, bool Finished, string? LeftBehind);

    private sealed class RedriveTask(string id, string deadLetterQueue, string? destination, int maxPerSecond, long total, DateTimeOffset startedAt, string? groupId)
    {
        private readonly Lock _lock = new();
        private long _moved;
        private RedriveState _state;
        private DateTimeOffset? _finishedAt;
        private string? _error;

        public string Id => id;

        public string DeadLetterQueue => deadLetterQueue;

        public string? Destination => destination;

        public int MaxPerSecond => maxPerSecond;

        public CancellationTokenSource Cancellation { get; } = new();

        public Task Completion { get; set; } = Task.CompletedTask;

        public void Add(int moved) => Interlocked.Add(ref _moved, moved);

        public void Finish(RedriveState state, DateTimeOffset at, string? error)
        {
            lock (_lock)
            {
                _state = state;
                _finishedAt = at;
                _error = error;
            }
        }

        public RedriveStatus Snapshot()
        {
            lock (_lock)
            {
                return new RedriveStatus(id, deadLetterQueue, destination, maxPerSecond, _state, Interlocked.Read(ref _moved), total, startedAt, _finishedAt, _error)
                {
                    GroupId = groupId,
                };
            }
        }
    }
}
