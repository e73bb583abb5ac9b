using System.Diagnostics;
using System.Text;
using Sluice.InMemory;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>
/// Checkpoints and compaction. After <see cref="LogStoreOptions.CheckpointBytes"/> of log (and at dispose) the whole
/// state is written to a checkpoint (bodies as places in the log) on a background task; then the segments before the
/// checkpoint that hold no live body are deleted, and when the oldest segments are mostly dead their live bodies are
/// copied to the head of the log (records replay ignores), moved, checkpointed again, and the segments deleted.
/// </summary>
public sealed partial class LogMessageStore
{
    private const int CheckpointFormat = 1;
    private const int RelocateChunkBytes = 1024 * 1024;
    private const int MaxMoveSegments = 2;

    /// <summary>Messages a checkpoint writes per hold of the store's lock (about a few milliseconds' worth).</summary>
    private const int CheckpointChunkMessages = 4096;

    private LogPosition _checkpointed = LogPosition.Start;
    private long _bytesSinceCheckpoint;
    private long _lowSpaceRollsSeen;
    private long _nextReclaimCheck;
    private long _lastCheckpointBytes;
    private Dictionary<long, long> _lastLiveBySegment = [];
    private Task _maintenance = Task.CompletedTask;

    /// <summary>
    /// Counts appended bytes (under the lock) and starts a checkpoint and compaction when enough log was written, or when
    /// the log opened a segment with less than twice the reserve left free (so the checkpoint's size, which the reserve
    /// must cover, is known and dead segments are freed before the disk is full).
    /// </summary>
    private void NoteAppended(SegmentLog log, int payloadBytes)
    {
        _bytesSinceCheckpoint += payloadBytes + SegmentLog.HeaderBytes;
        var lowSpaceRolls = log.LowSpaceRolls;
        if (_bytesSinceCheckpoint >= Math.Max(_options.CheckpointBytes, _lastCheckpointBytes))
        {
            // At least the last checkpoint's size of log between checkpoints: a deep backlog's state is not rewritten
            // more often than the log grows by as much (checkpoint writes at most double the bytes written).
            StartMaintenance();
        }
        else if (lowSpaceRolls != _lowSpaceRollsSeen)
        {
            if (StartMaintenance(opportunistic: true))
            {
                _lowSpaceRollsSeen = lowSpaceRolls;
            }
        }
        else if (_bytesSinceCheckpoint >= _nextReclaimCheck)
        {
            // Once per segment of log: when the segments hold much more than the live bodies (consumers drained a
            // backlog: two segments, a quarter of CheckpointBytes and the last checkpoint's size more), checkpoint and
            // compact now rather than after CheckpointBytes, so a large state is not written over and over for little.
            _nextReclaimCheck = _bytesSinceCheckpoint + _options.SegmentBytes;
            var dead = log.BytesOfSegmentsBefore(long.MaxValue) - _state.BodyBytes();
            if (dead >= Math.Max(Math.Max(2 * _options.SegmentBytes, _options.CheckpointBytes / 4), _lastCheckpointBytes))
            {
                StartMaintenance(opportunistic: true);
            }
        }
    }

    /// <summary>
    /// Starts a checkpoint and compaction (under the lock) unless one is running or nothing was logged since the last:
    /// after <see cref="LogStoreOptions.CheckpointBytes"/> of log, and when a full disk refused a record (consumers that
    /// drained since then give the space back).
    /// </summary>
    /// <remarks>
    /// An <paramref name="opportunistic"/> start (a full or filling disk, dead segments) also needs an eighth of the last
    /// checkpoint's size of log since it, up to a segment: a large state is not rewritten for every refused publish or
    /// every few records, and a drain on a full disk still checkpoints often enough to give space back.
    /// </remarks>
    /// <returns>Whether one was started.</returns>
    private bool StartMaintenance(bool opportunistic = false)
    {
        if (_maintenance.IsCompleted && !_disposed && _bytesSinceCheckpoint > 0 &&
            (!opportunistic || _bytesSinceCheckpoint >= Math.Min(_lastCheckpointBytes / 8, _options.SegmentBytes)))
        {
            _bytesSinceCheckpoint = 0;
            _nextReclaimCheck = _options.SegmentBytes;
            _maintenance = Task.Run(MaintainAsync);
            return true;
        }

        return false;
    }

    /// <summary>Runs a checkpoint and compaction now and waits for them (tests; a running one is awaited first).</summary>
    internal async Task CheckpointAndCompactAsync()
    {
        // Never two at once: a call's NoteAppended may start one between the wait and the start.
        while (true)
        {
            await WaitForMaintenanceAsync().ConfigureAwait(false);
            lock (_lock)
            {
                if (_maintenance.IsCompleted)
                {
                    _bytesSinceCheckpoint = 0;
                    _nextReclaimCheck = _options.SegmentBytes;
                    _maintenance = Task.Run(MaintainAsync);
                    break;
                }
            }
        }

        await WaitForMaintenanceAsync().ConfigureAwait(false);
    }

    internal async Task WaitForMaintenanceAsync()
    {
        Task running;
        lock (_lock)
        {
            running = _maintenance;
        }

        await running.ConfigureAwait(false);
    }

    private async Task MaintainAsync()
    {
        try
        {
            var covers = await CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
            await CompactAsync(covers).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SluiceException or UnauthorizedAccessException or ObjectDisposedException)
        {
            LogStoreLog.CheckpointFailed(_logger, ex, _options.Directory);
        }
    }

    /// <summary>
    /// Writes the state as of the log's tail: serialized under the lock straight into the checkpoint's file (never held
    /// in memory), committed outside it once that tail is durable. A checkpoint that takes the drain room is deleted
    /// before it is committed (<see cref="ThrowIfCheckpointTakesTheDrainRoom"/>); its size is known only once written,
    /// since the state shrinks as consumers drain, and the reserve keeps room for three.
    /// </summary>
    private async Task<LogPosition> CheckpointAsync(CancellationToken cancellationToken)
    {
        var log = _log!;
        LogPosition covers;
        var liveBySegment = new Dictionary<long, long>();
        long runSegment = -1, runBytes = 0;
        void WriteBody(BinaryWriter w, StoredBody body)
        {
            WriteBodyPlace(w, body);
            // Live bytes per segment, for what compaction after this checkpoint could free (bodies come in runs).
            var segment = ((LogBody)body).Position.Segment;
            if (segment != runSegment)
            {
                AddRun(liveBySegment, runSegment, runBytes);
                (runSegment, runBytes) = (segment, 0);
            }

            runBytes += body.Length;
        }

        using var pending = Checkpoints.Begin(_options.FileSystem, CheckpointsDirectory);
        InMemoryMessageStore.ConcurrentSnapshot? snapshot = null;
        var longestPause = TimeSpan.Zero;
        // Each chunk is serialized into memory under the lock and written to the file outside it (a write can wait for
        // the kernel to flush dirty pages; calls must not wait for that).
        using var chunk = new MemoryStream();
        using var writer = new BinaryWriter(chunk, Encoding.UTF8, leaveOpen: true);
        try
        {
            // The state as of the log's tail, a chunk of messages at a time: calls run between chunks (the state machine
            // keeps what they change as it was until it is written), so none waits for more than one chunk.
            Stream file;
            lock (_lock)
            {
                covers = log.Tail;
                file = pending.Start(covers);
                writer.Write(CheckpointFormat);
                writer.Write(_salt);
                writer.Write(_clock.GetUtcNow().UtcTicks);
                writer.Write(_tokenCeiling);
                writer.Write(_state.GenerationFloor);
                writer.Write(_state.MaxGeneration);
                snapshot = _state.BeginSnapshot(WriteBody);
            }

            for (var more = true; more;)
            {
                lock (_lock)
                {
                    var started = Stopwatch.GetTimestamp();
                    more = snapshot.WriteNext(writer, CheckpointChunkMessages);
                    var held = Stopwatch.GetElapsedTime(started);
                    longestPause = held > longestPause ? held : longestPause;
                }

                writer.Flush();
                file.Write(chunk.GetBuffer(), 0, (int)chunk.Length);
                chunk.SetLength(0);
            }

            lock (_lock)
            {
                AddRun(liveBySegment, runSegment, runBytes);
            }

            file.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw pending.Failure(e);
        }
        finally
        {
            if (snapshot is { Done: false })
            {
                lock (_lock)
                {
                    snapshot.Abort();
                }
            }
        }

        // A checkpoint must never cover records a power loss could still take away.
        await log.WaitDurableAsync(covers, cancellationToken).ConfigureAwait(false);
        var size = pending.ContentBytes;
        ThrowIfCheckpointTakesTheDrainRoom(size, FreeableAfter(log, covers, s => liveBySegment.GetValueOrDefault(s)), writtenBytes: size);
        pending.Commit();
        lock (_lock)
        {
            _checkpointed = covers;
        }

        _lastCheckpointBytes = size;
        _lastLiveBySegment = liveBySegment;
        KeepReserveFor(log, size);
        LogStoreLog.Checkpointed(_logger, _options.Directory, covers.Segment, covers.Offset, size, (long)longestPause.TotalMilliseconds);
        return covers;
    }

    private static void AddRun(Dictionary<long, long> liveBySegment, long segment, long bytes)
    {
        if (segment >= 0)
        {
            liveBySegment[segment] = liveBySegment.GetValueOrDefault(segment) + bytes;
        }
    }

    /// <summary>
    /// How many of the oldest segments compaction empties by moving their live bodies: the longest run from the oldest
    /// whose live bytes are at most half their size (a move frees at least twice what it copies, and one dense segment
    /// does not pin the dead ones after it), moving at most <see cref="MaxMoveSegments"/> segments' worth per pass (a
    /// large backlog behind dead segments is not copied in one go; later passes go on).
    /// </summary>
    private int MovablePrefix(List<long> old, Func<long, long> liveBytes)
    {
        var prefix = 0;
        long live = 0;
        for (var i = 0; i < old.Count; i++)
        {
            live += liveBytes(old[i]);
            if (live > MaxMoveSegments * _options.SegmentBytes)
            {
                break;
            }

            if (live * 2 <= (i + 1) * _options.SegmentBytes)
            {
                prefix = i + 1;
            }
        }

        return prefix;
    }

    /// <summary>Disk space a checkpoint now and the compaction after it would give back (bytes): walks every body.</summary>
    private long FreeableNow(SegmentLog log)
    {
        var live = new Dictionary<long, long>();
        LogPosition tail;
        lock (_lock)
        {
            tail = log.Tail;
            _state.VisitBodies(body =>
            {
                var segment = ((LogBody)body).Position.Segment;
                live[segment] = live.GetValueOrDefault(segment) + body.Length;
            });
        }

        return FreeableAfter(log, tail, s => live.GetValueOrDefault(s));
    }

    /// <summary>Disk space compaction after a checkpoint covering <paramref name="covers"/> gives back, less what it moves (bytes).</summary>
    private long FreeableAfter(SegmentLog log, LogPosition covers, Func<long, long> liveBytes)
    {
        var old = log.Segments.Where(s => s < covers.Segment).ToList();
        var prefix = MovablePrefix(old, liveBytes);
        if (prefix > 0)
        {
            var freeBefore = prefix < old.Count ? old[prefix] : covers.Segment;
            return log.BytesOfSegmentsBefore(freeBefore) - old.Take(prefix).Sum(liveBytes);
        }

        var firstLive = old.FirstOrDefault(s => liveBytes(s) > 0, covers.Segment);
        return log.BytesOfSegmentsBefore(firstLive);
    }

    /// <summary>
    /// Refuses (storage_full) a checkpoint that would leave less than the reserve free (that room is for receives and acks
    /// on a full disk) unless the segments it lets compaction delete (<paramref name="freeableBytes"/>: before the oldest
    /// live body) give back more than it takes. The state shrinks as consumers drain, so a later checkpoint fits.
    /// </summary>
    /// <param name="checkpointBytes">The checkpoint's size.</param>
    /// <param name="freeableBytes">What compaction after it gives back.</param>
    /// <param name="writtenBytes">How much of it is on disk already (its file is written before it is committed).</param>
    private void ThrowIfCheckpointTakesTheDrainRoom(long checkpointBytes, long freeableBytes, long writtenBytes)
    {
        if (freeableBytes >= checkpointBytes)
        {
            return;
        }

        long available;
        try
        {
            available = _options.FileSystem.AvailableBytes(_options.Directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw StoreErrors.StorageFailed(ex);
        }

        available += writtenBytes;
        var reserve = _log!.ReserveBytes;
        if (available - checkpointBytes < reserve)
        {
            throw StoreErrors.StorageFull(new IOException(
                $"a checkpoint of {checkpointBytes} bytes would leave {Math.Max(0, available - checkpointBytes)} of the {available} bytes free in '{_options.Directory}', " +
                $"less than the reserve ({reserve} bytes) kept for receives and acks, and compaction after it would free less than it takes; " +
                "it is written once consumers have drained more or space is freed"));
        }
    }

    /// <summary>
    /// Sizes the disk space kept for draining records: at least <see cref="LogStoreOptions.ReserveBytes"/>, and enough for
    /// a drain to open a segment and then write the checkpoint that lets compaction give space back (the newest
    /// checkpoint's size three times: two are kept, and the next is written before the oldest is deleted).
    /// </summary>
    private void KeepReserveFor(SegmentLog log, long checkpointBytes) =>
        log.ReserveBytes = Math.Max(_options.ReserveBytes, _options.SegmentBytes + (3 * checkpointBytes));

    /// <summary>The state machine's snapshot now (bodies as places), for tests comparing a replayed state with a live one.</summary>
    internal byte[] StateSnapshot()
    {
        using var snapshot = new MemoryStream();
        lock (_lock)
        {
            using var writer = new BinaryWriter(snapshot, Encoding.UTF8, leaveOpen: true);
            _state.WriteSnapshot(writer, WriteBodyPlace);
        }

        return snapshot.ToArray();
    }

    /// <summary>A body in a checkpoint: its place, length and checksum (the bytes stay in the log).</summary>
    private static void WriteBodyPlace(BinaryWriter writer, StoredBody body)
    {
        var b = (LogBody)body;
        var place = b.Position;
        writer.Write(place.Segment);
        writer.Write(place.Offset);
        writer.Write(b.Length);
        writer.Write(b.Checksum);
    }

    private void ReadCheckpoint(Stream checkpoint)
    {
        // Buffered: the reader takes a few bytes at a time, and each read of the file itself is a system call.
        using var buffered = new BufferedStream(checkpoint, 1 << 20);
        using var reader = new BinaryReader(buffered, Encoding.UTF8, leaveOpen: true);
        var format = reader.ReadInt32();
        if (format != CheckpointFormat)
        {
            throw new LogCorruptException($"checkpoint in {CheckpointsDirectory} has format {format}; this version of Sluice reads format {CheckpointFormat}");
        }

        _salt = reader.ReadBytes(SaltBytes);
        _clock.FreezeAt(reader.ReadInt64());
        _clock.Release();
        _tokenCeiling = reader.ReadInt32();
        _state.GenerationFloor = reader.ReadInt32();
        _state.MaxGeneration = reader.ReadInt32();
        _state.ReadSnapshot(reader, r => new LogBody(this, new LogPosition(r.ReadInt64(), r.ReadInt64()), r.ReadInt32(), r.ReadUInt64()));
    }

    /// <summary>
    /// Frees segments before <paramref name="covers"/>: deletes the ones holding no live body; when the oldest ones are
    /// at most half live, moves their live bodies to the head of the log first and checkpoints again.
    /// </summary>
    private async Task CompactAsync(LogPosition covers)
    {
        var log = _log!;
        var old = log.Segments.Where(s => s < covers.Segment).ToList();
        if (old.Count == 0)
        {
            return;
        }

        // Live bytes per segment as the checkpoint covering them counted; only the bodies to move are collected.
        var live = _lastLiveBySegment;
        var prefix = MovablePrefix(old, s => live.GetValueOrDefault(s));
        var freeBefore = prefix < old.Count ? old[prefix] : covers.Segment;
        var moving = new List<LogBody>();
        if (prefix > 0)
        {
            lock (_lock)
            {
                var seen = new HashSet<LogBody>(ReferenceEqualityComparer.Instance);
                _state.VisitBodies(stored =>
                {
                    if (stored is LogBody body && body.Position.Segment < freeBefore && seen.Add(body))
                    {
                        moving.Add(body);
                    }
                });
            }
        }

        long movedBytes = 0;
        var moved = false;
        if (moving.Count > 0)
        {
            try
            {
                var kept = await RelocateAsync(log, moving).ConfigureAwait(false);
                if (kept is { } unreadable)
                {
                    freeBefore = Math.Min(freeBefore, unreadable);
                }

                await CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
                movedBytes = moving.Sum(b => (long)b.Length);
                moved = true;
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.StorageFull)
            {
                // No room to move bodies (a full disk is when compaction matters most): free what needs no move.
                LogStoreLog.CheckpointFailed(_logger, ex, _options.Directory);
            }
        }

        if (!moved)
        {
            // Without moving anything (or with a move no checkpoint covers): up to the first segment that still held a
            // live body when the checkpoint that covers them was taken.
            freeBefore = Math.Min(covers.Segment, live.Count == 0 ? long.MaxValue : live.Keys.Min());
        }

        if (freeBefore > log.Segments[0])
        {
            log.DeleteSegmentsBefore(freeBefore);
            LogStoreLog.Compacted(_logger, _options.Directory, moving.Count, movedBytes, freeBefore);
        }
    }

    /// <summary>Copies bodies to the head of the log in chunks and moves them there; returns the lowest segment holding a body that could not be read (it stays), or <see langword="null"/>.</summary>
    private async Task<long?> RelocateAsync(SegmentLog log, List<LogBody> bodies)
    {
        long? unreadable = null;
        var chunk = new List<(LogBody Body, byte[] Bytes)>();
        var chunkBytes = 0;
        foreach (var body in bodies.OrderBy(b => b.Position))
        {
            byte[] bytes;
            try
            {
                bytes = ReadBody(body);
            }
            catch (SluiceException)
            {
                unreadable = Math.Min(unreadable ?? long.MaxValue, body.Position.Segment);
                continue;
            }

            chunk.Add((body, bytes));
            chunkBytes += bytes.Length + 12;
            if (chunkBytes >= RelocateChunkBytes)
            {
                await AppendRelocationAsync(log, chunk).ConfigureAwait(false);
                chunk.Clear();
                chunkBytes = 0;
            }
        }

        if (chunk.Count > 0)
        {
            await AppendRelocationAsync(log, chunk).ConfigureAwait(false);
        }

        return unreadable;
    }

    private async Task AppendRelocationAsync(SegmentLog log, List<(LogBody Body, byte[] Bytes)> chunk)
    {
        var record = RecordBuffer.Rent(RecordType.Relocate);
        LogPosition end;
        try
        {
            foreach (var (_, bytes) in chunk)
            {
                record.WriteBody(bytes);
            }

            lock (_lock)
            {
                record.SetTime(_clock.GetUtcNow());
                // On a full disk a move still fills the current segment's room (no new space): it is what gives space
                // back when a few live bodies pin old segments. It opens no segment from the reserve.
                var position = log.Reserve(record.Length, LogSpace.Move);
                end = log.Append((byte)RecordType.Relocate, record.Payload);
                for (var i = 0; i < chunk.Count; i++)
                {
                    chunk[i].Body.Position = new LogPosition(position.Segment, position.Offset + SegmentLog.HeaderBytes + record.Bodies[i].Offset);
                }
            }
        }
        finally
        {
            record.Return();
        }

        await log.WaitDurableAsync(end).ConfigureAwait(false);
    }
}
