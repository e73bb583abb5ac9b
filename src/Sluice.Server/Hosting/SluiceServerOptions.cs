using Microsoft.Extensions.Configuration;
using Sluice.Faces.Sqs;

namespace Sluice.Server.Hosting;

/// <summary>
/// Options of a <see cref="SluiceServer"/>. Bind them from configuration with <see cref="FromConfiguration"/> (section
/// <c>Sluice</c>: <c>appsettings.json</c>, environment variables such as <c>SLUICE__HTTPURL</c>, command-line flags such as
/// <c>--Sluice:HttpUrl</c>); every value is checked by <see cref="Validate"/> when the server starts.
/// </summary>
public sealed partial record SluiceServerOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Sluice";

    /// <summary>The <see cref="Store"/> value for the log-structured store (the default; durable, in <c>{DataDirectory}/log</c>; docs/design/log-store.md).</summary>
    public const string LogStore = "log";

    /// <summary>The <see cref="Store"/> value for the embedded durable SQLite store (in <c>{DataDirectory}/sluice.db</c>).</summary>
    public const string SqliteStore = "sqlite";

    /// <summary>The <see cref="Store"/> value for the in-memory store (nothing survives a restart; for tests and development).</summary>
    public const string MemoryStore = "memory";

    /// <summary>
    /// The <see cref="Store"/> value for the PostgreSQL store at <see cref="ConnectionString"/>: cluster mode, several
    /// servers on one database (docs/cluster.md).
    /// </summary>
    public const string PostgresStore = "postgres";

    /// <summary>Shortest <see cref="NodeHeartbeatInterval"/>: 1 second.</summary>
    public static readonly TimeSpan MinNodeHeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longest <see cref="NodeHeartbeatInterval"/>: 5 minutes.</summary>
    public static readonly TimeSpan MaxNodeHeartbeatInterval = TimeSpan.FromMinutes(5);

    /// <summary>How many heartbeats a node record outlives its last renewal: 3 (its time-to-live is 3 × <see cref="NodeHeartbeatInterval"/>).</summary>
    public const int NodeRecordHeartbeats = 3;

    /// <summary>
    /// Directory of the server's durable state; created when missing. The log store keeps its segments and checkpoints
    /// in <c>Path.Combine(DataDirectory, "log")</c>, the SQLite store its database in
    /// <c>Path.Combine(DataDirectory, "sluice.db")</c>. Default <c>./sluice-data</c> (relative to the working directory).
    /// Unused by the memory store.
    /// </summary>
    public string DataDirectory { get; init; } = "./sluice-data";

    /// <summary>
    /// Where the HTTP face (REST API, OpenAPI document, health check) listens: an absolute <c>http://</c> URL with an IP
    /// address or host name and a port. Default <c>http://127.0.0.1:7480</c> (loopback only). Port 0 picks a free port
    /// (IP addresses only; read the real one from <see cref="SluiceServer.HttpAddress"/>).
    /// </summary>
    public string HttpUrl { get; init; } = "http://127.0.0.1:7480";

    /// <summary>
    /// The message store (case-insensitive): <c>log</c> (default: the log-structured store, durable, in
    /// <see cref="DataDirectory"/>), <c>sqlite</c> (durable, in <see cref="DataDirectory"/>), <c>memory</c>, or
    /// <c>postgres</c> (the database at <see cref="ConnectionString"/>, shared by every node of a cluster).
    /// </summary>
    public string Store { get; init; } = LogStore;

    /// <summary>
    /// The Npgsql connection string of the PostgreSQL database (flag <c>--connection-string</c>), such as
    /// <c>Host=db;Database=sluice;Username=sluice;Password=...</c>. Required with store <c>postgres</c>, refused with any
    /// other store. Default none. Every node of a cluster uses the same database (and schema <c>sluice</c>).
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// This server's node id in the cluster's node registry (<c>GET /v1/cluster</c>; flag <c>--node-id</c>): 1 to 64
    /// characters from A-Z a-z 0-9 . _ -. Default none: a random id (12 hex digits) at each start. Two live nodes cannot
    /// share an id (the second refuses to start).
    /// </summary>
    public string? NodeId { get; init; }

    /// <summary>
    /// How often a node renews its record in the node registry (store <c>postgres</c>). A record not renewed for
    /// <see cref="NodeRecordHeartbeats"/> intervals expires, so a node that died leaves <c>GET /v1/cluster</c> within
    /// that time. Default 5 seconds (records live 15 seconds); 1 second to 5 minutes.
    /// </summary>
    public TimeSpan NodeHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether every commit is fsynced before a publish is acknowledged. Default <see langword="true"/>;
    /// <see langword="false"/> is the relaxed mode (a power loss may lose the last commits). Log and SQLite stores.
    /// </summary>
    public bool Fsync { get; init; } = true;

    /// <summary>
    /// Open the log store despite damage in the middle of its log (flag <c>--salvage</c>): damaged records are skipped
    /// and each is logged as a warning. Default <see langword="false"/>: the server refuses to start and says where the
    /// damage is. Log store only.
    /// </summary>
    public bool Salvage { get; init; }

    /// <summary>Largest HTTP request body accepted, in bytes. Default 16 MiB (16,777,216); 1 KiB to 1 GiB.</summary>
    public long MaxRequestBodySize { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// The RESP (Redis protocol) face, section <c>Sluice:Resp</c> (flag <c>--resp-url</c>). Default disabled; when
    /// enabled it listens on <c>tcp://127.0.0.1:6380</c> unless <c>Sluice:Resp:Url</c> says otherwise (docs/resp.md).
    /// </summary>
    public Sluice.Faces.Resp.RespOptions Resp { get; init; } = new();

    /// <summary>
    /// The gRPC face, section <c>Sluice:Grpc</c> (flag <c>--grpc-url</c>; docs/grpc.md). Default enabled, on its own
    /// cleartext HTTP/2 listener at the HTTP listener's host and next port (<c>http://127.0.0.1:7481</c> by default).
    /// </summary>
    public Sluice.Faces.Grpc.GrpcOptions Grpc { get; init; } = new();

    /// <summary>The SQS-compatible face (section <c>Sluice:Sqs</c>). Default <see cref="SqsOptions"/> defaults (enabled, any credentials).</summary>
    public SqsOptions Sqs { get; init; } = new();

    /// <summary>Authentication and authorization (section <c>Sluice:Auth</c>). Default on (<see cref="AuthOptions"/>).</summary>
    public AuthOptions Auth { get; init; } = new();

    /// <summary>Limits and timings of the broker. Default <see cref="BrokerOptions"/> defaults.</summary>
    public BrokerOptions Broker { get; init; } = new();

    /// <summary>
    /// Binds the options from the <c>Sluice</c> section of <paramref name="configuration"/>; settings that are absent keep
    /// their defaults. Call <see cref="Validate"/> (the server does at start) to check the values.
    /// </summary>
    /// <param name="configuration">The configuration root (or any configuration holding a <c>Sluice</c> section).</param>
    /// <returns>The bound options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A setting cannot be converted to its type: the message names the setting, the value, where it came from and the
    /// accepted form; <see cref="ArgumentException.ParamName"/> is the setting's key (such as <c>Sluice:Fsync</c>).
    /// </exception>
    public static SluiceServerOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        SettingsCheck.CheckValues(configuration, section, typeof(SluiceServerOptions));
        try
        {
            var options = section.Get<SluiceServerOptions>() ?? new SluiceServerOptions();

            // Store is case-insensitive; log and print it as documented (memory, not MEMORY).
            var store = new[] { LogStore, SqliteStore, MemoryStore, PostgresStore }.FirstOrDefault(s => string.Equals(s, options.Store, StringComparison.OrdinalIgnoreCase));
            return store is null ? options : options with { Store = store };
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key ("Failed to convert configuration value at 'Sluice:Fsync' ...").
            throw new ArgumentException($"configuration section '{SectionName}' is invalid: {ex.Message}", nameof(configuration), ex);
        }
    }

    /// <summary>
    /// Finds the keys under the <c>Sluice</c> section that no setting reads (the binder ignores them, so a typo such as
    /// <c>Sluice:HtpUrl</c> would silently keep the default). <c>sluice serve</c> prints each as a warning at start.
    /// </summary>
    /// <param name="configuration">The configuration root (an <see cref="IConfigurationRoot"/> lets each line name its source).</param>
    /// <returns>
    /// One line per unknown key, naming it, where it came from (<c>(in '/path/appsettings.json')</c>,
    /// <c>(environment variable SLUICE__HTPURL)</c>) and the closest known setting, or the known settings of its section.
    /// Empty when every key is known.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is <see langword="null"/>.</exception>
    public static IReadOnlyList<string> FindUnknownSettings(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return SettingsCheck.UnknownKeys(configuration, configuration.GetSection(SectionName), typeof(SluiceServerOptions));
    }

    /// <summary>
    /// Checks the log levels of the <c>Logging</c> section (<c>Logging:LogLevel:Default</c>,
    /// <c>Logging:Console:LogLevel:Microsoft</c>, ...): each must be a <see cref="Microsoft.Extensions.Logging.LogLevel"/>
    /// name (case-insensitive). Call it before building a logger factory from that section, which would throw an
    /// <see cref="InvalidOperationException"/> naming neither the setting nor the accepted levels.
    /// </summary>
    /// <param name="configuration">The configuration root (an <see cref="IConfigurationRoot"/> lets the message name the source).</param>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A level is not a log level: the message names the setting (such as <c>Logging:LogLevel:Default</c>), the value,
    /// where it came from and the accepted levels; <see cref="ArgumentException.ParamName"/> is the setting's key.
    /// </exception>
    public static void CheckLoggingSettings(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        SettingsCheck.CheckLogLevels(configuration, configuration.GetSection("Logging"));
    }

    /// <summary>Checks every setting; the message names the setting, the value, the rule and the fix.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; <see cref="ArgumentException.ParamName"/> is its configuration key.</exception>
    public void Validate()
    {
        var memory = string.Equals(Store, MemoryStore, StringComparison.OrdinalIgnoreCase);
        var postgres = string.Equals(Store, PostgresStore, StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(DataDirectory) && !memory && !postgres)
        {
            throw Invalid(nameof(DataDirectory), "is empty: give the directory for the server's data (default ./sluice-data)");
        }

        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) ||
            url.AbsolutePath != "/" || !string.IsNullOrEmpty(url.Query))
        {
            throw Invalid(nameof(HttpUrl), $"'{HttpUrl}' is invalid: use an absolute http:// URL with a host and port, such as http://127.0.0.1:7480");
        }

        if (url.Port == 0 && url.IsLoopback && url.HostNameType == UriHostNameType.Dns)
        {
            throw Invalid(nameof(HttpUrl), $"'{HttpUrl}' asks for a free port on a host name: port 0 needs an IP address, such as http://127.0.0.1:0");
        }

        if (!memory && !postgres && !string.Equals(Store, SqliteStore, StringComparison.OrdinalIgnoreCase) && !string.Equals(Store, LogStore, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(nameof(Store),
                $"'{Store}' is not a store: use '{LogStore}' (durable, the default), '{SqliteStore}' (durable), '{MemoryStore}' or '{PostgresStore}' (a cluster on one database)");
        }

        ValidateCluster(postgres);

        if (MaxRequestBodySize is < 1024 or > 1024L * 1024 * 1024)
        {
            throw Invalid(nameof(MaxRequestBodySize), $"{MaxRequestBodySize} bytes is out of range: use 1024 (1 KiB) to 1073741824 (1 GiB)");
        }

        if (Sqs is null)
        {
            throw Invalid(nameof(Sqs), "is missing: remove the setting to use the defaults");
        }

        Sqs.Validate($"{SectionName}:{nameof(Sqs)}");
        if (Auth is null)
        {
            throw Invalid(nameof(Auth), "is missing: remove the setting to use the defaults");
        }

        Auth.Validate($"{SectionName}:{nameof(Auth)}");
        if (Resp is null)
        {
            throw Invalid(nameof(Resp), "is missing: remove the setting to use the defaults");
        }

        try
        {
            Resp.Validate();
        }
        catch (ArgumentException ex)
        {
            var key = $"{SectionName}:{nameof(Resp)}:{ex.ParamName}";
            throw new ArgumentException($"setting {key}: {ex.Message}", key, ex);
        }

        if (Grpc is null)
        {
            throw Invalid(nameof(Grpc), "is missing: remove the setting to use the defaults");
        }

        try
        {
            Grpc.Validate();
            var grpcUrl = new Uri(GrpcUrl);
            if (grpcUrl.Port == 0 && grpcUrl.HostNameType == UriHostNameType.Dns)
            {
                throw new ArgumentException($"'{GrpcUrl}' asks for a free port on a host name: port 0 needs an IP address, such as http://127.0.0.1:0", nameof(Grpc.Url));
            }
        }
        catch (ArgumentException ex)
        {
            var key = $"{SectionName}:{nameof(Grpc)}:{ex.ParamName}";
            var rule = ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            throw new ArgumentException($"setting {key} {rule}", key, ex);
        }

        ValidateOperations();
        if (Broker is null)
        {
            throw Invalid(nameof(Broker), "is missing: remove the setting to use the defaults");
        }

        ValidateListeners();

        try
        {
            Broker.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // One line: the rule without the " (Parameter 'X')" and "Actual value was ..." lines .NET adds.
            var key = $"{SectionName}:{nameof(Broker)}:{ex.ParamName}";
            var rule = ex.Message.Split('\n')[0].Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal).TrimEnd('\r');
            var value = Convert.ToString(ex.ActualValue, System.Globalization.CultureInfo.InvariantCulture);
            throw new ArgumentException($"setting {key} '{value}' is out of range: {rule}", key, ex);
        }
    }

    /// <summary>
    /// Where the gRPC face listens: <see cref="Sluice.Faces.Grpc.GrpcOptions.Url"/> when set, else <see cref="HttpUrl"/>'s
    /// host with the next port (port 0 stays 0: a free port). Valid once <see cref="Validate"/> passed.
    /// </summary>
    public string GrpcUrl
    {
        get
        {
            if (Grpc?.Url is { } url)
            {
                return url;
            }

            if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out var http))
            {
                return "http://127.0.0.1:7481";
            }

            var port = http.Port is 0 or 65535 ? 0 : http.Port + 1;
            return new UriBuilder(http) { Port = port, Path = "" }.Uri.GetLeftPart(UriPartial.Authority);
        }
    }

    /// <summary>Checks <see cref="ConnectionString"/> against <see cref="Store"/>, <see cref="NodeId"/> and <see cref="NodeHeartbeatInterval"/>.</summary>
    private void ValidateCluster(bool postgres)
    {
        if (postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw Invalid(nameof(ConnectionString),
                "is empty: store postgres needs the database's connection string (flag --connection-string), such as Host=db;Database=sluice;Username=sluice");
        }

        if (!postgres && !string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw Invalid(nameof(ConnectionString),
                $"is set, but store '{Store}' takes no connection string: it is for store postgres only; remove it, or choose --store postgres (setting Sluice:Store)");
        }

        if (postgres)
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
            {
                // Npgsql's message names the keyword or value at fault, never the whole string (which may hold a password).
                throw Invalid(nameof(ConnectionString), $"is not a valid PostgreSQL connection string ({ex.Message.Split(" (Parameter", 2)[0].TrimEnd('.')}): use key=value pairs such as Host=db;Database=sluice");
            }
        }

        if (NodeId is { } id && (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            throw Invalid(nameof(NodeId), $"'{id}' is invalid: use 1-64 characters from A-Z a-z 0-9 . _ - (flag --node-id), or remove it for a random id");
        }

        if (NodeHeartbeatInterval < MinNodeHeartbeatInterval || NodeHeartbeatInterval > MaxNodeHeartbeatInterval)
        {
            throw Invalid(nameof(NodeHeartbeatInterval),
                $"'{NodeHeartbeatInterval}' is out of range: use 00:00:01 (1 second) to 00:05:00 (5 minutes)");
        }
    }

    private static ArgumentException Invalid(string setting, string rule)
    {
        var key = $"{SectionName}:{setting}";
        return new ArgumentException($"setting {key} {rule}", key);
    }
}
