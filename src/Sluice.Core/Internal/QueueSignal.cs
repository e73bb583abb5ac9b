namespace Sluice.Internal;

/// <summary>
/// Wakes long-polling receivers of one queue, first come first served. Invariant: a waiter is either in
/// <see cref="_waiters"/> (not yet woken) or has been completed; a notification that reaches a waiter which was
/// cancelled meanwhile is passed on to the next waiter, so no wake-up is lost.
/// </summary>
internal sealed class QueueSignal
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource<bool>> _waiters = new();
    private long _version;

    /// <summary>Receivers waiting now.</summary>
    public int WaiterCount
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>A ticket: take it before looking for messages, then wait with it so a notification in between is not missed.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Wakes up to <paramref name="count"/> waiters in arrival order.</summary>
    public void Notify(int count)
    {
        if (count <= 0)
        {
            return;
        }

        List<TaskCompletionSource<bool>>? woken = null;
        lock (_lock)
        {
            _version++;
            while (count-- > 0 && _waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                (woken ??= []).Add(first.Value);
            }
        }

        // Completions run outside the lock.
        if (woken is not null)
        {
            foreach (var waiter in woken)
            {
                waiter.TrySetResult(true);
            }
        }
    }

    /// <summary>Waits until notified after <paramref name="ticket"/>, <paramref name="timeout"/> passes, or cancellation.</summary>
    /// <returns><see langword="true"/> when notified, <see langword="false"/> on timeout.</returns>
    public async Task<bool> WaitAsync(long ticket, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        LinkedListNode<TaskCompletionSource<bool>> node;
        lock (_lock)
        {
            if (_version != ticket)
            {
                return true;
            }

            node = _waiters.AddLast(tcs);
        }

        try
        {
            return await tcs.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            bool removed;
            lock (_lock)
            {
                removed = node.List is not null;
                if (removed)
                {
                    _waiters.Remove(node);
                }
            }

            if (!removed)
            {
                // We were notified as we gave up: hand the wake-up to the next waiter.
                Notify(1);
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            return false;
        }
    }
}
