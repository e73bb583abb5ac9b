using System.Diagnostics;
using Sluice;
using Sluice.Client;

namespace JobsBench;

/// <summary>
/// Publish -> consume of 1 KiB messages over gRPC (W1 of the shared workloads): one producer keeps at most
/// <see cref="Window"/> publishes unconfirmed (the client batches concurrent publishes), one consumer streams with a
/// prefetch of <see cref="Window"/> and acks each message (acks in flight together, within the prefetch); timed from the first publish to the last ack.
/// </summary>
internal static class GrpcMessagesPeer
{
    public const int Window = 256;
    public const int BodySize = 1024;

    public static async Task<RunResult> RunAsync(BenchOptions options)
    {
        var address = new Uri(options.Url ?? throw new ArgumentException("--url is required for grpc-messages"));
        await using var producer = new RemoteSluiceClient(new SluiceClientOptions { Address = address });
        await using var consumer = new RemoteSluiceClient(new SluiceClientOptions { Address = address });
        var queue = options.Name;
        await producer.CreateQueueAsync(queue).ConfigureAwait(false);
        var body = new byte[BodySize];
        Random.Shared.NextBytes(body);
        var message = new OutgoingMessage(body);

        using var stop = new CancellationTokenSource(options.Timeout);
        var clock = Stopwatch.StartNew();
        var publish = Task.Run(async () =>
        {
            using var window = new SemaphoreSlim(Window);
            var pending = new List<Task>(options.Jobs);
            for (var i = 0; i < options.Jobs; i++)
            {
                await window.WaitAsync(stop.Token).ConfigureAwait(false);
                pending.Add(PublishOneAsync(producer, queue, message, window, stop.Token));
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
            return clock.Elapsed;
        });

        // Acks are not awaited one by one (a consumer would not wait a commit per message before taking the next): each
        // runs on its own and the prefetch bounds how many are outstanding (credit returns when an ack completes).
        long consumed = 0;
        var acks = new List<Task>(options.Jobs);
        await foreach (var received in consumer.ConsumeAsync(queue, new ConsumeOptions { Prefetch = Window }, stop.Token).ConfigureAwait(false))
        {
            acks.Add(consumer.AckAsync(queue, received.ReceiptHandle!, stop.Token).AsTask());
            if (++consumed == options.Jobs)
            {
                break;
            }
        }

        await Task.WhenAll(acks).ConfigureAwait(false);

        clock.Stop();
        var published = await publish.ConfigureAwait(false);
        return new RunResult(options.Jobs, published, clock.Elapsed, consumed);
    }

    private static async Task PublishOneAsync(RemoteSluiceClient client, string queue, OutgoingMessage message, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        try
        {
            await client.PublishAsync(queue, message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            window.Release();
        }
    }
}
