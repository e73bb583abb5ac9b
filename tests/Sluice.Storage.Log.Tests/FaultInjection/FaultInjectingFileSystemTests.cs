namespace Sluice.Storage.Log.Tests.FaultInjection;

public sealed class FaultInjectingFileSystemTests
{
    private const string Dir = "/d";

    private static FaultInjectingFileSystem WithFile(out string path, bool syncDirectory = true)
    {
        var fs = new FaultInjectingFileSystem();
        fs.CreateDirectory(Dir);
        path = Dir + "/f";
        fs.Open(path, create: true).Dispose();
        if (syncDirectory)
            fs.SyncDirectory(Dir);
        return fs;
    }

    [Fact]
    public void Crash_SyncedWrite_Survives()
    {
        var fs = WithFile(out var path);
        using (var file = fs.Open(path, create: false))
        {
            file.Write(0, "durable"u8);
            file.Sync();
        }

        var rebooted = fs.Crash(new Random(1));

        Assert.Equal("durable"u8.ToArray(), rebooted.ReadAllBytes(path));
    }

    [Fact]
    public void Crash_UnsyncedWrites_LeaveAPrefixOfThemSometimesTorn()
    {
        var outcomes = new HashSet<int>();
        for (var seed = 0; seed < 200; seed++)
        {
            var fs = WithFile(out var path);
            using (var file = fs.Open(path, create: false))
            {
                file.Write(0, "AAAA"u8);
                file.Sync();
                file.Write(4, "BBBB"u8);
                file.Write(8, "CCCC"u8);
            }

            var content = fs.Crash(new Random(seed)).ReadAllBytes(path);

            Assert.True(content.Length >= 4, $"seed {seed}: the synced bytes were lost");
            Assert.Equal("AAAA"u8.ToArray(), content[..4]);
            var intact = "AAAABBBBCCCC"u8.ToArray();
            var prefix = 0;
            while (prefix < content.Length && prefix < intact.Length && content[prefix] == intact[prefix])
                prefix++;
            outcomes.Add(content.Length == prefix ? prefix : -1); // -1: garbage after a torn point
        }

        Assert.Contains(4, outcomes);  // both unsynced writes lost
        Assert.Contains(8, outcomes);  // the first one kept
        Assert.Contains(12, outcomes); // both kept
        Assert.True(outcomes.Count > 4, "no torn write in 200 crashes");
    }

    [Fact]
    public void Crash_CreatedFileWithoutDirectorySync_Disappears()
    {
        var fs = WithFile(out var path, syncDirectory: false);

        var rebooted = fs.Crash(new Random(2));

        Assert.False(rebooted.FileExists(path));
        Assert.Empty(rebooted.ListFiles(Dir));
    }

    [Fact]
    public void Crash_RenameAndDeleteWithoutDirectorySync_AreRolledBack()
    {
        var fs = WithFile(out var path);
        fs.Open(Dir + "/g", create: true).Dispose();
        fs.SyncDirectory(Dir);
        fs.Rename(path, Dir + "/h");
        fs.Delete(Dir + "/g");
        Assert.Equal(["h"], fs.ListFiles(Dir));

        var rebooted = fs.Crash(new Random(3));

        Assert.Equal(["f", "g"], rebooted.ListFiles(Dir));
    }

    [Fact]
    public void Crash_OldViewAndItsFiles_ThrowAfterwards()
    {
        var fs = WithFile(out var path);
        var file = fs.Open(path, create: false);

        fs.Crash(new Random(4));

        Assert.Throws<IOException>(() => file.Write(0, [1]));
        Assert.Throws<IOException>(() => fs.Open(path, create: false));
        Assert.Throws<IOException>(() => fs.Delete(path));
    }

    [Fact]
    public void Write_PastCapacity_ThrowsDiskFullAndChangesNothing()
    {
        var fs = WithFile(out var path);
        fs.Capacity = 10;
        using var file = fs.Open(path, create: false);
        file.Write(0, new byte[8]);

        var error = Assert.Throws<IOException>(() => file.Write(8, new byte[3]));

        Assert.True(fs.IsDiskFull(error));
        Assert.Equal(8, file.Length);
        Assert.Throws<IOException>(() => fs.Open(Dir + "/big", create: true, preallocateBytes: 3));
        Assert.False(fs.FileExists(Dir + "/big"));
    }

    [Fact]
    public void InjectFault_Sync_ThrowsAndKeepsTheWriteUnsynced()
    {
        var fs = WithFile(out var path);
        fs.InjectFault = (operation, _) => operation == FaultOperation.Sync;
        using (var file = fs.Open(path, create: false))
        {
            file.Write(0, [1, 2, 3]);
            var error = Assert.Throws<IOException>(file.Sync);
            Assert.False(fs.IsDiskFull(error));
        }

        var content = fs.Crash(new Random(5)).ReadAllBytes(path);

        Assert.True(content.Length <= 3);
    }
}
