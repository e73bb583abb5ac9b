using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Faces.Grpc;
using Sluice.Faces.Resp;
using Sluice.Server.Internal;
using Sluice.Server.Security;

namespace Sluice.Server.Hosting;

/// <summary>TLS and connection limits of the three listeners (HTTP, gRPC, RESP).</summary>
public sealed partial class SluiceServer
{
    private CertificateSource? _certificate;
    private long? _connectionsPerListener;

    /// <summary>
    /// The connections one client address may hold on a listener: <see cref="LimitsOptions.MaxConnectionsPerClient"/>, but
    /// at most half the listener's share, so one address can never fill a listener on its own.
    /// </summary>
    private int PerClientCap => (int)Math.Min(Options.Limits.MaxConnectionsPerClient, _connectionsPerListener is { } share ? Math.Max(1, share / 2) : int.MaxValue);

    /// <summary>
    /// The connections each listener accepts at once (<see cref="LimitsOptions.MaxConnections"/> shared among the
    /// enabled listeners), or <see langword="null"/> when unlimited (no descriptor limit known and none configured).
    /// </summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public long? ConnectionsPerListener => _app is null ? throw NotStarted() : _connectionsPerListener;

    private long? _descriptorLimit;

    /// <summary>
    /// Loads the certificate (when a listener asks for TLS) and derives each listener's connection share from the
    /// descriptor limit (raising the soft limit to the hard one). Runs before the host is built: Kestrel may read its
    /// options as soon as it is.
    /// </summary>
    /// <exception cref="ArgumentException">The certificate does not load, or the limits do not fit the descriptor limit (the message names the setting).</exception>
    private void PrepareListeners()
    {
        // Loaded whenever configured, so a bad certificate setting stops the start even when no listener uses TLS yet.
        if (Options.Tls.IsConfigured)
        {
            _certificate = CertificateSource.Load(Options.Tls, _time, NullLogger.Instance);
        }

        var listeners = 1 + (Options.Grpc.Enabled ? 1 : 0) + (Options.Resp.Enabled ? 1 : 0);
        var configured = Options.Limits.MaxConnections;
        long? total = configured;
        var descriptors = DescriptorLimit.RaiseAndRead();
        if (descriptors is { } limit)
        {
            var open = DescriptorLimit.OpenNow();
            var budget = DescriptorLimit.Budget(limit, open);
            var room = $"its descriptor limit (RLIMIT_NOFILE) is {limit}, {open} are open already, and {Math.Max(0, budget)} remain after the reserve of " +
                $"{LimitsOptions.ReservedDescriptors} + 10 % for the store and logs";
            if (configured is { } asked && asked > budget)
            {
                throw LimitInvalid($"setting Sluice:Limits:MaxConnections {asked} is above what this process can hold open: {room}; lower it, or raise the limit (ulimit -n, LimitNOFILE= in a systemd unit)");
            }

            if (budget < listeners)
            {
                throw LimitInvalid($"setting Sluice:Limits:MaxConnections: the descriptor limit leaves no room for connections: {room}; raise the limit (ulimit -n, LimitNOFILE= in a systemd unit) to at least {limit - budget + (listeners * 64)}");
            }

            total ??= budget;
        }

        if (total is { } all && all < listeners)
        {
            throw LimitInvalid($"setting Sluice:Limits:MaxConnections {all} cannot be shared among {listeners} listeners: allow at least 1 per listener");
        }

        _connectionsPerListener = total / listeners;
        _descriptorLimit = descriptors;
    }

    /// <summary>Logs the certificate and the limits <see cref="PrepareListeners"/> chose; certificate reloads log to <paramref name="logger"/> from now on.</summary>
    private void LogListeners(ILogger logger)
    {
#pragma warning disable CA1873 // once per start: not worth a guard
        if (_certificate is { } source)
        {
            source.Logger = logger;
            var first = source.Current;
            ListenerLog.CertificateLoaded(logger, first.Subject, first.Thumbprint, first.NotAfter.ToUniversalTime());
        }

        var listeners = 1 + (Options.Grpc.Enabled ? 1 : 0) + (Options.Resp.Enabled ? 1 : 0);
        ListenerLog.ConnectionLimits(logger, _connectionsPerListener ?? -1, listeners,
            _descriptorLimit?.ToString(CultureInfo.InvariantCulture) ?? "unknown", Options.Limits.MaxConnectionsPerClient);
#pragma warning restore CA1873
    }

    private static ArgumentException LimitInvalid(string message, string setting = nameof(LimitsOptions.MaxConnections))
    {
        var key = $"{SluiceServerOptions.SectionName}:{nameof(SluiceServerOptions.Limits)}:{setting}";
        return new ArgumentException(message, key);
    }

    /// <summary>The HTTP listener's limits, per-client cap and certificate; Kestrel calls it as it starts (after <see cref="PrepareListeners"/>).</summary>
    private void ConfigureHttpListener(KestrelServerOptions kestrel) => ConfigureListener(kestrel, "HTTP", headers: true, https: true);

    private void ConfigureListener(KestrelServerOptions kestrel, string listener, bool headers, bool https)
    {
        kestrel.Limits.MaxConcurrentConnections = _connectionsPerListener;
        // An upgraded connection (a WebSocket) still holds its descriptor: count it against the same share.
        kestrel.Limits.MaxConcurrentUpgradedConnections = _connectionsPerListener;
        if (headers)
        {
            kestrel.Limits.MaxRequestHeadersTotalSize = Options.Limits.MaxRequestHeadersTotalSize;
            kestrel.Limits.MaxRequestHeaderCount = Options.Limits.MaxRequestHeaderCount;
        }

        var perClient = new PerClientConnectionLimit(listener, PerClientCap, _time, () => _logger ?? NullLogger.Instance);
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(perClient.Wrap));
        if (https && _certificate is { } certificate)
        {
            kestrel.ConfigureHttpsDefaults(h => h.ServerCertificateSelector = (_, _) => certificate.Current);
        }
    }

    /// <summary>The gRPC face with this server's limits and certificate.</summary>
    private GrpcHost CreateGrpcHost(WebApplication app, Broker broker, ILoggerFactory loggerFactory)
    {
        var authenticator = app.Services.GetRequiredService<SluiceAuthenticator>();
        var certificate = _certificate;
        var perClient = new PerClientConnectionLimit("gRPC", PerClientCap, _time, () => _logger ?? NullLogger.Instance);
        return new GrpcHost(Options.Grpc, Options.GrpcUrl, broker, loggerFactory, FaceCredentials(app))
        {
            // API keys are checked first by the face; a token that is none is tried as a JWT (Sluice:Auth:Jwt).
            BearerTokenValidator = async (token, ct) => (await authenticator.AuthenticateAsync("Bearer " + token, ct).ConfigureAwait(false)).Principal,
            ServerCertificateSelector = Options.GrpcTls && certificate is not null ? (_, _) => certificate.Current : null,
            ConfigureKestrel = k =>
            {
                k.Limits.MaxConcurrentConnections = _connectionsPerListener;
                k.Limits.MaxRequestHeadersTotalSize = Options.Limits.MaxRequestHeadersTotalSize;
                k.Limits.MaxRequestHeaderCount = Options.Limits.MaxRequestHeaderCount;
            },
            ConfigureListen = listen => listen.Use(perClient.Wrap),
            ConfigureServices = GateTransport,
        };
    }

    /// <summary>
    /// Replaces Kestrel's socket transport with one whose listeners accept at most this server's share of connections
    /// at once (<see cref="GatedListenerFactory"/>). Kestrel's slim builder has registered the socket transport already.
    /// </summary>
    private void GateTransport(IServiceCollection services)
    {
        if (_connectionsPerListener is not { } max)
        {
            return;
        }

        services.Replace(ServiceDescriptor.Singleton<IConnectionListenerFactory>(sp =>
            new GatedListenerFactory(ActivatorUtilities.CreateInstance<SocketTransportFactory>(sp), max)));
    }

    /// <summary>The RESP face with this server's limits and certificate.</summary>
    private RespHost CreateRespHost(WebApplication app, Broker broker, ILoggerFactory loggerFactory)
    {
        var certificate = _certificate;
        var perClient = new PerClientConnectionLimit("RESP", PerClientCap, _time, () => _logger ?? NullLogger.Instance);
        return new RespHost(Options.Resp, broker, _time, loggerFactory, FaceCredentials(app))
        {
            ServerCertificate = Options.RespTls && certificate is not null ? () => certificate.Current : null,
            ConfigureKestrel = k => k.Limits.MaxConcurrentConnections = _connectionsPerListener,
            ConfigureListen = listen => listen.Use(perClient.Wrap),
            WrapTransport = transport => _connectionsPerListener is { } max ? new GatedListenerFactory(transport, max) : transport,
        };
    }
}
