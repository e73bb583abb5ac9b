using System.Net;
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

namespace Sluice.Faces.Resp;

/// <summary>
/// Runs the RESP face on a Kestrel server of its own, on <see cref="RespOptions.Url"/>, beside (and independent of)
/// the HTTP faces: <see cref="RespConnectionHandler"/> serves each connection. Kestrel gives the socket transport and
/// graceful shutdown (on stop, open connections are asked to close, then aborted). A hosted service; registered by
/// <see cref="RespHostingExtensions.UseResp"/>.
/// </summary>
public sealed class RespHost : IHostedService, IAsyncDisposable
{
    private readonly RespOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private KestrelServer? _kestrel;
    private ListenOptions? _listen;

    /// <summary>Creates the host; the server starts with <see cref="StartAsync"/>.</summary>
    public RespHost(RespOptions options, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _services = services;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The address the face listens on once started (the real port when the configured one was 0); else <see langword="null"/>.</summary>
    public IPEndPoint? EndPoint => _listen?.IPEndPoint;

    /// <summary>The address to announce, as <c>redis://host:port</c>; <see langword="null"/> before start or when disabled.</summary>
    public Uri? Address => EndPoint is { } ep ? new Uri($"redis://{(ep.Address.Equals(IPAddress.Any) ? "0.0.0.0" : ep.Address.ToString())}:{ep.Port}") : null;

    /// <summary>Binds the port and starts accepting connections; throws <see cref="IOException"/> when the port is taken.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
            return;
        var kestrelOptions = new KestrelServerOptions { ApplicationServices = _services };
        kestrelOptions.AddServerHeader = false;
        kestrelOptions.Listen(RespEndpoint.Parse(_options.Url), listen =>
        {
            _listen = listen;
            listen.UseConnectionHandler<RespConnectionHandler>();
        });
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), _loggerFactory);
        _kestrel = new KestrelServer(Options.Create(kestrelOptions), transport, _loggerFactory);
        await _kestrel.StartAsync(new NoHttpApplication(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops accepting, asks open connections to close and waits for them until <paramref name="cancellationToken"/> fires.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_kestrel is not null)
            await _kestrel.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _kestrel?.Dispose();
        _kestrel = null;
        return ValueTask.CompletedTask;
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
        services.AddSingleton(options);
        services.AddSingleton(sp => new RespServer(options, sp.GetRequiredService<Broker>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<RespServer>>()));
        services.AddSingleton(sp => new RespConnectionHandler(sp.GetRequiredService<RespServer>()));
        services.AddSingleton<RespHost>();
        services.AddHostedService(sp => sp.GetRequiredService<RespHost>());
        return builder;
    }
}
