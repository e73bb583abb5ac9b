using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Sluice.Storage.Log.Tests;

/// <summary>The log store's own behaviour: replay equals the live state, checkpoints and compaction, damaged bodies.</summary>
public sealed class LogMessageStoreTests : IDisposable
{
    private readonly LogStoreDirectory _directory = new();
    private readonly List<string> _copies = [];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger _logger = new();

    public void Dispose()
    {
        _directory.Dispose();
        foreach (var copy in _copies)
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private async Task<LogMessageStore> OpenAsync(LogStoreOptions options)
    {
        var store = new LogMessageStore(options, _time, _logger);
        await store.InitializeAsync();
        return store;
    }

    private static OutgoingMessage Msg(string body, int priority = 0) => new(Encoding.UTF8.GetBytes(body)) { Priority = priority };

    private static string Text(QueueMessage m) => Encoding.UTF8.GetString(m.Body.Span);

    [Fact]
    public async Task Replay_RandomWorkload_StateEqualsLiveState()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var options = _directory.Options() with { SegmentBytes = 64 * 1024, CheckpointBytes = long.MaxValue, Fsync = false };
        await using var store = await OpenAsync(options);
        await store.CreateQueueAsync("dlq", new QueueOptions());
        await store.CreateQueueAsync("work", new QueueOptions { MaxReceiveCount = 3, DeadLetterQueue = "dlq" });
        await store.CreateQueueAsync("orders.fifo", new QueueOptions { Fifo = true, ContentBasedDeduplication = true });
        await store.CreateTopicAsync("events");
        await store.SubscribeAsync("events", "work", new SubscriptionOptions { RoutingKeyPattern = "a.*" });
        var handles = new List<(string Queue, string Handle)>();
        for (var step = 0; step < 1500; step++)
        {
            switch (random.Next(10))
            {
                case 0 or 1:
                    await store.PublishAsync("work", [.. Enumerable.Range(0, random.Next(1, 5)).Select(i => Msg($"w{step}-{i}-{new string('x', random.Next(200))}", random.Next(10)))]);
                    break;
                case 2:
                    await store.PublishAsync("orders.fifo", [new OutgoingMessage(Encoding.UTF8.GetBytes($"o{random.Next(50)}")) { MessageGroupId = $"g{random.Next(3)}" }]);
                    break;
                case 3 or 4:
                    foreach (var queue in new[] { "work", "orders.fifo", "dlq" })
                    {
                        var received = await store.ReceiveAsync(queue, random.Next(1, 4), TimeSpan.FromSeconds(random.Next(1, 30)));
                        handles.AddRange(received.Messages.Select(m => (queue, m.ReceiptHandle!)));
                    }

                    break;
                case 5 when handles.Count > 0:
                    {
                        var (queue, handle) = Take(random, handles);
                        await store.AckAsync(queue, [handle]);
                        break;
                    }

                case 6 when handles.Count > 0:
                    {
                        var (queue, handle) = Take(random, handles);
                        await Settle(store.NackAsync(queue, handle, TimeSpan.FromSeconds(random.Next(3)), "failed " + step));
                        break;
                    }

                case 7 when handles.Count > 0:
                    {
                        var (queue, handle) = Take(random, handles);
                        await Settle(store.ExtendLeaseAsync(queue, handle, TimeSpan.FromSeconds(random.Next(1, 60))));
                        break;
                    }

                case 8:
                    await store.PublishToTopicAsync("events", [new TopicMessage(Msg($"t{step}"), random.Next(2) == 0 ? "a.b" : "c.d")]);
                    await store.SetKeyValueAsync($"k{random.Next(20)}", Encoding.UTF8.GetBytes($"v{step}"), null, null);
                    await store.AppendAsync("s", [StreamField.FromText("n", step.ToString(System.Globalization.CultureInfo.InvariantCulture))], new StreamAppendOptions());
                    break;
                default:
                    _time.Advance(TimeSpan.FromSeconds(random.Next(5)));
                    await store.SweepAsync();
                    break;
            }
        }

        // Draining the queues may have started a checkpoint and compaction (dead segments): let it finish first.
        await store.WaitForMaintenanceAsync();
        var live = store.StateSnapshot();

        // A copy of the files as they are now, opened by a second store, replays the log after its newest checkpoint.
        var copy = CopyDirectory(options.Directory);
        await using (var replayed = await OpenAsync(options with { Directory = copy }))
        {
            Assert.True(live.AsSpan().SequenceEqual(replayed.StateSnapshot()), $"replayed state differs from the live one (seed {seed})");
            Assert.Empty(replayed.RecoveryReport!.Findings);
            Assert.True(replayed.RecoveryReport.RecordsReplayed > 0);
        }

        // Closing writes a checkpoint; reopening reads it (and replays nothing after it).
        await store.DisposeAsync();
        await using var reopened = await OpenAsync(options);
        Assert.True(live.AsSpan().SequenceEqual(reopened.StateSnapshot()), $"state from the checkpoint differs from the live one (seed {seed})");
        Assert.Equal(0, reopened.RecoveryReport!.RecordsReplayed);
    }

    [Fact]
    public async Task Dispose_AfterADrain_GivesTheSegmentsBack()
    {
        // No checkpoint is due (CheckpointBytes far above what is written): shutting down must still free the space.
        var options = _directory.Options() with { SegmentBytes = 64 * 1024, CheckpointBytes = 1L << 40, Fsync = false };
        var store = await OpenAsync(options);
        await store.CreateQueueAsync("drain", new QueueOptions());
        var padding = new string('p', 500);
        for (var i = 0; i < 1000; i += 20)
        {
            await store.PublishAsync("drain", [.. Enumerable.Range(i, 20).Select(n => Msg($"{n}:{padding}"))]);
        }

        var before = Directory.GetFiles(Path.Combine(options.Directory, "segments")).Length;
        while (true)
        {
            var received = await store.ReceiveAsync("drain", 100, TimeSpan.FromMinutes(5));
            if (received.Messages.Count == 0)
            {
                break;
            }

            Assert.All(await store.AckAsync("drain", [.. received.Messages.Select(m => m.ReceiptHandle!)]), r => Assert.True(r.Succeeded));
        }

        await store.DisposeAsync();
        var after = Directory.GetFiles(Path.Combine(options.Directory, "segments")).Length;
        Assert.True(before >= 8, $"{before} segments before the drain");
        Assert.True(after <= 2, $"{after} of {before} segments left after draining and shutting down");
        await using var reopened = await OpenAsync(options);
        var counts = await reopened.GetCountsAsync("drain");
        Assert.Equal(0, counts.Ready + counts.InFlight + counts.Delayed);
    }

    [Fact]
    public async Task Ack_ConsumersDrainedABacklog_SegmentsComeBackWhileRunning()
    {
        // No checkpoint is due by size (CheckpointBytes above the ~1 MB written): the drain itself must give the space
        // back while the store runs, once the segments hold far more than the live bodies.
        var options = _directory.Options() with { SegmentBytes = 64 * 1024, CheckpointBytes = 2 * 1024 * 1024, Fsync = false };
        await using var store = await OpenAsync(options);
        await store.CreateQueueAsync("drain", new QueueOptions());
        var padding = new string('p', 500);
        for (var i = 0; i < 1000; i += 20)
        {
            await store.PublishAsync("drain", [.. Enumerable.Range(i, 20).Select(n => Msg($"{n}:{padding}"))]);
        }

        var segments = Path.Combine(options.Directory, "segments");
        var before = Directory.GetFiles(segments).Length;
        while ((await store.ReceiveAsync("drain", 10, TimeSpan.FromMinutes(5))).Messages is { Count: > 0 } received)
        {
            Assert.All(await store.AckAsync("drain", [.. received.Select(m => m.ReceiptHandle!)]), r => Assert.True(r.Succeeded));
        }

        // Then traffic through the emptied queue, as a running server sees after a drain.
        for (var i = 0; i < 300; i++)
        {
            await store.PublishAsync("drain", [Msg(padding)]);
            var received = await store.ReceiveAsync("drain", 1, TimeSpan.FromMinutes(5));
            Assert.True((await store.AckAsync("drain", [received.Messages[0].ReceiptHandle!]))[0].Succeeded);
        }

        await store.PublishAsync("drain", [Msg(padding)]);
        await store.WaitForMaintenanceAsync();
        var during = Directory.GetFiles(segments).Length;
        Assert.True(before >= 8, $"{before} segments before the drain");
        Assert.True(during <= 4, $"{during} of {before} segments left while running after the drain (the backlog's should be gone; the last traffic's may stay)");
        Assert.Equal(1, (await store.GetCountsAsync("drain")).Ready);
    }

    [Fact]
    public async Task Compaction_DrainUnderConcurrentLoad_LosesNothingAndFreesSegments()
    {
        var options = _directory.Options() with { SegmentBytes = 64 * 1024, CheckpointBytes = 96 * 1024, Fsync = false };
        var store = await OpenAsync(options);
        await store.CreateQueueAsync("drain", new QueueOptions());
        await store.CreateQueueAsync("keep", new QueueOptions());
        const int count = 3000;
        var padding = new string('p', 300);
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < count; i += 10)
            {
                await store.PublishAsync("drain", [.. Enumerable.Range(i, 10).Select(n => Msg($"{n}:{padding}"))]);
                if (i % 100 == 0)
                {
                    await store.PublishAsync("keep", [Msg($"keep {i}:{padding}")]);
                }
            }
        });
        var seen = new ConcurrentDictionary<string, int>();
        var consumer = Task.Run(async () =>
        {
            while (seen.Count < count)
            {
                var received = await store.ReceiveAsync("drain", 32, TimeSpan.FromMinutes(5));
                foreach (var m in received.Messages)
                {
                    seen.AddOrUpdate(Text(m).Split(':')[0], 1, (_, n) => n + 1);
                }

                if (received.Messages.Count > 0)
                {
                    Assert.All(await store.AckAsync("drain", [.. received.Messages.Select(m => m.ReceiptHandle!)]), r => Assert.True(r.Succeeded));
                }
            }
        });
        var compactions = Task.Run(async () =>
        {
            while (!consumer.IsCompleted)
            {
                await store.CheckpointAndCompactAsync();
            }
        });
        await Task.WhenAll(producer, consumer, compactions).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(count, seen.Count);
        Assert.All(seen.Values, n => Assert.Equal(1, n));

        await store.CheckpointAndCompactAsync();
        await store.CheckpointAndCompactAsync();
        var segments = Directory.GetFiles(Path.Combine(options.Directory, "segments")).Length;
        Assert.True(segments <= 3, $"{segments} segments left after draining about {count * 320 / 1024} KiB in 64 KiB segments");

        await store.DisposeAsync();
        await using var reopened = await OpenAsync(options);
        Assert.Equal(0, (await reopened.GetCountsAsync("drain")).Ready);
        var kept = await reopened.ReceiveAsync("keep", 100, TimeSpan.FromMinutes(1));
        Assert.Equal(count / 100, kept.Messages.Count);
        Assert.All(kept.Messages, m => Assert.EndsWith(padding, Text(m), StringComparison.Ordinal));
        Assert.False(_logger.Entries.Any(e => e.Level >= LogLevel.Warning), string.Join("\n", _logger.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message)));
    }

    [Fact]
    public async Task Receive_BodyDamagedOnDisk_NotDeliveredOthersAreAndDamageLogged()
    {
        var options = _directory.Options();
        var store = await OpenAsync(options);
        await store.CreateQueueAsync("q", new QueueOptions());
        await store.PublishAsync("q", [Msg("first " + new string('a', 100)), Msg("second " + new string('b', 100)), Msg("third " + new string('c', 100))]);
        await store.CheckpointAndCompactAsync(); // the damaged record is not replayed
        await store.DisposeAsync();

        var damaged = Encoding.UTF8.GetBytes("second ");
        var file = Directory.GetFiles(Path.Combine(options.Directory, "segments")).Single(f => File.ReadAllBytes(f).AsSpan().IndexOf(damaged) >= 0);
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.AsSpan().IndexOf(damaged) + 20] ^= 0xFF;
        File.WriteAllBytes(file, bytes);

        await using var reopened = await OpenAsync(options);
        var received = await reopened.ReceiveAsync("q", 10, TimeSpan.FromMinutes(1));
        Assert.Equal(["first", "third"], received.Messages.Select(m => Text(m).Split(' ')[0]));
        var error = Assert.Single(_logger.Entries, e => e.EventId == 6003);
        Assert.Contains("queue q", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await reopened.GetCountsAsync("q")).InFlight); // its lease was taken: it comes back, and dead-letters like a poison message
    }

    [Fact]
    public async Task Checkpoint_CallsRunWhileItIsWritten_ACopyOpensToTheLiveState()
    {
        // A checkpoint writes a few thousand messages per hold of the lock; receives, acks, nacks and publishes run in
        // between. What it wrote plus the log after it must give back the live state.
        var options = _directory.Options() with { CheckpointBytes = long.MaxValue, Fsync = false };
        await using var store = await OpenAsync(options);
        await store.CreateQueueAsync("q", new QueueOptions());
        for (var batch = 0; batch < 200; batch++)
        {
            await store.PublishAsync("q", [.. Enumerable.Range(0, 100).Select(i => Msg($"m{batch}-{i}", i % 3))]);
        }

        var checkpoint = store.CheckpointAndCompactAsync();
        var step = 0;
        while (!checkpoint.IsCompleted || step < 20)
        {
            var received = await store.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30));
            var handles = received.Messages.Select(m => m.ReceiptHandle!).ToList();
            await store.AckAsync("q", handles[..(handles.Count / 2)]);
            foreach (var handle in handles[(handles.Count / 2)..])
            {
                await store.NackAsync("q", handle, TimeSpan.FromSeconds(step % 3), "retry " + step);
            }

            await store.PublishAsync("q", [Msg($"during {step}")]);
            step++;
        }

        await checkpoint;
        var live = store.StateSnapshot();
        var copy = CopyDirectory(options.Directory);
        await using var reopened = await OpenAsync(options with { Directory = copy });
        Assert.True(live.AsSpan().SequenceEqual(reopened.StateSnapshot()), $"state from the checkpoint and the log after it differs from the live one ({step} steps)");
        Assert.True(reopened.RecoveryReport!.RecordsReplayed > 0);
    }

    [Fact]
    public async Task Dispose_ReopenedWithoutCalls_WritesNoCheckpoint()
    {
        var options = _directory.Options();
        var store = await OpenAsync(options);
        await store.CreateQueueAsync("q", new QueueOptions());
        await store.PublishAsync("q", [.. Enumerable.Range(0, 100).Select(i => Msg(new string('x', 1000)))]);
        await store.DisposeAsync();
        var checkpoints = Path.Combine(options.Directory, "checkpoints");
        var before = Directory.GetFiles(checkpoints).Order().ToList();

        await (await OpenAsync(options)).DisposeAsync();

        Assert.Single(before);
        Assert.Equal(before, Directory.GetFiles(checkpoints).Order());
        await using var reopened = await OpenAsync(options);
        Assert.Equal(100, (await reopened.GetCountsAsync("q")).Ready);
    }

    private static (string, string) Take(Random random, List<(string, string)> handles)
    {
        var index = random.Next(handles.Count);
        var item = handles[index];
        handles.RemoveAt(index);
        return item;
    }

    /// <summary>Runs a call whose handle may have expired meanwhile (a refused call changes nothing).</summary>
    private static async Task Settle(ValueTask call)
    {
        try
        {
            await call;
        }
        catch (SluiceException)
        {
        }
    }

    private static async Task Settle<T>(ValueTask<T> call)
    {
        try
        {
            await call;
        }
        catch (SluiceException)
        {
        }
    }

    private string CopyDirectory(string source)
    {
        var target = Directory.CreateTempSubdirectory("sluice-log-copy-").FullName;
        _copies.Add(target);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "lock"))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}

/// <summary>Collects log entries (level, event id, message) for assertions.</summary>
internal sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception) + (exception is null ? "" : " | " + exception)));
}
