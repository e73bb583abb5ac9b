using Sluice.Storage.Log.Files;

namespace Sluice.Storage.Log.Segments;

/// <summary>A place in the log: segment number and byte offset of a record's first byte (or of the byte after a record). Ordered by segment, then offset.</summary>
/// <param name="Segment">Segment number (1, 2, ...; never reused).</param>
/// <param name="Offset">Byte offset in that segment.</param>
public readonly record struct LogPosition(long Segment, long Offset) : IComparable<LogPosition>
{
    /// <summary>Before the first record of the first segment.</summary>
    public static LogPosition Start { get; } = new(1, 0);

    /// <inheritdoc />
    public int CompareTo(LogPosition other) => Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    /// <summary>Orders positions.</summary>
    public static bool operator <(LogPosition left, LogPosition right) => left.CompareTo(right) < 0;

    /// <summary>Orders positions.</summary>
    public static bool operator >(LogPosition left, LogPosition right) => left.CompareTo(right) > 0;

    /// <summary>Orders positions.</summary>
    public static bool operator <=(LogPosition left, LogPosition right) => left.CompareTo(right) <= 0;

    /// <summary>Orders positions.</summary>
    public static bool operator >=(LogPosition left, LogPosition right) => left.CompareTo(right) >= 0;
}

/// <summary>Which disk space a record may use.</summary>
public enum LogSpace
{
    /// <summary>A record that grows the data (publish, create): refused with storage_full once free space falls to the reserve.</summary>
    Grow = 0,

    /// <summary>A record that lets consumers drain (receive, ack, nack, delete, purge): may use the reserve, so a full disk still drains.</summary>
    Drain = 1,
}

/// <summary>Options of a <see cref="SegmentLog"/>.</summary>
public sealed record SegmentLogOptions
{
    /// <summary>Size at which a segment is closed and the next one started, in bytes (a larger record gets a segment of its own). Default 64 MiB.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Whether a group is fsynced before its waiters complete. Default <see langword="true"/>; <see langword="false"/>: a power loss may lose the last groups, a process crash does not.</summary>
    public bool Fsync { get; init; } = true;

    /// <summary>Open despite damage in the middle of the log: skip what cannot be read, report it, and go on. Default <see langword="false"/> (refuse to open).</summary>
    public bool Salvage { get; init; }

    /// <summary>Free disk space kept for <see cref="LogSpace.Drain"/> records, in bytes. Default 64 MiB.</summary>
    public long ReserveBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>What recovery found and did; <see cref="Findings"/> is empty for a clean log.</summary>
public sealed record LogRecoveryReport
{
    /// <summary>Records handed to the replay handler.</summary>
    public long RecordsReplayed { get; init; }

    /// <summary>Segments read.</summary>
    public int SegmentsRead { get; init; }

    /// <summary>Bytes cut from the tail (a torn or unfinished last write); 0 when none.</summary>
    public long BytesCut { get; init; }

    /// <summary>One line per thing cut or skipped (file, offset, why), for the server's log.</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];
}

/// <summary>The log cannot be opened as it is: a damaged record in the middle, a missing segment, an unreadable checkpoint. The message names the file, the offset and the way out (<see cref="SegmentLogOptions.Salvage"/>).</summary>
public sealed class LogCorruptException(string message) : Exception(message);

/// <summary>Receives one record during recovery, in log order.</summary>
/// <param name="position">Where the record starts.</param>
/// <param name="type">The record's type byte (the store's own codes).</param>
/// <param name="payload">The record's payload (valid only during the call).</param>
public delegate void LogRecordHandler(LogPosition position, byte type, ReadOnlySpan<byte> payload);

/// <summary>
/// The append-only log: numbered segment files of checksummed records, written by one writer with group commit (one
/// fsync covers every record appended since the last one). Callers serialize <see cref="Reserve"/> and
/// <see cref="Append"/> under their own lock (the order of appends is the log's order), then wait for durability
/// outside it with <see cref="WaitDurableAsync"/>. A write or fsync failure fails every waiter and the log (every later
/// call throws storage_failed): the caller's in-memory state is then ahead of the disk and the store must be reopened.
/// </summary>
public sealed class SegmentLog : IAsyncDisposable
{
    /// <summary>Bytes of framing before each record's payload (so a payload byte at index i is at record start + <see cref="HeaderBytes"/> + i).</summary>
    public const int HeaderBytes = 16;

    private SegmentLog() => throw new NotImplementedException("seam: the segments helper implements this");

    /// <summary>
    /// Opens (creating when new) the log in <paramref name="directory"/> and replays every record at or after
    /// <paramref name="replayFrom"/> into <paramref name="replay"/>, in order. A torn or unfinished record at the tail is
    /// cut (and reported); a damaged record followed by good ones, or a missing segment, throws
    /// <see cref="LogCorruptException"/> unless <see cref="SegmentLogOptions.Salvage"/>.
    /// </summary>
    public static SegmentLog Open(IStorageFileSystem fileSystem, string directory, SegmentLogOptions options, LogPosition replayFrom, LogRecordHandler replay, out LogRecoveryReport report) =>
        throw new NotImplementedException("seam");

    /// <summary>Where the next record starts.</summary>
    public LogPosition Tail => throw new NotImplementedException("seam");

    /// <summary>The end of the durable part of the log (everything before it survived an fsync).</summary>
    public LogPosition DurableTail => throw new NotImplementedException("seam");

    /// <summary>
    /// Makes room for a record of <paramref name="payloadBytes"/> (rolling to a new segment when it does not fit) and
    /// returns where it will start; the next <see cref="Append"/> of that size lands there. Writes nothing.
    /// </summary>
    /// <exception cref="SluiceException">storage_full (transient) for <see cref="LogSpace.Grow"/> when free space is at the reserve; storage_failed after a write failure.</exception>
    public LogPosition Reserve(int payloadBytes, LogSpace space) => throw new NotImplementedException("seam");

    /// <summary>Appends a record (copying the payload) after <see cref="Reserve"/>; returns the position after it: wait for that with <see cref="WaitDurableAsync"/>.</summary>
    public LogPosition Append(byte type, ReadOnlySpan<byte> payload) => throw new NotImplementedException("seam");

    /// <summary>Completes when everything before <paramref name="end"/> is durable (written, and fsynced when <see cref="SegmentLogOptions.Fsync"/>).</summary>
    /// <exception cref="SluiceException">storage_failed when the write or the fsync failed.</exception>
    public ValueTask WaitDurableAsync(LogPosition end, CancellationToken cancellationToken = default) => throw new NotImplementedException("seam");

    /// <summary>Reads appended bytes at <paramref name="position"/> (durable or not yet written), for bodies. Thread-safe.</summary>
    /// <exception cref="SluiceException">storage_failed when the bytes cannot be read (a deleted segment, an I/O error).</exception>
    public void Read(LogPosition position, Span<byte> destination) => throw new NotImplementedException("seam");

    /// <summary>The segment numbers present, ascending.</summary>
    public IReadOnlyList<long> Segments => throw new NotImplementedException("seam");

    /// <summary>Bytes appended since <paramref name="position"/> (for deciding when to checkpoint).</summary>
    public long BytesSince(LogPosition position) => throw new NotImplementedException("seam");

    /// <summary>Deletes every segment numbered below <paramref name="segment"/> (never the current one), durably. For compaction, after a checkpoint covers them.</summary>
    public void DeleteSegmentsBefore(long segment) => throw new NotImplementedException("seam");

    /// <inheritdoc />
    public ValueTask DisposeAsync() => throw new NotImplementedException("seam");
}

/// <summary>
/// Checkpoints: the store's whole state as of a log position, so that recovery reads the newest checkpoint and replays
/// only the log after it. Written to a temporary file, fsynced, renamed into place and the directory fsynced; the
/// previous checkpoint is deleted only after that. The content carries a checksum verified on read.
/// </summary>
public static class Checkpoints
{
    /// <summary>Writes a checkpoint covering the log up to <paramref name="covers"/>; <paramref name="writeState"/> writes the state into the stream.</summary>
    public static void Write(IStorageFileSystem fileSystem, string directory, LogPosition covers, Action<Stream> writeState) =>
        throw new NotImplementedException("seam");

    /// <summary>The newest checkpoint's state (checksum verified), or <see langword="null"/> when there is none.</summary>
    /// <exception cref="LogCorruptException">The newest checkpoint is damaged (unless salvage falls back to an older one).</exception>
    public static Stream? ReadLatest(IStorageFileSystem fileSystem, string directory, bool salvage, out LogPosition covers) =>
        throw new NotImplementedException("seam");
}
