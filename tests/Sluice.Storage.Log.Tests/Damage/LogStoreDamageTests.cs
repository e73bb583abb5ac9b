using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.Storage.Log.Segments;
using Sluice.Storage.Log.Tests.FaultInjection;

namespace Sluice.Storage.Log.Tests.Damage;

/// <summary>
/// Damage the server tests cannot make with the default segment size, at store level on the fault-injecting file
/// system (a process crash keeps every write, as kill -9 does): a gap in the segment numbers refuses to open, and a
/// body damaged under a checkpoint (so recovery does not read its record) is never delivered as it is.
/// </summary>
public sealed class LogStoreDamageTests
{
    private const string Directory = "/damage/store";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private FaultInjectingFileSystem _disk = new();

    private LogMessageStore NewStore(bool salvage = false) => new(new LogStoreOptions
    {
        Directory = Directory,
        FileSystem = _disk,
        SegmentBytes = 4 * 1024,
        ReserveBytes = 0,
        Salvage = salvage,
    }, _time);

    /// <summary>A store whose queue "q" holds 200 messages of about 70 bytes: several 4 KiB segments.</summary>
    private async Task<LogMessageStore> StoreWithTwoHundredMessagesAsync()
    {
        var store = NewStore();
        await store.InitializeAsync();
        await store.CreateQueueAsync("q", new QueueOptions());
        for (var i = 0; i < 200; i++)
        {
            await store.PublishAsync("q", [Message($"m-{i:D4}-" + new string('p', 60))]);
        }

        return store;
    }

    /// <summary>The segment files' names, ascending (at least 3).</summary>
    private List<string> SegmentFiles()
    {
        var segments = _disk.ListFiles(SegmentsDirectory).Where(n => n.EndsWith(".log", StringComparison.Ordinal)).ToList();
        Assert.True(segments.Count >= 3, $"expected at least 3 segments of 4 KiB, found {segments.Count}");
        return segments;
    }

    [Fact]
    public async Task Initialize_GapInSegmentNumbers_RefusesNamingTheMissingSegmentAndSalvage()
    {
        var store = await StoreWithTwoHundredMessagesAsync();

        var segments = SegmentFiles();
        _disk = _disk.Restart(); // kill -9: nothing lost, no checkpoint at close
        var missing = segments[segments.Count / 2];
        _disk.Delete(Path.Combine(SegmentsDirectory, missing));
        _disk.SyncDirectory(SegmentsDirectory);

        var e = await Assert.ThrowsAsync<LogCorruptException>(() => NewStore().InitializeAsync().AsTask());
        Assert.Contains("salvage", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(e.Message.Contains(missing, StringComparison.Ordinal) || e.Message.Contains(Neighbour(segments, missing), StringComparison.Ordinal),
            $"the refusal does not name the missing segment {missing} or its neighbours: {e.Message}");
    }

    [Fact]
    public async Task Initialize_NewestSegmentDeleted_RefusesNamingItAndSalvageKeepsTheRest()
    {
        var store = await StoreWithTwoHundredMessagesAsync();

        var segments = SegmentFiles();
        _disk = _disk.Restart(); // kill -9: nothing lost, no checkpoint at close
        var newest = segments[^1];
        _disk.Delete(Path.Combine(SegmentsDirectory, newest));
        _disk.SyncDirectory(SegmentsDirectory);

        var e = await Assert.ThrowsAsync<LogCorruptException>(() => NewStore().InitializeAsync().AsTask());
        Assert.Contains(newest, e.Message, StringComparison.Ordinal);
        Assert.Contains("salvage", e.Message, StringComparison.OrdinalIgnoreCase);

        store = NewStore(salvage: true);
        await store.InitializeAsync();
        await using (store)
        {
            Assert.Contains(store.RecoveryReport!.Findings, f => f.Contains(newest, StringComparison.Ordinal));
            Assert.InRange((await store.GetCountsAsync("q")).Ready, 1, 199);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Initialize_SegmentBeforeTheCheckpointDeletedOrCut_RefusesAndSalvageDropsItsMessages(bool delete)
    {
        // A segment the checkpoint does not make recovery read, but whose bodies the checkpoint points to.
        var store = await StoreWithTwoHundredMessagesAsync();

        await store.ReceiveAsync("q", 100, TimeSpan.FromHours(12)); // leased messages are dropped too
        await store.CheckpointAndCompactAsync(); // the checkpoint covers every segment
        await store.DisposeAsync();
        var segments = SegmentFiles();
        _disk = _disk.Restart();
        var first = Path.Combine(SegmentsDirectory, segments[0]);
        if (delete)
        {
            _disk.Delete(first);
            _disk.SyncDirectory(SegmentsDirectory);
        }
        else
        {
            var bytes = _disk.ReadAllBytes(first);
            _disk.WriteAllBytesDurably(first, bytes.AsSpan(0, bytes.Length / 2));
        }

        var e = await Assert.ThrowsAsync<LogCorruptException>(() => NewStore().InitializeAsync().AsTask());
        Assert.Contains(segments[0], e.Message, StringComparison.Ordinal);
        Assert.Contains("salvage", e.Message, StringComparison.OrdinalIgnoreCase);

        var salvaged = NewStore(salvage: true);
        await salvaged.InitializeAsync();
        var counts = await salvaged.GetCountsAsync("q");
        var left = counts.Total;
        Assert.InRange(left, 1, 199);
        Assert.Contains(salvaged.RecoveryReport!.Findings, f => f.Contains(segments[0], StringComparison.Ordinal));
        var received = await salvaged.ReceiveAsync("q", 200, TimeSpan.FromMinutes(1));
        Assert.Equal(counts.Ready, received.Messages.Count); // every message left is whole
        await salvaged.DisposeAsync();

        // What salvage left is a sound store: the next open finds nothing wrong.
        await using var again = NewStore();
        await again.InitializeAsync();
        Assert.Equal(left, (await again.GetCountsAsync("q")).Total);
        Assert.Empty(again.RecoveryReport!.Findings);
    }

    [Fact]
    public async Task Compaction_OldestSegmentMostlyLive_StillFreesTheDeadSegmentsAfterIt()
    {
        // A backlog nobody consumes fills the first segment; ordinary traffic then fills many more and is acked. One
        // dense segment must not keep every later dead one (found by a review: 30 segments were left).
        var store = NewStore();
        await store.InitializeAsync();
        await store.CreateQueueAsync("archive", new QueueOptions());
        await store.CreateQueueAsync("work", new QueueOptions());
        for (var i = 0; i < 30; i++)
        {
            await store.PublishAsync("archive", [Message($"a-{i:D4}-" + new string('a', 100))]);
        }

        for (var i = 0; i < 400; i++)
        {
            await store.PublishAsync("work", [Message($"w-{i:D4}-" + new string('w', 100))]);
            var received = await store.ReceiveAsync("work", 1, TimeSpan.FromMinutes(5));
            Assert.True((await store.AckAsync("work", [received.Messages[0].ReceiptHandle!]))[0].Succeeded);
        }

        await store.CheckpointAndCompactAsync();
        await store.CheckpointAndCompactAsync();
        var left = _disk.ListFiles(SegmentsDirectory).Count(n => n.EndsWith(".log", StringComparison.Ordinal));
        Assert.True(left <= 4, $"{left} segments left after the traffic was acked");
        Assert.Equal(30, (await store.GetCountsAsync("archive")).Ready);
        await store.DisposeAsync();
    }

    [Fact]
    public async Task Receive_BodyDamagedUnderACheckpoint_IsNeverDeliveredAndDeadLettersAfterMaxReceives()
    {
        var marker = "POISON-" + new string('x', 80);
        var store = NewStore();
        await store.InitializeAsync();
        await store.CreateQueueAsync("dlq", new QueueOptions());
        await store.CreateQueueAsync("q", new QueueOptions { MaxReceiveCount = 2, DeadLetterQueue = "dlq" });
        await store.PublishAsync("q", [Message(marker)]);
        await store.PublishAsync("q", [Message("fine-1"), Message("fine-2")]);
        await store.CheckpointAndCompactAsync(); // the next open does not read the publish record again
        await store.DisposeAsync();

        var (path, offset) = FindOnly(Encoding.UTF8.GetBytes(marker));
        var content = _disk.ReadAllBytes(path);
        content[offset + 10] ^= 0x01;
        _disk = _disk.Restart();
        _disk.WriteAllBytesDurably(path, content);

        store = NewStore();
        await store.InitializeAsync();
        var delivered = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            var result = await store.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30));
            delivered.AddRange(result.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
            if (result.Messages.Count > 0)
            {
                await store.AckAsync("q", [.. result.Messages.Select(m => m.ReceiptHandle!)]);
            }

            _time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.DoesNotContain(delivered, b => b.StartsWith("POISON-", StringComparison.Ordinal));
        Assert.Contains("fine-1", delivered);
        Assert.Contains("fine-2", delivered);
        Assert.Equal(1, (await store.GetCountsAsync("dlq")).Total);
        await store.DisposeAsync();
    }

    /// <summary>The directory of the segment files: the deepest directory under the store named "segments" (the log keeps its identity file beside its own "segments" directory).</summary>
    private string SegmentsDirectory
    {
        get
        {
            var directory = Path.Combine(Directory, "segments");
            while (_disk.ListFiles(Path.Combine(directory, "segments")).Count > 0)
            {
                directory = Path.Combine(directory, "segments");
            }

            return directory;
        }
    }

    private static OutgoingMessage Message(string body) => new(Encoding.UTF8.GetBytes(body));

    private static string Neighbour(List<string> segments, string missing)
    {
        var index = segments.IndexOf(missing);
        return segments[index + 1];
    }

    private (string Path, int Offset) FindOnly(byte[] needle)
    {
        var hits = new List<(string, int)>();
        foreach (var name in _disk.ListFiles(SegmentsDirectory).Where(n => n.EndsWith(".log", StringComparison.Ordinal)))
        {
            var path = Path.Combine(SegmentsDirectory, name);
            var at = _disk.ReadAllBytes(path).AsSpan().IndexOf(needle);
            if (at >= 0)
            {
                hits.Add((path, at));
            }
        }

        Assert.True(hits.Count == 1, $"expected the body in exactly one segment, found it in {hits.Count}");
        return hits[0];
    }
}
