using Microsoft.Extensions.Time.Testing;
using Sluice.Storage.Log.Tests.FaultInjection;

namespace Sluice.Storage.Log.Tests;

/// <summary>A full disk through the fault-injecting file system: publishes are refused, consumers still drain, space comes back.</summary>
public sealed class LogStoreDiskFullTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Publish_DiskFull_RefusedWithStorageFullWhileReceiveAndAckDrain()
    {
        var fs = new FaultInjectingFileSystem();
        var options = new LogStoreOptions
        {
            Directory = "/disk/log",
            FileSystem = fs,
            SegmentBytes = 64 * 1024,
            CheckpointBytes = 1024 * 1024,
            ReserveBytes = 192 * 1024,
        };
        var store = new LogMessageStore(options, _time);
        await store.InitializeAsync();
        await store.CreateQueueAsync("q", new QueueOptions());
        fs.Capacity = fs.UsedBytes + (1024 * 1024);
        var body = new byte[1000];
        var published = 0;
        SluiceException? refused = null;
        while (refused is null && published < 10_000)
        {
            try
            {
                await store.PublishAsync("q", [new OutgoingMessage(body)]);
                published++;
            }
            catch (SluiceException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(ErrorCodes.StorageFull, refused.ErrorCode);
        Assert.True(refused.IsTransient);
        Assert.True(published > 100, $"only {published} publishes before the disk was full");

        // Consumers drain on the reserve: every published message is received and acked.
        var drained = 0;
        while (true)
        {
            var received = await store.ReceiveAsync("q", 10, TimeSpan.FromMinutes(1));
            if (received.Messages.Count == 0)
            {
                break;
            }

            Assert.All(received.Messages, m => Assert.Equal(body.Length, m.Body.Length));
            Assert.All(await store.AckAsync("q", [.. received.Messages.Select(m => m.ReceiptHandle!)]), r => Assert.True(r.Succeeded));
            drained += received.Messages.Count;
        }

        Assert.Equal(published, drained);

        // A checkpoint after the drain frees the dead segments: publishing works again.
        var full = fs.UsedBytes;
        await store.CheckpointAndCompactAsync();
        Assert.True(fs.UsedBytes < full / 2, $"{fs.UsedBytes} bytes used after draining, {full} before");
        await store.PublishAsync("q", [new OutgoingMessage(body)]);
        await store.DisposeAsync();
    }
}
