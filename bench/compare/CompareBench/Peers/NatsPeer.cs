using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace CompareBench.Peers;

/// <summary>
/// NATS JetStream through NATS.Net: a stream with file storage on subject <c>&lt;queue&gt;.in</c>; producers publish
/// with <c>PublishAsync</c> (each awaits its PubAck); one durable pull consumer with explicit acks that every consumer
/// shares, read with <c>ConsumeAsync</c> (MaxMsgs = <see cref="Peer.Window"/>), one <c>AckAsync</c> per message.
/// The server's file store writes before acking but does not fsync each write (2.9 has no <c>sync_interval: always</c>).
/// </summary>
internal sealed class NatsPeer(string endpoint) : Peer
{
    private NatsClient Connect() => new(new NatsOpts { Url = "nats://" + endpoint, RequestTimeout = TimeSpan.FromSeconds(30) });

    public override async Task PrepareAsync(string queue, CancellationToken cancellationToken)
    {
        await using var nats = Connect();
        var js = nats.CreateJetStreamContext();
        await js.CreateStreamAsync(new StreamConfig { Name = queue, Subjects = [queue + ".in"], Storage = StreamConfigStorage.File }, cancellationToken);
        await js.CreateOrUpdateConsumerAsync(queue, new ConsumerConfig("c") { AckPolicy = ConsumerConfigAckPolicy.Explicit, MaxAckPending = 4 * Window }, cancellationToken);
    }

    public override Task<IProducer> OpenProducerAsync(string queue, CancellationToken cancellationToken) =>
        Task.FromResult<IProducer>(new Producer(Connect(), queue + ".in"));

    private sealed class Producer(NatsClient nats, string subject) : IProducer
    {
        private readonly INatsJSContext _js = nats.CreateJetStreamContext();

        public async Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        {
            var ack = await _js.PublishAsync(subject, body, cancellationToken: cancellationToken);
            ack.EnsureSuccess();
        }

        public ValueTask DisposeAsync() => nats.DisposeAsync();
    }

    public override async Task ConsumeAsync(string queue, Action<ReadOnlyMemory<byte>> onMessage, CancellationToken cancellationToken)
    {
        await using var nats = Connect();
        var js = nats.CreateJetStreamContext();
        var consumer = await js.GetConsumerAsync(queue, "c", cancellationToken);
        try
        {
            await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = Window }, cancellationToken: cancellationToken))
            {
                onMessage(message.Data);
                await message.AckAsync(cancellationToken: cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task<TimeSpan?> TimeStatsAsync(string queue, CancellationToken cancellationToken)
    {
        await using var nats = Connect();
        var js = nats.CreateJetStreamContext();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await js.GetStreamAsync(queue, cancellationToken: cancellationToken);
        return clock.Elapsed;
    }

    public override async Task CleanupAsync(string queue, CancellationToken cancellationToken)
    {
        await using var nats = Connect();
        await nats.CreateJetStreamContext().DeleteStreamAsync(queue, cancellationToken);
    }
}
