namespace CompareBench.Peers;

/// <summary>
/// One broker driven by its usual .NET client. A workload creates a durable queue (<see cref="PrepareAsync"/>), opens
/// producers (each its own connection; a publish completes when the broker confirmed it) and consumers (each its own
/// connection, a prefetch of <see cref="Window"/>, one ack per message), then removes the queue (<see cref="CleanupAsync"/>).
/// </summary>
internal abstract class Peer : IAsyncDisposable
{
    /// <summary>Unconfirmed publishes per producer and unacknowledged deliveries per consumer.</summary>
    public const int Window = 256;

    /// <summary>Creates the durable queue (or stream) <paramref name="queue"/>.</summary>
    public abstract Task PrepareAsync(string queue, CancellationToken cancellationToken);

    /// <summary>A producer on its own connection.</summary>
    public abstract Task<IProducer> OpenProducerAsync(string queue, CancellationToken cancellationToken);

    /// <summary>
    /// Consumes <paramref name="queue"/> on its own connection until <paramref name="cancellationToken"/> fires: calls
    /// <paramref name="onMessage"/> with each body as delivered, then acks that message (acks are not awaited one by one:
    /// the prefetch bounds what is outstanding).
    /// </summary>
    public abstract Task ConsumeAsync(string queue, Action<ReadOnlyMemory<byte>> onMessage, CancellationToken cancellationToken);

    /// <summary>The time one stats / length request takes on the queue (W4), or null when the peer has none worth timing.</summary>
    public virtual Task<TimeSpan?> TimeStatsAsync(string queue, CancellationToken cancellationToken) => Task.FromResult<TimeSpan?>(null);

    /// <summary>Deletes the queue and what it holds (untimed).</summary>
    public abstract Task CleanupAsync(string queue, CancellationToken cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Creates the peer named <paramref name="name"/> at <paramref name="endpoint"/> (host:port or URL).</summary>
    public static Peer Create(string name, string endpoint) => name switch
    {
        "rabbitmq-classic" => new RabbitPeer(endpoint, RabbitPeer.Kind.ClassicV1),
        "rabbitmq-classic-v2" => new RabbitPeer(endpoint, RabbitPeer.Kind.ClassicV2),
        "rabbitmq-quorum" => new RabbitPeer(endpoint, RabbitPeer.Kind.Quorum),
        "nats-js" => new NatsPeer(endpoint),
        "redis-always" or "redis-everysec" => new RedisPeer(endpoint),
        "sql-skiplocked" => new SqlQueuePeer(endpoint),
        // sluice-grpc, and the cluster benchmark's sluice-log, sluice-pg-1node, sluice-pg-2nodes, ... (bench/cluster).
        _ when name.StartsWith("sluice-", StringComparison.Ordinal) => new SluicePeer(endpoint),
        _ => throw new ArgumentException($"unknown peer '{name}'"),
    };
}

/// <summary>A publisher; <see cref="PublishAsync"/> completes when the broker confirmed the message durable (per its settings).</summary>
internal interface IProducer : IAsyncDisposable
{
    /// <summary>Publishes one message; the caller keeps <paramref name="body"/> unchanged until the task completes.</summary>
    Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken);
}
