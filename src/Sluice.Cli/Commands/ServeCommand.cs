using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice serve</c>: runs the server in the foreground until Ctrl+C / SIGTERM. Settings come from
/// <c>appsettings.json</c> (current directory, optional), then environment variables (<c>SLUICE__DATADIRECTORY</c>, ...),
/// then flags: later sources win.
/// </summary>
internal static partial class ServeCommand
{
    /// <summary>The configuration section the server options bind from.</summary>
    public const string Section = "Sluice";

    public static Command Create(CliContext context)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory of the store's data [default ./sluice-data]", HelpName = "PATH" };
        var httpUrl = new Option<string>("--http-url") { Description = "Address of the REST API [default http://127.0.0.1:7480]", HelpName = "URL" };
        var grpcUrl = new Option<string>("--grpc-url") { Description = "Address of the gRPC face (HTTP/2) [default the REST port + 1: http://127.0.0.1:7481]", HelpName = "URL" };
        var respUrl = new Option<string>("--resp-url") { Description = "Enable the RESP (Redis protocol) face at this address [default off; tcp://127.0.0.1:6380 when Sluice:Resp:Enabled]", HelpName = "URL" };
        var store = Enums.Option("--store", "Storage engine: log (durable, default), sqlite (durable), memory (lost on exit) or postgres (a cluster on one database: --connection-string)", ["log", "sqlite", "memory", "postgres"]);
        var connectionString = new Option<string>("--connection-string") { Description = "PostgreSQL connection string of store postgres, such as \"Host=db;Database=sluice;Username=sluice\"", HelpName = "STRING" };
        var nodeId = new Option<string>("--node-id") { Description = "This server's id in the cluster (GET /v1/cluster) [default random at each start]", HelpName = "ID" };
        var noFsync = new Option<bool>("--no-fsync") { Description = "Do not fsync commits: faster, but a power loss can lose acknowledged messages" };
        var salvage = new Option<bool>("--salvage") { Description = "Start the log store despite damage in the middle of its log: skip and report the damaged records" };
        var noAuth = new Option<bool>("--no-auth") { Description = "Serve without authentication, for local development only (warns when listening beyond loopback)" };
        var logFormat = Enums.Option("--log-format", "Console log format: text (default) or json (one JSON object per line)", ["text", "json"]);
        var tlsCert = new Option<string>("--tls-cert") { Description = "TLS certificate file (PEM, or .pfx/.p12) for the listeners whose URL is https:// or rediss:// (setting Sluice:Tls:CertificatePath; reloaded when it changes)", HelpName = "PATH" };
        var tlsKey = new Option<string>("--tls-key") { Description = "PEM private key of --tls-cert [default: in the certificate file] (setting Sluice:Tls:KeyPath)", HelpName = "PATH" };
        var config = new Option<FileInfo>("--config") { Description = "Settings file [default ./appsettings.json when present]", HelpName = "PATH" };

        var command = new Command("serve", "Run the Sluice server in the foreground until Ctrl+C.") { dataDir, httpUrl, grpcUrl, respUrl, store, connectionString, nodeId, noFsync, salvage, noAuth, logFormat, tlsCert, tlsKey, config };
        command.SetAction((parseResult, ct) =>
        {
            var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (parseResult.GetValue(dataDir) is { } d)
                flags[Section + ":DataDirectory"] = d;
            if (parseResult.GetValue(httpUrl) is { } h)
                flags[Section + ":HttpUrl"] = h;
            if (parseResult.GetValue(grpcUrl) is { } g)
                flags[Section + ":Grpc:Url"] = g;
            if (parseResult.GetValue(respUrl) is { } r)
            {
                flags[Section + ":Resp:Enabled"] = "true";
                flags[Section + ":Resp:Url"] = r;
            }
            if (parseResult.GetValue(store) is { } s)
                flags[Section + ":Store"] = s;
            // Given but empty ("--connection-string ''") is kept, so the server says it is empty rather than missing.
            if (parseResult.GetValue(connectionString) is { } cs)
                flags[Section + ":ConnectionString"] = cs;
            if (parseResult.GetValue(nodeId) is { } n)
                flags[Section + ":NodeId"] = n;
            if (parseResult.GetValue(noFsync))
                flags[Section + ":Fsync"] = "false";
            if (parseResult.GetValue(salvage))
                flags[Section + ":Salvage"] = "true";
            if (parseResult.GetValue(noAuth))
                flags[Section + ":Auth:Enabled"] = "false";
            if (parseResult.GetValue(logFormat) is { } lf)
                flags[Section + ":Logging:Format"] = lf;

            if (parseResult.GetValue(tlsCert) is { } tc)
                flags[Section + ":Tls:CertificatePath"] = tc;
            if (parseResult.GetValue(tlsKey) is { } tk)
                flags[Section + ":Tls:KeyPath"] = tk;

            var configFile = parseResult.GetValue(config);
            if (configFile is not null && !configFile.Exists)
                return context.FailAsync($"--config '{configFile}' does not exist: give the path of a JSON settings file", CliApp.UsageError);

            var settingsFile = configFile?.FullName ?? DefaultSettingsFile;
            IConfigurationRoot configuration;
            try
            {
                configuration = BuildConfiguration(configFile?.FullName, flags);
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
            {
                return context.FailAsync(SettingsFileMessage(settingsFile, e), CliApp.UsageError);
            }

            return context.RunAsync(() => RunServerAsync(context, configuration, ct), ct);
        });
        return command;
    }

    /// <summary>The settings file read when <c>--config</c> is not given: <c>appsettings.json</c> in the working directory, when present.</summary>
    private static string DefaultSettingsFile => Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");

    /// <summary>
    /// Why a settings file could not be read, in one line: "settings file '/path/appsettings.json' is not valid JSON at
    /// line 3, position 5: ..." (positions 1-based; the JSON reader counts bytes in the line).
    /// </summary>
    internal static string SettingsFileMessage(string path, Exception e)
    {
        // The JSON provider wraps the reader's error: InvalidDataException ("Failed to load configuration from file")
        // around FormatException around JsonException; a duplicate key is a FormatException without one.
        var innermost = e;
        while (innermost.InnerException is not null)
            innermost = innermost.InnerException;
        var where = $"settings file '{path}'";
        if (innermost is JsonException { LineNumber: { } line, BytePositionInLine: { } position } json)
        {
            var reason = json.Message;
            var cut = reason.IndexOf(" Path: ", StringComparison.Ordinal) is >= 0 and var at ? at : reason.IndexOf(" LineNumber: ", StringComparison.Ordinal);
            if (cut >= 0)
                reason = reason[..cut];
            return $"{where} is not valid JSON at line {line + 1}, position {position + 1}: {reason.TrimEnd('.')}; fix the file";
        }

        return innermost is IOException or UnauthorizedAccessException
            ? $"{where} cannot be read: {innermost.Message}"
            : $"{where} is invalid: {innermost.Message.TrimEnd('.')}; fix the file";
    }

    /// <summary>Layers the settings: the JSON file, then environment variables, then flags (later wins).</summary>
    internal static IConfigurationRoot BuildConfiguration(string? configFile, IReadOnlyDictionary<string, string?> flags)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
            builder.AddJsonFile(configFile, optional: false);
        else
            builder.AddJsonFile(DefaultSettingsFile, optional: true);
        return builder
            .AddEnvironmentVariables()
            .AddInMemoryCollection(flags)
            .Build();
    }
}
