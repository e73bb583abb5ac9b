using Microsoft.Extensions.Logging;
using Sluice.Faces.Resp.Commands;

namespace Sluice.Faces.Resp.Internal;

/// <summary>
/// State shared by every connection of the RESP face: options, the broker, the command table, the counters INFO shows
///. One per host (a DI singleton).
/// </summary>
internal sealed partial class RespServer : IDisposable
{
    private long _nextClientId;
    private int _connected;
    private long _commands;
    private long _connectionsReceived;
    private long _rejected;
    private readonly CancellationTokenSource _stopping = new();

    public RespServer(RespOptions options, Broker broker, TimeProvider timeProvider, ILogger<RespServer> logger, Sluice.Security.ICredentialStore? credentials = null)
    {
        Credentials = credentials;
        options.Validate();
        Options = options;
        Broker = broker;
        Time = timeProvider;
        Logger = logger;
        StartedAt = timeProvider.GetUtcNow();
    }

    public RespOptions Options { get; }

    public Broker Broker { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public DateTimeOffset StartedAt { get; }

    public RespCommandTable Commands { get; } = RespCommandTable.Instance;

    /// <summary>Clients connected now.</summary>
    public int ConnectedClients => Volatile.Read(ref _connected);

    /// <summary>
    /// Readers waiting in a blocking stream read now (INFO's <c>blocked_clients</c>): the broker's count, so a
    /// long-polling reader of another face counts too.
    /// </summary>
    public int BlockedClients => Broker.BlockedStreamReaders;

    public long CommandsProcessed => Interlocked.Read(ref _commands);

    public long ConnectionsReceived => Interlocked.Read(ref _connectionsReceived);

    public long RejectedConnections => Interlocked.Read(ref _rejected);

    /// <summary>Fires when the host stops: sessions stop reading, answer what they started and close; blocking reads end.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Tells every session the server stops (see <see cref="Stopping"/>).</summary>
    public Task StopAsync() => _stopping.CancelAsync();

    public void Dispose() => _stopping.Dispose();

    public long NextClientId() => Interlocked.Increment(ref _nextClientId);

    /// <summary>Admits a connection unless <see cref="RespOptions.MaxConnections"/> are open; pair with <see cref="Leave"/>.</summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _connectionsReceived);
        if (Interlocked.Increment(ref _connected) <= Options.MaxConnections)
            return true;
        Interlocked.Decrement(ref _connected);
        Interlocked.Increment(ref _rejected);
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref _connected);

    public void CommandDone() => Interlocked.Increment(ref _commands);
}
