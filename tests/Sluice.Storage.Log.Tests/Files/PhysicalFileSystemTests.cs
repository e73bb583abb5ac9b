using Sluice.Storage.Log.Files;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log.Tests.Files;

public sealed class PhysicalFileSystemTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-log-tests-" + Guid.NewGuid().ToString("N"));
    private readonly PhysicalFileSystem _fs = PhysicalFileSystem.Instance;

    public PhysicalFileSystemTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Open_CreateWithPreallocation_KeepsLengthZeroAndReadsBackWrites()
    {
        var path = Path.Combine(_directory, "a.log");
        using (var file = _fs.Open(path, create: true, preallocateBytes: 1 << 20))
        {
            Assert.Equal(0, file.Length);
            file.Write(10, "hello"u8);
            file.Sync();
            Assert.Equal(15, file.Length);
        }

        using var again = _fs.Open(path, create: true, preallocateBytes: 1 << 20);
        var buffer = new byte[20];
        Assert.Equal(15, again.Read(0, buffer));
        Assert.Equal("hello"u8.ToArray(), buffer[10..15]);
        again.SetLength(12);
        Assert.Equal(12, again.Length);
    }

    [Fact]
    public void Open_MissingWithoutCreate_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => _fs.Open(Path.Combine(_directory, "missing"), create: false));

    [Fact]
    public void ListFiles_RenameDeleteAndSyncDirectory_SeeTheChanges()
    {
        _fs.Open(Path.Combine(_directory, "b"), create: true).Dispose();
        _fs.Open(Path.Combine(_directory, "a"), create: true).Dispose();
        _fs.Rename(Path.Combine(_directory, "b"), Path.Combine(_directory, "c"));
        _fs.SyncDirectory(_directory);
        Assert.Equal(["a", "c"], _fs.ListFiles(_directory));

        _fs.Delete(Path.Combine(_directory, "a"));
        _fs.Delete(Path.Combine(_directory, "a"));
        _fs.SyncDirectory(_directory);

        Assert.Equal(["c"], _fs.ListFiles(_directory));
        Assert.Empty(_fs.ListFiles(Path.Combine(_directory, "none")));
    }

    [Fact]
    public void SyncDirectory_Missing_ThrowsIOExceptionWithErrno()
    {
        var error = Assert.Throws<IOException>(() => _fs.SyncDirectory(Path.Combine(_directory, "none")));

        Assert.Equal(2, error.HResult); // ENOENT
    }

    [Fact]
    public void AvailableBytes_TempDirectory_IsPositive() => Assert.True(_fs.AvailableBytes(_directory) > 0);

    [Fact]
    public void IsDiskFull_WriteToDevFull_True() // Linux: /dev/full fails every write with ENOSPC
    {
        using var device = _fs.Open("/dev/full", create: false);

        var error = Assert.ThrowsAny<IOException>(() => device.Write(0, new byte[10]));

        Assert.True(_fs.IsDiskFull(error));
        Assert.True(_fs.IsDiskFull(new InvalidOperationException("wrapped", error)));
        Assert.False(_fs.IsDiskFull(new IOException("other", 5)));
    }

    [Fact]
    public void PreallocationDidNotFit_GenericError_IsDiskFullAndKeepsTheOriginal()
    {
        // What .NET throws when fallocate finds too little room: a generic HResult that IsDiskFull cannot recognise.
        var original = new IOException("Failed to create 'a.log' with allocation size '1099511627776' because the disk was full.", unchecked((int)0x80131620));
        Assert.False(_fs.IsDiskFull(original));

        var error = PhysicalFileSystem.PreallocationDidNotFit(original);

        Assert.True(_fs.IsDiskFull(error));
        Assert.Same(original, error.InnerException);
        Assert.Equal(original.Message, error.Message);
    }

    [Fact]
    public async Task SegmentLog_OnDisk_AppendsSyncsAndRecovers()
    {
        var options = new SegmentLogOptions { SegmentBytes = 64 * 1024, ReserveBytes = 0 };
        var log = SegmentLog.Open(_fs, _directory, options, LogPosition.Start, (_, _, _) => { }, out _);
        LogPosition end = default;
        for (var i = 0; i < 200; i++)
        {
            log.Reserve(1024, LogSpace.Grow);
            end = log.Append((byte)i, new byte[1024]);
        }

        await log.WaitDurableAsync(end);
        await log.DisposeAsync();

        var types = new List<byte>();
        var reopened = SegmentLog.Open(_fs, _directory, options, LogPosition.Start, (_, type, _) => types.Add(type), out var report);
        await reopened.DisposeAsync();

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (byte)i), types);
        Assert.Empty(report.Findings);
        Assert.True(report.SegmentsRead >= 3);
    }
}
