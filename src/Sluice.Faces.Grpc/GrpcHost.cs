using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Sluice.Faces.Grpc.Internal;
using Sluice.Security;

namespace Sluice.Faces.Grpc;

/// <summary>
/// The gRPC face on its own Kestrel listener (HTTP/2: cleartext h2c for an <c>http://</c> URL, TLS with ALPN <c>h2</c>
/// for an <c>https://</c> one, whose certificate <see cref="ServerCertificateSelector"/> gives), serving the <c>sluice.v1</c> services
/// (proto/sluice/v1: Queues, Messages, Topics, Streams, KeyValue, DeadLetters) over a <see cref="Broker"/> it does not own. Start it once,
/// then stop and dispose it; <see cref="Address"/> is the real address (with the port chosen for port 0).
/// </summary>
public sealed class GrpcHost : IAsyncDisposable
{
    private readonly GrpcOptions _options;
    private readonly string _url;
    private readonly Broker _broker;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly ICredentialStore? _credentials;
    private WebApplication? _app;

    /// <summary>Creates the face; nothing is bound until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Limits (validated here); <see cref="GrpcOptions.Url"/> is not read: <paramref name="url"/> is.</param>
    /// <param name="url">Where to listen: an absolute <c>http://</c> (or <c>https://</c>) URL with a port (0 picks a free one).</param>
    /// <param name="broker">The broker every call is translated onto; the caller starts and disposes it.</param>
    /// <param name="loggerFactory">Where the face logs; default <see langword="null"/>: the console, as ASP.NET Core's slim builder does.</param>
    /// <param name="credentials">
    /// Who may call (docs/grpc.md, "Authentication"): when it requires authentication, every call must carry
    /// <c>authorization: Bearer &lt;api key&gt;</c> metadata (or a token <see cref="BearerTokenValidator"/> accepts) and runs
    /// as its principal; otherwise <c>UNAUTHENTICATED</c>. Default <see langword="null"/>: no authentication.
    /// </param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public GrpcHost(GrpcOptions options, string url, Broker broker, ILoggerFactory? loggerFactory = null, ICredentialStore? credentials = null)
    {
        _credentials = credentials;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(broker);
        options.Validate();
        _options = options;
        _url = url;
        _broker = broker;
        _loggerFactory = loggerFactory;
    }

    /// <summary>
    /// Validates a bearer token that is not an API key of the credential store (a JWT): returns its principal, or
    /// <see langword="null"/> when the token is not valid (the call then fails with <c>unauthenticated</c>). Called only
    /// when the store requires authentication. Default <see langword="null"/>: API keys only. Set before <see cref="StartAsync"/>.
    /// </summary>
    public Func<string, CancellationToken, ValueTask<SluicePrincipal?>>? BearerTokenValidator { get; init; }

    /// <summary>
    /// Picks the certificate of each TLS handshake (Kestrel's <c>ServerCertificateSelector</c>: the connection and the
    /// server name the client asked for); read at every handshake, so a renewed certificate reaches new connections
    /// without a restart. Required for an <c>https://</c> URL; unused otherwise. Default <see langword="null"/>.
    /// </summary>
    public Func<ConnectionContext?, string?, X509Certificate2?>? ServerCertificateSelector { get; init; }

    /// <summary>
    /// Adjusts Kestrel's options (limits such as <see cref="KestrelServerLimits.MaxConcurrentConnections"/>) before the
    /// face listens. Default <see langword="null"/>: Kestrel's defaults.
    /// </summary>
    public Action<KestrelServerOptions>? ConfigureKestrel { get; init; }

    /// <summary>
    /// Adds connection middleware to the listener (it runs before TLS), such as a per-client connection limit. Default
    /// <see langword="null"/>: none.
    /// </summary>
    public Action<ListenOptions>? ConfigureListen { get; init; }

    /// <summary>
    /// Adjusts the face's service registrations before it is built (such as a wrapped connection transport). Default
    /// <see langword="null"/>: none.
    /// </summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>The address the face listens on (e.g. <c>http://127.0.0.1:7481/</c>), or <see langword="null"/> before start.</summary>
    public Uri? Address { get; private set; }

    /// <summary>Binds the listener and starts serving.</summary>
    /// <exception cref="InvalidOperationException">Already started, or the URL is <c>https://</c> and <see cref="ServerCertificateSelector"/> is not set.</exception>
    /// <exception cref="IOException">The address cannot be bound (in use, not local).</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("the gRPC face was already started");
        }

        var tls = _url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (tls && ServerCertificateSelector is null)
        {
            throw new InvalidOperationException($"gRPC url '{_url}' asks for TLS, but no certificate is configured");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(GrpcHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (_loggerFactory is not null)
        {
            builder.Logging.ClearProviders();
            builder.Services.Replace(ServiceDescriptor.Singleton(_loggerFactory));
        }

        builder.WebHost.UseUrls(_url);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // gRPC needs HTTP/2; without TLS there is no ALPN to offer HTTP/1.1 beside it, so this listener speaks HTTP/2
            // only (with TLS, ALPN offers h2 alone).
            k.ConfigureEndpointDefaults(listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                ConfigureListen?.Invoke(listen);
            });
            if (ServerCertificateSelector is { } selector)
            {
                k.ConfigureHttpsDefaults(https => https.ServerCertificateSelector = selector);
            }

            ConfigureKestrel?.Invoke(k);
        });
        ConfigureServices?.Invoke(builder.Services);
        builder.Services.AddSingleton(_broker);
        builder.Services.AddSingleton(_options);
        builder.Services.AddSingleton(new GrpcAuthentication(_credentials, BearerTokenValidator));
        builder.Services.AddGrpc(o =>
        {
            // Bounded: a request (or stream message) larger than this is refused before it is buffered.
            o.MaxReceiveMessageSize = _options.MaxMessageSize;
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<ErrorInterceptor>();
            // Inside the error interceptor, so that an unauthenticated call gets the face's error status and trailers.
            o.Interceptors.Add<AuthInterceptor>();
        });

        var app = builder.Build();
        app.MapGrpcService<QueuesService>();
        app.MapGrpcService<MessagesService>();
        app.MapGrpcService<TopicsService>();
        app.MapGrpcService<StreamsService>();
        app.MapGrpcService<KeyValueService>();
        app.MapGrpcService<DeadLettersService>();
        _app = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = address is null ? null : new Uri(address.EndsWith('/') ? address : address + "/");
    }

    /// <summary>Stops accepting calls; running calls end (consume streams are cancelled). Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops (see <see cref="StopAsync"/>) and releases the listener. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
