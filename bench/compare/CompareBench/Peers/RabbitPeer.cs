using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace CompareBench.Peers;

/// <summary>
/// RabbitMQ through RabbitMQ.Client 7: a durable queue (classic v1, classic v2 or quorum), persistent messages
/// published to the default exchange on a channel with publisher confirms (each publish awaits its confirm), and a
/// consumer with <c>basic.qos</c> prefetch <see cref="Peer.Window"/> and manual acks (one <c>basic.ack</c> per message).
/// </summary>
internal sealed class RabbitPeer(string endpoint, RabbitPeer.Kind kind) : Peer
{
    public enum Kind { ClassicV1, ClassicV2, Quorum }

    private readonly ConnectionFactory _factory = CreateFactory(endpoint);

    private static ConnectionFactory CreateFactory(string endpoint)
    {
        var uri = new Uri("amqp://" + endpoint);
        return new ConnectionFactory { HostName = uri.Host, Port = uri.Port, UserName = "guest", Password = "guest", AutomaticRecoveryEnabled = false };
    }

    private Dictionary<string, object?> Arguments() => kind switch
    {
        Kind.Quorum => new() { ["x-queue-type"] = "quorum" },
        Kind.ClassicV2 => new() { ["x-queue-type"] = "classic", ["x-queue-version"] = 2 },
        _ => new() { ["x-queue-type"] = "classic", ["x-queue-version"] = 1 },
    };

    public override async Task PrepareAsync(string queue, CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: Arguments(), cancellationToken: cancellationToken);
    }

    public override async Task<IProducer> OpenProducerAsync(string queue, CancellationToken cancellationToken)
    {
        var connection = await _factory.CreateConnectionAsync(cancellationToken);
        // Confirms tracked by the client (BasicPublishAsync completes on the broker's ack); the window is the caller's.
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null),
            cancellationToken);
        return new Producer(connection, channel, queue);
    }

    private sealed class Producer(IConnection connection, IChannel channel, string queue) : IProducer
    {
        private static readonly BasicProperties Persistent = new() { DeliveryMode = DeliveryModes.Persistent };

        public Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
            channel.BasicPublishAsync(string.Empty, queue, mandatory: false, Persistent, body, cancellationToken).AsTask();

        public async ValueTask DisposeAsync()
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    public override async Task ConsumeAsync(string queue, Action<ReadOnlyMemory<byte>> onMessage, CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.BasicQosAsync(0, Window, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            onMessage(delivery.Body);
            return channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).AsTask();
        };
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await channel.BasicCancelAsync(tag, noWait: true, CancellationToken.None);
    }

    public override async Task<TimeSpan?> TimeStatsAsync(string queue, CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await channel.MessageCountAsync(queue, cancellationToken);
        return clock.Elapsed;
    }

    public override async Task CleanupAsync(string queue, CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueueDeleteAsync(queue, cancellationToken: cancellationToken);
    }
}
