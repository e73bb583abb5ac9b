using Microsoft.Extensions.Logging;

namespace Sluice.Worker.Recurring;

/// <summary>The recurring-job scheduler's log messages; event ids 5100-5149 (unique across Sluice; the worker's own are 5000-5099).</summary>
internal static partial class RecurringLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Recurring job {Name} scheduled: {Schedule}")]
    public static partial void Started(ILogger logger, string name, Sluice.Scheduling.CronSchedule schedule);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Recurring job {Name} fired occurrence {Occurrence:O} (idempotency key {Key}; resumed an unconfirmed claim: {Resumed})")]
    public static partial void Fired(ILogger logger, string name, DateTimeOffset occurrence, string key, bool resumed);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Recurring job {Name} skipped the occurrences missed after {From:O} up to {To:O} (misfire policy Skip)")]
    public static partial void Skipped(ILogger logger, string name, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Recurring job {Name} failed; retrying in {Delay}")]
    public static partial void Failed(ILogger logger, Exception exception, string name, TimeSpan delay);
}
