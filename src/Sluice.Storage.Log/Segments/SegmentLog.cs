using System.Buffers.Binary;
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

    /// <summary>
    /// A compaction move (live bodies copied out of mostly-dead segments): may fill the current segment's preallocated
    /// room even when a drain opened it from the reserve (no new disk space), but opens a new segment only as
    /// <see cref="Grow"/> does.
    /// </summary>
    Move = 2,
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
/// <remarks>
/// Layout: <c>{directory}/identity</c> (store id and salt, checksummed) and <c>{directory}/segments/NNNNNNNNNNNNNNNNNNNN.log</c>
/// (20-digit segment numbers, contiguous). Records are framed as a 16-byte header (payload length u32, type, three zero
/// bytes, XxHash3-64 checksum of length, type and payload) and the payload. Segments are preallocated (fallocate, file
/// length unchanged), so writes inside one cannot fail for lack of space. A roll makes the new segment's directory entry
/// durable, then ends the old segment with a continuation record naming the new one, so a deleted newest segment is
/// found at recovery (the last segment present ends with a continuation). One writer thread takes everything appended
/// since its last pass (the group), writes it with one write per segment, fsyncs once, then completes the group's one
/// shared completion.
/// </remarks>
public sealed partial class SegmentLog : IAsyncDisposable
{
    /// <summary>Bytes of framing before each record's payload (so a payload byte at index i is at record start + <see cref="HeaderBytes"/> + i).</summary>
    public const int HeaderBytes = 16;

    /// <summary>The type of the log's own record that ends every segment but the last: the next segment's number (int64). Never passed to replay; <see cref="Append"/> refuses it.</summary>
    internal const byte ContinuationType = 255;

    private const int ContinuationBytes = HeaderBytes + sizeof(long);

    private const string SegmentsDirectoryName = "segments";
    private const string IdentityFileName = "identity";

    private readonly IStorageFileSystem _fs;
    private readonly string _directory;
    private readonly string _segmentsDirectory;
    private readonly SegmentLogOptions _options;

    // Guards everything below; the writer waits on it (Monitor.Wait) for work.
    private readonly object _gate = new();
    private readonly SortedDictionary<long, Segment> _segments = [];
    private readonly Stack<Chunk> _freeChunks = new();
    private List<Chunk> _pending = [];
    private static readonly List<Chunk> NoChunks = [];
    private List<Chunk> _inflight = NoChunks;
    private Segment? _current;
    private LogPosition _tail;
    private LogPosition _written;
    private LogPosition _durable;
    private LogPosition _inflightEnd;
    private TaskCompletionSource? _inflightGroup;
    private TaskCompletionSource? _nextGroup;
    private bool _writerWaiting;
    private bool _disposing;
    private SluiceException? _failure;
    private long _reserveBytes;
    private long _lowSpaceRolls;
    private Thread? _writer;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SegmentLog(IStorageFileSystem fileSystem, string directory, SegmentLogOptions options)
    {
        _fs = fileSystem;
        _directory = directory;
        _segmentsDirectory = Path.Combine(directory, SegmentsDirectoryName);
        _options = options;
        _reserveBytes = options.ReserveBytes;
    }

    private long AvailableBytes()
    {
        try
        {
            return _fs.AvailableBytes(_segmentsDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StoreErrors.StorageFailed(e);
        }
    }

    /// <summary>
    /// Opens (creating when new) the log in <paramref name="directory"/> and replays every record at or after
    /// <paramref name="replayFrom"/> into <paramref name="replay"/>, in order. A torn or unfinished record at the tail is
    /// cut (and reported); a damaged record followed by good ones, or a missing segment, throws
    /// <see cref="LogCorruptException"/> unless <see cref="SegmentLogOptions.Salvage"/>.
    /// </summary>
    /// <param name="fileSystem">The file layer.</param>
    /// <param name="directory">The log's directory (created when missing): it holds the identity file and the <c>segments</c> directory.</param>
    /// <param name="options">Segment size, fsync, salvage, reserve.</param>
    /// <param name="replayFrom">The first record to replay (the position a checkpoint covers), or <see cref="LogPosition.Start"/>.</param>
    /// <param name="replay">Called once per record, in order, on the calling thread.</param>
    /// <param name="report">What recovery found, cut and skipped.</param>
    /// <exception cref="LogCorruptException">Damage in the middle of the log, a missing segment, an identity file without segments (or segments with records without one), a damaged identity file, or a <paramref name="replayFrom"/> past the log's end.</exception>
    /// <exception cref="SluiceException">storage_full when a new log's first segment cannot be preallocated; storage_failed on an I/O error.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SegmentLogOptions.SegmentBytes"/> under 4,096 or a negative <see cref="SegmentLogOptions.ReserveBytes"/>.</exception>
    public static SegmentLog Open(IStorageFileSystem fileSystem, string directory, SegmentLogOptions options, LogPosition replayFrom, LogRecordHandler replay, out LogRecoveryReport report)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(replay);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SegmentBytes, 4096, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ReserveBytes, nameof(options));
        var log = new SegmentLog(fileSystem, directory, options);
        try
        {
            report = log.Recover(replayFrom, replay);
        }
        catch (Exception e)
        {
            log.CloseFiles();
            if (e is IOException or UnauthorizedAccessException)
                throw fileSystem.IsDiskFull(e) ? StoreErrors.StorageFull(e) : StoreErrors.StorageFailed(e);
            throw;
        }

        log.StartWriter();
        return log;
    }

    /// <summary>This store's id, random at creation and kept in the identity file.</summary>
    public Guid StoreId { get; private set; }

    /// <summary>A random 64-bit value made when the log was created and kept in its identity file (the same on every open), for deriving ids that differ between stores.</summary>
    public ulong Salt { get; private set; }

    /// <summary>Where the next record starts.</summary>
    public LogPosition Tail
    {
        get
        {
            lock (_gate)
                return _tail;
        }
    }

    /// <summary>The end of the durable part of the log (everything before it survived an fsync).</summary>
    public LogPosition DurableTail
    {
        get
        {
            lock (_gate)
                return _durable;
        }
    }

    /// <summary>
    /// Free disk space kept for <see cref="LogSpace.Drain"/> records, in bytes: <see cref="SegmentLogOptions.ReserveBytes"/>
    /// at open; the store raises it to what a drain and the checkpoint after it need (a segment and the checkpoint's size).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public long ReserveBytes
    {
        get => Volatile.Read(ref _reserveBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref _reserveBytes, value);
        }
    }

    /// <summary>Segments opened that left less than twice <see cref="ReserveBytes"/> free (a count that only grows): the disk is filling up, time to checkpoint and compact.</summary>
    public long LowSpaceRolls => Interlocked.Read(ref _lowSpaceRolls);

    /// <summary>The segment numbers present, ascending.</summary>
    public IReadOnlyList<long> Segments
    {
        get
        {
            lock (_gate)
                return [.. _segments.Keys];
        }
    }

    /// <summary>
    /// Makes room for a record of <paramref name="payloadBytes"/> (rolling to a new segment when it does not fit) and
    /// returns where it will start; the next <see cref="Append"/> of that size lands there. Writes nothing but, at a roll, the old segment's continuation record.
    /// </summary>
    /// <remarks>
    /// A roll creates and preallocates the next segment (<see cref="SegmentLogOptions.SegmentBytes"/>, or the record's
    /// size when larger). For <see cref="LogSpace.Grow"/> it is refused when the free space left after it would be
    /// below <see cref="ReserveBytes"/>; <see cref="LogSpace.Drain"/> may use the reserve, and a segment so opened takes
    /// no <see cref="LogSpace.Grow"/> record until free space is back at the reserve.
    /// </remarks>
    /// <exception cref="SluiceException">storage_full (transient) for <see cref="LogSpace.Grow"/> when free space is at the reserve (or for either when the disk is full); storage_failed after a write failure.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative payload size or one over 1 GiB.</exception>
    public LogPosition Reserve(int payloadBytes, LogSpace space)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadBytes, RecordFrame.MaxPayloadBytes);
        long size = HeaderBytes + payloadBytes;
        long next;
        lock (_gate)
        {
            ThrowIfUnusable();
            if (Fits(size))
            {
                if (space != LogSpace.Grow || !_current!.FromReserve)
                    return _tail;
                next = 0;
            }
            else
            {
                next = _tail.Segment + 1;
            }
        }

        if (next == 0)
        {
            // The current segment was opened from the reserve (by a receive or an ack when the disk was full): its room is
            // for draining records only, until free space is back above the reserve (compaction deleted segments).
            var available = AvailableBytes();
            if (available < ReserveBytes)
            {
                throw StoreErrors.StorageFull(new IOException(
                    $"the log's current segment was opened from the disk space reserved for receives, acks and deletes, and '{_segmentsDirectory}' has " +
                    $"{available} bytes free, below the reserve of {ReserveBytes} bytes: publishes resume once consumers drain and compaction frees segments"));
            }

            lock (_gate)
            {
                ThrowIfUnusable();
                _current!.FromReserve = false;
                return _tail;
            }
        }

        var segment = CreateSegment(next, Math.Max(_options.SegmentBytes, size + ContinuationBytes), space);
        lock (_gate)
        {
            if (_failure is not null || _disposing || _tail.Segment + 1 != next)
            {
                segment.File.Dispose();
                ThrowIfUnusable();
                throw new InvalidOperationException("Reserve and Append must be serialized by the caller");
            }

            // The old segment ends with a record naming the new one (its directory entry is durable already, see
            // CreateSegment): recovery then knows that a log whose last segment ends so lost its newest segment.
            Span<byte> continuation = stackalloc byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(continuation, next);
            AppendUnderGate(ContinuationType, continuation);
            _segments.Add(next, segment);
            _current = segment;
            _tail = new LogPosition(next, 0);
            return _tail;
        }
    }

    /// <summary>Appends a record (copying the payload) after <see cref="Reserve"/>; returns the position after it: wait for that with <see cref="WaitDurableAsync"/>.</summary>
    /// <remarks>Without a <see cref="Reserve"/> of that size first, a record that does not fit rolls as <see cref="LogSpace.Drain"/> would.</remarks>
    /// <exception cref="SluiceException">storage_failed after a write failure (storage_full only when the record needed a roll that failed).</exception>
    public LogPosition Append(byte type, ReadOnlySpan<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, RecordFrame.MaxPayloadBytes, nameof(payload));
        if (type == ContinuationType)
            throw new ArgumentOutOfRangeException(nameof(type), type, $"record type {ContinuationType} is the log's own (a segment's continuation record)");
        var size = HeaderBytes + payload.Length;
        while (true)
        {
            lock (_gate)
            {
                ThrowIfUnusable();
                if (Fits(size))
                    return AppendUnderGate(type, payload);
            }

            Reserve(payload.Length, LogSpace.Drain);
        }
    }

    private LogPosition AppendUnderGate(byte type, ReadOnlySpan<byte> payload)
    {
        var size = HeaderBytes + payload.Length;
        var chunk = ChunkAtTail(size);
        RecordFrame.Write(chunk.Buffer.AsSpan(chunk.Count, size), type, payload, Salt, _tail);
        chunk.Count += size;
        chunk.Records++;
        _tail = new LogPosition(_tail.Segment, _tail.Offset + size);
        _current!.End = _tail.Offset;
        if (_writerWaiting)
        {
            _writerWaiting = false;
            Monitor.Pulse(_gate);
        }

        return _tail;
    }

    /// <summary>Completes when everything before <paramref name="end"/> is durable (written, and fsynced when <see cref="SegmentLogOptions.Fsync"/>).</summary>
    /// <remarks>Already durable: completes synchronously without allocating. Otherwise every waiter of a group shares one completion.</remarks>
    /// <exception cref="SluiceException">storage_failed when the write or the fsync failed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="end"/> is past <see cref="Tail"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (the record stays in the log and may still become durable).</exception>
    public ValueTask WaitDurableAsync(LogPosition end, CancellationToken cancellationToken = default)
    {
        Task task;
        lock (_gate)
        {
            // The start of a segment is the end of the one before (where a roll left the tail): wait for that.
            if (end.Offset == 0 && end > _durable && _segments.TryGetValue(end.Segment - 1, out var previous))
                end = new LogPosition(end.Segment - 1, previous.End);
            if (end <= _durable)
                return default;
            if (_failure is not null)
                return ValueTask.FromException(_failure);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(end, _tail);
            var group = end <= _inflightEnd
                ? _inflightGroup ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
                : _nextGroup ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = group.Task;
        }

        return new ValueTask(cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task);
    }

    /// <summary>Reads appended bytes at <paramref name="position"/> (durable or not yet written), for bodies. Thread-safe.</summary>
    /// <remarks>The range must lie inside one record's bytes as appended (a body: record start + <see cref="HeaderBytes"/> + its offset in the payload).</remarks>
    /// <exception cref="SluiceException">storage_failed when the bytes cannot be read (a deleted segment, an I/O error).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range ends past <see cref="Tail"/>.</exception>
    public void Read(LogPosition position, Span<byte> destination)
    {
        IStorageFile file;
        lock (_gate)
        {
            var end = new LogPosition(position.Segment, position.Offset + destination.Length);
            if (end > _written)
            {
                ArgumentOutOfRangeException.ThrowIfGreaterThan(end, _tail, nameof(position));
                if (CopyFromChunks(_inflight, position, destination) || CopyFromChunks(_pending, position, destination))
                    return;
                throw StoreErrors.StorageFailed(new IOException($"log bytes at {position} ({destination.Length} bytes) are no longer buffered and were not written (the log failed)"));
            }

            if (!_segments.TryGetValue(position.Segment, out var segment))
                throw StoreErrors.StorageFailed(new FileNotFoundException($"log segment {SegmentFileName(position.Segment)} was deleted", SegmentPath(position.Segment)));
            file = segment.File;
        }

        try
        {
            var read = file.Read(position.Offset, destination);
            if (read < destination.Length)
                throw new EndOfStreamException($"log segment {SegmentFileName(position.Segment)} ends at {position.Offset + read}, before {position.Offset + destination.Length}");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            throw StoreErrors.StorageFailed(e);
        }
    }

    /// <summary>Bytes appended since <paramref name="position"/> (for deciding when to checkpoint); 0 when it is at or past <see cref="Tail"/>.</summary>
    public long BytesSince(LogPosition position)
    {
        lock (_gate)
        {
            if (position >= _tail)
                return 0;
            if (position.Segment == _tail.Segment)
                return _tail.Offset - position.Offset;
            long total = 0;
            foreach (var (number, segment) in _segments)
            {
                if (number == position.Segment)
                    total += Math.Max(0, segment.End - position.Offset);
                else if (number > position.Segment)
                    total += segment.End;
            }

            return total;
        }
    }

    /// <summary>Where the records of segment <paramref name="segment"/> end (its length for a segment read at open), or -1 when it is not present: a body at offset o of length n is inside it when o + n is at most this.</summary>
    public long SegmentEnd(long segment)
    {
        lock (_gate)
            return _segments.TryGetValue(segment, out var s) ? s.End : -1;
    }

    /// <summary>Disk space of the segments numbered below <paramref name="segment"/> (their preallocated size), in bytes: what <see cref="DeleteSegmentsBefore"/> would give back.</summary>
    public long BytesOfSegmentsBefore(long segment)
    {
        lock (_gate)
        {
            long total = 0;
            foreach (var (number, s) in _segments)
            {
                if (number >= segment)
                    break;
                total += Math.Max(s.Capacity, s.End);
            }

            return total;
        }
    }

    /// <summary>Deletes every segment numbered below <paramref name="segment"/> (never the current one, nor one not yet durable), durably (the directory is fsynced). For compaction, after a checkpoint covers them.</summary>
    /// <remarks>Deletes in ascending order, so a failure part way leaves the remaining segments contiguous. A concurrent <see cref="Read"/> of a deleted segment fails with storage_failed.</remarks>
    /// <exception cref="SluiceException">storage_failed on an I/O error.</exception>
    public void DeleteSegmentsBefore(long segment)
    {
        List<Segment> doomed = [];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            var limit = Math.Min(segment, _durable.Segment);
            foreach (var (number, s) in _segments)
            {
                if (number >= limit)
                    break;
                doomed.Add(s);
            }

            foreach (var s in doomed)
                _segments.Remove(s.Number);
        }

        if (doomed.Count == 0)
            return;
        try
        {
            foreach (var s in doomed)
            {
                s.File.Dispose();
                _fs.Delete(s.Path);
            }

            _fs.SyncDirectory(_segmentsDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StoreErrors.StorageFailed(e);
        }
    }

    /// <summary>Writes (and fsyncs) everything appended, stops the writer and closes the files. Waiters of what was appended complete (or fail) first.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposing)
                return;
            _disposing = true;
            Monitor.Pulse(_gate);
        }

        if (_writer is not null)
            await _writerExited.Task.ConfigureAwait(false);
        CloseFiles();
    }

    // Room for the continuation record that ends every segment but the last stays free.
    private bool Fits(long size) => _tail.Offset == 0 || _tail.Offset + size + ContinuationBytes <= _current!.Capacity;

    private void ThrowIfUnusable()
    {
        if (_failure is not null)
            throw _failure;
        ObjectDisposedException.ThrowIf(_disposing, this);
    }

    /// <summary>The pending chunk that ends at the tail with room for <paramref name="size"/> more bytes (a new one when the tail moved to another segment).</summary>
    private Chunk ChunkAtTail(int size)
    {
        Chunk chunk;
        if (_pending.Count > 0 && _pending[^1] is var last && last.Segment == _tail.Segment)
        {
            chunk = last;
        }
        else
        {
            chunk = _freeChunks.Count > 0 ? _freeChunks.Pop() : new Chunk();
            chunk.Segment = _tail.Segment;
            chunk.Offset = _tail.Offset;
            chunk.Count = 0;
            _pending.Add(chunk);
        }

        chunk.EnsureRoom(size);
        return chunk;
    }

    private static bool CopyFromChunks(List<Chunk> chunks, LogPosition position, Span<byte> destination)
    {
        foreach (var chunk in chunks)
        {
            if (chunk.Segment == position.Segment && position.Offset >= chunk.Offset && position.Offset + destination.Length <= chunk.Offset + chunk.Count)
            {
                chunk.Buffer.AsSpan((int)(position.Offset - chunk.Offset), destination.Length).CopyTo(destination);
                return true;
            }
        }

        return false;
    }

    private Segment CreateSegment(long number, long preallocateBytes, LogSpace space)
    {
        var path = SegmentPath(number);
        try
        {
            var available = _fs.AvailableBytes(_segmentsDirectory);
            var fromReserve = available - preallocateBytes < ReserveBytes;
            if (fromReserve && space != LogSpace.Drain)
            {
                throw StoreErrors.StorageFull(new IOException(
                    $"a new log segment of {preallocateBytes} bytes would leave {available - preallocateBytes} of the {available} bytes free in '{_segmentsDirectory}', " +
                    $"below the reserve of {ReserveBytes} bytes kept for receives, acks and deletes"));
            }

            var segment = new Segment(number, path, _fs.Open(path, create: true, preallocateBytes)) { Capacity = preallocateBytes, FromReserve = fromReserve };
            if (available - preallocateBytes < 2 * ReserveBytes)
                Interlocked.Increment(ref _lowSpaceRolls);
            try
            {
                // Durable before anything refers to it (the continuation record ending the segment before).
                _fs.SyncDirectory(_segmentsDirectory);
            }
            catch
            {
                segment.File.Dispose();
                TryDelete(path);
                throw;
            }

            return segment;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (_fs.IsDiskFull(e))
            {
                TryDelete(path);
                throw StoreErrors.StorageFull(e);
            }

            throw StoreErrors.StorageFailed(e);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            _fs.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for recovery: an empty segment after the tail is removed at the next open.
        }
    }

    private void CloseFiles()
    {
        lock (_gate)
        {
            foreach (var segment in _segments.Values)
                segment.File.Dispose();
            _segments.Clear();
        }
    }

    private string SegmentPath(long number) => Path.Combine(_segmentsDirectory, SegmentFileName(number));

    internal static string SegmentFileName(long number) => number.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + ".log";

    internal static bool TryParseSegmentFileName(string name, out long number)
    {
        number = 0;
        return name.Length == 24 && name.EndsWith(".log", StringComparison.Ordinal) && name.AsSpan(0, 20).IndexOfAnyExceptInRange('0', '9') < 0 &&
               long.TryParse(name.AsSpan(0, 20), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number) && number > 0;
    }

    /// <summary>One open segment file; <see cref="End"/> is the end of its records (the tail offset for the current one).</summary>
    private sealed class Segment(long number, string path, IStorageFile file)
    {
        public long Number { get; } = number;
        public string Path { get; } = path;
        public IStorageFile File { get; } = file;
        public long End { get; set; }

        /// <summary>Bytes preallocated: records fill it up to a continuation record's size before the end (a tail cut at recovery: its end, since the cut gave the rest back).</summary>
        public long Capacity { get; set; }

        /// <summary>Created when free space was below the reserve: only <see cref="LogSpace.Drain"/> records go in, until free space is back.</summary>
        public bool FromReserve { get; set; }
    }

    /// <summary>Contiguous appended bytes of one segment, waiting for (or under) the writer. Buffers come from the array pool.</summary>
    private sealed class Chunk
    {
        private const int InitialBytes = 64 * 1024;
        private const int KeepBytes = 4 * 1024 * 1024;

        public long Segment { get; set; }
        public long Offset { get; set; }
        public byte[] Buffer { get; private set; } = [];
        public int Count { get; set; }

        /// <summary>Records framed into this chunk (for the commit-size metric).</summary>
        public int Records { get; set; }

        public void EnsureRoom(int size)
        {
            if (Buffer.Length - Count >= size)
                return;
            var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(InitialBytes, Math.Max(Count + size, Buffer.Length * 2)));
            Buffer.AsSpan(0, Count).CopyTo(bigger);
            Release();
            Buffer = bigger;
        }

        /// <summary>After the writer is done with it: keeps a buffer of ordinary size for reuse, returns a large one.</summary>
        public void Recycle()
        {
            Count = 0;
            Records = 0;
            if (Buffer.Length > KeepBytes)
                Release();
        }

        private void Release()
        {
            if (Buffer.Length > 0)
                System.Buffers.ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = [];
        }
    }
}
