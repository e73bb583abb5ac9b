using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Sluice.Cluster.Tests;

/// <summary>
/// One producer and one consumer per node on one queue. A producer publishes numbered bodies, each with its body as
/// deduplication id, so a publish retried after an unknown outcome (its node died, or the store was unreachable) is
/// stored once. A client whose node died moves to the next live node. Consumers receive and ack in batches and record
/// any message delivered after its ack was confirmed.
/// </summary>
internal sealed class Load(IReadOnlyList<Node> nodes, string queue)
{
    private readonly CancellationTokenSource _stopProducers = new();
    private readonly CancellationTokenSource _stopConsumers = new();
    private readonly ConcurrentDictionary<string, DateTime> _lastConfirmed = new();
    private readonly List<Task> _producers = [];
    private readonly List<Task> _consumers = [];
    private int _transient;

    /// <summary>Bodies whose publish was confirmed (2xx).</summary>
    public ConcurrentDictionary<string, bool> Confirmed { get; } = new();

    /// <summary>Bodies whose ack was confirmed.</summary>
    public ConcurrentDictionary<string, bool> Acked { get; } = new();

    /// <summary>Bodies delivered again after their ack was confirmed (must stay empty).</summary>
    public ConcurrentBag<string> DeliveredAfterAck { get; } = [];

    /// <summary>Answers that are neither success nor the transient 503 unavailable, and transport errors from live nodes.</summary>
    public ConcurrentBag<string> Unexpected { get; } = [];

    /// <summary>503 unavailable answers seen.</summary>
    public int Transient => Volatile.Read(ref _transient);

    public DateTime LastConfirmed(Node node) => _lastConfirmed.TryGetValue(node.Id, out var at) ? at : DateTime.MinValue;

    public void Start(int perProducer)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            var index = i;
            _producers.Add(Task.Run(() => ProduceAsync(index, perProducer)));
            _consumers.Add(Task.Run(() => ConsumeAsync(index)));
        }
    }

    /// <summary>
    /// Stops the producers (or waits for them to publish <paramref name="expected"/> in all), then waits until every
    /// confirmed publish was acked, and stops the consumers.
    /// </summary>
    public async Task FinishAsync(int? expected, TimeSpan within)
    {
        if (expected is null)
        {
            await _stopProducers.CancelAsync();
        }

        await Task.WhenAll(_producers).WaitAsync(within);
        await Eventually.HoldsAsync(() => Task.FromResult(Confirmed.Keys.All(Acked.ContainsKey)), within, "every confirmed publish delivered and acked");
        await _stopConsumers.CancelAsync();
        await Task.WhenAll(_consumers).WaitAsync(within);
    }

    private Node Live(int preferred)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[(preferred + i) % nodes.Count];
            if (!node.Killed)
            {
                return node;
            }
        }

        throw new InvalidOperationException("every node was killed");
    }

    private async Task ProduceAsync(int index, int count)
    {
        for (var i = 0; i < count && !_stopProducers.IsCancellationRequested; i++)
        {
            var body = $"p{index}-{i}";
            while (true)
            {
                var node = Live(index);
                if (await TryAsync(node, () => node.PublishAsync(queue, body, new JsonObject { ["deduplicationId"] = body })))
                {
                    Confirmed[body] = true;
                    _lastConfirmed[node.Id] = DateTime.UtcNow;
                    break;
                }

                if (_stopProducers.IsCancellationRequested)
                {
                    // Stopped during an outage: this body's outcome stays unknown, and it is not required.
                    return;
                }
            }
        }
    }

    private async Task ConsumeAsync(int index)
    {
        while (!_stopConsumers.IsCancellationRequested)
        {
            var node = Live(index);
            IReadOnlyList<(string Body, string Handle)> got = [];
            if (!await TryAsync(node, async () => got = await node.ReceiveAsync(queue, 10, 0.5)) || got.Count == 0)
            {
                continue;
            }

            foreach (var (body, _) in got)
            {
                if (Acked.ContainsKey(body))
                {
                    DeliveredAfterAck.Add(body);
                }
            }

            IReadOnlySet<string> ok = new HashSet<string>();
            if (await TryAsync(node, async () => ok = await node.AckAsync(queue, [.. got.Select(m => m.Handle)])))
            {
                foreach (var (body, handle) in got)
                {
                    if (ok.Contains(handle))
                    {
                        Acked[body] = true;
                    }
                }
            }
        }
    }

    /// <summary>Runs one call: true on success; false after a transient failure (counted) or a failure of a killed node.</summary>
    private async Task<bool> TryAsync(Node node, Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (RestError e) when (e.IsUnavailable)
        {
            Interlocked.Increment(ref _transient);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && node.Killed)
        {
            // Its node died under it: the outcome is unknown; the caller retries on a live node.
        }
        catch (Exception e) when (e is RestError or HttpRequestException or TaskCanceledException)
        {
            Unexpected.Add($"{node.Id}: {e.Message}");
        }

        // A short pause before the retry (a client's back-off), not a synchronisation.
        await Task.Delay(20);
        return false;
    }
}
