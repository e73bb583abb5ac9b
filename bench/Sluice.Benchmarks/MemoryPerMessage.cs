using System.Diagnostics;
using System.Globalization;
using Sluice.Storage.Sqlite;

namespace Sluice.Benchmarks;

/// <summary>Publishes N x 1 KiB messages into the SQLite store and reports process memory and disk use per queued message.</summary>
internal static class MemoryPerMessage
{
    public static async Task RunAsync(int count)
    {
        var dir = Path.Combine(Path.GetTempPath(), "sluice-mem-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "mem.db");
        var body = new byte[1024];
        Random.Shared.NextBytes(body);
        try
        {
            await using var broker = new Broker(new SqliteMessageStore(new SqliteStoreOptions { Path = path, Fsync = true }));
            await broker.StartAsync().ConfigureAwait(false);
            await broker.CreateQueueAsync("backlog").ConfigureAwait(false);
            var batch = Enumerable.Range(0, 100).Select(_ => new OutgoingMessage(body)).ToArray();
            var before = Snapshot();
            var clock = Stopwatch.StartNew();
            var inFlight = new List<Task>(8);
            for (var sent = 0; sent < count; sent += batch.Length)
            {
                inFlight.Add(broker.PublishBatchAsync("backlog", batch).AsTask());
                if (inFlight.Count == 8)
                {
                    await Task.WhenAll(inFlight).ConfigureAwait(false);
                    inFlight.Clear();
                }
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            clock.Stop();
            var after = Snapshot();
            var stats = await broker.GetStatsAsync("backlog").ConfigureAwait(false);
            var disk = new DirectoryInfo(dir).GetFiles().Sum(f => f.Length);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(inv, "queued: {0:N0} messages of 1 KiB in {1:F1} s ({2:N0} msgs/s publish, batches of 100, 8 in flight)", stats.Ready, clock.Elapsed.TotalSeconds, count / clock.Elapsed.TotalSeconds));
            Console.WriteLine(string.Format(inv, "managed heap: {0:N0} -> {1:N0} bytes ({2:F1} bytes/message)", before.Heap, after.Heap, (after.Heap - before.Heap) / (double)count));
            Console.WriteLine(string.Format(inv, "process RSS:  {0:N0} -> {1:N0} bytes ({2:F1} bytes/message)", before.Rss, after.Rss, (after.Rss - before.Rss) / (double)count));
            Console.WriteLine(string.Format(inv, "disk:         {0:N0} bytes ({1:F1} bytes/message)", disk, disk / (double)count));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (long Heap, long Rss) Snapshot()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64);
    }
}
