using Microsoft.Extensions.Logging;

namespace Sluice.Server.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "Sluice is not ready: {Reason}")]
    public static partial void NotReady(ILogger logger, string reason);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Information, Message = "Exporting traces and metrics over OTLP ({Protocol}) to {Endpoint}")]
    public static partial void ExportingOtlp(ILogger logger, string protocol, string endpoint);
}
