using System.Threading.Tasks.Sources;

namespace Sluice.Client.Internal;

/// <summary>
/// Auto-batching of single requests, independent of the transport: concurrent <see cref="SendAsync(string, TItem, CancellationToken)"/>
/// calls for one queue are gathered and sent as one batch through a delegate, and each caller gets its own result or
/// its own error. <see cref="PublishBatcher"/> gathers publishes, <see cref="AckBatcher"/> acks.
/// </summary>
/// <typeparam name="TItem">One caller's part of a request (a message to publish, a receipt handle to ack).</typeparam>
/// <typeparam name="TResult">One caller's result (a publish result, an ack's item result).</typeparam>
/// <remarks>
/// <para><b>Gathering.</b> Each queue has a lane: a FIFO of waiting items and at most one batch in flight, so
/// items for one queue are sent in call order. While a batch is in flight, newcomers wait and go together in the
/// next batch (up to <c>maxBatch</c> items and <c>maxBatchBytes</c> of <see cref="Weight"/>; a lone item heavier than
/// that still goes alone) as soon as it returns. When an item finds its lane idle, it is sent at once if
/// the lane's last batch carried one item (a lone caller awaiting each call pays no linger); if the last
/// batch carried several (the queue is busy), the lane first waits up to <c>linger</c> (wall-clock) for others, or
/// until as many are waiting as the last batch carried (at most <c>maxBatch</c>): callers that await each call
/// come back together and are sent as soon as they are all there, not at the end of the linger.</para>
/// <para><b>Back-pressure.</b> At most <c>maxPending</c> items are admitted at once (waiting or in flight, over all
/// queues); a caller beyond that waits for room, and its cancellation token bounds that wait.</para>
/// <para><b>A batch refused as a whole.</b> The broker takes a publish batch all or nothing. When a batch of several
/// fails with an error that may concern only some of its items (<see cref="ErrorCodes.InvalidArgument"/>,
/// <see cref="ErrorCodes.MessageTooLarge"/>, <see cref="ErrorCodes.QueueFull"/>, <see cref="ErrorCodes.RequestTooLarge"/>), its items are sent again one by
/// one, in order, so each caller gets the outcome its own item would have had alone (under overflow
/// <c>reject</c>, the messages that fit are stored and the rest get queue_full). Any other error (queue_not_found, a
/// transport failure, ...) applies to every item alike and fails each caller with it.</para>
/// <para><b>Cancellation.</b> A caller cancelled before its item was taken into a batch has it removed (nothing is
/// sent); once taken, the caller stops waiting (<see cref="OperationCanceledException"/>) but the request may still
/// take effect, as for any request already sent.</para>
/// <para><b>Cost.</b> One object per call (the item, which is also the awaited value-task source); no task,
/// completion source or closure per call.</para>
/// </remarks>
internal abstract class RequestBatcher<TItem, TResult> : IAsyncDisposable
{
    /// <summary>Sends one batch for a queue; results in input order.</summary>
    public delegate ValueTask<IReadOnlyList<TResult>> SendBatch(string queue, IReadOnlyList<TItem> items, CancellationToken cancellationToken);

    private readonly SendBatch _send;
    private readonly int _maxBatch;
    private readonly long _maxBatchBytes;
    private readonly TimeSpan _linger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _room;
    private readonly int _maxPending;
    private readonly int _maxInFlight;
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Lock _lanesLock = new();
    private int _disposed;

    /// <summary>Creates a batcher.</summary>
    /// <param name="send">Sends a batch (the transport).</param>
    /// <param name="maxBatch">Most items in one batch, 1 or more.</param>
    /// <param name="linger">How long an idle lane waits for company; 0 sends at once.</param>
    /// <param name="maxPending">Most items admitted at once, 1 or more.</param>
    /// <param name="time">Clock of the linger (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="maxBatchBytes">Most <see cref="Weight"/> in one batch of several items, 1 or more (default no limit).</param>
    /// <param name="maxInFlight">Most batches of one queue in flight at once, 1 or more (default 1: batches go in call order, one after the other).</param>
    protected RequestBatcher(SendBatch send, int maxBatch, TimeSpan linger, int maxPending, TimeProvider? time = null, long maxBatchBytes = long.MaxValue, int maxInFlight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _maxInFlight = maxInFlight;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchBytes, 1);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPending, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(linger, TimeSpan.Zero);
        _send = send;
        _maxBatch = maxBatch;
        _maxBatchBytes = maxBatchBytes;
        _linger = linger;
        _time = time ?? TimeProvider.System;
        _maxPending = maxPending;
        _room = new SemaphoreSlim(maxPending, maxPending);
    }

    /// <summary>How much of the batch's byte budget an item uses (a message's body length; 0 by default).</summary>
    protected virtual long Weight(TItem item) => 0;

    /// <summary>Items admitted now (waiting or in flight).</summary>
    public int Pending => _maxPending - _room.CurrentCount;

    /// <summary>Sends one item through its queue's lane; completes with its own result.</summary>
    /// <exception cref="SluiceException">The item's own failure (or the batch's, when it applies to every item).</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for room or for the batch.</exception>
    /// <exception cref="ObjectDisposedException">The batcher was disposed.</exception>
    public ValueTask<TResult> SendAsync(string queue, TItem value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(value);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        // The fast path: room at once and no token to watch: no state machine, the item is the awaited source.
        return !cancellationToken.CanBeCanceled && _room.Wait(0, CancellationToken.None)
            ? Admit(queue, value, out _)
            : SendSlowAsync(queue, value, cancellationToken);
    }

    private async ValueTask<TResult> SendSlowAsync(string queue, TItem value, CancellationToken cancellationToken)
    {
        await _room.WaitAsync(cancellationToken).ConfigureAwait(false);
        var result = Admit(queue, value, out var admitted);
        if (!cancellationToken.CanBeCanceled)
        {
            return await result.ConfigureAwait(false);
        }

        var (lane, item) = admitted;
        await using var registration = cancellationToken.Register(static state =>
        {
            var (lane, item, token) = ((Lane, Item, CancellationToken))state!;
            lane.Cancel(item, token);
        }, (lane, item, cancellationToken)).ConfigureAwait(false);
        return await result.ConfigureAwait(false);
    }

    /// <summary>Adds an item that holds room to its lane; its result is the item's own value task.</summary>
    private ValueTask<TResult> Admit(string queue, TItem value, out (Lane Lane, Item Item) admitted)
    {
        var item = new Item(value);
        Lane lane;
        try
        {
            lane = LaneOf(queue);
            lane.Add(item);
        }
        catch
        {
            _room.Release();
            throw;
        }

        admitted = (lane, item);
        return item.Task;
    }

    /// <summary>Stops admitting items and waits for every admitted one to be sent and answered. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Task[] drains;
        lock (_lanesLock)
        {
            drains = [.. _lanes.Values.Select(l => l.Drain)];
        }

        await Task.WhenAll(drains).ConfigureAwait(false);
    }

    private Lane LaneOf(string queue)
    {
        lock (_lanesLock)
        {
            if (!_lanes.TryGetValue(queue, out var lane))
            {
                lane = new Lane(this, queue);
                _lanes.Add(queue, lane);
            }

            return lane;
        }
    }

    /// <summary>Whether a batch that failed with <paramref name="errorCode"/> may have failed for some of its items only (then each is sent alone).</summary>
    internal static bool MayConcernSome(string errorCode) => errorCode is ErrorCodes.InvalidArgument or ErrorCodes.MessageTooLarge or ErrorCodes.QueueFull or ErrorCodes.RequestTooLarge;

    private async Task SendBatchAsync(string queue, List<Item> batch)
    {
        try
        {
            IReadOnlyList<TResult> results;
            try
            {
                results = await _send(queue, batch.ConvertAll(i => i.Value), CancellationToken.None).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (batch.Count > 1 && MayConcernSome(ex.ErrorCode))
            {
                await SendEachAsync(queue, batch).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                foreach (var item in batch)
                {
                    item.TrySetException(ex);
                }

                return;
            }

            if (results.Count != batch.Count)
            {
                var error = new SluiceException(ErrorCodes.Internal, $"a batch of {batch.Count} requests to '{queue}' returned {results.Count} results: report this");
                foreach (var item in batch)
                {
                    item.TrySetException(error);
                }

                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].TrySetResult(results[i]);
            }
        }
        finally
        {
            _room.Release(batch.Count);
        }
    }

    private async Task SendEachAsync(string queue, List<Item> batch)
    {
        foreach (var item in batch)
        {
            try
            {
                var results = await _send(queue, [item.Value], CancellationToken.None).ConfigureAwait(false);
                item.TrySetResult(results[0]);
            }
            catch (Exception ex)
            {
                item.TrySetException(ex);
            }
        }
    }

    /// <summary>One call: its item and its caller's completion (the item is the value-task source the caller awaits; used once).</summary>
    private sealed class Item(TItem value) : IValueTaskSource<TResult>
    {
        private ManualResetValueTaskSourceCore<TResult> _core = new() { RunContinuationsAsynchronously = true };
        private int _completed;

        public TItem Value { get; } = value;

        public ValueTask<TResult> Task => new(this, _core.Version);

        /// <summary>Set (under the lane's lock) when the item leaves the lane: taken into a batch or removed by cancellation.</summary>
        public bool Gone { get; set; }

        public void TrySetResult(TResult result)
        {
            if (Interlocked.Exchange(ref _completed, 1) == 0)
            {
                _core.SetResult(result);
            }
        }

        public void TrySetException(Exception error)
        {
            if (Interlocked.Exchange(ref _completed, 1) == 0)
            {
                _core.SetException(error);
            }
        }

        public void TrySetCanceled(CancellationToken token) => TrySetException(new OperationCanceledException(token));

        public TResult GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>One queue's items. Invariant: <see cref="_draining"/> is true exactly while a drain task runs, and a drain runs whenever <see cref="_waiting"/> is not empty.</summary>
    private sealed class Lane(RequestBatcher<TItem, TResult> owner, string queue)
    {
        private readonly Lock _lock = new();
        private readonly Queue<Item> _waiting = new();
        private int _removed;
        private bool _draining;
        private int _lastBatch;
        private int _target;
        private TaskCompletionSource? _full;

        // Free in-flight slots when the owner allows several batches in flight (null: one, awaited in the drain loop).
        private readonly SemaphoreSlim? _slots = owner._maxInFlight > 1 ? new SemaphoreSlim(owner._maxInFlight, owner._maxInFlight) : null;

        /// <summary>The running drain (completed when idle).</summary>
        public Task Drain { get; private set; } = Task.CompletedTask;

        public void Add(Item item)
        {
            var start = false;
            TaskCompletionSource? full = null;
            lock (_lock)
            {
                _waiting.Enqueue(item);
                if (!_draining)
                {
                    _draining = true;
                    start = true;
                }
                else if (_full is not null && _waiting.Count - _removed >= _target)
                {
                    full = _full;
                }
            }

            full?.TrySetResult();
            if (start)
            {
                var drain = Task.Run(DrainAsync);
                lock (_lock)
                {
                    Drain = drain;
                }
            }
        }

        /// <summary>A caller gave up: removes its message if no batch took it yet (and returns its room), then fails the caller's wait.</summary>
        public void Cancel(Item item, CancellationToken token)
        {
            bool removed;
            lock (_lock)
            {
                removed = !item.Gone;
                if (removed)
                {
                    item.Gone = true;
                    _removed++;
                }
            }

            if (removed)
            {
                owner._room.Release();
            }

            item.TrySetCanceled(token);
        }

        private async Task DrainAsync()
        {
            bool linger;
            lock (_lock)
            {
                linger = owner._linger > TimeSpan.Zero && _lastBatch > 1;
            }

            while (true)
            {
                Task? full = null;
                var settle = false;
                lock (_lock)
                {
                    if (_waiting.Count == _removed && _slots is not null && _slots.CurrentCount < owner._maxInFlight)
                    {
                        // Nothing waits but batches are in flight: the drain ends only after them (DisposeAsync awaits it).
                        settle = true;
                    }
                    else if (_waiting.Count == _removed)
                    {
                        _waiting.Clear();
                        _removed = 0;
                        _draining = false;
                        return;
                    }

                    _target = Math.Min(owner._maxBatch, _lastBatch);
                    if (linger && _waiting.Count - _removed < _target)
                    {
                        _full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        full = _full.Task;
                    }
                }

                if (settle)
                {
                    await SettleAsync().ConfigureAwait(false);
                    continue;
                }

                if (full is not null)
                {
                    // Only a lane found idle lingers: later batches go as soon as the one in flight returns.
                    linger = false;
                    using var timeout = new CancellationTokenSource();
                    var delay = Task.Delay(owner._linger, owner._time, timeout.Token);
                    if (await Task.WhenAny(full, delay).ConfigureAwait(false) == full)
                    {
                        await timeout.CancelAsync().ConfigureAwait(false);
                    }
                }

                if (_slots is not null)
                {
                    // Items keep gathering while every slot is busy.
                    await _slots.WaitAsync().ConfigureAwait(false);
                }

                var batch = new List<Item>(Math.Min(owner._maxBatch, 64));
                lock (_lock)
                {
                    _full = null;
                    long bytes = 0;
                    while (batch.Count < owner._maxBatch && _waiting.TryPeek(out var next))
                    {
                        if (next.Gone)
                        {
                            _waiting.Dequeue();
                            _removed--;
                            continue;
                        }

                        if (batch.Count > 0 && bytes + owner.Weight(next.Value) > owner._maxBatchBytes)
                        {
                            break;
                        }

                        _waiting.Dequeue();
                        bytes += owner.Weight(next.Value);
                        next.Gone = true;
                        batch.Add(next);
                    }

                    if (batch.Count > 0)
                    {
                        _lastBatch = batch.Count;
                    }
                }

                if (_slots is null)
                {
                    if (batch.Count > 0)
                    {
                        await owner.SendBatchAsync(queue, batch).ConfigureAwait(false);
                    }
                }
                else if (batch.Count > 0)
                {
                    _ = SendInSlotAsync(batch);
                }
                else
                {
                    _slots.Release();
                }
            }
        }

        private async Task SendInSlotAsync(List<Item> batch)
        {
            try
            {
                await owner.SendBatchAsync(queue, batch).ConfigureAwait(false);
            }
            finally
            {
                _slots!.Release();
            }
        }

        /// <summary>Waits until no batch of this lane is in flight.</summary>
        private async Task SettleAsync()
        {
            for (var i = 0; i < owner._maxInFlight; i++)
            {
                await _slots!.WaitAsync().ConfigureAwait(false);
            }

            _slots!.Release(owner._maxInFlight);
        }
    }
}

/// <summary>Auto-batched publishes (<see cref="ISluiceClient.PublishAsync"/> of the remote client): batches capped in messages and body bytes.</summary>
internal sealed class PublishBatcher : RequestBatcher<OutgoingMessage, PublishResult>
{
    /// <inheritdoc cref="RequestBatcher{TItem, TResult}(RequestBatcher{TItem, TResult}.SendBatch, int, TimeSpan, int, TimeProvider?, long, int)"/>
    public PublishBatcher(SendBatch send, int maxBatch, TimeSpan linger, int maxPending, TimeProvider? time = null, long maxBatchBytes = long.MaxValue)
        : base(send, maxBatch, linger, maxPending, time, maxBatchBytes)
    {
    }

    /// <summary>Creates a batcher with the auto-batching settings of <paramref name="options"/>, batches capped at <paramref name="batchLimit"/> messages and <see cref="SluiceClientOptions.MaxPublishBatchBytes"/> body bytes.</summary>
    public PublishBatcher(SendBatch send, SluiceClientOptions options, int batchLimit = int.MaxValue, TimeProvider? time = null)
        : base(send, Math.Min((options ?? throw new ArgumentNullException(nameof(options))).MaxPublishBatch, batchLimit), options.PublishLinger, options.MaxPendingPublishes, time, options.MaxPublishBatchBytes)
    {
    }

    /// <summary>Publishes one message through its queue's lane; completes with its own result (see <see cref="RequestBatcher{TItem, TResult}.SendAsync"/>).</summary>
    public ValueTask<PublishResult> PublishAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken = default) =>
        SendAsync(queue, message, cancellationToken);

    /// <inheritdoc />
    protected override long Weight(OutgoingMessage item) => item.Body.Length;
}

/// <summary>
/// Auto-batched acks (<see cref="ISluiceClient.AckAsync"/> of the remote client): concurrent acks of one queue travel
/// as one Ack request (a result per handle), up to <see cref="SluiceClientOptions.MaxPublishBatch"/> handles, with up
/// to <see cref="MaxInFlight"/> requests of one queue in flight; linger and room as for publishes.
/// </summary>
internal sealed class AckBatcher(RequestBatcher<string, BatchItemResult>.SendBatch send, SluiceClientOptions options)
    : RequestBatcher<string, BatchItemResult>(send, (options ?? throw new ArgumentNullException(nameof(options))).MaxPublishBatch, options.PublishLinger, options.MaxPendingPublishes,
        maxInFlight: MaxInFlight)
{
    /// <summary>
    /// Ack batches of one queue in flight at once. Acks need no order, and a store that commits each request (SQLite,
    /// the log store's group commit) merges concurrent ones into one commit, so a consumer's acks are not held to one
    /// commit per round trip.
    /// </summary>
    public const int MaxInFlight = 4;
}
