namespace Sluice.Server.Hosting;

public sealed partial class SluiceServer
{
    /// <summary>EROFS on Linux: .NET reports an errno it has no exception type for as an IOException with the errno as HResult.</summary>
    private const int ReadOnlyFileSystemErrno = 30;

    private static readonly string[] SqliteFiles = ["sluice.db", "sluice.db-wal", "sluice.db-shm"];

    /// <summary>
    /// Checks that this process can open every existing file of the store for writing (the log store's segments and
    /// checkpoints under <c>log/</c>, the SQLite database and its <c>-wal</c> and <c>-shm</c> files), so a read-only file
    /// is one clear start-up error naming it, not a server that starts and then fails every write.
    /// </summary>
    /// <param name="files">The store's existing files.</param>
    /// <param name="openForWrite">Opens a file for writing and closes it again; throws when it cannot (a test seam).</param>
    /// <exception cref="ArgumentException">A file cannot be opened for writing; the message names it and the fix; <see cref="ArgumentException.ParamName"/> is <c>Sluice:DataDirectory</c>.</exception>
    internal static void CheckStoreFilesWritable(IEnumerable<string> files, Action<string>? openForWrite = null)
    {
        openForWrite ??= static path =>
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        };
        foreach (var file in files)
        {
            try
            {
                openForWrite(file);
            }
            catch (IOException ex) when (ex.HResult != ReadOnlyFileSystemErrno || OperatingSystem.IsWindows())
            {
                // Only "may not write" counts: permission denied, or a read-only file system. Other failures (a file
                // another Sluice process holds) are the store's to report, in its own words.
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                var why = ex is UnauthorizedAccessException ? "permission denied" : ex.Message.TrimEnd('.');
                var setting = string.Concat(SluiceServerOptions.SectionName, ":", nameof(SluiceServerOptions.DataDirectory));
                throw new ArgumentException(
                    $"setting Sluice:DataDirectory: this process cannot write the store file '{file}' ({why}); make it writable by the " +
                    "server's user (chown or chmod the data directory's files), or mount the data directory read-write", setting, ex);
            }
        }
    }

    /// <summary>The existing files of the store <see cref="SluiceServerOptions.Store"/> keeps in <paramref name="directory"/>.</summary>
    private IEnumerable<string> StoreFiles(string directory)
    {
        if (string.Equals(Options.Store, SluiceServerOptions.SqliteStore, StringComparison.OrdinalIgnoreCase))
        {
            return SqliteFiles.Select(f => Path.Combine(directory, f)).Where(File.Exists);
        }

        var log = Path.Combine(directory, "log");
        return Directory.Exists(log) ? Directory.EnumerateFiles(log, "*", SearchOption.AllDirectories) : [];
    }
}
