using Microsoft.AspNetCore.Connections;
using Sluice.Faces.Resp.Internal;

namespace Sluice.Faces.Resp;

/// <summary>
/// The Kestrel connection handler of the RESP face: one <see cref="RespSession"/> per TCP connection, admitted up to
/// <see cref="RespOptions.MaxConnections"/> (past it the client gets Redis's <c>ERR max number of clients reached</c>).
/// Registered by <see cref="RespHostingExtensions.UseResp"/>.
/// </summary>
public sealed class RespConnectionHandler : ConnectionHandler
{
    private readonly RespServer _server;

    internal RespConnectionHandler(RespServer server) => _server = server;

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!_server.TryEnter())
        {
            await connection.Transport.Output.WriteAsync("-ERR max number of clients reached\r\n"u8.ToArray()).ConfigureAwait(false);
            return;
        }
        try
        {
            var session = new RespSession(_server, connection.Transport.Input, connection.Transport.Output,
                connection.RemoteEndPoint?.ToString(), (connection.LocalEndPoint as System.Net.IPEndPoint)?.Port ?? 0,
                () => connection.Abort(new ConnectionAbortedException("RESP output buffer limit passed")), _server.Stopping);
            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _server.Leave();
        }
    }
}
