using Sluice.Storage.Log.Files;

namespace Sluice.Storage.Log;

/// <summary>Options of the log-structured store (<see cref="LogMessageStore"/>).</summary>
public sealed record LogStoreOptions
{
    /// <summary>Directory of the store's segments and checkpoints (created when missing). Required.</summary>
    public required string Directory { get; init; }

    /// <summary>fsync each group commit before acknowledging the operations in it. Default <see langword="true"/>.</summary>
    public bool Fsync { get; init; } = true;

    /// <summary>Segment size in bytes. Default 64 MiB.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Log bytes written since the last checkpoint that start a new one (and compaction after it), or the last
    /// checkpoint's size when that is larger (a deep backlog's state is not rewritten more often than the log grows by as
    /// much). Default 256 MiB. A checkpoint also starts sooner when the disk is filling up, and when the segments hold at least two segments, a
    /// quarter of this and a checkpoint's size more than the live message bodies (consumers drained a backlog).
    /// </summary>
    public long CheckpointBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Open despite damage in the middle of the log (skip and report it). Default <see langword="false"/>: refuse to start.</summary>
    public bool Salvage { get; init; }

    /// <summary>
    /// Free disk space kept for receives, acks and deletes once publishes are refused for a full disk, in bytes. Default
    /// 64 MiB. The store keeps more when a drain needs it: a segment plus three times the newest checkpoint's size.
    /// </summary>
    public long ReserveBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The file layer (tests put a fault-injecting one here). Default <see cref="PhysicalFileSystem.Instance"/>.</summary>
    public IStorageFileSystem FileSystem { get; init; } = PhysicalFileSystem.Instance;
}
