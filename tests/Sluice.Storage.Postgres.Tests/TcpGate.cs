using System.Net;
using System.Net.Sockets;

namespace Sluice.Storage.Postgres.Tests;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of the test server that a test can close (every connection through it
/// breaks and new ones are refused, as when the database goes away) and open again on the same port.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly int _target;
    private readonly List<TcpClient> _connections = [];
    private readonly Lock _lock = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _accepting;

    /// <summary>Opens a gate to 127.0.0.1:<paramref name="targetPort"/> on a free port.</summary>
    public TcpGate(int targetPort)
    {
        _target = targetPort;
        Open(0);
    }

    /// <summary>The port the gate listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Accepts connections again, on the same port.</summary>
    public void Open() => Open(Port);

    private void Open(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _stop = new CancellationTokenSource();
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    /// <summary>Stops accepting and breaks every connection through the gate.</summary>
    public async Task CloseAsync()
    {
        if (_listener is null)
        {
            return;
        }

        await _stop!.CancelAsync();
        _listener.Stop();
        _listener = null;
        await _accepting!;
        lock (_lock)
        {
            foreach (var c in _connections)
            {
                if (c.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0); // a reset, as when the server's host goes away
                }

                c.Dispose();
            }

            _connections.Clear();
        }

        _stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await CloseAsync();

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_lock)
            {
                _connections.Add(client);
                _connections.Add(server);
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // The gate closed or a side hung up.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
