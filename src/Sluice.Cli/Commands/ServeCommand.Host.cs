using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

internal static partial class ServeCommand
{
    /// <summary>How long a stop waits for running requests (long polls end empty) before closing the store.</summary>
    internal static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    private static async Task<int> RunServerAsync(CliContext context, IConfiguration configuration, CancellationToken cancellationToken)
    {
        // Unknown keys are ignored by the binder: say so, one line each, before anything else can fail.
        foreach (var warning in SluiceServerOptions.FindUnknownSettings(configuration))
            await context.Error.WriteLineAsync("warning: " + warning).ConfigureAwait(false);

        SluiceServerOptions options;
        ILoggerFactory loggerFactory;
        try
        {
            options = SluiceServerOptions.FromConfiguration(configuration);
            options.Validate();
            SluiceServerOptions.CheckLoggingSettings(configuration);
            loggerFactory = CreateLoggerFactory(configuration, options.Logging.Format);
        }
        catch (ArgumentException e)
        {
            return await context.FailAsync(SettingMessage(e), CliApp.UsageError).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            // Any other setting of the Logging section the logging library cannot read (its message names the key).
            return await context.FailAsync($"a setting under Logging is invalid: {OneLine(e.Message)}; fix or remove it", CliApp.UsageError).ConfigureAwait(false);
        }

        using var ownedLoggerFactory = loggerFactory;
        var server = new SluiceServer(options, loggerFactory);
        await using (server.ConfigureAwait(false))
        {
            try
            {
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                // An invalid setting found while starting (a data directory that is a regular file, ...).
                return await context.FailAsync(SettingMessage(e), CliApp.UsageError).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                // The address is in use or cannot be listened on.
                return await context.FailAsync(e.Message).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 0;
            }
            catch (Sluice.Storage.Log.Segments.LogCorruptException e)
            {
                // Damage in the middle of the log store: refuse to start (the message names the file, the offset and --salvage).
                return await context.FailAsync($"the store is damaged: {OneLine(e.Message)}").ConfigureAwait(false);
            }
            catch (SluiceException e) when (e.InnerException is Npgsql.NpgsqlException)
            {
                // The PostgreSQL database could not be opened: name the setting, the database and the database's own reason
                // (no secrets: Npgsql and PostgreSQL never quote the password), since no server log exists yet to read it in.
                return await context.FailAsync(
                    $"setting Sluice:ConnectionString (flag --connection-string): the PostgreSQL database {DatabaseName(options.ConnectionString)} " +
                    $"could not be opened: {DatabaseReason(e.InnerException)}; check the host, port, database name and credentials, " +
                    "and that the user may create schema 'sluice' and its tables there").ConfigureAwait(false);
            }
            catch (SluiceException e)
            {
                // The store could not be opened: the database is in use by another server, or unreadable.
                return await context.FailAsync(e.Message).ConfigureAwait(false);
            }
            catch (UnauthorizedAccessException e)
            {
                // A file or directory inside the data directory that this process may not write (the directory itself is checked before).
                return await context.FailAsync(
                    $"the server could not start: {OneLine(e.Message)}: give this process write access there, or use another data directory (--data-dir)").ConfigureAwait(false);
            }
            catch (Exception e) when (e is NotSupportedException or IOException)
            {
                // The store could not be opened (a missing or locked data directory, an unsupported store).
                return await context.FailAsync($"the server could not start: {e.Message}").ConfigureAwait(false);
            }

            await WriteBannerAsync(context.Output, options, server.Urls, server.RespAddress, server.GrpcAddress, server.NodeId).ConfigureAwait(false);
            await WriteAdminKeyAsync(context.Output, server).ConfigureAwait(false);

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop gracefully below.
            }

            await context.Output.WriteLineAsync("stopping...").ConfigureAwait(false);
            using var deadline = new CancellationTokenSource(ShutdownTimeout);
            await server.StopAsync(deadline.Token).ConfigureAwait(false);
            await context.Output.WriteLineAsync("stopped").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>"sluice on db.example:5432": the database and server of a connection string (never its password).</summary>
    private static string DatabaseName(string? connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Database ?? builder.Username ?? "(default)"} on {builder.Host ?? "localhost"}:{builder.Port}";
    }

    /// <summary>
    /// Why a PostgreSQL connection or migration failed, in one line: PostgreSQL's own message and SQLSTATE
    /// (<c>database "x" does not exist (SQLSTATE 3D000)</c>), or Npgsql's and the socket's (<c>Failed to connect to
    /// 127.0.0.1:1: Connection refused</c>).
    /// </summary>
    private static string DatabaseReason(Exception exception)
    {
        if (exception is Npgsql.PostgresException p)
        {
            return $"{OneLine(p.MessageText)} (SQLSTATE {p.SqlState})";
        }

        var parts = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            var text = OneLine(e.Message);
            if (text.Length > 0 && !parts.Exists(t => t.Contains(text, StringComparison.Ordinal)))
            {
                parts.Add(text);
            }
        }

        return string.Join(": ", parts);
    }

    /// <summary>A message in one line: its lines joined with spaces, without a trailing period.</summary>
    internal static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');

    /// <summary>The message of an invalid setting without the " (Parameter 'Sluice:...')" suffix .NET appends.</summary>
    internal static string SettingMessage(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    /// <summary>
    /// Logs to stderr: Sluice at Information, ASP.NET Core at Warning (no line per request), overridable by the
    /// <c>Logging</c> section of the settings (<c>Logging:LogLevel:Default</c>, ...).
    /// </summary>
    private static ILoggerFactory CreateLoggerFactory(IConfiguration configuration, string format) =>
        LoggerFactory.Create(logging => ConsoleFormat(logging, format)
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("System", LogLevel.Warning)
            // The host logs a failed start (a busy port) with a stack trace; SluiceServer logs start failures itself
            // and serve prints the reason in one line.
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None)
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    internal static async Task WriteBannerAsync(TextWriter output, SluiceServerOptions options, IReadOnlyList<Uri> urls, Uri? resp = null, Uri? grpc = null, string? nodeId = null)
    {
        var durable = string.Equals(options.Store, SluiceServerOptions.MemoryStore, StringComparison.OrdinalIgnoreCase)
            ? "in memory: nothing survives a restart"
            : string.Equals(options.Store, SluiceServerOptions.PostgresStore, StringComparison.OrdinalIgnoreCase)
            ? $"database {DatabaseName(options.ConnectionString)}, cluster node {nodeId}"
            : $"data directory {Path.GetFullPath(options.DataDirectory)}{(options.Fsync ? "" : " (fsync off: a power loss can lose acknowledged messages)")}";
        await output.WriteLineAsync($"Sluice is running, store {options.Store}, {durable}").ConfigureAwait(false);
        foreach (var url in urls)
        {
            var address = url.GetLeftPart(UriPartial.Authority);
            await output.WriteLineAsync($"{address}  REST API, OpenAPI at /openapi/v1.json").ConfigureAwait(false);
        }

        if (grpc is not null)
        {
            await output.WriteLineAsync($"{grpc.GetLeftPart(UriPartial.Authority)}  gRPC (HTTP/2, sluice.v1: docs/grpc.md)").ConfigureAwait(false);
        }

        if (resp is not null)
        {
            await output.WriteLineAsync($"{resp.GetLeftPart(UriPartial.Authority)}  RESP (Redis stream commands)").ConfigureAwait(false);
        }

        await output.WriteLineAsync("Press Ctrl+C to stop.").ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
