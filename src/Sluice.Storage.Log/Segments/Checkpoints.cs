using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using Sluice.Storage.Log.Files;

namespace Sluice.Storage.Log.Segments;

/// <summary>
/// Checkpoints: the store's whole state as of a log position, so that recovery reads the newest checkpoint and replays
/// only the log after it. Written to a temporary file, fsynced, renamed into place and the directory fsynced; older
/// checkpoints are deleted only after that, keeping the newest two (so that salvage can fall back one). The content
/// carries a checksum verified on read.
/// </summary>
/// <remarks>
/// A checkpoint is the file <c>{directory}/SSSSSSSSSSSSSSSSSSSS-OOOOOOOOOOOOOOOOOOOO.checkpoint</c> (the segment and offset it
/// covers, 20 digits each): a 32-byte header ("SLUICECP", version u32 1, reserved u32, segment i64, offset i64), the
/// content, and a 24-byte trailer (content length i64, XxHash3-64 of header and content, "SLUICECE"). Integers are
/// little-endian.
/// </remarks>
public static class Checkpoints
{
    private const int HeaderBytes = 32;
    private const int TrailerBytes = 24;
    private const uint Version = 1;
    private const int Kept = 2;
    private const string Extension = ".checkpoint";
    private const string TemporarySuffix = ".tmp";
    private const int BlockBytes = 1 << 20;

    private static ReadOnlySpan<byte> HeaderMagic => "SLUICECP"u8;
    private static ReadOnlySpan<byte> TrailerMagic => "SLUICECE"u8;

    /// <summary>Writes a checkpoint covering the log up to <paramref name="covers"/>; <paramref name="writeState"/> writes the state into the stream (write-only, buffered; do not dispose it).</summary>
    /// <param name="fileSystem">The file layer.</param>
    /// <param name="directory">The checkpoints' directory (created when missing).</param>
    /// <param name="covers">The log position the state includes every record before (recovery replays from it). It must be durable already.</param>
    /// <param name="writeState">Writes the state.</param>
    /// <exception cref="SluiceException">storage_full when the disk is full, storage_failed on another I/O error (the previous checkpoints are then untouched; so they are when <paramref name="writeState"/> throws, which is passed on).</exception>
    public static void Write(IStorageFileSystem fileSystem, string directory, LogPosition covers, Action<Stream> writeState)
    {
        ArgumentNullException.ThrowIfNull(writeState);
        using var pending = Begin(fileSystem, directory);
        pending.Write(covers, writeState);
        pending.Commit();
    }

    /// <summary>
    /// Starts a checkpoint: opens its temporary file (a leftover one is replaced). Write the state with
    /// <see cref="PendingCheckpoint.Write"/> (the store does so under its lock, straight into the file, so the state is
    /// never held in memory a second time), then <see cref="PendingCheckpoint.Commit"/> once the position it covers is
    /// durable; disposing it uncommitted deletes the file.
    /// </summary>
    /// <param name="fileSystem">The file layer.</param>
    /// <param name="directory">The checkpoints' directory (created when missing).</param>
    /// <exception cref="SluiceException">storage_full when the disk is full, storage_failed on another I/O error.</exception>
    public static PendingCheckpoint Begin(IStorageFileSystem fileSystem, string directory)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var temporary = Path.Combine(directory, "next" + Extension + TemporarySuffix);
        try
        {
            fileSystem.CreateDirectory(directory);
            foreach (var name in fileSystem.ListFiles(directory))
            {
                if (name.EndsWith(Extension + TemporarySuffix, StringComparison.Ordinal))
                {
                    fileSystem.Delete(Path.Combine(directory, name)); // left by a crash or a failed checkpoint
                }
            }

            return new PendingCheckpoint(fileSystem, directory, temporary, fileSystem.Open(temporary, create: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(fileSystem, temporary);
            throw Failure(fileSystem, e);
        }
    }

    /// <summary>The store error for an I/O failure writing a checkpoint: storage_full on a full disk, else storage_failed.</summary>
    private static SluiceException Failure(IStorageFileSystem fileSystem, Exception e) =>
        fileSystem.IsDiskFull(e) ? StoreErrors.StorageFull(e) : StoreErrors.StorageFailed(e);

    /// <summary>A checkpoint being written (<see cref="Begin"/>): state, then commit; disposed uncommitted, its file is deleted.</summary>
    public sealed class PendingCheckpoint : IDisposable
    {
        private readonly IStorageFileSystem _fileSystem;
        private readonly string _directory;
        private readonly string _temporary;
        private IStorageFile? _file;
        private HashingWriteStream? _stream;
        private LogPosition _covers;

        internal PendingCheckpoint(IStorageFileSystem fileSystem, string directory, string temporary, IStorageFile file)
        {
            _fileSystem = fileSystem;
            _directory = directory;
            _temporary = temporary;
            _file = file;
        }

        /// <summary>The state's size in bytes once written.</summary>
        public long ContentBytes => _stream is null ? 0 : _stream.Length - HeaderBytes;

        /// <summary>Writes the state of the log up to <paramref name="covers"/> (once): <paramref name="writeState"/> writes into a write-only, buffered stream (do not dispose it).</summary>
        /// <exception cref="SluiceException">storage_full or storage_failed (an exception of <paramref name="writeState"/> is passed on).</exception>
        public void Write(LogPosition covers, Action<Stream> writeState)
        {
            ArgumentNullException.ThrowIfNull(writeState);
            var stream = Start(covers);
            try
            {
                writeState(stream);
                stream.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Checkpoints.Failure(_fileSystem, e);
            }
        }

        /// <summary>
        /// Starts the state of the log up to <paramref name="covers"/> (once) and returns the write-only, buffered stream
        /// to write it into (do not dispose it; its I/O errors are <see cref="IOException"/>s: see <see cref="Failure"/>).
        /// </summary>
        /// <exception cref="SluiceException">storage_full or storage_failed.</exception>
        public Stream Start(LogPosition covers)
        {
            ObjectDisposedException.ThrowIf(_file is null, this);
            if (_stream is not null)
            {
                throw new InvalidOperationException("the checkpoint's state is written already");
            }

            _covers = covers;
            try
            {
                _stream = new HashingWriteStream(_file);
                Span<byte> header = stackalloc byte[HeaderBytes];
                HeaderMagic.CopyTo(header);
                BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
                BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
                BinaryPrimitives.WriteInt64LittleEndian(header[16..], covers.Segment);
                BinaryPrimitives.WriteInt64LittleEndian(header[24..], covers.Offset);
                _stream.Write(header);
                return _stream;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Checkpoints.Failure(_fileSystem, e);
            }
        }

        /// <summary>The store error for an I/O failure writing this checkpoint: storage_full on a full disk, else storage_failed.</summary>
        public SluiceException Failure(Exception exception) => Checkpoints.Failure(_fileSystem, exception);

        /// <summary>
        /// Makes the checkpoint durable (trailer, fsync, rename into place, directory fsync), then deletes checkpoints
        /// older than the newest two. The position it covers must be durable by now.
        /// </summary>
        /// <exception cref="SluiceException">storage_full or storage_failed (the previous checkpoints are then untouched).</exception>
        public void Commit()
        {
            ObjectDisposedException.ThrowIf(_file is null, this);
            if (_stream is null)
            {
                throw new InvalidOperationException("write the checkpoint's state before committing it");
            }

            try
            {
                _stream.Finish();
                _file.Sync();
                CloseFile();
                _fileSystem.Rename(_temporary, Path.Combine(_directory, FileName(_covers)));
                _fileSystem.SyncDirectory(_directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                CloseFile();
                TryDelete(_fileSystem, _temporary);
                throw Checkpoints.Failure(_fileSystem, e);
            }

            DeleteOlderThanKept(_fileSystem, _directory, _covers);
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (_file is not null)
            {
                CloseFile();
                TryDelete(_fileSystem, _temporary);
            }
        }

        private void CloseFile()
        {
            _stream?.Dispose();
            _stream = null;
            _file?.Dispose();
            _file = null;
        }
    }

    private static void DeleteOlderThanKept(IStorageFileSystem fileSystem, string directory, LogPosition covers)
    {
        try
        {
            var deleted = false;
            foreach (var (position, name) in List(fileSystem, directory).Skip(Kept))
            {
                if (position < covers)
                {
                    fileSystem.Delete(Path.Combine(directory, name));
                    deleted = true;
                }
            }

            if (deleted)
                fileSystem.SyncDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The new checkpoint is durable; an old one left behind is deleted after the next checkpoint.
        }
    }

    /// <summary>The newest checkpoint's state (checksum verified), or <see langword="null"/> when there is none.</summary>
    /// <param name="fileSystem">The file layer.</param>
    /// <param name="directory">The checkpoints' directory.</param>
    /// <param name="salvage">When the newest checkpoint is damaged, fall back to the previous one (and, when none is usable, return <see langword="null"/>) instead of throwing.</param>
    /// <param name="covers">The position the returned state covers (replay the log from there); <see cref="LogPosition.Start"/> when <see langword="null"/> is returned.</param>
    /// <param name="findings">Receives one line per damaged checkpoint skipped under <paramref name="salvage"/>, for the server's log.</param>
    /// <returns>A read-only, seekable stream over the verified content (it owns the file: dispose it), or <see langword="null"/>.</returns>
    /// <exception cref="LogCorruptException">The newest checkpoint is damaged and <paramref name="salvage"/> is false.</exception>
    /// <exception cref="SluiceException">storage_failed on an I/O error.</exception>
    public static Stream? ReadLatest(IStorageFileSystem fileSystem, string directory, bool salvage, out LogPosition covers, IList<string>? findings = null)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        try
        {
            var checkpoints = List(fileSystem, directory);
            for (var i = 0; i < checkpoints.Count; i++)
            {
                var (position, name) = checkpoints[i];
                var path = Path.Combine(directory, name);
                var file = fileSystem.Open(path, create: false);
                string? problem;
                try
                {
                    problem = Verify(file, position, out var contentBytes);
                    if (problem is null)
                    {
                        covers = position;
                        return new RangeStream(file, HeaderBytes, contentBytes);
                    }
                }
                catch
                {
                    file.Dispose();
                    throw;
                }

                file.Dispose();
                var damaged = $"checkpoint '{path}' is damaged ({problem})";
                if (!salvage)
                {
                    throw new LogCorruptException(
                        $"{damaged}: the store's state as of log segment {position.Segment} offset {position.Offset} cannot be read. To open anyway, set Salvage " +
                        "(sluice serve --salvage): recovery then falls back to the previous checkpoint when one is kept, or replays the log from its start " +
                        "(which fails when its first segments were deleted); or restore the data directory from a backup.");
                }

                findings?.Add(i + 1 < checkpoints.Count
                    ? $"{damaged}: fell back to the previous checkpoint '{Path.Combine(directory, checkpoints[i + 1].Name)}' (salvage)"
                    : $"{damaged}: no older checkpoint is kept, so the log is replayed from its start (salvage)");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StoreErrors.StorageFailed(e);
        }

        covers = LogPosition.Start;
        return null;
    }

    internal static string FileName(LogPosition covers) =>
        string.Create(CultureInfo.InvariantCulture, $"{covers.Segment:D20}-{covers.Offset:D20}{Extension}");

    /// <summary>The checkpoints in <paramref name="directory"/>, newest (highest position) first.</summary>
    private static List<(LogPosition Position, string Name)> List(IStorageFileSystem fileSystem, string directory)
    {
        var list = new List<(LogPosition, string)>();
        foreach (var name in fileSystem.ListFiles(directory))
        {
            if (name.Length == 41 + Extension.Length && name.EndsWith(Extension, StringComparison.Ordinal) && name[20] == '-' &&
                long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var segment) &&
                long.TryParse(name.AsSpan(21, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                list.Add((new LogPosition(segment, offset), name));
            }
        }

        list.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return list;
    }

    /// <summary>Null when the file is a whole checkpoint of <paramref name="position"/> whose checksum matches; otherwise what is wrong.</summary>
    private static string? Verify(IStorageFile file, LogPosition position, out long contentBytes)
    {
        contentBytes = 0;
        var length = file.Length;
        if (length < HeaderBytes + TrailerBytes)
            return string.Create(CultureInfo.InvariantCulture, $"{length} bytes, shorter than a header and a trailer");
        Span<byte> header = stackalloc byte[HeaderBytes];
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        if (file.Read(0, header) != HeaderBytes || file.Read(length - TrailerBytes, trailer) != TrailerBytes)
            return "cut short while reading";
        if (!header[..8].SequenceEqual(HeaderMagic) || !trailer[16..].SequenceEqual(TrailerMagic))
            return "no checkpoint header or trailer: cut short or overwritten";
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Version)
            return string.Create(CultureInfo.InvariantCulture, $"format version {BinaryPrimitives.ReadUInt32LittleEndian(header[8..])}, this version of Sluice reads {Version}");
        if (new LogPosition(BinaryPrimitives.ReadInt64LittleEndian(header[16..]), BinaryPrimitives.ReadInt64LittleEndian(header[24..])) != position)
            return "its header names another log position than its file name";
        contentBytes = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        if (contentBytes != length - HeaderBytes - TrailerBytes)
            return string.Create(CultureInfo.InvariantCulture, $"its trailer says {contentBytes} bytes of state, the file holds {length - HeaderBytes - TrailerBytes}");
        var hash = new XxHash3();
        var block = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            for (long offset = 0, end = length - TrailerBytes; offset < end;)
            {
                var read = file.Read(offset, block.AsSpan(0, (int)Math.Min(block.Length, end - offset)));
                if (read == 0)
                    return "cut short while reading";
                hash.Append(block.AsSpan(0, read));
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }

        return hash.GetCurrentHashAsUInt64() == BinaryPrimitives.ReadUInt64LittleEndian(trailer[8..])
            ? null
            : "its checksum does not match its contents";
    }

    private static void TryDelete(IStorageFileSystem fileSystem, string path)
    {
        try
        {
            fileSystem.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temporary file left behind is deleted by the next checkpoint.
        }
    }

    /// <summary>Write-only buffered stream into a file that hashes what passes through; <see cref="Finish"/> appends the trailer.</summary>
    private sealed class HashingWriteStream(IStorageFile file) : Stream
    {
        private readonly XxHash3 _hash = new();
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        private int _count;
        private long _flushed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _flushed + _count;

        public override long Position
        {
            get => Length;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _buffer.Length - _count);
                buffer[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                buffer = buffer[n..];
                if (_count == _buffer.Length)
                    Flush();
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void WriteByte(byte value)
        {
            _buffer[_count++] = value;
            if (_count == _buffer.Length)
                Flush();
        }

        public override void Flush()
        {
            if (_count == 0)
                return;
            _hash.Append(_buffer.AsSpan(0, _count));
            file.Write(_flushed, _buffer.AsSpan(0, _count));
            _flushed += _count;
            _count = 0;
        }

        public void Finish()
        {
            Flush();
            Span<byte> trailer = stackalloc byte[TrailerBytes];
            BinaryPrimitives.WriteInt64LittleEndian(trailer, _flushed - HeaderBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(trailer[8..], _hash.GetCurrentHashAsUInt64());
            TrailerMagic.CopyTo(trailer[16..]);
            file.Write(_flushed, trailer);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A read-only, seekable stream over a range of a file it owns.</summary>
    private sealed class RangeStream(IStorageFile file, long start, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set
            {
                ArgumentOutOfRangeException.ThrowIfNegative(value);
                _position = value;
            }
        }

        public override int Read(Span<byte> buffer)
        {
            if (_position >= length)
                return 0;
            var n = file.Read(start + _position, buffer[..(int)Math.Min(buffer.Length, length - _position)]);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                file.Dispose();
            base.Dispose(disposing);
        }
    }
}
