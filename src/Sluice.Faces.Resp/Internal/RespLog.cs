using Microsoft.Extensions.Logging;

namespace Sluice.Faces.Resp.Internal;

/// <summary>Log events of the RESP face: event ids 3200-3219.</summary>
internal static partial class RespLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Error, Message = "RESP command {Command} failed unexpectedly (client {ClientId}); answered with an error")]
    public static partial void CommandFailed(ILogger logger, Exception exception, string command, long clientId);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning,
        Message = "RESP client {ClientId} ({Address}) closed: {PendingBytes} reply bytes pending pass MaxOutputBufferBytes {Limit}")]
    public static partial void OutputBufferOverrun(ILogger logger, long clientId, string? address, long pendingBytes, long limit);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "RESP command {Command} failed (client {ClientId}): {ErrorCode}")]
    public static partial void ServiceFailure(ILogger logger, Exception exception, string command, long clientId, string errorCode);
}
