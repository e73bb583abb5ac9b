namespace Sluice.Storage.Log.Files;

/// <summary>
/// The small file layer every byte of the log-structured store goes through, so that tests can put a fault-injecting
/// implementation under the engine (power loss that drops every write not covered by a sync, torn writes, full disks),
/// the way RocksDB's FaultInjectionTestFS does. <see cref="PhysicalFileSystem"/> is the real one. Paths are full paths.
/// </summary>
public interface IStorageFileSystem
{
    /// <summary>Opens a file for reading and writing; creates it (empty) when <paramref name="create"/> and it is missing.</summary>
    /// <param name="path">Full path.</param>
    /// <param name="create">Create when missing.</param>
    /// <param name="preallocateBytes">When creating: reserve this many bytes on disk (fallocate) so that writes inside them cannot fail for lack of space; the file's length stays 0. 0: none.</param>
    /// <exception cref="FileNotFoundException">Missing and not <paramref name="create"/>.</exception>
    /// <exception cref="IOException">Including a full disk (<see cref="IsDiskFull"/>).</exception>
    IStorageFile Open(string path, bool create, long preallocateBytes = 0);

    /// <summary>Whether a file exists.</summary>
    bool FileExists(string path);

    /// <summary>Names (not paths) of the files directly in <paramref name="directory"/>, ordinal order; empty when it does not exist.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>Deletes a file; nothing when missing. Durable only after <see cref="SyncDirectory"/>.</summary>
    void Delete(string path);

    /// <summary>Renames a file atomically, replacing <paramref name="destination"/>. Durable only after <see cref="SyncDirectory"/>.</summary>
    void Rename(string source, string destination);

    /// <summary>Creates a directory and its parents when missing.</summary>
    void CreateDirectory(string path);

    /// <summary>Makes creations, renames and deletions in a directory durable (fsync of the directory).</summary>
    void SyncDirectory(string path);

    /// <summary>Bytes free for this process on the file system that holds <paramref name="path"/>.</summary>
    long AvailableBytes(string path);

    /// <summary>Whether an exception from this file system means the disk is full (ENOSPC, EDQUOT).</summary>
    bool IsDiskFull(Exception exception);
}

/// <summary>An open file of an <see cref="IStorageFileSystem"/>. Not thread-safe for writes; reads may run concurrently with a write to another range.</summary>
public interface IStorageFile : IDisposable
{
    /// <summary>The file's length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; fewer only at the end of the file.</summary>
    /// <returns>Bytes read.</returns>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> (extending the file when past its end). Not durable until <see cref="Sync"/>.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes every write so far durable (fdatasync).</summary>
    void Sync();

    /// <summary>Truncates (or extends with zeros) to <paramref name="length"/>. Not durable until <see cref="Sync"/>.</summary>
    void SetLength(long length);
}
