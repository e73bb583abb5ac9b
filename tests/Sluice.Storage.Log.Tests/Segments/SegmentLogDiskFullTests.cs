using Sluice.Storage.Log.Segments;
using Sluice.Storage.Log.Tests.FaultInjection;
using static Sluice.Storage.Log.Tests.Segments.LogFixture;

namespace Sluice.Storage.Log.Tests.Segments;

public sealed class SegmentLogDiskFullTests
{
    private const int SegmentBytes = 4096;
    private static readonly SegmentLogOptions Options = new() { SegmentBytes = SegmentBytes, ReserveBytes = 2 * SegmentBytes };

    [Fact]
    public async Task Reserve_GrowIntoASegmentThatADrainOpenedFromTheReserve_RefusedUntilFreeSpaceIsBack()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Options);
        await using var _ = log;
        fs.Capacity = fs.UsedBytes + 5 * SegmentBytes;
        var payload = new byte[1000];
        while (true)
        {
            try
            {
                Append(log, 1, payload, LogSpace.Grow);
            }
            catch (SluiceException e) when (e.ErrorCode == ErrorCodes.StorageFull)
            {
                break;
            }
        }

        // An ack opens a segment from the reserve; a publish would fit in it, but its room is the consumers'.
        var segments = log.Segments.Count;
        await log.WaitDurableAsync(Append(log, 2, payload, LogSpace.Drain));
        Assert.Equal(segments + 1, log.Segments.Count);
        var refused = Assert.Throws<SluiceException>(() => log.Reserve(payload.Length, LogSpace.Grow));
        Assert.Equal(ErrorCodes.StorageFull, refused.ErrorCode);
        Assert.Contains("reserve", refused.InnerException!.Message, StringComparison.Ordinal);
        for (var i = 0; i < 3; i++)
            Append(log, 2, payload, LogSpace.Drain);

        // Space back (compaction deleted segments): publishes go into the rest of that segment again.
        log.DeleteSegmentsBefore(4);
        await log.WaitDurableAsync(Append(log, 3, payload, LogSpace.Grow));
    }

    [Fact]
    public async Task Reserve_FreeSpaceDownToTheReserve_RefusesGrowButDrainAppendsUntilDeletedSegmentsFreeSpace()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Options);
        await using var _ = log;
        // Room for the first segment, three more, and the reserve of two.
        fs.Capacity = fs.UsedBytes + 5 * SegmentBytes;
        var payload = new byte[1000];
        LogPosition end = default;
        var grown = 0;
        SluiceException? refused = null;
        while (refused is null && grown < 100)
        {
            try
            {
                log.Reserve(payload.Length, LogSpace.Grow);
                end = log.Append(1, payload);
                grown++;
            }
            catch (SluiceException e)
            {
                refused = e;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(ErrorCodes.StorageFull, refused.ErrorCode);
        Assert.True(refused.IsTransient);
        Assert.Equal(4 * 4, grown); // four records of 1,016 bytes fit a 4,096-byte segment; four segments
        Assert.Equal(Options.ReserveBytes, fs.AvailableBytes(Root));
        await log.WaitDurableAsync(end);

        // Receives and acks (drain records) use the reserve.
        for (var i = 0; i < 2 * 4; i++)
        {
            log.Reserve(payload.Length, LogSpace.Drain);
            end = log.Append(2, payload);
        }

        await log.WaitDurableAsync(end);
        Assert.Equal(ErrorCodes.StorageFull, Assert.Throws<SluiceException>(() => log.Reserve(payload.Length, LogSpace.Grow)).ErrorCode);

        // Once a checkpoint lets old segments go, publishes work again.
        log.DeleteSegmentsBefore(4);
        log.Reserve(payload.Length, LogSpace.Grow);
        await log.WaitDurableAsync(log.Append(3, payload));
    }

    [Fact]
    public async Task Reserve_DiskCompletelyFull_ThrowsStorageFullAndTheLogStaysUsable()
    {
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, Options with { ReserveBytes = 0 });
        await using var _ = log;
        fs.Capacity = fs.UsedBytes;
        LogPosition end = default;
        for (var i = 0; i < 4; i++)
        {
            log.Reserve(1000, LogSpace.Drain);
            end = log.Append(1, new byte[1000]);
        }

        var error = Assert.Throws<SluiceException>(() => log.Reserve(1000, LogSpace.Drain));

        Assert.Equal(ErrorCodes.StorageFull, error.ErrorCode);
        Assert.True(fs.IsDiskFull(error));
        await log.WaitDurableAsync(end);
        fs.Capacity = long.MaxValue;
        log.Reserve(1000, LogSpace.Drain);
        await log.WaitDurableAsync(log.Append(1, new byte[1000]));
    }

    [Fact]
    public async Task Open_NoRoomForTheFirstSegment_ThrowsStorageFull()
    {
        var fs = new FaultInjectingFileSystem { Capacity = SegmentBytes - 1 };

        var error = Assert.Throws<SluiceException>(() => Open(fs, Options));

        Assert.Equal(ErrorCodes.StorageFull, error.ErrorCode);
        await Task.CompletedTask;
    }
}
