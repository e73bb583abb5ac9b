using Microsoft.Extensions.Logging;

namespace Sluice.Server.Internal;

/// <summary>
/// Every log event of Sluice.Server. Event ids: 3000-3019 hosting lifecycle, 3020-3039 REST face.
/// A test keeps the ids unique across assemblies.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Sluice is listening on {Url} (REST API under /v1, OpenAPI at /openapi/v1.json)")]
    public static partial void Listening(ILogger logger, Uri url);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Sluice is listening on {Url} (RESP: Redis stream commands)")]
    public static partial void ListeningResp(ILogger logger, Uri url);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Opened the {Store} store at {Location}")]
    public static partial void StoreOpened(ILogger logger, string store, string location);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Sluice is stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Sluice stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Sluice failed to start")]
    public static partial void StartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Sluice did not start: {Reason}")]
    public static partial void StartRefused(ILogger logger, Exception exception, string reason);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "Unexpected failure handling {Method} {Path} (trace {TraceId})")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method, string path, string traceId);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Debug, Message = "Request {Method} {Path} refused: {Code} ({Field})")]
    public static partial void RequestRefused(ILogger logger, string method, string path, string code, string? field);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Error, Message = "Internal error handling {Method} {Path} (trace {TraceId})")]
    public static partial void RequestInternalError(ILogger logger, Exception exception, string method, string path, string traceId);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning, Message = "Request {Method} {Path} failed: service unavailable (trace {TraceId}): {Detail}")]
    public static partial void RequestUnavailable(ILogger logger, Exception exception, string method, string path, string traceId, string detail);
}
