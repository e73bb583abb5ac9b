using Microsoft.Extensions.Logging;

namespace Sluice.Faces.Rest;

/// <summary>Log events of the REST face: event ids 3020-3039. A test keeps the ids unique across assemblies.</summary>
internal static partial class RestLog
{
    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "Unexpected failure handling {Method} {Path} (trace {TraceId})")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method, string path, string traceId);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Debug, Message = "Request {Method} {Path} refused: {Code} ({Field})")]
    public static partial void RequestRefused(ILogger logger, string method, string path, string code, string? field);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Error, Message = "Internal error handling {Method} {Path} (trace {TraceId})")]
    public static partial void RequestInternalError(ILogger logger, Exception exception, string method, string path, string traceId);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning, Message = "Request {Method} {Path} failed: service unavailable (trace {TraceId}): {Detail}")]
    public static partial void RequestUnavailable(ILogger logger, Exception exception, string method, string path, string traceId, string detail);
}
