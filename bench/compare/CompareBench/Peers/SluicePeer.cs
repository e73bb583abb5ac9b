using Sluice;
using Sluice.Client;

namespace CompareBench.Peers;

/// <summary>
/// Sluice (<c>sluice serve</c>) through Sluice.Client over gRPC: <c>PublishAsync</c> per message (the client batches
/// concurrent publishes on its stream; each completes when the server confirmed it durable), <c>ConsumeAsync</c> with a
/// prefetch of <see cref="Peer.Window"/> (credit-based delivery) and one <c>AckAsync</c> per message.
/// <paramref name="endpoints"/> is one gRPC URL, or several separated by commas (the nodes of a cluster): each producer
/// and consumer then connects to the next node in turn, so a workload's clients are spread over all of them.
/// </summary>
internal sealed class SluicePeer(string endpoints) : Peer
{
    private readonly Uri[] _nodes = [.. endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(e => new Uri(e))];
    private int _next = -1;

    private RemoteSluiceClient Connect() =>
        new(new SluiceClientOptions { Address = _nodes[(int)((uint)Interlocked.Increment(ref _next) % (uint)_nodes.Length)] });

    public override async Task PrepareAsync(string queue, CancellationToken cancellationToken)
    {
        await using var client = Connect();
        await client.CreateQueueAsync(queue, cancellationToken: cancellationToken);
    }

    public override Task<IProducer> OpenProducerAsync(string queue, CancellationToken cancellationToken) =>
        Task.FromResult<IProducer>(new Producer(Connect(), queue));

    private sealed class Producer(RemoteSluiceClient client, string queue) : IProducer
    {
        public Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
            client.PublishAsync(queue, new OutgoingMessage(body), cancellationToken).AsTask();

        public ValueTask DisposeAsync() => client.DisposeAsync();
    }

    public override async Task ConsumeAsync(string queue, Action<ReadOnlyMemory<byte>> onMessage, CancellationToken cancellationToken)
    {
        await using var client = Connect();
        var acks = new List<Task>();
        try
        {
            await foreach (var message in client.ConsumeAsync(queue, new ConsumeOptions { Prefetch = Window }, cancellationToken))
            {
                onMessage(message.Body);
                acks.Add(client.AckAsync(queue, message.ReceiptHandle!, CancellationToken.None).AsTask());
                if (acks.Count >= 4 * Window)
                {
                    acks.RemoveAll(t => t.IsCompletedSuccessfully);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(acks);
    }

    public override async Task<TimeSpan?> TimeStatsAsync(string queue, CancellationToken cancellationToken)
    {
        await using var client = Connect();
        await client.GetQueueStatsAsync(queue, cancellationToken); // connection set up, untimed
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.GetQueueStatsAsync(queue, cancellationToken);
        return clock.Elapsed;
    }

    public override async Task CleanupAsync(string queue, CancellationToken cancellationToken)
    {
        await using var client = Connect();
        await client.DeleteQueueAsync(queue, cancellationToken);
    }
}
