using Microsoft.Extensions.Logging;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>Every log event of the gRPC face: event ids 3300-3319 (a test keeps ids unique across assemblies).</summary>
internal static partial class GrpcLog
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Error, Message = "gRPC call {Method} failed unexpectedly; answered INTERNAL")]
    public static partial void CallFailed(ILogger logger, Exception exception, string method);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "gRPC call {Method} failed: {ErrorCode}")]
    public static partial void ServiceFailure(ILogger logger, Exception exception, string method, string errorCode);
}
