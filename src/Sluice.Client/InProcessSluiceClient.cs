using Sluice.Client.Internal;

namespace Sluice.Client;

/// <summary>
/// The SDK over a <see cref="Broker"/> running in this process (embedded mode: no server, no network). Every member
/// calls the broker, so arguments, defaults, limits and error codes are the broker's. Thread-safe.
/// </summary>
/// <remarks>
/// The broker must be started (<see cref="Broker.StartAsync"/>; a host does it when the broker was registered with
/// <c>services.AddSluice(...)</c>); calls on an unstarted broker throw <see cref="InvalidOperationException"/> saying so.
/// <see cref="ConsumeAsync"/> applies the same credit rule as the gRPC server: at most
/// <see cref="ConsumeOptions.Prefetch"/> messages delivered and not yet settled through this client. The class is split
/// into partial files by concern, like <see cref="ISluiceClient"/>.
/// </remarks>
public sealed partial class InProcessSluiceClient : ISluiceClient
{
    private readonly Broker _broker;
    private readonly bool _ownsBroker;
    private readonly ConsumeCredits _credits = new();
    private int _disposed;

    /// <summary>Creates a client over a broker.</summary>
    /// <param name="broker">The broker; started before the first call.</param>
    /// <param name="options">Client settings (validated); default <see cref="SluiceClientOptions"/>. <see cref="SluiceClientOptions.Address"/> is ignored.</param>
    /// <param name="ownsBroker">Whether <see cref="DisposeAsync"/> disposes the broker too. Default <see langword="false"/> (a host or the caller owns it).</param>
    /// <exception cref="ArgumentNullException"><paramref name="broker"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="options"/> is out of range.</exception>
    public InProcessSluiceClient(Broker broker, SluiceClientOptions? options = null, bool ownsBroker = false)
    {
        ArgumentNullException.ThrowIfNull(broker);
        Options = options ?? new SluiceClientOptions();
        Options.Validate();
        _broker = broker;
        _ownsBroker = ownsBroker;
    }

    /// <summary>The client's settings.</summary>
    public SluiceClientOptions Options { get; }

    /// <summary>The broker this client calls.</summary>
    public Broker Broker => _broker;

    /// <summary>Ends the client; disposes the broker when the client owns it. Consumers still running end at their next wait. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_ownsBroker)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    // ---- Queues ----

    /// <inheritdoc />
    public ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions? options = null, CancellationToken cancellationToken = default) =>
        _broker.CreateQueueAsync(name, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<QueueInfo> GetQueueAsync(string name, CancellationToken cancellationToken = default) =>
        _broker.GetQueueAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        _broker.ListQueuesAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) =>
        _broker.UpdateQueueAsync(name, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default) =>
        _broker.DeleteQueueAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> PurgeQueueAsync(string name, CancellationToken cancellationToken = default) =>
        _broker.PurgeAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<QueueStats> GetQueueStatsAsync(string name, CancellationToken cancellationToken = default) =>
        _broker.GetStatsAsync(name, cancellationToken);

    // ---- Dead letters ----

    /// <inheritdoc />
    public ValueTask<RedriveStatus> StartRedriveAsync(string deadLetterQueue, string? destination = null, int maxPerSecond = 100, CancellationToken cancellationToken = default) =>
        _broker.StartRedriveAsync(deadLetterQueue, destination, maxPerSecond, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RedriveStatus> GetRedriveAsync(string id, CancellationToken cancellationToken = default) =>
        _broker.GetRedriveAsync(id, cancellationToken);
}
