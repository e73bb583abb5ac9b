using Sluice.Storage.Log.Segments;
using Sluice.Storage.Log.Tests.FaultInjection;
using static Sluice.Storage.Log.Tests.Segments.LogFixture;

namespace Sluice.Storage.Log.Tests.Segments;

/// <summary>Damage found at open: torn tails are cut and reported, damage in the middle refuses to open (or is skipped under salvage), missing files are errors.</summary>
public sealed class SegmentLogRecoveryTests
{
    private static readonly SegmentLogOptions Small = new() { SegmentBytes = 4096, ReserveBytes = 0 };

    /// <summary>A log of <paramref name="count"/> durable 200-byte records (type = index); returns the disk and each record's start.</summary>
    private static async Task<(FaultInjectingFileSystem Fs, List<LogPosition> Starts)> Written(int count)
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        var starts = new List<LogPosition>();
        LogPosition end = default;
        for (var i = 0; i < count; i++)
        {
            starts.Add(log.Reserve(200, LogSpace.Grow));
            end = log.Append((byte)i, Enumerable.Repeat((byte)i, 200).ToArray());
        }

        await log.WaitDurableAsync(end);
        await log.DisposeAsync();
        return (fs.Restart(), starts);
    }

    private static void Damage(FaultInjectingFileSystem fs, string path, Func<byte[], byte[]> change) =>
        fs.WriteAllBytesDurably(path, change(fs.ReadAllBytes(path)));

    [Fact]
    public async Task Open_LastRecordCutShort_CutsTheTailAndReportsIt()
    {
        var (fs, starts) = await Written(30);
        var last = starts[^1];
        Damage(fs, SegmentPath(last.Segment), bytes => bytes[..^5]);

        var (log, records, report) = Open(fs, Small);
        await using (log)
        {
            Assert.Equal(29, records.Count);
            Assert.Equal(SegmentLog.HeaderBytes + 200 - 5, report.BytesCut);
            var finding = Assert.Single(report.Findings);
            Assert.Contains(SegmentPath(last.Segment), finding, StringComparison.Ordinal);
            Assert.Contains($"offset {last.Offset}", finding, StringComparison.Ordinal);
            Assert.Equal(last, log.Tail);
            await log.WaitDurableAsync(Append(log, 77, [7]));
        }

        var (again, more, clean) = Open(fs.Restart(), Small);
        await using var _ = again;
        Assert.Empty(clean.Findings);
        Assert.Equal([.. Enumerable.Range(0, 29).Select(i => (byte)i), (byte)77], more.Select(r => r.Type));
    }

    [Fact]
    public async Task Open_TornRecordWhosePayloadHoldsAValidFrame_CutsTheTailAndNeverReplaysTheEmbeddedFrame()
    {
        // A payload (a message body, say) that carries the exact bytes of a valid record: a frame copied from elsewhere
        // in this log. When the record carrying it is torn after the embedded frame, recovery must see a torn tail, not
        // "damage followed by a valid record", and must never replay the embedded bytes as a record.
        var (fs, starts) = await Written(3);
        var path = SegmentPath(starts[0].Segment);
        var frame = fs.ReadAllBytes(path)[(int)starts[1].Offset..(int)(starts[1].Offset + SegmentLog.HeaderBytes + 200)];
        var (log, _, _) = Open(fs, Small);
        var carrier = log.Reserve(frame.Length + 8, LogSpace.Grow);
        await log.WaitDurableAsync(log.Append(99, [.. new byte[8], .. frame]));
        await log.DisposeAsync();
        var disk = fs.Restart();
        var end = (int)carrier.Offset + SegmentLog.HeaderBytes + 8 + frame.Length;
        Damage(disk, path, bytes => bytes[..(end - 3)]); // torn inside the embedded frame's record, after the frame's header and most of it

        var (again, records, report) = Open(disk, Small);
        await using var _ = again;
        Assert.Equal([(byte)0, (byte)1, (byte)2], records.Select(r => r.Type));
        Assert.True(report.BytesCut > 0);
        Assert.Single(report.Findings);
    }

    [Fact]
    public async Task Open_GarbageAfterTheLastRecord_CutsIt()
    {
        var (fs, starts) = await Written(10);
        var garbage = new byte[300];
        new Random(11).NextBytes(garbage);
        Damage(fs, SegmentPath(starts[^1].Segment), bytes => [.. bytes, .. garbage]);

        var (log, records, report) = Open(fs, Small);
        await using var _ = log;

        Assert.Equal(10, records.Count);
        Assert.Equal(300, report.BytesCut);
        Assert.Single(report.Findings);
    }

    [Fact]
    public async Task Open_FlippedBytesInTheMiddle_ThrowsNamingFileOffsetAndSalvage()
    {
        var (fs, starts) = await Written(40);
        var victim = starts[3];
        Damage(fs, SegmentPath(victim.Segment), bytes =>
        {
            for (var i = 0; i < 16; i++)
                bytes[victim.Offset + SegmentLog.HeaderBytes + 50 + i] ^= 0xFF;
            return bytes;
        });

        var error = Assert.Throws<LogCorruptException>(() => Open(fs, Small));

        Assert.Contains(SegmentPath(victim.Segment), error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {victim.Offset}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Salvage", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_DamageInTheMiddleOfASegmentOfNonZeroData_ReadsTheFileAFewTimesNotOncePerByte()
    {
        // The search for a valid record after damage moves a byte at a time; it must scan its buffered window, not
        // read a new one at every byte (which made a 64 MiB segment take most of a minute to refuse).
        var fs = new FaultInjectingFileSystem();
        var options = new SegmentLogOptions { SegmentBytes = 1 << 20, ReserveBytes = 0 };
        var (log, _, _) = Open(fs, options);
        LogPosition end = default;
        for (var i = 0; i < 900; i++)
            end = Append(log, 1, Enumerable.Repeat((byte)'x', 1000).ToArray());
        await log.WaitDurableAsync(end);
        await log.DisposeAsync();
        var disk = fs.Restart();
        Damage(disk, SegmentPath(1), bytes =>
        {
            bytes.AsSpan(20_000, 16).Fill(0xFF);
            return bytes;
        });
        var reads = 0;
        disk.InjectFault = (operation, _) =>
        {
            if (operation == FaultOperation.Read)
                Interlocked.Increment(ref reads);
            return false;
        };

        var error = Assert.Throws<LogCorruptException>(() => Open(disk, options));

        Assert.Contains("offset", error.Message, StringComparison.Ordinal);
        Assert.True(reads < 100, $"{reads} reads of a 900 KB segment");
    }

    [Fact]
    public async Task Open_SalvageWithDamageInTheMiddle_SkipsItReportsItAndRecoversTheRest()
    {
        var (fs, starts) = await Written(40);
        var victim = starts[3];
        Damage(fs, SegmentPath(victim.Segment), bytes =>
        {
            bytes[victim.Offset + 2] ^= 0x40; // the length: the record now seems to run elsewhere
            return bytes;
        });

        var (log, records, report) = Open(fs, Small with { Salvage = true });
        await using (log)
        {
            Assert.Equal(Enumerable.Range(0, 40).Where(i => i != 3).Select(i => (byte)i), records.Select(r => r.Type));
            var finding = Assert.Single(report.Findings);
            Assert.Contains("skipped", finding, StringComparison.Ordinal);
            Assert.Contains(SegmentPath(victim.Segment), finding, StringComparison.Ordinal);
            Assert.Contains($"offset {victim.Offset}", finding, StringComparison.Ordinal);
            await log.WaitDurableAsync(Append(log, 99, [9]));
        }

        var (again, more, _) = Open(fs.Restart(), Small with { Salvage = true });
        await using var _ = again;
        Assert.Equal(40, more.Count);
        Assert.Equal(99, more[^1].Type);
    }

    [Fact]
    public async Task Open_MissingSegment_ThrowsNamingIt()
    {
        var (fs, starts) = await Written(60);
        Assert.True(starts[^1].Segment >= 3);
        fs.Delete(SegmentPath(2));

        var error = Assert.Throws<LogCorruptException>(() => Open(fs, Small));

        Assert.Contains(SegmentPath(2), error.Message, StringComparison.Ordinal);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_MissingSegmentWithSalvage_ReportsItAndReplaysTheOthers()
    {
        var (fs, starts) = await Written(60);
        fs.Delete(SegmentPath(2));

        var (log, records, report) = Open(fs, Small with { Salvage = true });
        await using var _ = log;

        Assert.Equal(starts.Count(s => s.Segment != 2), records.Count);
        Assert.Contains(report.Findings, f => f.Contains(SegmentPath(2), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_NewestSegmentDeleted_ThrowsNamingIt()
    {
        var (fs, starts) = await Written(60);
        var newest = starts[^1].Segment;
        Assert.True(newest >= 3);
        fs.Delete(SegmentPath(newest));

        var error = Assert.Throws<LogCorruptException>(() => Open(fs, Small));

        Assert.Contains(SegmentPath(newest), error.Message, StringComparison.Ordinal);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("Salvage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_NewestSegmentDeletedWithSalvage_ReportsItKeepsTheRestAndGoesOn()
    {
        var (fs, starts) = await Written(60);
        var newest = starts[^1].Segment;
        fs.Delete(SegmentPath(newest));

        var (log, records, report) = Open(fs, Small with { Salvage = true });
        await using (log)
        {
            Assert.Equal(starts.Where(s => s.Segment != newest).Select(s => (byte)starts.IndexOf(s)), records.Select(r => r.Type));
            Assert.Contains(report.Findings, f => f.Contains(SegmentPath(newest), StringComparison.Ordinal));
            for (var i = 0; i < 30; i++)
                await log.WaitDurableAsync(Append(log, 200, new byte[200]));
        }

        // What salvage left is a sound log: the next open finds nothing wrong.
        var (again, more, clean) = Open(fs.Restart(), Small);
        await using var _ = again;
        Assert.Empty(clean.Findings);
        Assert.Equal(records.Count + 30, more.Count);
    }

    [Fact]
    public async Task Open_CrashRightAfterARollWithTheNewSegmentStillEmpty_OpensWithNothingLost()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        var count = 0;
        while (log.Reserve(200, LogSpace.Drain).Segment == 1)
        {
            log.Append((byte)count++, new byte[200]);
        }

        // The roll made segment 2 and ended segment 1 with its continuation record: wait until that is durable, then
        // lose power before anything lands in segment 2.
        await log.WaitDurableAsync(new LogPosition(2, 0));
        var disk = fs.Crash(new Random(5));
        Assert.True(disk.FileExists(SegmentPath(2)));

        var (again, records, report) = Open(disk, Small);
        await using (again)
        {
            Assert.Equal(count, records.Count);
            Assert.Empty(report.Findings);
            Assert.Equal(new LogPosition(2, 0), again.Tail);
            await again.WaitDurableAsync(Append(again, 200, new byte[200]));
        }

        var (third, all, _) = Open(disk.Restart(), Small);
        await using var _ = third;
        Assert.Equal(count + 1, all.Count);
    }

    [Fact]
    public void Append_TheLogsOwnContinuationType_Throws()
    {
        var (log, _, _) = Open(new FaultInjectingFileSystem(), Small);

        Assert.Throws<ArgumentOutOfRangeException>(() => log.Append(SegmentLog.ContinuationType, [1]));
    }

    [Fact]
    public async Task Open_IdentityPresentButSegmentsDeleted_Throws()
    {
        var (fs, starts) = await Written(30);
        for (var s = 1; s <= starts[^1].Segment; s++)
            fs.Delete(SegmentPath(s));

        var error = Assert.Throws<LogCorruptException>(() => Open(fs, Small with { Salvage = true }));

        Assert.Contains("no segments", error.Message, StringComparison.Ordinal);
        Assert.Contains(Root, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_SegmentsWithoutIdentity_Throws()
    {
        var (fs, _) = await Written(5);
        fs.Delete($"{Root}/identity");

        var error = Assert.Throws<LogCorruptException>(() => Open(fs, Small));

        Assert.Contains("no identity file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_DamagedIdentity_Throws()
    {
        var (fs, _) = await Written(5);
        Damage(fs, $"{Root}/identity", bytes =>
        {
            bytes[20] ^= 1;
            return bytes;
        });

        var error = Assert.Throws<LogCorruptException>(() => Open(fs, Small));

        Assert.Contains($"{Root}/identity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ReplayFromPastTheEnd_Throws()
    {
        var (fs, starts) = await Written(5);

        var error = Assert.Throws<LogCorruptException>(() => Open(fs, Small, from: starts[^1] with { Offset = starts[^1].Offset + 5000 }));

        Assert.Contains("checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ReplayFromDeletedSegment_Throws()
    {
        var (fs, starts) = await Written(60);
        var (log, _, _) = Open(fs, Small, from: new LogPosition(3, 0));
        log.DeleteSegmentsBefore(3);
        await log.DisposeAsync();

        var error = Assert.Throws<LogCorruptException>(() => Open(fs.Restart(), Small, from: new LogPosition(2, 0)));

        Assert.Contains(SegmentPath(2), error.Message, StringComparison.Ordinal);
        Assert.True(starts[^1].Segment >= 3);
    }
}
