namespace Sluice.Worker.Internal;

/// <summary>
/// Holds one lease by heartbeats: every interval it extends the lease to the full lease length from now. When an
/// extension is refused because the handle no longer speaks for the message (stale, not found, not in flight: another
/// delivery owns it, or it was settled), <see cref="Lost"/> fires and the heartbeats stop. Other failures (transient)
/// are logged and retried at the next beat.
/// </summary>
internal sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly WorkerCore _core;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;

    public LeaseKeeper(WorkerCore core, string queue, string receiptHandle, TimeSpan lease, TimeSpan interval)
    {
        _core = core;
        Queue = queue;
        ReceiptHandle = receiptHandle;
        _loop = BeatAsync(core.Time.GetUtcNow(), lease, interval);
    }

    public string Queue { get; }

    public string ReceiptHandle { get; }

    /// <summary>Fires when the lease is lost.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>The error code of the refused extension, once lost.</summary>
    public string? LostCode { get; private set; }

    public static bool EndsLease(string code) =>
        code is ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotFound or ErrorCodes.MessageNotInFlight or ErrorCodes.ReceiptHandleInvalid;

    /// <summary>Beats at <paramref name="start"/> + k × <paramref name="interval"/> (k = 1, 2, ...): a schedule of absolute times, so a late beat does not push the next ones back.</summary>
    private async Task BeatAsync(DateTimeOffset start, TimeSpan lease, TimeSpan interval)
    {
        await Task.Yield();
        var due = start;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                due += interval;
                var wait = due - _core.Time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _core.Time, _stop.Token).ConfigureAwait(false);
                }

                await _core.Client.ExtendLeaseAsync(Queue, ReceiptHandle, lease, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SluiceException ex) when (EndsLease(ex.ErrorCode))
            {
                LostCode = ex.ErrorCode;
                await _lost.CancelAsync().ConfigureAwait(false);
                return;
            }
            catch (SluiceException ex)
            {
                Log.HeartbeatFailed(_core.Logger, Queue, ex.Message);
            }
        }
    }

    /// <summary>Stops the heartbeats (before the lease is settled) and waits for a beat in progress to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        // _lost stays undisposed: job token sources linked to it may still unregister from it (it holds no timer).
    }
}
