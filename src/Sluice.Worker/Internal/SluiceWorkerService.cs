using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Client;

namespace Sluice.Worker.Internal;

/// <summary>
/// Runs jobs: per queue, one consume loop (credit = prefetch) hands deliveries to <c>Concurrency</c> runners. Each
/// delivery's lease is heartbeated from the moment it arrives until it is settled.
/// </summary>
/// <remarks>
/// Shutdown (<see cref="StopAsync"/>): fetching stops at once; deliveries not started are released (nack, no delay);
/// running jobs get <see cref="SluiceWorkerOptions.ShutdownTimeout"/> to finish, then their tokens are cancelled; each job
/// whose handler then ends is released (nack, no delay, no attempt counted) so another worker takes it at once. A handler
/// that ignores cancellation keeps its lease heartbeated until it ends (then settles normally) or the process exits (then
/// the lease expires): a job still running is never handed to another worker.
/// </remarks>
internal sealed class SluiceWorkerService(WorkerCore core, IServiceScopeFactory scopes) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _fetching = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<Delivery, byte> _running = new();
    private readonly List<Task> _loops = [];
    /// <summary>How long shutdown waits, after cancelling job tokens, for handlers to end and release their jobs.</summary>
    internal static readonly TimeSpan ReleaseGrace = TimeSpan.FromSeconds(5);

    private ISluiceClient Client => core.Client;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in core.Registry.Queues)
        {
            await core.EnsureQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        }

        foreach (var queue in core.Registry.Queues)
        {
            _loops.Add(Task.Run(() => ConsumeQueueAsync(queue), CancellationToken.None));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource();
        var timeout = Task.Delay(core.Options.ShutdownTimeout, core.Time, deadline.Token); // armed before the first await
        await _fetching.CancelAsync().ConfigureAwait(false);
        var all = Task.WhenAll(_loops);
        if (await Task.WhenAny(all, timeout).ConfigureAwait(false) != all)
        {
            // Cancel first; each job whose handler then ends is released by its own run (nack, no delay). A handler
            // that ignores cancellation keeps its lease heartbeated until it ends: a running job is never handed over.
            Log.Released(core.Logger, _running.Count, core.Options.ShutdownTimeout);
            await _abort.CancelAsync().ConfigureAwait(false);
            using var grace = new CancellationTokenSource();
            var graceOver = Task.Delay(ReleaseGrace, core.Time, grace.Token);
            await Task.WhenAny(all, graceOver).ConfigureAwait(false);
            await grace.CancelAsync().ConfigureAwait(false);
            await deadline.CancelAsync().ConfigureAwait(false);
            return; // handlers still running settle when they end, or their leases expire when the process exits
        }

        await deadline.CancelAsync().ConfigureAwait(false);
        await all.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _fetching.Dispose();
        _abort.Dispose();
    }

    private async Task ConsumeQueueAsync(string queue)
    {
        var options = core.Options.QueueOptions(queue);
        Log.Consuming(core.Logger, core.Options.WorkerId, queue, options.Concurrency, options.EffectivePrefetch, options.LeaseDuration);
        var channel = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleWriter = true });
        var runners = Enumerable.Range(0, options.Concurrency).Select(_ => RunAsync(channel.Reader)).ToList();
        await PumpAsync(queue, options, channel.Writer).ConfigureAwait(false);
        channel.Writer.Complete();
        while (channel.Reader.TryRead(out var left))
        {
            await ReleaseAsync(left).ConfigureAwait(false); // delivered, never started: back at once
        }

        await Task.WhenAll(runners).ConfigureAwait(false);
    }

    /// <summary>Moves deliveries from the queue's consume stream to the runners (the credit bounds how many wait), until fetching stops.</summary>
    private async Task PumpAsync(string queue, WorkerQueueOptions options, ChannelWriter<Delivery> deliveries)
    {
        var consume = new ConsumeOptions { Prefetch = options.EffectivePrefetch, VisibilityTimeout = options.LeaseDuration };
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!_fetching.IsCancellationRequested)
        {
            try
            {
                await foreach (var message in Client.ConsumeAsync(queue, consume, _fetching.Token).ConfigureAwait(false))
                {
                    var keeper = new LeaseKeeper(core, queue, message.ReceiptHandle!, options.LeaseDuration, options.EffectiveHeartbeat);
                    deliveries.TryWrite(new Delivery(queue, message, keeper));
                    backoff = TimeSpan.FromMilliseconds(100);
                }
            }
            catch (OperationCanceledException) when (_fetching.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is SluiceException or InvalidOperationException)
            {
                Log.ConsumeFailed(core.Logger, ex, queue, backoff);
                try
                {
                    await Task.Delay(backoff, core.Time, _fetching.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private async Task RunAsync(ChannelReader<Delivery> deliveries)
    {
        await Task.Yield();
        while (!_fetching.IsCancellationRequested)
        {
            try
            {
                if (!await deliveries.WaitToReadAsync(_fetching.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_fetching.IsCancellationRequested || !deliveries.TryRead(out var delivery))
            {
                continue;
            }

            _running[delivery] = 0;
            try
            {
                await new JobRun(core, scopes, delivery, _abort.Token).RunAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a runner must outlive any one job's unexpected failure (it is logged)
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.SettleFailed(core.Logger, ex, delivery.Message.MessageId);
            }
            finally
            {
                _running.TryRemove(delivery, out _);
            }
        }
    }

    /// <summary>Releases a delivery to other workers at once (nack, no delay), unless it was settled already.</summary>
    private async Task ReleaseAsync(Delivery delivery)
    {
        if (!delivery.TrySettle())
        {
            return;
        }

        await delivery.StopHeartbeatsAsync().ConfigureAwait(false);
        try
        {
            await Client.NackAsync(delivery.Queue, delivery.ReceiptHandle, TimeSpan.Zero, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SluiceException ex)
        {
            Log.SettleFailed(core.Logger, ex, delivery.Message.MessageId);
        }
    }
}
