using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Sluice.Server.Internal;

/// <summary>
/// Connection middleware that caps the connections one remote IP address holds open on one listener: past
/// <c>max</c>, a new connection is closed at once (before TLS or any protocol), and a warning names the address, at
/// most once a minute per address (to the logger <c>logger()</c> returns then). Connections without an IP address (Unix sockets) are not counted.
/// </summary>
internal sealed class PerClientConnectionLimit(string listener, int max, TimeProvider time, Func<ILogger> logger)
{
    /// <summary>How often a refused address is logged at most: once a minute.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, int> _open = [];
    private readonly Dictionary<IPAddress, DateTimeOffset> _lastLogged = [];

    /// <summary>The connections <paramref name="address"/> holds open now (for tests).</summary>
    public int OpenFrom(IPAddress address)
    {
        lock (_gate)
        {
            return _open.GetValueOrDefault(address);
        }
    }

    /// <summary>The middleware: <c>listen.Use(limit.Wrap)</c>.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (connection.RemoteEndPoint is not IPEndPoint { Address: var raw })
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var address = raw.IsIPv4MappedToIPv6 ? raw.MapToIPv4() : raw;
        bool admitted;
        var log = false;
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(address);
            admitted = open < max;
            if (admitted)
            {
                _open[address] = open + 1;
            }
            else
            {
                var now = time.GetUtcNow();
                if (!_lastLogged.TryGetValue(address, out var last) || now - last >= LogInterval)
                {
                    if (_lastLogged.Count >= 10_000)
                    {
                        _lastLogged.Clear();
                    }

                    _lastLogged[address] = now;
                    log = true;
                }
            }
        }

        if (!admitted)
        {
            if (log)
            {
                ListenerLog.ClientConnectionsRefused(logger(), address.ToString(), listener, max);
            }

            connection.Abort(new ConnectionAbortedException($"{address} holds {max} connections to the {listener} listener (Sluice:Limits:MaxConnectionsPerClient)"));
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                var open = _open[address] - 1;
                if (open == 0)
                {
                    _open.Remove(address);
                }
                else
                {
                    _open[address] = open;
                }
            }
        }
    };
}
