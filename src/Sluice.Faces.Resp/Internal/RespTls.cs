using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;

namespace Sluice.Faces.Resp.Internal;

/// <summary>
/// TLS for the RESP listener, as connection middleware: each connection's transport is wrapped in an
/// <see cref="SslStream"/> that handshakes with the certificate <c>certificate()</c> returns at that moment (so a renewed
/// certificate reaches new connections), and the RESP handler reads and writes through it. A handshake that fails or
/// takes longer than <see cref="RespHost.HandshakeTimeout"/> closes the connection without reaching the handler.
/// </summary>
internal sealed class RespTls(Func<X509Certificate2> certificate, TimeProvider time)
{
    private readonly Lock _gate = new();
    private X509Certificate2? _lastCertificate;
    private SslStreamCertificateContext? _context;

    /// <summary>The middleware: <c>listen.Use(tls.Wrap)</c>.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        var transport = connection.Transport;
        var stream = new SslStream(new DuplexPipeStream(transport), leaveInnerStreamOpen: false);
        await using (stream.ConfigureAwait(false))
        {
            using (var timeout = new CancellationTokenSource(RespHost.HandshakeTimeout, time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, connection.ConnectionClosed))
            {
                try
                {
                    await stream.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = Context(),
                        ClientCertificateRequired = false,
                    }, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                {
                    // Not a TLS client, a client that gave up, or a handshake too slow: nothing to serve.
                    return;
                }
            }

            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            connection.Transport = new Duplex(reader, writer);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                connection.Transport = transport;
                await reader.CompleteAsync().ConfigureAwait(false);
                await writer.CompleteAsync().ConfigureAwait(false);
            }
        }
    };

    /// <summary>The certificate context of the current certificate, built again only when the certificate changed.</summary>
    private SslStreamCertificateContext Context()
    {
        var current = certificate();
        lock (_gate)
        {
            if (!ReferenceEquals(current, _lastCertificate) || _context is null)
            {
                _context = SslStreamCertificateContext.Create(current, additionalCertificates: null, offline: true);
                _lastCertificate = current;
            }

            return _context;
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>A stream over a duplex pipe (the raw socket), for <see cref="SslStream"/> to read and write.</summary>
    private sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
    {
        private readonly Stream _input = pipe.Input.AsStream(leaveOpen: true);
        private readonly Stream _output = pipe.Output.AsStream(leaveOpen: true);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => _output.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _input.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _output.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _output.WriteAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
