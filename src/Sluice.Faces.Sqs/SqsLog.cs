using Microsoft.Extensions.Logging;

namespace Sluice.Faces.Sqs;

/// <summary>Log events of the SQS face: event ids 3100-3199.</summary>
internal static partial class SqsLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Error, Message = "Unexpected failure handling SQS action {Action} (request {RequestId})")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string action, string requestId);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "SQS action {Action} refused: {Code} (request {RequestId})")]
    public static partial void ActionRefused(ILogger logger, string action, string code, string requestId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "SQS request refused: {Code} for access key {AccessKey}")]
    public static partial void SignatureRefused(ILogger logger, string code, string accessKey);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "Internal error handling SQS action {Action} (request {RequestId})")]
    public static partial void ActionInternalError(ILogger logger, Exception exception, string action, string requestId);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "SQS action {Action} failed: service unavailable (request {RequestId}): {Detail}")]
    public static partial void ActionUnavailable(ILogger logger, Exception exception, string action, string requestId, string detail);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "SQS action {Action} failed: storage full (request {RequestId}): {Detail}")]
    public static partial void ActionStorageFull(ILogger logger, Exception exception, string action, string requestId, string detail);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "SQS action {Action} failed: storage failed (request {RequestId}): {Detail}")]
    public static partial void ActionStorageFailed(ILogger logger, Exception exception, string action, string requestId, string detail);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "SQS batch entry {Id} failed on the service side: {Code}")]
    public static partial void BatchEntryFailed(ILogger logger, Exception exception, string id, string code);

    /// <summary>
    /// An action answered ServiceUnavailable: logged by what happened, at Warning with the exception (its inner one is
    /// the cause): storage_full (3106), storage_failed (3107), anything else (unavailable: shutting down) 3104.
    /// </summary>
    public static void ServiceFailure(ILogger logger, Exception exception, string action, string requestId)
    {
        switch ((exception as SluiceException)?.ErrorCode)
        {
            case ErrorCodes.StorageFull:
                ActionStorageFull(logger, exception, action, requestId, exception.Message);
                break;
            case ErrorCodes.StorageFailed:
                ActionStorageFailed(logger, exception, action, requestId, exception.Message);
                break;
            default:
                ActionUnavailable(logger, exception, action, requestId, exception.Message);
                break;
        }
    }
}
