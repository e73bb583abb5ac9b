using Microsoft.Extensions.Time.Testing;
using Sluice.Storage.Log.Tests.FaultInjection;

namespace Sluice.Storage.Log.Tests;

/// <summary>A full disk through the fault-injecting file system: publishes are refused, consumers still drain, space comes back.</summary>
public sealed class LogStoreDiskFullTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A store with 64 KiB segments on a disk with 1 MiB free after creating <paramref name="queues"/>.</summary>
    private async Task<(LogMessageStore Store, FaultInjectingFileSystem Fs, LogStoreOptions Options)> OpenWithOneMegabyteFreeAsync(long reserveBytes, params string[] queues)
    {
        var fs = new FaultInjectingFileSystem();
        var options = new LogStoreOptions
        {
            Directory = "/disk/log",
            FileSystem = fs,
            SegmentBytes = 64 * 1024,
            CheckpointBytes = 1024 * 1024,
            ReserveBytes = reserveBytes,
        };
        var store = new LogMessageStore(options, _time);
        await store.InitializeAsync();
        foreach (var queue in queues)
        {
            await store.CreateQueueAsync(queue, new QueueOptions());
        }

        fs.Capacity = fs.UsedBytes + (1024 * 1024);
        return (store, fs, options);
    }

    [Fact]
    public async Task Checkpoint_DiskFullPartWayWhileCallsRun_NextCheckpointWrittenAndAKilledProcessReopensToTheLiveState()
    {
        // A checkpoint of several chunks (calls run between them) meets a full disk after its first megabyte: it is
        // given up (its copy-on-write ends), the next one is written, and a process killed then reopens to the live state.
        var fs = new FaultInjectingFileSystem();
        var options = new LogStoreOptions { Directory = "/disk/log", FileSystem = fs, CheckpointBytes = long.MaxValue, ReserveBytes = 0, Fsync = false };
        var store = new LogMessageStore(options, _time);
        await store.InitializeAsync();
        await store.CreateQueueAsync("q", new QueueOptions());
        for (var batch = 0; batch < 300; batch++)
        {
            await store.PublishAsync("q", [.. Enumerable.Range(0, 100).Select(i => new OutgoingMessage(new byte[] { (byte)i }))]);
        }

        fs.Capacity = fs.UsedBytes + (1536 * 1024); // room for part of a checkpoint of 30,000 messages, and the calls below
        await RunCallsWhileAsync(store, store.CheckpointAndCompactAsync());
        Assert.Empty(fs.ListFiles("/disk/log/checkpoints"));

        fs.Capacity = long.MaxValue;
        await RunCallsWhileAsync(store, store.CheckpointAndCompactAsync());
        Assert.Single(fs.ListFiles("/disk/log/checkpoints"));
        await store.PublishAsync("q", [new OutgoingMessage("after"u8.ToArray())]);
        var live = store.StateSnapshot();

        var reopened = new LogMessageStore(options with { FileSystem = fs.Restart() }, _time);
        await reopened.InitializeAsync();
        Assert.True(live.AsSpan().SequenceEqual(reopened.StateSnapshot()), "the reopened state differs from the live one");
        Assert.True(reopened.RecoveryReport!.RecordsReplayed > 0);
    }

    /// <summary>Receives, acks, nacks and publishes until <paramref name="running"/> ends (and a few more).</summary>
    private static async Task RunCallsWhileAsync(LogMessageStore store, Task running)
    {
        for (var step = 0; !running.IsCompleted || step < 10; step++)
        {
            var received = await store.ReceiveAsync("q", 4, TimeSpan.FromMinutes(5));
            var handles = received.Messages.Select(m => m.ReceiptHandle!).ToList();
            await store.AckAsync("q", handles[..(handles.Count / 2)]);
            foreach (var handle in handles[(handles.Count / 2)..])
            {
                await store.NackAsync("q", handle, TimeSpan.FromSeconds(step % 3), "retry");
            }

            await store.PublishAsync("q", [new OutgoingMessage(new byte[] { (byte)step })]);
        }

        await running;
    }

    [Fact]
    public async Task Publish_KeptTryingOnAFullDiskWhileConsumersDrain_NeverStopsTheConsumers()
    {
        // Publishers that keep retrying storage_full must not take the room that receives and acks use, nor may the
        // checkpoints that the refusals start: every receive and ack succeeds, and everything confirmed is drained.
        var (store, _, _) = await OpenWithOneMegabyteFreeAsync(256 * 1024, "q");
        var body = new byte[1000];
        var confirmed = 0;
        var refusals = 0;
        while (refusals == 0)
        {
            try
            {
                await store.PublishAsync("q", [new OutgoingMessage(body)]);
                confirmed++;
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.StorageFull)
            {
                refusals++;
            }
        }

        // A publisher retries beside the consumer for the first 400 drains (once space comes back its publishes succeed,
        // so it must stop for the drain to end), then the consumer takes the rest.
        var drained = 0;
        while (drained < confirmed)
        {
            try
            {
                if (drained < 400)
                {
                    await store.PublishAsync("q", [new OutgoingMessage(body)]);
                    confirmed++;
                }
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.StorageFull)
            {
                refusals++;
            }

            var received = await store.ReceiveAsync("q", 1, TimeSpan.FromMinutes(1));
            Assert.Single(received.Messages);
            Assert.True((await store.AckAsync("q", [received.Messages[0].ReceiptHandle!]))[0].Succeeded);
            drained++;
        }

        Assert.Equal(0, (await store.GetCountsAsync("q")).Total);
        Assert.True(refusals > 50, $"only {refusals} publishes refused: the disk was not full for long");
        await store.DisposeAsync();
    }

    [Fact]
    public async Task Publish_DiskFullWithAFewDelayedMessagesInEverySegment_WorksAgainAfterTheDrain()
    {
        // A few long-delayed messages spread over the old segments (a lease or a stream would do the same) must not
        // keep a drained disk full: compaction moves them, even though only the reserve is left.
        var (store, _, _) = await OpenWithOneMegabyteFreeAsync(192 * 1024, "f", "pin");
        var body = new byte[1000];
        for (var i = 0; ; i++)
        {
            try
            {
                await store.PublishAsync("f", [new OutgoingMessage(body)]);
                if (i % 20 == 0)
                {
                    await store.PublishAsync("pin", [new OutgoingMessage(new byte[10]) { Delay = TimeSpan.FromSeconds(900) }]);
                }
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.StorageFull)
            {
                break;
            }
        }

        while ((await store.ReceiveAsync("f", 10, TimeSpan.FromMinutes(1))).Messages is { Count: > 0 } received)
        {
            Assert.All(await store.AckAsync("f", [.. received.Select(m => m.ReceiptHandle!)]), r => Assert.True(r.Succeeded));
        }

        await store.CheckpointAndCompactAsync();
        await store.PublishAsync("f", [new OutgoingMessage(body)]);
        Assert.True((await store.GetCountsAsync("pin")).Delayed > 10);
        await store.DisposeAsync();
    }

    [Fact]
    public async Task Publish_DiskFull_RefusedWithStorageFullWhileReceiveAndAckDrain()
    {
        var (store, fs, options) = await OpenWithOneMegabyteFreeAsync(192 * 1024, "q");
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

        // A checkpoint after the drain frees the dead segments (the background one that storage_full started may have
        // already): what is left is about the segment in use, not the megabyte published; publishing works again.
        await store.CheckpointAndCompactAsync();
        Assert.True(fs.UsedBytes <= 4 * options.SegmentBytes, $"{fs.UsedBytes} bytes used after draining everything");
        await store.PublishAsync("q", [new OutgoingMessage(body)]);
        await store.DisposeAsync();
    }
}
