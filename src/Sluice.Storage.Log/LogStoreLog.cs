using Microsoft.Extensions.Logging;

namespace Sluice.Storage.Log;

/// <summary>Every log event of Sluice.Storage.Log. Event ids 6000-6099 (a test keeps ids unique across assemblies).</summary>
internal static partial class LogStoreLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Log store {Directory} opened: {Records} records replayed from {Segments} segments, {BytesCut} bytes cut")]
    public static partial void Recovered(ILogger logger, string directory, long records, int segments, long bytesCut);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Log store {Directory} recovery: {Finding}")]
    public static partial void RecoveryFinding(ILogger logger, string directory, string finding);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Log store replay: the record at segment {Segment} offset {Offset} (type {Type}) failed; it is skipped")]
    public static partial void ReplayFailed(ILogger logger, Exception exception, long segment, long offset, byte type);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Body of message {Sequence} in queue {Queue} (segment {Segment} offset {Offset}, {Length} bytes) cannot be read; it is not delivered, and dead-letters after the queue's max receive count")]
    public static partial void BodyUnreadable(ILogger logger, Exception exception, string queue, long sequence, long segment, long offset, int length);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Log store {Directory}: checkpoint at segment {Segment} offset {Offset} ({Bytes} bytes; calls waited {PauseMs} ms while the state was written)")]
    public static partial void Checkpointed(ILogger logger, string directory, long segment, long offset, long bytes, long pauseMs);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Log store {Directory}: checkpoint or compaction failed; it is retried after more log")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Log store {Directory}: compaction moved {Bodies} bodies ({Bytes} bytes) and deleted the segments before {Segment}")]
    public static partial void Compacted(ILogger logger, string directory, long bodies, long bytes, long segment);
}
