namespace Sluice.Storage.Log.Files;

/// <summary>The real file system (RandomAccess over file handles; fsync for <see cref="IStorageFile.Sync"/>).</summary>
public sealed class PhysicalFileSystem : IStorageFileSystem
{
    /// <summary>The one instance.</summary>
    public static PhysicalFileSystem Instance { get; } = new();

    /// <inheritdoc />
    public IStorageFile Open(string path, bool create, long preallocateBytes = 0) => throw new NotImplementedException("seam: the segments helper implements this");

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory) => throw new NotImplementedException("seam");

    /// <inheritdoc />
    public void Delete(string path) => File.Delete(path);

    /// <inheritdoc />
    public void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <inheritdoc />
    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    /// <inheritdoc />
    public void SyncDirectory(string path) => throw new NotImplementedException("seam");

    /// <inheritdoc />
    public long AvailableBytes(string path) => throw new NotImplementedException("seam");

    /// <inheritdoc />
    public bool IsDiskFull(Exception exception) => throw new NotImplementedException("seam");
}
