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

    [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "SQS batch entry {Id} failed on the service side: {Code}")]
    public static partial void BatchEntryFailed(ILogger logger, Exception exception, string id, string code);
}
