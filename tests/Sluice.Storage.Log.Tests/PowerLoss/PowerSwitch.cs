using Sluice.Storage.Log.Files;

namespace Sluice.Storage.Log.Tests.PowerLoss;

/// <summary>
/// The power switch of one simulated process: every file operation of a store goes through it to the fault-injecting
/// file system underneath. It cuts the power either when told (<see cref="CutNow"/>) or in the middle of the store's
/// own work, at the Nth file operation that changes something (<see cref="ArmAfter"/>: a write, sync, truncate,
/// rename, delete, create), so that crashes land inside group commits, checkpoint writes, compaction and recovery.
/// Cutting the power calls the underlying file system's crash (drop every write not covered by a sync, tear the
/// last) once, and from then on every operation of this process fails, as it would for a process that is gone: the
/// next process gets a new switch over the same (crashed) file system. Operations are serialized so that a crash is
/// atomic with respect to them.
/// </summary>
internal sealed class PowerSwitch : IStorageFileSystem
{
    private readonly IStorageFileSystem _inner;
    private readonly Action _crash;
    private readonly Lock _lock = new();
    private long _countdown = -1;
    private bool _off;

    /// <param name="inner">The fault-injecting file system (shared by every process of a test).</param>
    /// <param name="crash">Simulates the power loss on <paramref name="inner"/>.</param>
    public PowerSwitch(IStorageFileSystem inner, Action crash)
    {
        _inner = inner;
        _crash = crash;
    }

    /// <summary>Whether the power is off (this process is gone).</summary>
    public bool IsOff
    {
        get
        {
            lock (_lock)
            {
                return _off;
            }
        }
    }

    /// <summary>Mutating file operations done so far.</summary>
    public long MutatingOperations { get; private set; }

    /// <summary>The operation the power went during ("write segments/…log at 4096"), or "between operations".</summary>
    public string? CutDuring { get; private set; }

    /// <summary>Cut the power just before the <paramref name="operations"/>-th next mutating file operation (0: the next one).</summary>
    public void ArmAfter(long operations)
    {
        lock (_lock)
        {
            _countdown = operations;
        }
    }

    /// <summary>Cuts the power now (between operations).</summary>
    public void CutNow()
    {
        lock (_lock)
        {
            CutDuring ??= "between operations";
            CutLocked();
        }
    }

    private void CutLocked()
    {
        if (!_off)
        {
            _off = true;
            _crash();
        }
    }

    private T Do<T>(string? mutation, Func<T> operation)
    {
        var mutating = mutation is not null;
        lock (_lock)
        {
            if (_off)
            {
                throw new IOException("power lost (simulated): this process is gone");
            }

            if (mutating)
            {
                if (_countdown == 0)
                {
                    CutDuring = mutation;
                    CutLocked();
                    throw new IOException("power lost (simulated) during this operation");
                }

                if (_countdown > 0)
                {
                    _countdown--;
                }

                MutatingOperations++;
            }

            return operation();
        }
    }

    private void Do(string? mutation, Action operation) => Do(mutation, () =>
    {
        operation();
        return 0;
    });

    public IStorageFile Open(string path, bool create, long preallocateBytes = 0) =>
        Do(create && !_inner.FileExists(path) ? "create " + path : null, () => (IStorageFile)new File(this, path, _inner.Open(path, create, preallocateBytes)));

    public bool FileExists(string path) => Do(null, () => _inner.FileExists(path));

    public IReadOnlyList<string> ListFiles(string directory) => Do(null, () => _inner.ListFiles(directory));

    public void Delete(string path) => Do("delete " + path, () => _inner.Delete(path));

    public void Rename(string source, string destination) => Do($"rename {source} to {destination}", () => _inner.Rename(source, destination));

    public void CreateDirectory(string path) => Do("create directory " + path, () => _inner.CreateDirectory(path));

    public void SyncDirectory(string path) => Do("sync directory " + path, () => _inner.SyncDirectory(path));

    public long AvailableBytes(string path) => Do(null, () => _inner.AvailableBytes(path));

    public bool IsDiskFull(Exception exception) => _inner.IsDiskFull(exception);

    private sealed class File(PowerSwitch power, string path, IStorageFile inner) : IStorageFile
    {
        public long Length => power.Do(null, () => inner.Length);

        public int Read(long offset, Span<byte> buffer)
        {
            // A span cannot be captured by a lambda: read into a copy under the switch's lock.
            var copy = new byte[buffer.Length];
            var read = power.Do(null, () => inner.Read(offset, copy));
            copy.AsSpan(0, read).CopyTo(buffer);
            return read;
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            var copy = data.ToArray();
            power.Do($"write {copy.Length} B to {path} at {offset}", () => inner.Write(offset, copy));
        }

        public void Sync() => power.Do("sync " + path, inner.Sync);

        public void SetLength(long length) => power.Do($"set length of {path} to {length}", () => inner.SetLength(length));

        public void Dispose()
        {
            // Closing a file after the power went is a no-op for the dead process; the file system keeps its state.
            lock (power._lock)
            {
                if (!power._off)
                {
                    inner.Dispose();
                }
            }
        }
    }
}
