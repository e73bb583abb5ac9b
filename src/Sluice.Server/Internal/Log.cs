using Microsoft.Extensions.Logging;

namespace Sluice.Server.Internal;

/// <summary>
/// Every log event of Sluice.Server. Event ids: 3000-3019 hosting lifecycle, 3500-3519 authentication and the audit log (3510, category Sluice.Audit) (the REST face logs 3020-3039 in Sluice.Faces.Rest, the SQS face 3100-3199).
/// A test keeps the ids unique across assemblies.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Sluice is listening on {Url} (REST API under /v1, OpenAPI at /openapi/v1.json)")]
    public static partial void Listening(ILogger logger, Uri url);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Sluice is listening on {Url} (RESP: Redis stream commands)")]
    public static partial void ListeningResp(ILogger logger, Uri url);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Sluice is listening on {Url} (gRPC: sluice.v1, HTTP/2)")]
    public static partial void ListeningGrpc(ILogger logger, Uri url);

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

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Node {NodeId} joined the cluster (store {Store}); it renews its record every {IntervalSeconds} s")]
    public static partial void NodeJoined(ILogger logger, string nodeId, string store, double intervalSeconds);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Node {NodeId} could not renew its record in the node registry ({Reason}); it keeps trying")]
    public static partial void HeartbeatFailed(ILogger logger, string nodeId, string reason);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Node {NodeId} renews its record in the node registry again")]
    public static partial void HeartbeatRecovered(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Node {NodeId} left the cluster")]
    public static partial void NodeLeft(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 3500, Level = LogLevel.Information, Message = "Created the first admin API key {KeyId}; its text is in {Path} (printed once on the console)")]
    public static partial void AdminKeyCreated(ILogger logger, string keyId, string path);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Warning, Message = "Authentication is OFF (--no-auth, Sluice:Auth:Enabled false): anyone who reaches this server can read, change and delete everything. Use this for local development only")]
    public static partial void AuthOff(ILogger logger);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Error, Message = "Authentication is OFF and the server listens beyond loopback ({Listeners}): anyone on the network can read, change and delete everything. Turn authentication on (remove --no-auth) or listen on 127.0.0.1 only")]
    public static partial void AuthOffExposed(ILogger logger, string listeners);
}
