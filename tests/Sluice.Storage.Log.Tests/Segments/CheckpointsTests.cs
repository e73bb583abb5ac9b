using Sluice.Storage.Log.Segments;
using Sluice.Storage.Log.Tests.FaultInjection;

namespace Sluice.Storage.Log.Tests.Segments;

public sealed class CheckpointsTests
{
    private const string Directory = "/store/checkpoints";

    private static void Write(FaultInjectingFileSystem fs, LogPosition covers, byte[] state) =>
        Checkpoints.Write(fs, Directory, covers, stream => stream.Write(state));

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string PathOf(LogPosition covers) => $"{Directory}/{covers.Segment:D20}-{covers.Offset:D20}.checkpoint";

    [Fact]
    public void ReadLatest_AfterWriteAndPowerLoss_ReturnsTheStateAndPosition()
    {
        var fs = new FaultInjectingFileSystem();
        var state = new byte[3_000_000]; // larger than the write buffer
        new Random(21).NextBytes(state);
        Write(fs, new LogPosition(3, 1234), state);

        using var stream = Checkpoints.ReadLatest(fs.Crash(new Random(22)), Directory, salvage: false, out var covers);

        Assert.NotNull(stream);
        Assert.Equal(new LogPosition(3, 1234), covers);
        Assert.Equal(state.Length, stream.Length);
        Assert.Equal(state, ReadAll(stream));
    }

    [Fact]
    public void ReadLatest_None_ReturnsNullAndStart()
    {
        var stream = Checkpoints.ReadLatest(new FaultInjectingFileSystem(), Directory, salvage: false, out var covers);

        Assert.Null(stream);
        Assert.Equal(LogPosition.Start, covers);
    }

    [Fact]
    public void Write_ThreeCheckpoints_KeepsTheNewestTwo()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1]);
        Write(fs, new LogPosition(2, 0), [2]);
        Write(fs, new LogPosition(2, 500), [3]);

        Assert.Equal([Path.GetFileName(PathOf(new LogPosition(2, 0))), Path.GetFileName(PathOf(new LogPosition(2, 500)))], fs.ListFiles(Directory));
        using var stream = Checkpoints.ReadLatest(fs, Directory, salvage: false, out var covers);
        Assert.Equal(new LogPosition(2, 500), covers);
        Assert.Equal([3], ReadAll(stream!));
    }

    [Fact]
    public void ReadLatest_NewestDamaged_ThrowsNamingTheFileAndSalvage()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1, 1, 1]);
        Write(fs, new LogPosition(2, 0), [2, 2, 2]);
        var bytes = fs.ReadAllBytes(PathOf(new LogPosition(2, 0)));
        bytes[33] ^= 0x10;
        fs.WriteAllBytesDurably(PathOf(new LogPosition(2, 0)), bytes);

        var error = Assert.Throws<LogCorruptException>(() => Checkpoints.ReadLatest(fs, Directory, salvage: false, out _));

        Assert.Contains(PathOf(new LogPosition(2, 0)), error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
        Assert.Contains("Salvage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLatest_SalvageWithNewestCutShort_FallsBackToThePreviousAndReportsIt()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1, 1, 1]);
        Write(fs, new LogPosition(2, 0), [2, 2, 2]);
        fs.WriteAllBytesDurably(PathOf(new LogPosition(2, 0)), fs.ReadAllBytes(PathOf(new LogPosition(2, 0))).AsSpan(0, 40));
        var findings = new List<string>();

        using var stream = Checkpoints.ReadLatest(fs, Directory, salvage: true, out var covers, findings);

        Assert.Equal(new LogPosition(1, 100), covers);
        Assert.Equal([1, 1, 1], ReadAll(stream!));
        Assert.Contains(PathOf(new LogPosition(2, 0)), Assert.Single(findings), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLatest_SalvageWithTheOnlyCheckpointDamaged_ReturnsNullAndReportsIt()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1, 1, 1]);
        var bytes = fs.ReadAllBytes(PathOf(new LogPosition(1, 100)));
        bytes[^1] ^= 1;
        fs.WriteAllBytesDurably(PathOf(new LogPosition(1, 100)), bytes);
        var findings = new List<string>();

        var stream = Checkpoints.ReadLatest(fs, Directory, salvage: true, out var covers, findings);

        Assert.Null(stream);
        Assert.Equal(LogPosition.Start, covers);
        Assert.Contains("from its start", Assert.Single(findings), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_StateWriterFails_LeavesThePreviousCheckpoint()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1]);

        Assert.Throws<InvalidOperationException>(() => Checkpoints.Write(fs, Directory, new LogPosition(2, 0), _ => throw new InvalidOperationException("boom")));

        using var stream = Checkpoints.ReadLatest(fs, Directory, salvage: false, out var covers);
        Assert.Equal(new LogPosition(1, 100), covers);
        Assert.Equal([Path.GetFileName(PathOf(new LogPosition(1, 100)))], fs.ListFiles(Directory));
    }

    [Fact]
    public void Begin_WrittenButDisposedUncommitted_LeavesOnlyThePreviousCheckpoint()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1]);

        using (var pending = Checkpoints.Begin(fs, Directory))
        {
            pending.Write(new LogPosition(2, 0), stream => stream.Write(new byte[5000]));
            Assert.Equal(5000, pending.ContentBytes);
        }

        using var stream = Checkpoints.ReadLatest(fs, Directory, salvage: false, out var covers);
        Assert.Equal(new LogPosition(1, 100), covers);
        Assert.Equal([Path.GetFileName(PathOf(new LogPosition(1, 100)))], fs.ListFiles(Directory));
    }

    [Fact]
    public void Begin_TemporaryFileLeftByACrash_IsDeletedAndTheNewCheckpointCommits()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1]);
        foreach (var leftover in (string[])["next.checkpoint.tmp", "00000000000000000002-00000000000000000000.checkpoint.tmp"])
        {
            // A process that died between writing a checkpoint and committing it (this version's name, and an older one's).
            using var file = fs.Open($"{Directory}/{leftover}", create: true);
            file.Write(0, new byte[10]);
            file.Sync();
        }

        fs.SyncDirectory(Directory);

        using (var pending = Checkpoints.Begin(fs, Directory))
        {
            pending.Write(new LogPosition(3, 0), stream => stream.Write([7, 8]));
            pending.Commit();
        }

        using var stream = Checkpoints.ReadLatest(fs, Directory, salvage: false, out var covers);
        Assert.Equal(new LogPosition(3, 0), covers);
        Assert.Equal([7, 8], ReadAll(stream!));
        Assert.DoesNotContain(fs.ListFiles(Directory), name => name.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void Commit_BeforeTheStateIsWritten_Throws()
    {
        var fs = new FaultInjectingFileSystem();
        using var pending = Checkpoints.Begin(fs, Directory);

        Assert.Throws<InvalidOperationException>(pending.Commit);
    }

    [Fact]
    public void Write_PowerLossBeforeTheDirectorySync_KeepsThePreviousCheckpoint()
    {
        var fs = new FaultInjectingFileSystem();
        Write(fs, new LogPosition(1, 100), [1]);
        FaultInjectingFileSystem? rebooted = null;
        fs.InjectFault = (operation, _) =>
        {
            if (operation == FaultOperation.SyncDirectory)
                rebooted = fs.Crash(new Random(23));
            return false;
        };

        var error = Assert.Throws<SluiceException>(() => Write(fs, new LogPosition(2, 0), [2]));

        Assert.Equal(ErrorCodes.StorageFailed, error.ErrorCode);
        using var stream = Checkpoints.ReadLatest(rebooted!, Directory, salvage: false, out var covers);
        Assert.Equal(new LogPosition(1, 100), covers);
        Assert.Equal([1], ReadAll(stream!));
    }
}
