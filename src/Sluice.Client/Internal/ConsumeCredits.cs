using System.Collections.Concurrent;

namespace Sluice.Client.Internal;

/// <summary>
/// Credit accounting of one client's consumers (<see cref="ISluiceClient.ConsumeAsync"/>): each consumer opens a
/// <see cref="Window"/> of <see cref="ConsumeOptions.Prefetch"/> credits; a delivery takes one credit and records its
/// receipt handle; settling that handle through the same client (ack, nack, dead-letter) gives the credit back.
/// Shared by the in-process and the remote client, so both apply the same rule.
/// </summary>
/// <remarks>
/// A settlement returns credit when it succeeds, and also when it fails because the handle no longer holds a lease
/// (<see cref="EndsLease"/>: stale, not found, not in flight): that delivery is over either way. Any other failure
/// (cancelled, transient) keeps the credit, since the message may still be leased to the consumer. A delivery nobody
/// settles keeps its credit until its consumer ends: a consumer that stops settling stops receiving.
/// Thread-safe; a handle returns its credit at most once.
/// </remarks>
internal sealed class ConsumeCredits
{
    private readonly ConcurrentDictionary<string, Window> _owners = new(StringComparer.Ordinal);

    /// <summary>Opens a consumer's window of <paramref name="prefetch"/> credits (1 to 1,000).</summary>
    public Window Open(int prefetch) => new(this, prefetch);

    /// <summary>Returns the credit of a delivery when <paramref name="receiptHandle"/> came from a consumer still open; otherwise does nothing.</summary>
    /// <returns>Whether a credit was returned.</returns>
    public bool Settled(string receiptHandle)
    {
        if (_owners.TryRemove(receiptHandle, out var window))
        {
            window.Return(1);
            return true;
        }

        return false;
    }

    /// <summary>Whether a settlement that failed with <paramref name="errorCode"/> still ends the delivery (its credit comes back).</summary>
    public static bool EndsLease(string errorCode) => errorCode is ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotFound or ErrorCodes.MessageNotInFlight;

    /// <summary>
    /// One consumer's credits. Use: <see cref="AcquireAsync"/> (wait for at least one), receive up to that many,
    /// <see cref="Return"/> what was not used, <see cref="Delivered"/> each message handed to the consumer, and
    /// <see cref="Dispose"/> when the consumer ends (its unsettled handles are forgotten).
    /// </summary>
    /// <remarks>The semaphore is not disposed: a settlement racing the consumer's end may still release into it.</remarks>
    internal sealed class Window : IDisposable
    {
        private readonly ConsumeCredits _ledger;
        private readonly SemaphoreSlim _free;
        private int _closed;

        internal Window(ConsumeCredits ledger, int prefetch)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
            _ledger = ledger;
            Prefetch = prefetch;
            _free = new SemaphoreSlim(prefetch, prefetch);
        }

        /// <summary>The most deliveries unsettled at once.</summary>
        public int Prefetch { get; }

        /// <summary>Credits free now.</summary>
        public int Available => _free.CurrentCount;

        /// <summary>Waits until at least one credit is free, then takes every free credit up to <paramref name="max"/>.</summary>
        /// <returns>How many credits were taken (1 to <paramref name="max"/>): receive at most that many, then <see cref="Return"/> the rest.</returns>
        /// <exception cref="OperationCanceledException">Cancelled while waiting (no credit taken).</exception>
        public async ValueTask<int> AcquireAsync(int max, CancellationToken cancellationToken)
        {
            await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
            var taken = 1;
            while (taken < max && _free.Wait(0, CancellationToken.None))
            {
                taken++;
            }

            return taken;
        }

        /// <summary>Gives back <paramref name="count"/> credits (unused after a receive, or a settled delivery).</summary>
        public void Return(int count)
        {
            if (count > 0)
            {
                _free.Release(count);
            }
        }

        /// <summary>Records a delivery made with a credit taken by <see cref="AcquireAsync"/>: settling its handle returns the credit.</summary>
        public void Delivered(string receiptHandle)
        {
            if (Volatile.Read(ref _closed) == 0)
            {
                _ledger._owners[receiptHandle] = this;
            }
        }

        /// <summary>Ends the consumer: its handles no longer return credit.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            // One ledger for every consumer (one entry per unsettled delivery, no per-window copy): a consumer's end
            // walks it once, which is bounded by the prefetches of the consumers open.
            foreach (var entry in _ledger._owners)
            {
                if (entry.Value == this)
                {
                    _ledger._owners.TryRemove(entry);
                }
            }
        }
    }
}
