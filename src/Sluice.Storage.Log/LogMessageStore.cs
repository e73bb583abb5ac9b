using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.InMemory;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>
/// The log-structured store (the default embedded store): every state change is a checksummed record appended to
/// segment files by one writer with group commit; the state (indexes, counters, positions of bodies) lives in memory
/// and is rebuilt at open from the newest checkpoint and the log after it. See docs/design/log-store.md.
/// </summary>
/// <remarks>
/// The state is one <see cref="InMemoryMessageStore"/> (the reference implementation of the storage contract) run as a
/// deterministic state machine: each call that changes state is encoded as one record, executed on the state machine
/// under the store's lock over a clock frozen for the call, appended to the log only when it succeeded, and answered once
/// the record is durable (fsynced with its group). Replay executes the same records with their recorded time. Bodies
/// stay in the segments: the state holds their positions (<see cref="LogBody"/>) and they are read, and their checksum
/// verified, after the call. Pure reads (peek, counts, get, list, range) do not wait for durability. Thread-safe.
/// </remarks>
public sealed partial class LogMessageStore : IQueueStore
{
    private readonly LogStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly FrozenClock _clock;
    private InMemoryMessageStore _state = null!;
    private SegmentLog? _log;
    private FileStream? _lockFile;
    private byte[] _salt = [];
    private bool _disposed;

    // The call being executed (set under _lock, read by the state machine's hooks during the call).
    private LogPosition _callPosition;
    private long _callIdCounter;
    private static readonly List<BodyInfo> NoBodies = [];
    private List<BodyInfo> _callBodies = NoBodies;

    /// <summary>A store over <paramref name="options"/>; call <c>InitializeAsync</c> before use.</summary>
    /// <param name="options">Where and how.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where recovery findings, unreadable bodies and checkpoint failures are logged; default none.</param>
    public LogMessageStore(LogStoreOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _clock = new FrozenClock(_time);
    }

    /// <summary>What the last <see cref="InitializeAsync"/> found and did (records replayed, bytes cut, findings); <see langword="null"/> before it.</summary>
    public LogRecoveryReport? RecoveryReport { get; private set; }

    private string CheckpointsDirectory => Path.Combine(_options.Directory, "checkpoints");

    /// <summary>
    /// Opens the store: reads the newest checkpoint, replays the log after it, cuts a torn tail, and logs each finding
    /// as a warning. A new directory becomes an empty store.
    /// </summary>
    /// <exception cref="LogCorruptException">Damage in the middle of the log, a missing segment or an unreadable checkpoint, without <see cref="LogStoreOptions.Salvage"/>.</exception>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_log is not null)
        {
            return;
        }

        var fs = _options.FileSystem;
        fs.CreateDirectory(_options.Directory);
        _lockFile ??= LockDirectory();
        try
        {
            await OpenAsync(fs, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _lockFile?.Dispose();
            _lockFile = null;
            throw;
        }
    }

    /// <summary>
    /// For a large checkpoint (64 MiB or more), asks the runtime for no garbage collection while the state is built
    /// (about twice the checkpoint's size of objects, every one of which survives: a collection meanwhile only copies
    /// them; at 10 M messages this took restart from 16 to 10 s). Ends when disposed; nothing happens when the runtime
    /// refuses (too large, or a region already started).
    /// </summary>
    private static NoGcRegion NoCollectionsWhileRestoring(long checkpointBytes)
    {
        if (checkpointBytes < 64L * 1024 * 1024)
        {
            return default;
        }

        try
        {
            return new NoGcRegion(GC.TryStartNoGCRegion(2 * checkpointBytes));
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return default;
        }
    }

    private readonly struct NoGcRegion(bool started) : IDisposable
    {
        public void Dispose()
        {
            if (started && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
            {
                try
                {
                    GC.EndNoGCRegion();
                }
                catch (InvalidOperationException)
                {
                    // The region ended already (more was allocated than asked for): nothing to end.
                }
            }
        }
    }

    /// <summary>Log bytes after the last checkpoint below which closing the store writes no checkpoint (64 KiB).</summary>
    private const long QuietLogBytes = 64 * 1024;

    private async ValueTask OpenAsync(Files.IStorageFileSystem fs, CancellationToken cancellationToken)
    {
        _state = NewStateMachine();
        var covers = LogPosition.Start;
        var checkpointFindings = new List<string>();
        long checkpointBytes = 0;
        using (var checkpoint = Checkpoints.ReadLatest(fs, CheckpointsDirectory, _options.Salvage, out var checkpointCovers, checkpointFindings))
        {
            if (checkpoint is not null)
            {
                checkpointBytes = checkpoint.Length;
                using (NoCollectionsWhileRestoring(checkpointBytes))
                {
                    ReadCheckpoint(checkpoint);
                }

                covers = checkpointCovers;
                _checkpointed = covers;
            }
        }

        var log = SegmentLog.Open(fs, _options.Directory, new SegmentLogOptions
        {
            SegmentBytes = _options.SegmentBytes,
            Fsync = _options.Fsync,
            Salvage = _options.Salvage,
            ReserveBytes = _options.ReserveBytes,
        }, covers, Replay, out var report);
        _lastCheckpointBytes = checkpointBytes;
        KeepReserveFor(log, checkpointBytes);
        List<(string Queue, long Sequence)> lost;
        try
        {
            lost = BodiesOutsideTheLog(log, checkpointFindings);
        }
        catch
        {
            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        report = report with { Findings = [.. checkpointFindings, .. report.Findings] };
        RecoveryReport = report;
        foreach (var finding in report.Findings)
        {
            LogStoreLog.RecoveryFinding(_logger, _options.Directory, finding);
        }

        LogStoreLog.Recovered(_logger, _options.Directory, report.RecordsReplayed, report.SegmentsRead, report.BytesCut);
        try
        {
            await StartAsync(log, lost, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not open after all: the store must not look open (InitializeAsync would return at once) without its lock.
            lock (_lock)
            {
                _log = null;
            }

            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Makes the opened log the store's: a new store's first record, the token epoch, salvage's drops.</summary>
    private async Task StartAsync(SegmentLog log, List<(string Queue, long Sequence)> lost, CancellationToken cancellationToken)
    {
        LogPosition end;
        lock (_lock)
        {
            _log = log;
            if (_salt.Length == 0)
            {
                // A new store: its salt (which makes its message ids differ from every other store's) is its first record.
                var salt = RandomNumberGenerator.GetBytes(SaltBytes);
                Span<byte> payload = stackalloc byte[8 + SaltBytes];
                BinaryPrimitives.WriteInt64LittleEndian(payload, _clock.Freeze().UtcTicks);
                _clock.Release();
                salt.CopyTo(payload[8..]);
                log.Reserve(payload.Length, LogSpace.Grow);
                log.Append((byte)RecordType.Init, payload);
                _salt = salt;
            }

            end = StartTokenEpoch(log);
        }

        await log.WaitDurableAsync(end, cancellationToken).ConfigureAwait(false);

        // Salvage: the messages whose bodies are gone leave the queues (a logged delete, so the next open agrees).
        foreach (var group in lost.GroupBy(m => m.Queue, StringComparer.Ordinal))
        {
            await CommandAsync(new DropLostMessages(group.Key, [.. group.Select(m => m.Sequence)]), LogSpace.Drain, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks that every body the state points to (bodies a checkpoint placed in segments recovery does not read) lies in
    /// a segment that is present and long enough: a deleted or truncated segment before the checkpoint is damage, not
    /// an empty queue. Refuses (naming the file and salvage) or, salvaging, reports and returns the messages to drop.
    /// </summary>
    /// <exception cref="LogCorruptException">A body outside the log, without <see cref="LogStoreOptions.Salvage"/>.</exception>
    private List<(string Queue, long Sequence)> BodiesOutsideTheLog(SegmentLog log, List<string> findings)
    {
        var lost = new List<(string Queue, long Sequence)>();
        LogPosition first = default;
        var firstLength = 0;
        long segment = 0, end = -1;
        _state.VisitBodies((queue, sequence, stored) =>
        {
            if (stored is not LogBody body)
            {
                return;
            }

            var place = body.Position;
            if (place.Segment != segment)
            {
                // A queue's bodies mostly follow each other in the log: look each segment up once per run.
                segment = place.Segment;
                end = log.SegmentEnd(segment);
            }

            if (place.Offset + body.Length > end)
            {
                if (lost.Count == 0)
                {
                    first = body.Position;
                    firstLength = body.Length;
                }

                lost.Add((queue, sequence));
            }
        });
        if (lost.Count == 0)
        {
            return lost;
        }

        var file = Path.Combine(_options.Directory, "segments", SegmentLog.SegmentFileName(first.Segment));
        var what = $"{lost.Count} message bodies lie in log segments that are missing or cut short (the first: {firstLength} bytes at offset {first.Offset} of '{file}', " +
                   $"in {lost.GroupBy(m => m.Queue, StringComparer.Ordinal).Count()} queue(s)): the segments were deleted or truncated after the checkpoint that points to them";
        if (!_options.Salvage)
        {
            throw new LogCorruptException($"{what}. To open it anyway, dropping those messages, set Salvage (sluice serve --salvage); or restore the data directory from a backup.");
        }

        findings.Add($"{what}: the messages are dropped (salvage)");
        return lost;
    }

    /// <summary>Writes a checkpoint (so the next open replays nothing), waits for a running checkpoint or compaction, and closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        SegmentLog? log;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            log = _log;
        }

        if (log is null)
        {
            return;
        }

        await WaitForMaintenanceAsync().ConfigureAwait(false);
        try
        {
            var since = log.BytesSince(_checkpointed);
            if (since > QuietLogBytes || (since > 0 && FreeableNow(log) >= _options.SegmentBytes))
            {
                // A checkpoint, so the next open replays nothing, and a compaction, so a drained store gives its disk
                // space back at shutdown instead of after the next CheckpointBytes of log. Not for a few records that
                // free no segment (each open's token floor, a handful of calls): replaying them is quicker than writing
                // a large state again.
                var covers = await CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
                await CompactAsync(covers).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SluiceException or UnauthorizedAccessException)
        {
            LogStoreLog.CheckpointFailed(_logger, ex, _options.Directory);
        }

        await _state.DisposeAsync().ConfigureAwait(false);
        await log.DisposeAsync().ConfigureAwait(false);
        _lockFile?.Dispose();
    }

    /// <summary>Keeps other processes (and other stores in this one) out of the directory while the store is open: an exclusive lock on its <c>lock</c> file (real file systems only).</summary>
    private FileStream? LockDirectory()
    {
        if (_options.FileSystem is not Files.PhysicalFileSystem)
        {
            return null;
        }

        try
        {
            return new FileStream(Path.Combine(_options.Directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
        }
        catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new SluiceException(ErrorCodes.Unavailable,
                $"log store '{_options.Directory}' is in use by another Sluice process: stop it, or use another data directory", "directory", isTransient: false, ex);
        }
    }

    private const int SaltBytes = 16;

    private InMemoryMessageStore NewStateMachine() => new(_clock, new StateMachineHooks
    {
        NewId = NewId,
        StoreBody = StoreBody,
        DeferBodyReads = true,
    });

    /// <summary>
    /// Runs one state-changing call: freezes the clock, reserves the record's place, executes the call on the state
    /// machine, appends the record when the call succeeded (a call that throws changes nothing and logs nothing), and
    /// returns the end of the record to wait for. Everything happens under the store's lock.
    /// </summary>
    private LogPosition Execute<T>(RecordBuffer record, LogSpace space, Func<InMemoryMessageStore, T> call, out T result)
    {
        lock (_lock)
        {
            var log = Log();
            var now = _clock.Freeze();
            try
            {
                record.SetTime(now);
                var position = log.Reserve(record.Length, space);
                BeginCall(position, record.Bodies);
                result = call(_state);
                var end = log.Append((byte)record.Type, record.Payload);
                NoteAppended(log, record.Length);
                return RaiseTokenCeiling(log, end);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.StorageFull)
            {
                StartMaintenance(opportunistic: true);
                throw;
            }
            finally
            {
                _clock.Release();
                _callBodies = NoBodies;
            }
        }
    }

    /// <summary>Executes a call (see <see cref="Execute{T}"/>), then waits until its record is durable.</summary>
    private async ValueTask<T> CommitAsync<T>(RecordBuffer record, LogSpace space, Func<InMemoryMessageStore, T> call, CancellationToken cancellationToken)
    {
        LogPosition end;
        T result;
        try
        {
            end = Execute(record, space, call, out result);
        }
        finally
        {
            record.Return();
        }

        await Log().WaitDurableAsync(end, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private void BeginCall(LogPosition position, List<BodyInfo> bodies)
    {
        _callPosition = position;
        _callIdCounter = 0;
        _callBodies = bodies;
    }

    private SegmentLog Log()
    {
        if (_disposed)
        {
            throw StoreErrors.Closed();
        }

        return _log ?? throw new InvalidOperationException("LogMessageStore: call InitializeAsync before use.");
    }

    /// <summary>
    /// The state machine's ids: UUIDv7 layout (the call's time in milliseconds, version 7, variant 10) whose 74 other bits
    /// are the record's segment (24 bits) and its offset plus a per-call counter (50 bits; unique because every id's
    /// message takes more than one byte of its record), XORed with the store's salt. Deterministic, so replay gives the
    /// same ids; unique within the store; different between stores.
    /// </summary>
    private Guid NewId(DateTimeOffset time)
    {
        var place = ((ulong)_callPosition.Segment << 50) | (ulong)((_callPosition.Offset + _callIdCounter++) & ((1L << 50) - 1));
        var mask = BinaryPrimitives.ReadUInt64LittleEndian(_salt);
        var high = BinaryPrimitives.ReadUInt16LittleEndian(_salt.AsSpan(8));
        var bits = place ^ mask; // 64 bits of the 74
        var extra = (ushort)((high ^ (ushort)(_callPosition.Segment >> 14)) & 0x3FF); // 10 more
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)time.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ms << 16);
        // rand_a (12 bits): 10 extra bits and the top 2 of bits; rand_b (62 bits): the rest of bits.
        var randA = (ushort)((extra << 2) | (ushort)(bits >> 62));
        BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)(0x7000 | (randA & 0x0FFF)));
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], (bits & 0x3FFF_FFFF_FFFF_FFFFUL) | 0x8000_0000_0000_0000UL);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The clock the state machine reads: frozen at one value during a call (and during replay), otherwise the store's clock, never going back.</summary>
    private sealed class FrozenClock(TimeProvider time) : TimeProvider
    {
        private long _frozenTicks;
        private bool _frozen;

        /// <summary>Freezes at max(last frozen value, now) and returns it. Under the store's lock.</summary>
        public DateTimeOffset Freeze()
        {
            var now = Math.Max(Volatile.Read(ref _frozenTicks), time.GetUtcNow().UtcTicks);
            Volatile.Write(ref _frozenTicks, now);
            _frozen = true;
            return new DateTimeOffset(now, TimeSpan.Zero);
        }

        /// <summary>Freezes at a recorded time (replay).</summary>
        public void FreezeAt(long ticks)
        {
            Volatile.Write(ref _frozenTicks, ticks);
            _frozen = true;
        }

        public void Release() => Volatile.Write(ref _frozen, false);

        public override DateTimeOffset GetUtcNow()
        {
            var frozen = Volatile.Read(ref _frozenTicks);
            return new DateTimeOffset(Volatile.Read(ref _frozen) ? frozen : Math.Max(frozen, time.GetUtcNow().UtcTicks), TimeSpan.Zero);
        }

        public override long GetTimestamp() => time.GetTimestamp();

        public override long TimestampFrequency => time.TimestampFrequency;
    }
}
