using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Contracts;
using Sluice.Faces.Dashboard;
using Sluice.Faces.Rest;
using Sluice.Faces.Sqs;
using Sluice.Hosting;
using Sluice.Server.Internal;
using Sluice.Server.Security;
using Sluice.Storage;
using Sluice.Storage.Log;
using Sluice.Storage.Postgres;
using Sluice.Storage.Sqlite;

namespace Sluice.Server.Hosting;

/// <summary>
/// The Sluice server as an embeddable object, and the composition root of <c>sluice serve</c>: the store and
/// <see cref="Sluice.Broker"/> registered with <c>AddSluice(...)</c> (as an embedding application does), and Kestrel
/// serving the faces: the SQS face, the REST API (docs/rest-api.md), <c>/openapi/v1.json</c> and <c>/healthz</c> at
/// <see cref="SluiceServerOptions.HttpUrl"/>; the gRPC face (docs/grpc.md) on its own HTTP/2 listener at
/// <see cref="SluiceServerOptions.GrpcUrl"/>; the RESP face when enabled.
/// Build it, <see cref="StartAsync"/> it once, and dispose it (or <see cref="StopAsync"/>) at shutdown.
/// </summary>
/// <example>
/// <code>
/// await using var server = new SluiceServer(new SluiceServerOptions { Store = "memory", HttpUrl = "http://127.0.0.1:0" });
/// await server.StartAsync();
/// Console.WriteLine(server.HttpAddress);
/// </code>
/// </example>
public sealed partial class SluiceServer : IAsyncDisposable
{
    private readonly ILoggerFactory? _loggerFactory;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WebApplication? _app;
    private Broker? _broker;
    private IReadOnlyList<Uri> _urls = [];
    private Sluice.Faces.Resp.RespHost? _resp;
    private Sluice.Faces.Grpc.GrpcHost? _grpc;
    private ILogger _logger = NullLogger.Instance;
    private IKeyValueStore? _sharedStore;
    private NodeRegistry? _registry;
    private int _started;
    private bool _stopped;

    /// <summary>Creates a server; nothing is opened or bound until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The options; see <see cref="SluiceServerOptions.FromConfiguration"/>.</param>
    /// <param name="loggerFactory">
    /// Where the server and broker log; default <see langword="null"/>, which logs to the console as ASP.NET Core's slim
    /// builder does.
    /// </param>
    /// <param name="timeProvider">The clock of the broker and store; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public SluiceServer(SluiceServerOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _loggerFactory = loggerFactory;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The options the server was built with.</summary>
    public SluiceServerOptions Options { get; }

    /// <summary>The broker serving every face.</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public Broker Broker => _broker ?? throw NotStarted();

    /// <summary>The addresses Kestrel listens on, with the real port when port 0 was asked for.</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public IReadOnlyList<Uri> Urls => _app is null ? throw NotStarted() : _urls;

    /// <summary>The HTTP face's base address (the first of <see cref="Urls"/>), such as <c>http://127.0.0.1:7480/</c>.</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public Uri HttpAddress => Urls[0];

    /// <summary>The RESP face's address (<c>redis://127.0.0.1:6380</c>), or <see langword="null"/> when it is disabled.</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public Uri? RespAddress => _app is null ? throw NotStarted() : _resp?.Address;

    /// <summary>
    /// This server's node id in the node registry (<c>GET /v1/cluster</c>): <see cref="SluiceServerOptions.NodeId"/>, or
    /// a random one chosen at start.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public string NodeId => _registry?.NodeId ?? throw NotStarted();

    /// <summary>The gRPC face's address (<c>http://127.0.0.1:7481/</c>), or <see langword="null"/> when it is disabled.</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public Uri? GrpcAddress => _app is null ? throw NotStarted() : _grpc?.Address;

    /// <summary>
    /// Validates the options, opens the store, starts the broker, then starts Kestrel and logs where it listens.
    /// On failure everything opened so far is closed again.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start-up.</param>
    /// <exception cref="ArgumentException">A setting is invalid (the message names it).</exception>
    /// <exception cref="InvalidOperationException">The server was already started, or it cannot listen on <see cref="SluiceServerOptions.HttpUrl"/>.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("the server was already started: create a new SluiceServer to start again");
        }

        Options.Validate();
        PrepareListeners();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(SluiceServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (_loggerFactory is not null)
        {
            builder.Logging.ClearProviders();
            builder.Services.Replace(ServiceDescriptor.Singleton(_loggerFactory));
        }

        builder.WebHost.UseUrls(Options.HttpUrl);
        builder.WebHost.UseKestrelHttpsConfiguration();
        GateTransport(builder.Services);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = Options.MaxRequestBodySize;
            ConfigureHttpListener(k);
        });
        // The same registration as embedding: the store is chosen through the builder, the broker comes from DI and
        // starts with the host (before Kestrel accepts a request), and is disposed with the host.
        var location = ChooseStore(builder.Services);
        AddOperations(builder.Services);
        builder.Services.AddSluiceRestApi();
        AddAuthServices(builder.Services);

        // The REST face reads numbers as JSON numbers only; say so in the OpenAPI document, which uses these options.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);

        ConfigureServices?.Invoke(builder.Services);
        var app = builder.Build();
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        _logger = loggerFactory.CreateLogger<SluiceServer>();
        try
        {
            var broker = app.Services.GetRequiredService<Broker>();
            _broker = broker;
            // After the broker: resolving it built the store the registry writes to.
            var registry = new NodeRegistry(_sharedStore, Options.Store, Options.NodeId, Options.NodeHeartbeatInterval, _time, _logger);
            _registry = registry;
            UseOperations(app);
            app.UseSluiceSqs(broker, Options.Sqs, _time, otherFacePaths: SluiceRestApiExtensions.OwnsPath, credentials: FaceCredentials(app));
            UseAuth(app);
            app.MapOpenApi();
            app.MapSluiceDashboard(); // /ui: static files, anonymous; the pages call /v1 with the user's key
            var v1 = app.MapSluiceRestApi(broker);
            MapCluster(v1, registry);
            MapAuthKeys(v1, app.Services.GetRequiredService<SluiceCredentialStore>());
            _app = app;
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new InvalidOperationException(ListenFailure(Options.HttpUrl, ex), ex);
            }

            Log.StoreOpened(_logger, Options.Store, location);
            await StartAuthAsync(app, cancellationToken).ConfigureAwait(false);
            LogListeners(_logger);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            _urls = [.. addresses.Select(a => new Uri(a.EndsWith('/') ? a : a + "/"))];
            foreach (var url in _urls)
            {
                Log.Listening(_logger, url);
            }

            if (Options.Resp.Enabled)
            {
                _resp = CreateRespHost(app, broker, loggerFactory);
                try
                {
                    await _resp.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    throw new InvalidOperationException(
                        $"setting Sluice:Resp:Url '{Options.Resp.Url}': cannot listen there ({ex.Message}); choose another port (flag --resp-url)", ex);
                }

                Log.ListeningResp(_logger, _resp.Address!);
            }

            if (Options.Grpc.Enabled)
            {
                _grpc = CreateGrpcHost(app, broker, loggerFactory);
                try
                {
                    await _grpc.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    throw new InvalidOperationException(
                        $"setting Sluice:Grpc:Url '{Options.GrpcUrl}': cannot listen there ({ex.Message}); choose another port (flag --grpc-url) or disable the face (Sluice:Grpc:Enabled false)", ex);
                }

                Log.ListeningGrpc(_logger, _grpc.Address!);
            }

            // Last: a node is listed once every face it lists listens.
            var listed = new List<Uri> { _urls[0] };
            if (_grpc?.Address is { } grpcAddress)
            {
                listed.Add(grpcAddress);
            }

            if (_resp?.Address is { } respAddress)
            {
                listed.Add(respAddress);
            }

            await registry.StartAsync(listed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (ex is ArgumentException or InvalidOperationException or SluiceException or OperationCanceledException or UnauthorizedAccessException
                or Sluice.Storage.Log.Segments.LogCorruptException)
            {
                // Expected: an invalid setting, a busy port, a database in use, a store file this process may not write, a damaged log. The caller reports the message in
                // one line (sluice serve does); a stack trace would only bury it.
                Log.StartRefused(_logger, ex, ex.Message);
            }
            else
            {
                Log.StartFailed(_logger, ex);
            }

            await StopCoreAsync(app).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Why Kestrel could not listen: "port 7480 on 127.0.0.1 is in use: ..." when the address is taken.</summary>
    internal static string ListenFailure(string httpUrl, IOException exception)
    {
        var inUse = exception.InnerException is AddressInUseException;
        if (!inUse)
        {
            return $"setting Sluice:HttpUrl '{httpUrl}': cannot listen there ({exception.Message}); choose another address";
        }

        string where;
        try
        {
            var address = BindingAddress.Parse(httpUrl);
            where = address.Port > 0 ? $"port {address.Port} on {address.Host}" : $"address {httpUrl}";
        }
        catch (FormatException)
        {
            where = $"address {httpUrl}";
        }

        return $"{where} is in use: stop the process that listens there, or choose another port (setting Sluice:HttpUrl, flag --http-url)";
    }

    /// <summary>Stops accepting requests, lets running ones finish (long polls end empty), then closes the broker and store. Idempotent.</summary>
    /// <param name="cancellationToken">Ends the graceful wait for running requests early.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_stopped || _app is null)
            {
                return;
            }

            Log.Stopping(_logger);
            // Leave the registry first: a node draining its long polls is no longer a node to send work to.
            if (_registry is not null)
            {
                await _registry.StopAsync().ConfigureAwait(false);
            }

            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
            await StopCoreAsync(_app).ConfigureAwait(false);
            Log.Stopped(_logger);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>) and releases everything it holds. Idempotent.</summary>
    public async ValueTask DisposeAsync() =>
        // _gate is not disposed: it never allocates a wait handle, and a second DisposeAsync must stay harmless.
        await StopAsync().ConfigureAwait(false);

    private async Task StopCoreAsync(WebApplication app)
    {
        _stopped = true;
        if (_registry is not null)
        {
            await _registry.DisposeAsync().ConfigureAwait(false);
        }

        if (_grpc is not null)
        {
            await _grpc.DisposeAsync().ConfigureAwait(false);
        }

        if (_resp is not null)
        {
            await _resp.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _resp.DisposeAsync().ConfigureAwait(false);
        }

        await app.DisposeAsync().ConfigureAwait(false);
        // The host disposes the broker (and its store) after it stopped; the container disposes it when the host
        // never started. Disposing it here too covers both and is idempotent.
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Registers Sluice with the store <see cref="SluiceServerOptions.Store"/> names; returns where it keeps its data, for the log.</summary>
    private string ChooseStore(IServiceCollection services)
    {
        services.AddSingleton(_time);
        if (StoreFactory is { } factory)
        {
            services.AddSluice(b =>
            {
                b.BrokerOptions = Options.Broker;
                b.UseStore((_, time) => factory(time));
            });
            return "a test store";
        }

        if (string.Equals(Options.Store, SluiceServerOptions.MemoryStore, StringComparison.OrdinalIgnoreCase))
        {
            services.AddSluice(b =>
            {
                b.BrokerOptions = Options.Broker;
                b.UseInMemory();
            });
            return "memory (nothing survives a restart)";
        }

        if (string.Equals(Options.Store, SluiceServerOptions.PostgresStore, StringComparison.OrdinalIgnoreCase))
        {
            var postgres = new PostgresStoreOptions { ConnectionString = Options.ConnectionString! };
            services.AddSluice(b =>
            {
                b.BrokerOptions = Options.Broker;
                b.UseStore((_, time) =>
                {
                    // Kept for the node registry, which writes this node's record through the store (a reserved key
                    // the key-value API refuses to clients).
                    var store = new PostgresMessageStore(postgres, time);
                    _sharedStore = store;
                    return store;
                });
            });
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(Options.ConnectionString);
            return $"database {connection.Database ?? connection.Username ?? "(default)"} on {connection.Host ?? "localhost"}:{connection.Port}";
        }

        var directory = DataDirectory();
        CheckStoreFilesWritable(StoreFiles(directory));
        if (string.Equals(Options.Store, SluiceServerOptions.SqliteStore, StringComparison.OrdinalIgnoreCase))
        {
            var path = Path.Combine(directory, "sluice.db");
            services.AddSluice(b =>
            {
                b.BrokerOptions = Options.Broker;
                b.UseSqlite(new SqliteStoreOptions { Path = path, Fsync = Options.Fsync });
            });
            return path;
        }

        var logDirectory = Path.Combine(directory, "log");
        services.AddSluice(b =>
        {
            b.BrokerOptions = Options.Broker;
            b.UseLogStore(new LogStoreOptions { Directory = logDirectory, Fsync = Options.Fsync, Salvage = Options.Salvage });
        });
        return logDirectory;
    }

    /// <summary>
    /// <see cref="SluiceServerOptions.DataDirectory"/> as a full path, creating the directory when missing and checking
    /// that this process can write in it (by creating and deleting a probe file), so an unusable directory is one
    /// setting error naming it, not a file-system exception from deep inside the store.
    /// </summary>
    /// <exception cref="ArgumentException">The directory cannot be created, or this process cannot write in it.</exception>
    private string DataDirectory()
    {
        var directory = Path.GetFullPath(Options.DataDirectory);
        try
        {
            CreatePrivateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"setting Sluice:DataDirectory '{Options.DataDirectory}': cannot create the directory ({ex.Message})", "Sluice:DataDirectory", ex);
        }

        try
        {
            using var probe = new FileStream(Path.Combine(directory, $".sluice-write-check-{Environment.ProcessId}"), FileMode.Create, FileAccess.Write,
                FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException(
                $"setting Sluice:DataDirectory '{directory}': this process cannot write in the directory " +
                $"({(ex is UnauthorizedAccessException ? "permission denied" : ex.Message.TrimEnd('.'))}); " +
                "give a directory it can write (flag --data-dir), or let its user write in this one", "Sluice:DataDirectory", ex);
        }

        return directory;
    }

    /// <summary>
    /// Creates the data directory readable by its owner only (0700), or, when it exists, takes away what other users may
    /// do in it (its group keeps its rights, as a systemd unit's StateDirectoryMode gives them): the store's files hold
    /// the receipt-handle signing key and the SigV4 secrets, and are written with the process's umask.
    /// </summary>
    internal static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return;
        }

        const UnixFileMode others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        try
        {
            var mode = File.GetUnixFileMode(directory);
            if ((mode & others) != 0)
            {
                File.SetUnixFileMode(directory, mode & ~others);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a directory this process may not change (another owner, a read-only file system) keeps its
            // mode; whether it can be written is checked next, with its own message.
        }
    }

    /// <summary>Maps <c>GET /v1/cluster</c> onto the REST face's <c>/v1</c> group (its error table and problem responses apply).</summary>
    private static void MapCluster(RouteGroupBuilder v1, NodeRegistry registry) =>
        v1.MapGet("/cluster", (Func<HttpContext, Task<IResult>>)(async context =>
            {
                Sluice.Security.SluiceAccess.Demand(Sluice.Security.SluicePermissions.Admin, null);
                return TypedResults.Json(await registry.ListAsync(context.RequestAborted).ConfigureAwait(false), SluiceJsonContext.Wire.ClusterResponse);
            }))
            .WithName("GetCluster").WithTags("Cluster")
            .WithSummary("List the cluster's nodes")
            .WithDescription("The live nodes of the cluster (servers sharing one PostgreSQL database, each renewing its record every heartbeat " +
                             "interval), ordered by node id, and which node answered. A node that stopped leaves at once; one that died leaves when " +
                             "its record expires (3 heartbeat intervals). On the embedded stores (log, sqlite, memory): this server alone.")
            .Produces<ClusterResponse>();

    private static InvalidOperationException NotStarted() => new("the server has not been started: call StartAsync first");
}
