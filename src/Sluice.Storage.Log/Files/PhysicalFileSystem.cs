using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sluice.Storage.Log.Files;

/// <summary>
/// The real file system: <see cref="RandomAccess"/> (pread/pwrite) over <see cref="SafeFileHandle"/>s,
/// <see cref="RandomAccess.FlushToDisk"/> (fsync) for <see cref="IStorageFile.Sync"/>, preallocation with
/// fallocate(FALLOC_FL_KEEP_SIZE) through <see cref="File.OpenHandle"/>'s <c>preallocationSize</c>, and an fsync of
/// the directory itself (libc <c>open</c> + <c>fsync</c>; .NET cannot open a directory) for <see cref="SyncDirectory"/>.
/// </summary>
public sealed partial class PhysicalFileSystem : IStorageFileSystem
{
    // errno values as IOException.HResult carries them on Unix (.NET puts the raw errno there), and the Win32 codes
    // (in the low 16 bits of the HRESULT) on Windows.
    private const int Enospc = 28;
    private const int EdquotLinux = 122;
    private const int EdquotMac = 69;
    private const int ErrorHandleDiskFull = 39;
    private const int ErrorDiskFull = 112;

    /// <summary>The one instance.</summary>
    public static PhysicalFileSystem Instance { get; } = new();

    /// <inheritdoc />
    public IStorageFile Open(string path, bool create, long preallocateBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(preallocateBytes);
        // .NET preallocates only while creating (FileMode.CreateNew), so a file that exists is opened as it is.
        if (create && !File.Exists(path))
        {
            try
            {
                return new PhysicalFile(File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.None, preallocateBytes));
            }
            catch (IOException e) when (!IsDiskFull(e) && File.Exists(path))
            {
                // Created by someone else between the check and the open: open it as it is below.
            }
            catch (IOException e) when (preallocateBytes > 0 && !IsDiskFull(e) && AvailableBytes(Path.GetDirectoryName(Path.GetFullPath(path))!) < preallocateBytes)
            {
                throw PreallocationDidNotFit(e);
            }
        }

        return new PhysicalFile(File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete));
    }

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        if (!Directory.Exists(directory))
            return [];
        var names = Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <inheritdoc />
    public void Delete(string path) => File.Delete(path);

    /// <inheritdoc />
    public void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <inheritdoc />
    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    /// <inheritdoc />
    /// <remarks>A no-op on Windows, whose file systems journal directory changes and cannot flush a directory.</remarks>
    /// <exception cref="IOException">open or fsync failed (HResult is the errno).</exception>
    public void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        var fd = Native.Open(path, Native.ORdOnly | Native.OCloExec);
        if (fd < 0)
            throw ErrnoException("open", path);
        try
        {
            if (Native.FSync(fd) != 0)
                throw ErrnoException("fsync", path);
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    /// <inheritdoc />
    public long AvailableBytes(string path) => new DriveInfo(Path.GetFullPath(path)).AvailableFreeSpace;

    /// <inheritdoc />
    /// <remarks>
    /// .NET reports a failed system call on Unix as an <see cref="IOException"/> whose <see cref="Exception.HResult"/>
    /// is the raw errno: ENOSPC (28) or EDQUOT (122 on Linux, 69 on macOS) here. On Windows the HRESULT carries
    /// ERROR_DISK_FULL (112) or ERROR_HANDLE_DISK_FULL (39). Inner exceptions are looked at too.
    /// </remarks>
    public bool IsDiskFull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException { HResult: var h } && (OperatingSystem.IsWindows()
                    ? (h & 0xffff) is ErrorDiskFull or ErrorHandleDiskFull
                    : h is Enospc or EdquotLinux or EdquotMac))
                return true;
        }

        return false;
    }

    /// <summary>
    /// .NET reports a preallocation that did not fit ("... because the disk was full") with a generic HResult, after
    /// deleting the file: this says it with the disk-full code (ENOSPC, or ERROR_DISK_FULL on Windows), which
    /// <see cref="IsDiskFull"/> recognises, and keeps .NET's exception as the inner one.
    /// </summary>
    internal static IOException PreallocationDidNotFit(IOException error) =>
        new DiskFullException(error.Message, OperatingSystem.IsWindows() ? unchecked((int)0x80070000) | ErrorDiskFull : Enospc, error);

    private static IOException ErrnoException(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of directory '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }

    /// <summary>An <see cref="IOException"/> with both an HResult and an inner exception (IOException's constructors take one or the other).</summary>
    private sealed class DiskFullException : IOException
    {
        public DiskFullException(string message, int hresult, Exception innerException)
            : base(message, innerException) => HResult = hresult;
    }

    private sealed class PhysicalFile(SafeFileHandle handle) : IStorageFile
    {
        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (n == 0)
                    break;
                total += n;
            }

            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public void Sync() => RandomAccess.FlushToDisk(handle);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Dispose() => handle.Dispose();
    }

    private static partial class Native
    {
        // Linux and macOS agree on these two (O_RDONLY, and O_CLOEXEC on x86-64 and arm64 Linux: 0x80000; macOS: 0x1000000).
        internal const int ORdOnly = 0;
        internal static readonly int OCloExec = OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        internal static partial int FSync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
