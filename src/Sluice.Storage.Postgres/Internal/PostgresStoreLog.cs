using Microsoft.Extensions.Logging;

namespace Sluice.Storage.Postgres.Internal;

/// <summary>Every log event of Sluice.Storage.Postgres. Event ids 6100-6199 (a test keeps ids unique across assemblies).</summary>
internal static partial class PostgresStoreLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Warning, Message = "PostgreSQL change feed: the listener's connection on channel {Channel} failed (attempt {Failures} since it last listened); reconnecting")]
    public static partial void FeedConnectionLost(ILogger logger, Exception exception, string channel, int failures);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "PostgreSQL change feed: listening on channel {Channel} again; every waiter of this node looks again (notifications sent meanwhile were lost)")]
    public static partial void FeedListening(ILogger logger, string channel);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "PostgreSQL change feed: sending {Changes} changes on channel {Channel} failed; they are sent again after a backoff")]
    public static partial void FeedSendFailed(ILogger logger, Exception exception, string channel, int changes);
}
