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

    [LoggerMessage(EventId = 3024, Level = LogLevel.Warning, Message = "Request {Method} {Path} failed: storage full (trace {TraceId}): {Detail}")]
    public static partial void RequestStorageFull(ILogger logger, Exception exception, string method, string path, string traceId, string detail);

    [LoggerMessage(EventId = 3025, Level = LogLevel.Warning, Message = "Request {Method} {Path} failed: storage failed (trace {TraceId}): {Detail}")]
    public static partial void RequestStorageFailed(ILogger logger, Exception exception, string method, string path, string traceId, string detail);

    /// <summary>
    /// A request the service could not serve for a transient reason of its own: unavailable (3023), storage_full (3024)
    /// or storage_failed (3025), each under its own event, at Warning, with the exception (its inner one is the cause).
    /// </summary>
    public static void ServiceFailure(ILogger logger, SluiceException exception, string method, string path, string traceId)
    {
        switch (exception.ErrorCode)
        {
            case ErrorCodes.StorageFull:
                RequestStorageFull(logger, exception, method, path, traceId, exception.Message);
                break;
            case ErrorCodes.StorageFailed:
                RequestStorageFailed(logger, exception, method, path, traceId, exception.Message);
                break;
            default:
                RequestUnavailable(logger, exception, method, path, traceId, exception.Message);
                break;
        }
    }
}
