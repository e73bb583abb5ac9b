using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sluice.Faces.Resp.Internal;
using Sluice.Hosting;
using Sluice.Security;

namespace Sluice.Faces.Resp;

/// <summary>
/// Runs the RESP face on a Kestrel server of its own, on <see cref="RespOptions.Url"/>, beside (and independent of)
/// the HTTP faces: <see cref="RespConnectionHandler"/> serves each connection. Kestrel gives the socket transport and
/// graceful shutdown (on stop, open connections are asked to close, then aborted). A hosted service; registered by
/// <see cref="RespHostingExtensions.UseResp"/>, or built directly over a broker (as <c>sluice serve</c> does).
/// </summary>
public sealed class RespHost : IHostedService, IAsyncDisposable
{
    private readonly RespOptions _options;
    private readonly Broker _broker;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ICredentialStore? _credentials;
    /// <summary>How long a stop waits for connections to send their last replies before it drops them.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private KestrelServer? _kestrel;
    private RespServer? _server;
    private ServiceProvider? _services;
    private ListenOptions? _listen;

    /// <summary>Creates the host over <paramref name="broker"/>; it listens once <see cref="StartAsync"/> runs.</summary>
    /// <param name="options">Where to listen and the limits; validated here.</param>
    /// <param name="broker">The broker every command runs on (started by its owner).</param>
    /// <param name="timeProvider">The clock of INFO's uptime and CLIENT INFO's age; default the system clock.</param>
    /// <param name="loggerFactory">Kestrel's and the face's logs; default none.</param>
    /// <param name="credentials">
    /// Who may connect (docs/resp.md, "Authentication"): when it requires authentication, a client must <c>AUTH</c> with
    /// an API key (or <see cref="RespOptions.Password"/>) first, and each command runs as the key's principal. Default
    /// <see langword="null"/>: only <see cref="RespOptions.Password"/> decides.
    /// </param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public RespHost(RespOptions options, Broker broker, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, ICredentialStore? credentials = null)
    {
        _credentials = credentials;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(broker);
        options.Validate();
        _options = options;
        _broker = broker;
        _time = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
    }

    /// <summary>The address the face listens on once started (the real port when the configured one was 0); else <see langword="null"/>.</summary>
    public IPEndPoint? EndPoint => _listen?.IPEndPoint;

    /// <summary>
    /// The certificate each new TLS connection is served, read at every handshake (so a renewed certificate is served to
    /// new connections without a restart). Required when <see cref="RespOptions.Url"/> is <c>rediss://</c> or
    /// <c>tls://</c>; unused otherwise. Default <see langword="null"/>.
    /// </summary>
    public Func<X509Certificate2>? ServerCertificate { get; init; }

    /// <summary>
    /// Adjusts Kestrel's server options (such as <see cref="KestrelServerLimits.MaxConcurrentConnections"/>) before the
    /// face listens. Default <see langword="null"/>: Kestrel's defaults.
    /// </summary>
    public Action<KestrelServerOptions>? ConfigureKestrel { get; init; }

    /// <summary>
    /// Adds connection middleware to the listener before TLS and the RESP handler (such as a per-client connection
    /// limit). Default <see langword="null"/>: none.
    /// </summary>
    public Action<ListenOptions>? ConfigureListen { get; init; }

    /// <summary>
    /// Wraps the socket transport before the face listens (such as a gate on how many connections it accepts at once).
    /// Default <see langword="null"/>: the socket transport as is.
    /// </summary>
    public Func<IConnectionListenerFactory, IConnectionListenerFactory>? WrapTransport { get; init; }

    /// <summary>How long a TLS handshake may take before the connection is dropped: 10 seconds.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The address to announce, as <c>redis://host:port</c> (<c>rediss://host:port</c> with TLS); <see langword="null"/>
    /// before start or when disabled.
    /// </summary>
    public Uri? Address => EndPoint is { } ep ? new Uri($"{(RespEndpoint.IsTls(_options.Url) ? "rediss" : "redis")}://{(ep.Address.Equals(IPAddress.Any) ? "0.0.0.0" : ep.Address.ToString())}:{ep.Port}") : null;

    /// <summary>
    /// Binds the port and starts accepting connections; throws <see cref="IOException"/> when the port is taken, and
    /// <see cref="InvalidOperationException"/> when the URL asks for TLS and <see cref="ServerCertificate"/> is not set.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
            return;
        var tls = RespEndpoint.IsTls(_options.Url);
        if (tls && ServerCertificate is null)
            throw new InvalidOperationException($"RESP url '{_options.Url}' asks for TLS, but no certificate is configured");
        var server = _server = new RespServer(_options, _broker, _time, _loggerFactory.CreateLogger<RespServer>(), _credentials);
        _services = new ServiceCollection().AddSingleton(new RespConnectionHandler(server)).BuildServiceProvider();
        var kestrelOptions = new KestrelServerOptions { ApplicationServices = _services };
        kestrelOptions.AddServerHeader = false;
        ConfigureKestrel?.Invoke(kestrelOptions);
        kestrelOptions.Listen(RespEndpoint.Parse(_options.Url), listen =>
        {
            _listen = listen;
            ConfigureListen?.Invoke(listen);
            if (tls)
                listen.Use(new RespTls(ServerCertificate!, _time).Wrap);
            listen.UseConnectionHandler<RespConnectionHandler>();
        });
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), _loggerFactory);
        _kestrel = new KestrelServer(Options.Create(kestrelOptions), WrapTransport is { } wrap ? wrap(transport) : transport, _loggerFactory);
        await _kestrel.StartAsync(new NoHttpApplication(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops accepting and tells every connection: each stops reading, lets the commands it started finish and sends
    /// their replies, then closes; blocking reads end without a reply (the connection closes, as Redis has no reply for
    /// that). Connections still open after 5 seconds (a client that does not read its replies), or when
    /// <paramref name="cancellationToken"/> fires, are dropped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_kestrel is null)
            return;
        if (_server is not null)
            await _server.StopAsync().ConfigureAwait(false);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(StopGrace);
        await _kestrel.StopAsync(grace.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _kestrel?.Dispose();
        _kestrel = null;
        _server?.Dispose();
        _server = null;
        if (_services is not null)
            await _services.DisposeAsync().ConfigureAwait(false);
        _services = null;
    }

    /// <summary>Kestrel wants an HTTP application; the RESP endpoint never reaches it.</summary>
    private sealed class NoHttpApplication : IHttpApplication<IFeatureCollection>
    {
        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public Task ProcessRequestAsync(IFeatureCollection context) => Task.CompletedTask;

        public void DisposeContext(IFeatureCollection context, Exception? exception)
        {
        }
    }
}

/// <summary>Registration of the RESP face.</summary>
public static class RespHostingExtensions
{
    /// <summary>
    /// Adds the RESP face to a Sluice registration: <c>services.AddSluice(b =&gt; b.UseSqlite(path).UseResp(new RespOptions { Enabled = true }))</c>.
    /// Registers <see cref="RespHost"/> (a hosted service: it listens when the host starts, if
    /// <see cref="RespOptions.Enabled"/>). Throws <see cref="ArgumentException"/> when an option is out of range.
    /// </summary>
    public static SluiceBuilder UseResp(this SluiceBuilder builder, RespOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(sp => new RespHost(options, sp.GetRequiredService<Broker>(), sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>(),
            sp.GetService<ICredentialStore>()));
        services.AddHostedService(sp => sp.GetRequiredService<RespHost>());
        return builder;
    }
}
