using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Sluice.Server.Internal;

/// <summary>
/// Wraps a transport so that a listener accepts at most <c>max</c> connections at once: past it, the listener stops
/// calling <c>accept</c> until a connection ends, and new connections wait in the kernel's backlog (queued, then
/// refused by the kernel when the backlog is full). So a flood of connections can never take more descriptors than
/// the share it was given (Kestrel's own <c>MaxConcurrentConnections</c> accepts each excess connection before closing
/// it, which under a flood holds a burst of descriptors), and <c>accept</c> never fails with EMFILE.
/// </summary>
internal sealed class GatedListenerFactory(IConnectionListenerFactory inner, long max) : IConnectionListenerFactory
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new Listener(await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false), (int)Math.Min(max, int.MaxValue));

    private sealed class Listener(IConnectionListener inner, int max) : IConnectionListener
    {
        private readonly SemaphoreSlim _slots = new(max, max);

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            ConnectionContext? connection;
            try
            {
                connection = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _slots.Release();
                throw;
            }

            if (connection is null)
            {
                _slots.Release();
                return null;
            }

            return new Gated(connection, _slots);
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            // Not disposed: connections still open release their slots later.
        }
    }

    /// <summary>The accepted connection, giving its slot back when Kestrel disposes it (always, at the connection's end).</summary>
    private sealed class Gated(ConnectionContext inner, SemaphoreSlim slots) : ConnectionContext
    {
        private int _released;

        public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

        public override IFeatureCollection Features => inner.Features;

        public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

        public override System.IO.Pipelines.IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }

        public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

        public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

        public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

        public override void Abort() => inner.Abort();

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    slots.Release();
                }

                // The base class holds nothing; called as the analyzer asks.
                await base.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
