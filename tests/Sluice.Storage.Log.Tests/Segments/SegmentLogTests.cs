using Sluice.Storage.Log.Segments;
using Sluice.Storage.Log.Tests.FaultInjection;
using static Sluice.Storage.Log.Tests.Segments.LogFixture;

namespace Sluice.Storage.Log.Tests.Segments;

public sealed class SegmentLogTests
{
    private static readonly SegmentLogOptions Small = new() { SegmentBytes = 4096, ReserveBytes = 0 };

    [Fact]
    public async Task Append_ManyRecordsAcrossSegments_ReplaysEveryRecordInOrder()
    {
        var random = new Random(1);
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        var appended = new List<(byte Type, byte[] Payload, LogPosition Start)>();
        LogPosition end = default;
        for (var i = 0; i < 300; i++)
        {
            // Mostly small records, a few empty ones and a few larger than a segment (which get a segment of their own).
            var length = i % 50 == 7 ? 9000 : i % 13 == 0 ? 0 : random.Next(1, 700);
            var payload = Payload(random, length);
            var start = log.Reserve(payload.Length, LogSpace.Grow);
            end = log.Append((byte)(i % 255), payload);
            Assert.Equal(start.Segment, end.Segment);
            Assert.Equal(start.Offset + SegmentLog.HeaderBytes + length, end.Offset);
            appended.Add(((byte)(i % 255), payload, start));
        }

        await log.WaitDurableAsync(end);
        Assert.Equal(end, log.DurableTail);
        Assert.True(log.Segments.Count > 10);
        await log.DisposeAsync();

        var (reopened, records, report) = Open(fs.Crash(new Random(2)), Small);
        await using var _ = reopened;
        Assert.Empty(report.Findings);
        Assert.Equal(0, report.BytesCut);
        Assert.Equal(300, report.RecordsReplayed);
        Assert.Equal(appended.Select(a => (a.Type, a.Start)), records.Select(r => (r.Type, r.Position)));
        for (var i = 0; i < appended.Count; i++)
            Assert.Equal(appended[i].Payload, records[i].Payload);
        Assert.Equal(end, reopened.Tail);
    }

    [Fact]
    public async Task WaitDurableAsync_AlreadyDurable_CompletesSynchronously()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        await using var _ = log;
        var end = Append(log, 1, [1, 2, 3]);
        await log.WaitDurableAsync(end);

        var again = log.WaitDurableAsync(end);

        Assert.True(again.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitDurableAsync_TailRightAfterARoll_Completes()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        await using var _ = log;
        await log.WaitDurableAsync(Append(log, 1, new byte[3000]));

        var start = log.Reserve(3000, LogSpace.Grow); // rolls: nothing is in the new segment yet

        Assert.Equal(new LogPosition(2, 0), start);
        await log.WaitDurableAsync(log.Tail);
    }

    [Fact]
    public async Task WaitDurableAsync_GroupOfConcurrentAppenders_EachCompletesAfterItsRecordIsSynced()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small with { SegmentBytes = 1 << 20 });
        var gate = new Lock();
        var order = new List<byte[]>();
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var payload = BitConverter.GetBytes(t * 1000 + i);
                LogPosition end;
                lock (gate)
                {
                    end = Append(log, 7, payload);
                    order.Add(payload);
                }

                await log.WaitDurableAsync(end);
                Assert.True(log.DurableTail >= end);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        await log.DisposeAsync();

        // Everything acknowledged survives a power loss, in the order of the appends.
        var (reopened, records, _) = Open(fs.Crash(new Random(3)), Small);
        await using var _ = reopened;
        Assert.Equal(order, records.Select(r => r.Payload));
    }

    [Fact]
    public async Task Read_PendingInflightAndWrittenBytes_ReturnsWhatWasAppended()
    {
        var fs = new FaultInjectingFileSystem();
        using var reached = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var (log, _, _) = Open(fs, Small);
        await using var _ = log;
        var block = true;
        fs.InjectFault = (operation, _) =>
        {
            if (operation == FaultOperation.Write && block)
            {
                block = false;
                reached.Release();
                release.Wait();
            }

            return false;
        };
        var first = log.Reserve(5, LogSpace.Grow);
        var firstEnd = log.Append(1, "first"u8);
        await reached.WaitAsync(); // the writer holds the first record (in flight), blocked in its write
        var second = log.Reserve(6, LogSpace.Grow);
        var secondEnd = log.Append(1, "second"u8); // pending: appended after the writer took its group

        var buffer = new byte[6];
        log.Read(first with { Offset = first.Offset + SegmentLog.HeaderBytes }, buffer.AsSpan(0, 5));
        Assert.Equal("first"u8.ToArray(), buffer[..5]);
        log.Read(second with { Offset = second.Offset + SegmentLog.HeaderBytes }, buffer);
        Assert.Equal("second"u8.ToArray(), buffer);

        release.Release();
        await log.WaitDurableAsync(secondEnd);
        Array.Clear(buffer);
        log.Read(first with { Offset = first.Offset + SegmentLog.HeaderBytes }, buffer.AsSpan(0, 5));
        Assert.Equal("first"u8.ToArray(), buffer[..5]);
        log.Read(second with { Offset = second.Offset + SegmentLog.HeaderBytes + 3 }, buffer.AsSpan(0, 3));
        Assert.Equal("ond"u8.ToArray(), buffer[..3]);
        Assert.True(firstEnd <= secondEnd);
    }

    [Fact]
    public async Task Open_ReplayFromPosition_ReplaysOnlyLaterRecords()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        var ends = new List<LogPosition>();
        for (var i = 0; i < 40; i++)
            ends.Add(Append(log, (byte)i, new byte[300]));
        await log.WaitDurableAsync(ends[^1]);
        await log.DisposeAsync();

        var (reopened, records, _) = Open(fs.Restart(), Small, from: ends[24]);
        await using var _ = reopened;

        Assert.Equal(Enumerable.Range(25, 15).Select(i => (byte)i), records.Select(r => r.Type));
        Assert.Equal(ends[24], records[0].Position);
        Assert.Equal(ends[^1], reopened.Tail);
        // The records, and the continuation record (header + 8 bytes) that ends each segment left on the way.
        Assert.Equal(SegmentLog.HeaderBytes * 15L + 300 * 15 + (SegmentLog.HeaderBytes + 8) * (ends[^1].Segment - ends[24].Segment), reopened.BytesSince(ends[24]));
    }

    [Fact]
    public async Task Open_SameLogTwice_KeepsStoreIdAndSalt()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        var (id, salt) = (log.StoreId, log.Salt);
        await log.DisposeAsync();
        var (other, _, _) = Open(new FaultInjectingFileSystem(), Small);
        await other.DisposeAsync();

        var (reopened, _, _) = Open(fs.Crash(new Random(4)), Small);
        await using var _ = reopened;

        Assert.Equal((id, salt), (reopened.StoreId, reopened.Salt));
        Assert.NotEqual(salt, other.Salt);
        Assert.NotEqual(id, other.StoreId);
    }

    [Fact]
    public async Task WaitDurableAsync_SyncFails_FailsWaitersAndPoisonsTheLog()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        await using var _ = log;
        var fail = true;
        fs.InjectFault = (operation, _) => fail && operation == FaultOperation.Sync;
        var end = Append(log, 1, [1]);

        var error = await Assert.ThrowsAsync<SluiceException>(async () => await log.WaitDurableAsync(end));
        fail = false;

        Assert.Equal(ErrorCodes.StorageFailed, error.ErrorCode);
        Assert.True(error.IsTransient);
        Assert.Equal(ErrorCodes.StorageFailed, Assert.Throws<SluiceException>(() => log.Reserve(1, LogSpace.Drain)).ErrorCode);
        Assert.Equal(ErrorCodes.StorageFailed, Assert.Throws<SluiceException>(() => log.Append(1, [2])).ErrorCode);
        Assert.Equal(ErrorCodes.StorageFailed, (await Assert.ThrowsAsync<SluiceException>(async () => await log.WaitDurableAsync(end))).ErrorCode);
    }

    [Fact]
    public async Task DeleteSegmentsBefore_OldSegments_RemovesThemDurablyAndReadsOfThemFail()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Small);
        var starts = new List<LogPosition>();
        LogPosition end = default;
        for (var i = 0; i < 30; i++)
        {
            starts.Add(log.Reserve(1000, LogSpace.Grow));
            end = log.Append(1, new byte[1000]);
        }

        await log.WaitDurableAsync(end);
        var before = log.Segments;
        log.DeleteSegmentsBefore(5);

        Assert.Equal(before.Where(s => s >= 5), log.Segments);
        Assert.Equal(ErrorCodes.StorageFailed, Assert.Throws<SluiceException>(() => log.Read(starts[0], new byte[10])).ErrorCode);
        log.Read(starts[^1], new byte[10]);
        await log.DisposeAsync();

        var (reopened, records, _) = Open(fs.Crash(new Random(5)), Small, from: new LogPosition(5, 0));
        await using var _ = reopened;
        Assert.Equal(before.Where(s => s >= 5), reopened.Segments);
        Assert.Equal(starts.Count(s => s.Segment >= 5), records.Count);
    }
}
