using Sluice.Storage.Log.Files;

namespace Sluice.Storage.Log.Tests.FaultInjection;

/// <summary>An operation of <see cref="FaultInjectingFileSystem"/>, for <see cref="FaultInjectingFileSystem.InjectFault"/>.</summary>
public enum FaultOperation
{
    Open,
    Read,
    Write,
    Sync,
    SetLength,
    Delete,
    Rename,
    SyncDirectory,
}

/// <summary>
/// An in-memory <see cref="IStorageFileSystem"/> that simulates power loss, the way RocksDB's FaultInjectionTestFS does.
/// Each file has a durable image (what its last <see cref="IStorageFile.Sync"/> covered) and a current one (what reads
/// see), and keeps its writes since the last sync. Directory entries (create, rename, delete) become durable only when
/// <see cref="SyncDirectory"/> syncs their directory; directories themselves are durable as soon as created.
/// <see cref="Crash"/> is a power loss: every directory returns to its durable entries, every file to its durable
/// image plus a random prefix of its unsynced writes (the last one of them possibly torn part way, with garbage after
/// the torn point at random); it returns a new view of the disk (the machine after reboot) and kills this one: every
/// later call on it or on a file it opened throws, so a writer still running from before the crash cannot touch the
/// disk after it. Also: a capacity in bytes (writes and preallocations beyond it throw ENOSPC, recognized by
/// <see cref="IsDiskFull"/>; a file's size is the larger of its length and its preallocation) and injectable I/O
/// errors (<see cref="InjectFault"/>). Thread-safe (one lock). Paths are compared as given (use full paths).
/// </summary>
public sealed class FaultInjectingFileSystem : IStorageFileSystem
{
    private const int Enospc = 28;
    private const int Eio = 5;

    private readonly Disk _disk;
    private readonly int _generation;

    /// <summary>An empty disk of unlimited capacity.</summary>
    public FaultInjectingFileSystem() : this(new Disk(), 0)
    {
    }

    private FaultInjectingFileSystem(Disk disk, int generation)
    {
        _disk = disk;
        _generation = generation;
    }

    /// <summary>The disk's size in bytes (default unlimited); writes and preallocations beyond it throw ENOSPC.</summary>
    public long Capacity
    {
        get => _disk.Capacity;
        set
        {
            lock (_disk)
                _disk.Capacity = value;
        }
    }

    /// <summary>Bytes in use: the sum over files (present in their directories) of the larger of length and preallocation.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_disk)
                return _disk.Used();
        }
    }

    /// <summary>
    /// Called (under the file system's lock) before each operation with the operation and the path; returning
    /// <see langword="true"/> makes it fail with an I/O error (EIO) and change nothing. It may call <see cref="Crash"/>
    /// (power lost just before this operation, which then fails).
    /// </summary>
    public Func<FaultOperation, string, bool>? InjectFault { get; set; }

    /// <summary>Power loss: see the class summary. Returns the disk after reboot as a new view; this view and its files are dead.</summary>
    public FaultInjectingFileSystem Crash(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        lock (_disk)
        {
            _disk.Generation++;
            _disk.Current = _disk.Durable.ToDictionary(d => d.Key, d => new Dictionary<string, Inode>(d.Value, StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var inode in _disk.Current.Values.SelectMany(d => d.Values).Distinct())
                inode.Crash(random);
            return new FaultInjectingFileSystem(_disk, _disk.Generation);
        }
    }

    /// <summary>A process crash (kill -9): nothing is lost (the page cache survives), but this view and its files are dead; returns a new view.</summary>
    public FaultInjectingFileSystem Restart()
    {
        lock (_disk)
        {
            _disk.Generation++;
            return new FaultInjectingFileSystem(_disk, _disk.Generation);
        }
    }

    /// <summary>The current content of a file (for tests that damage files or look at them).</summary>
    public byte[] ReadAllBytes(string path)
    {
        lock (_disk)
            return Find(path)?.Content() ?? throw new FileNotFoundException($"no file '{path}'", path);
    }

    /// <summary>Replaces a file's content, durably (as damage on the disk would): for tests that damage files.</summary>
    public void WriteAllBytesDurably(string path, ReadOnlySpan<byte> content)
    {
        lock (_disk)
        {
            var inode = Find(path) ?? throw new FileNotFoundException($"no file '{path}'", path);
            inode.Replace(content);
        }
    }

    /// <inheritdoc />
    public IStorageFile Open(string path, bool create, long preallocateBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(preallocateBytes);
        lock (_disk)
        {
            Check(FaultOperation.Open, path);
            var directory = Directory(path) ?? throw new DirectoryNotFoundException($"no directory for '{path}'");
            var name = Path.GetFileName(path);
            if (!directory.TryGetValue(name, out var inode))
            {
                if (!create)
                    throw new FileNotFoundException($"no file '{path}'", path);
                if (_disk.Used() + preallocateBytes > _disk.Capacity)
                    throw DiskFull(path);
                inode = new Inode { Preallocated = preallocateBytes };
                directory[name] = inode;
            }

            return new File(this, inode, path);
        }
    }

    /// <inheritdoc />
    public bool FileExists(string path)
    {
        lock (_disk)
        {
            Check(null, path);
            return Find(path) is not null;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        lock (_disk)
        {
            Check(null, directory);
            if (!_disk.Current.TryGetValue(Normalize(directory), out var entries))
                return [];
            var names = entries.Keys.ToList();
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        lock (_disk)
        {
            Check(FaultOperation.Delete, path);
            Directory(path)?.Remove(Path.GetFileName(path));
        }
    }

    /// <inheritdoc />
    public void Rename(string source, string destination)
    {
        lock (_disk)
        {
            Check(FaultOperation.Rename, source);
            var from = Directory(source);
            if (from is null || !from.Remove(Path.GetFileName(source), out var inode))
                throw new FileNotFoundException($"no file '{source}'", source);
            var to = Directory(destination) ?? throw new DirectoryNotFoundException($"no directory for '{destination}'");
            to[Path.GetFileName(destination)] = inode;
        }
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        lock (_disk)
        {
            Check(null, path);
            for (var directory = Normalize(path); !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
            {
                if (_disk.Current.ContainsKey(directory))
                    break;
                _disk.Current[directory] = new Dictionary<string, Inode>(StringComparer.Ordinal);
                _disk.Durable[directory] = new Dictionary<string, Inode>(StringComparer.Ordinal);
            }
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string path)
    {
        lock (_disk)
        {
            Check(FaultOperation.SyncDirectory, path);
            var directory = Normalize(path);
            if (!_disk.Current.TryGetValue(directory, out var entries))
                throw new DirectoryNotFoundException($"no directory '{path}'");
            _disk.Durable[directory] = new Dictionary<string, Inode>(entries, StringComparer.Ordinal);
        }
    }

    /// <inheritdoc />
    public long AvailableBytes(string path)
    {
        lock (_disk)
        {
            Check(null, path);
            return Math.Max(0, _disk.Capacity - _disk.Used());
        }
    }

    /// <inheritdoc />
    public bool IsDiskFull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException { HResult: Enospc })
                return true;
        }

        return false;
    }

    private void Check(FaultOperation? operation, string path)
    {
        if (operation is { } op && InjectFault?.Invoke(op, path) == true)
            throw new IOException($"injected I/O error: {op} '{path}'", Eio);
        if (_generation != _disk.Generation)
            throw new IOException($"power was lost (or the process died): this view of the disk is dead ({operation} '{path}')", Eio);
    }

    private static IOException DiskFull(string path) => new($"No space left on device : '{path}'", Enospc);

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(path);

    private Dictionary<string, Inode>? Directory(string path) =>
        _disk.Current.TryGetValue(Normalize(Path.GetDirectoryName(path) ?? ""), out var entries) ? entries : null;

    private Inode? Find(string path) => Directory(path) is { } d && d.TryGetValue(Path.GetFileName(path), out var inode) ? inode : null;

    private sealed class Disk
    {
        public int Generation;
        public long Capacity = long.MaxValue;
        public Dictionary<string, Dictionary<string, Inode>> Current = new(StringComparer.Ordinal);
        public Dictionary<string, Dictionary<string, Inode>> Durable = new(StringComparer.Ordinal);

        public long Used()
        {
            long used = 0;
            foreach (var inode in Current.Values.SelectMany(d => d.Values).Distinct())
                used += inode.Size;
            return used;
        }
    }

    /// <summary>A file: its current and durable images and the writes in between (a length change is a write of no bytes).</summary>
    private sealed class Inode
    {
        private byte[] _data = [];
        private byte[] _durable = [];
        private int _durableLength;
        private readonly List<(long Offset, byte[]? Bytes, long NewLength)> _unsynced = [];

        public int Length { get; private set; }
        public long Preallocated { get; set; }
        public long Size => Math.Max(Length, Preallocated);

        public byte[] Content() => _data.AsSpan(0, Length).ToArray();

        public int Read(long offset, Span<byte> buffer)
        {
            if (offset >= Length)
                return 0;
            var n = (int)Math.Min(buffer.Length, Length - offset);
            _data.AsSpan((int)offset, n).CopyTo(buffer);
            return n;
        }

        public void Write(long offset, ReadOnlySpan<byte> bytes)
        {
            Apply(ref _data, Length, offset, bytes, out var length);
            Length = length;
            _unsynced.Add((offset, bytes.ToArray(), -1));
        }

        public void SetLength(long length)
        {
            Length = Resize(ref _data, Length, length);
            Preallocated = Math.Min(Preallocated, length);
            _unsynced.Add((0, null, length));
        }

        public void Sync()
        {
            foreach (var (offset, bytes, newLength) in _unsynced)
            {
                if (bytes is null)
                    _durableLength = Resize(ref _durable, _durableLength, newLength);
                else
                    Apply(ref _durable, _durableLength, offset, bytes, out _durableLength);
            }

            _unsynced.Clear();
        }

        public void Replace(ReadOnlySpan<byte> content)
        {
            _data = content.ToArray();
            Length = content.Length;
            _durable = content.ToArray();
            _durableLength = content.Length;
            _unsynced.Clear();
        }

        /// <summary>Back to the durable image plus a random prefix of the unsynced writes, the last of them possibly torn.</summary>
        public void Crash(Random random)
        {
            var keep = random.Next(_unsynced.Count + 1);
            var image = _durable.AsSpan(0, _durableLength).ToArray();
            var length = _durableLength;
            for (var i = 0; i < keep; i++)
            {
                var (offset, bytes, newLength) = _unsynced[i];
                if (bytes is null)
                {
                    length = Resize(ref image, length, newLength);
                    continue;
                }

                if (i == keep - 1 && bytes.Length > 0 && random.Next(2) == 0)
                {
                    // Torn: a prefix arrived, then (sometimes) garbage where the rest was going.
                    var torn = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
                    if (random.Next(3) == 0)
                    {
                        var garbage = new byte[random.Next(bytes.Length - torn.Length + 1)];
                        random.NextBytes(garbage);
                        torn = [.. torn, .. garbage];
                    }

                    bytes = torn;
                }

                Apply(ref image, length, offset, bytes, out length);
            }

            _data = image;
            Length = length;
            _durable = image.AsSpan(0, length).ToArray();
            _durableLength = length;
            _unsynced.Clear();
        }

        private static void Apply(ref byte[] data, int length, long offset, ReadOnlySpan<byte> bytes, out int newLength)
        {
            var end = (int)(offset + bytes.Length);
            newLength = Math.Max(length, end);
            Grow(ref data, newLength);
            if (offset > length)
                data.AsSpan(length, (int)offset - length).Clear();
            bytes.CopyTo(data.AsSpan((int)offset));
        }

        private static int Resize(ref byte[] data, int length, long newLength)
        {
            var n = (int)newLength;
            Grow(ref data, n);
            if (n > length)
                data.AsSpan(length, n - length).Clear();
            return n;
        }

        private static void Grow(ref byte[] data, int length)
        {
            if (data.Length >= length)
                return;
            var bigger = new byte[Math.Max(length, data.Length * 2)];
            data.CopyTo(bigger, 0);
            data = bigger;
        }
    }

    private sealed class File(FaultInjectingFileSystem fs, Inode inode, string path) : IStorageFile
    {
        private bool _disposed;

        public long Length
        {
            get
            {
                lock (fs._disk)
                {
                    Check(null);
                    return inode.Length;
                }
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (fs._disk)
            {
                Check(FaultOperation.Read);
                return inode.Read(offset, buffer);
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (fs._disk)
            {
                Check(FaultOperation.Write);
                var growth = offset + data.Length - inode.Size;
                if (growth > 0 && fs._disk.Used() + growth > fs._disk.Capacity)
                    throw DiskFull(path);
                inode.Write(offset, data);
            }
        }

        public void Sync()
        {
            lock (fs._disk)
            {
                Check(FaultOperation.Sync);
                inode.Sync();
            }
        }

        public void SetLength(long length)
        {
            lock (fs._disk)
            {
                Check(FaultOperation.SetLength);
                var growth = length - inode.Size;
                if (growth > 0 && fs._disk.Used() + growth > fs._disk.Capacity)
                    throw DiskFull(path);
                inode.SetLength(length);
            }
        }

        public void Dispose() => _disposed = true;

        private void Check(FaultOperation? operation)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            fs.Check(operation, path);
        }
    }
}
