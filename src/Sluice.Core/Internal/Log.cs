using Microsoft.Extensions.Logging;

namespace Sluice.Internal;

/// <summary>
/// Every log event of Sluice.Core. Event ids: 1000-1099 broker lifecycle, 1100-1199 redrive and the dead-letter workspace, 1200-1299 sweeper, 1300-1399 receive attempts.
/// A test keeps the ids unique across assemblies.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Broker started on {Store}")]
    public static partial void Started(ILogger logger, string store);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Redrive {Id} started from {DeadLetterQueue} to {Destination} at {MaxPerSecond}/s")]
    public static partial void RedriveStarted(ILogger logger, string id, string deadLetterQueue, string destination, int maxPerSecond);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Redrive {Id} stopped: {State}, {Moved} moved")]
    public static partial void RedriveStopped(ILogger logger, string id, RedriveState state, long moved);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Redrive {Id} failed")]
    public static partial void RedriveFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Redrive {Id} of {DeadLetterQueue} resumed on this node ({Moved} moved before): its runner's lease had expired")]
    public static partial void RedriveResumed(ILogger logger, string id, string deadLetterQueue, long moved);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Looking for redrive tasks to resume failed; it retries at the next sweep interval")]
    public static partial void RedriveResumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Redrive {Id}: the store failed for now ({Reason}); the task retries at the next second")]
    public static partial void RedriveStepRetried(ILogger logger, string id, string reason);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Dead-letter group {GroupId} of {Queue}: {Action} to {Destination} {Outcome}, changed {Affected} messages ({Leased} leased and {Unmovable} unmovable skipped)")]
    public static partial void DeadLetterGroupActed(ILogger logger, string groupId, string queue, DeadLetters.DeadLetterGroupAction action, string destination, string outcome, long affected, long leased, long unmovable);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Dead-letter group {GroupId} of {Queue}: {Action} to {Destination} started")]
    public static partial void DeadLetterGroupActionStarted(ILogger logger, string groupId, string queue, DeadLetters.DeadLetterGroupAction action, string destination);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "Sweeper deleted {Count} messages past retention")]
    public static partial void Swept(ILogger logger, long count);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "Maintenance sweep runs on this node {Node}: it holds the cluster's maintenance lease")]
    public static partial void MaintenanceHeld(ILogger logger, string node);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Debug, Message = "Maintenance sweep skipped on this node {Node}: node {Holder} holds the cluster's maintenance lease")]
    public static partial void MaintenanceSkipped(ILogger logger, string node, string holder);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Sweeper failed; it retries at the next interval")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "A receive attempt on {Queue} was not remembered; a retry of it is a fresh receive")]
    public static partial void AttemptNotRemembered(ILogger logger, string queue, Exception exception);
}
