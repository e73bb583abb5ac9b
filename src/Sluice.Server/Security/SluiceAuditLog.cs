using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sluice.Security;

namespace Sluice.Server.Security;

/// <summary>
/// The audit log of administrative actions (creating, changing, purging and deleting queues, topics, subscriptions,
/// streams and consumer groups; dead-letter actions and redrives; API keys): who (principal id and name), what (action
/// and resource), when (UTC) and the outcome. Each entry goes to the log category <c>Sluice.Audit</c> (event 3510) and,
/// when a file is configured (<c>Sluice:Auth:AuditLog</c>), is appended to it as one JSON line:
/// <c>{"time":"2026-12-02T03:00:00Z","principalId":"3f2a...","principalName":"admin","action":"DeleteQueue","resource":"jobs","outcome":"succeeded","status":204}</c>.
/// Thread-safe.
/// </summary>
public sealed partial class SluiceAuditLog : IDisposable
{
    /// <summary>The log category of the entries.</summary>
    public const string Category = "Sluice.Audit";

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly FileStream? _file;

    /// <summary>Creates the audit log.</summary>
    /// <param name="loggerFactory">Where the <c>Sluice.Audit</c> category logs.</param>
    /// <param name="path">The file to append to (created when missing, mode 0600 on Unix), or null for none.</param>
    /// <param name="time">The clock of the entries.</param>
    /// <exception cref="IOException">The file cannot be opened for appending.</exception>
    public SluiceAuditLog(ILoggerFactory loggerFactory, string? path, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(time);
        _logger = loggerFactory.CreateLogger(Category);
        _time = time;
        if (path is not null)
        {
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            _file = new FileStream(path, options);
        }
    }

    /// <summary>The file entries are appended to, or null.</summary>
    public string? Path => _file?.Name;

    /// <summary>Records one administrative action.</summary>
    /// <param name="principal">Who acted; null when authentication is off (recorded as <c>anonymous</c>).</param>
    /// <param name="action">What was done, such as <c>CreateQueue</c> or <c>RevokeApiKey</c>.</param>
    /// <param name="resource">The queue, topic, stream or key id acted on, or null.</param>
    /// <param name="outcome"><c>succeeded</c>, <c>denied</c> or <c>failed</c>.</param>
    /// <param name="status">The HTTP status answered (or 0 when not over HTTP).</param>
    public void Record(SluicePrincipal? principal, string action, string? resource, string outcome, int status)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(outcome);
        var id = principal?.Id ?? "anonymous";
        var name = principal?.Name ?? "anonymous";
        AdminAction(_logger, id, name, action, resource ?? "", outcome, status);
        if (_file is null)
        {
            return;
        }

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", _time.GetUtcNow().UtcDateTime);
            json.WriteString("principalId", id);
            json.WriteString("principalName", name);
            json.WriteString("action", action);
            json.WriteString("resource", resource);
            json.WriteString("outcome", outcome);
            json.WriteNumber("status", status);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (_lock)
        {
            _file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            _file.Flush();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file?.Dispose();

    [LoggerMessage(EventId = 3510, Level = LogLevel.Information,
        Message = "Audit: {PrincipalName} ({PrincipalId}) {Action} {Resource}: {Outcome} ({Status})")]
    private static partial void AdminAction(ILogger logger, string principalId, string principalName, string action, string resource, string outcome, int status);
}
