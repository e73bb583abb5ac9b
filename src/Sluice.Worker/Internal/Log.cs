using Microsoft.Extensions.Logging;

namespace Sluice.Worker.Internal;

/// <summary>The worker's log messages; event ids 5000-5099 (unique across Sluice).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Worker {Worker} consuming {Queue} (concurrency {Concurrency}, prefetch {Prefetch}, lease {Lease})")]
    public static partial void Consuming(ILogger logger, string worker, string queue, int concurrency, int prefetch, TimeSpan lease);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Job {JobId} ({JobType}) attempt {Attempt} failed; retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, Exception exception, Guid jobId, string jobType, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Job {JobId} ({JobType}) dead-lettered after attempt {Attempt}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, Guid jobId, string jobType, int attempt, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Job {JobId} lost its lease on {Queue} ({Code}): its token was cancelled, another worker may run it")]
    public static partial void LeaseLost(ILogger logger, Guid jobId, string queue, string code);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Job {JobId} ({JobType}): its completion was refused ({Code}): the lease was lost, so another worker owns the job; not retried")]
    public static partial void CompletionRefused(ILogger logger, Guid jobId, string jobType, string code);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Heartbeat of {Queue} failed (will retry): {Message}")]
    public static partial void HeartbeatFailed(ILogger logger, string queue, string message);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Job status could not be written: {Message}")]
    public static partial void StatusFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Shutdown: {Count} job(s) still running after {Timeout}: cancelled; each is released to other workers once its handler ends")]
    public static partial void Released(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Consuming {Queue} failed; retrying in {Delay}")]
    public static partial void ConsumeFailed(ILogger logger, Exception exception, string queue, TimeSpan delay);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Debug, Message = "Job {JobId} waits: {Reason}")]
    public static partial void Waiting(ILogger logger, Guid jobId, string reason);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "Settling job {JobId} failed")]
    public static partial void SettleFailed(ILogger logger, Exception exception, Guid jobId);
}
