namespace Sluice.Internal;

/// <summary>
/// Wakes blocked stream reads (XREAD/XREADGROUP BLOCK). A waiter watches one or more streams; an append to (or the
/// deletion of) any of them wakes every waiter watching it, as Redis serves every client blocked on a key.
/// Invariant: a notification bumps the stream's version under the lock before waking; a waiter registers only if no
/// watched stream changed since its ticket, so a notification between a reader's look and its wait is never lost.
/// The version map holds one long per stream ever notified in this process (a stream name and 8 bytes).
/// </summary>
internal sealed class StreamSignals
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<TaskCompletionSource<bool>>> _waiters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private long _clock;
    private int _blocked;

    /// <summary>Readers blocked now (INFO's <c>blocked_clients</c>).</summary>
    public int BlockedCount => Volatile.Read(ref _blocked);

    /// <summary>A ticket: take it before reading, then wait with it.</summary>
    public long Ticket
    {
        get
        {
            lock (_lock)
            {
                return _clock;
            }
        }
    }

    /// <summary>Wakes every reader blocked on <paramref name="stream"/>.</summary>
    public void Notify(string stream)
    {
        List<TaskCompletionSource<bool>>? woken;
        lock (_lock)
        {
            _versions[stream] = ++_clock;
            _waiters.Remove(stream, out woken);
        }

        if (woken is not null)
        {
            foreach (var waiter in woken)
            {
                waiter.TrySetResult(true);
            }
        }
    }

    /// <summary>Wakes every blocked reader (changes may have been missed): each looks at its streams again.</summary>
    public void NotifyAll()
    {
        List<TaskCompletionSource<bool>> woken = [];
        lock (_lock)
        {
            ++_clock;
            foreach (var (stream, waiters) in _waiters)
            {
                _versions[stream] = _clock;
                woken.AddRange(waiters);
            }

            _waiters.Clear();
        }

        foreach (var waiter in woken)
        {
            waiter.TrySetResult(true);
        }
    }

    /// <summary>Waits until one of <paramref name="streams"/> is notified after <paramref name="ticket"/>, the timeout passes, or cancellation.</summary>
    /// <param name="streams">The streams watched.</param>
    /// <param name="ticket">From <see cref="Ticket"/>, taken before the reader looked.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="time">The clock of the timeout.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns><see langword="true"/> when notified, <see langword="false"/> on timeout.</returns>
    public async Task<bool> WaitAsync(IReadOnlyList<string> streams, long ticket, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            return false;
        }

        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            foreach (var stream in streams)
            {
                if (_versions.TryGetValue(stream, out var version) && version > ticket)
                {
                    return true;
                }
            }

            foreach (var stream in streams)
            {
                if (!_waiters.TryGetValue(stream, out var list))
                {
                    _waiters[stream] = list = [];
                }

                list.Add(tcs);
            }
        }

        Interlocked.Increment(ref _blocked);
        try
        {
            var wait = timeout == Timeout.InfiniteTimeSpan ? tcs.Task.WaitAsync(cancellationToken) : tcs.Task.WaitAsync(timeout, time, cancellationToken);
            return await wait.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _blocked);
            lock (_lock)
            {
                foreach (var stream in streams)
                {
                    if (_waiters.TryGetValue(stream, out var list))
                    {
                        list.Remove(tcs);
                        if (list.Count == 0)
                        {
                            _waiters.Remove(stream);
                        }
                    }
                }
            }
        }
    }
}
