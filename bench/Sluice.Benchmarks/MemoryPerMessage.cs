using System.Diagnostics;
using System.Globalization;
using Sluice.Storage;
using Sluice.Storage.Log;
using Sluice.Storage.Sqlite;

namespace Sluice.Benchmarks;

/// <summary>
/// Publishes N x 1 KiB messages into a store (the log store, or SQLite) and reports process memory and disk use per
/// queued message; for the log store also how long the store takes to open again with that backlog (from its closing checkpoint).
/// </summary>
internal static class MemoryPerMessage
{
    public static async Task RunAsync(int count, bool sqlite, bool keep = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), "sluice-mem-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "mem.db");
        var body = new byte[1024];
        Random.Shared.NextBytes(body);
        try
        {
            IQueueStore Open() => sqlite
                ? new SqliteMessageStore(new SqliteStoreOptions { Path = path, Fsync = true })
                : new LogMessageStore(new LogStoreOptions { Directory = Path.Combine(dir, "log") }, logger: ConsoleLines.Instance);
            var broker = new Broker(Open());
            await broker.StartAsync().ConfigureAwait(false);
            await broker.CreateQueueAsync("backlog").ConfigureAwait(false);
            var batch = Enumerable.Range(0, 100).Select(_ => new OutgoingMessage(body)).ToArray();
            var before = Snapshot();
            var clock = Stopwatch.StartNew();
            var inFlight = new List<Task>(8);
            var longestWait = TimeSpan.Zero; // of 8 batches in flight: shows the pauses (checkpoints) publishing waits behind
            var waited = Stopwatch.StartNew();
            for (var sent = 0; sent < count; sent += batch.Length)
            {
                inFlight.Add(broker.PublishBatchAsync("backlog", batch).AsTask());
                if (inFlight.Count == 8)
                {
                    await Task.WhenAll(inFlight).ConfigureAwait(false);
                    inFlight.Clear();
                    longestWait = waited.Elapsed > longestWait ? waited.Elapsed : longestWait;
                    waited.Restart();
                }
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            clock.Stop();
            var after = Snapshot();
            var stats = await broker.GetStatsAsync("backlog").ConfigureAwait(false);
            await broker.DisposeAsync().ConfigureAwait(false);
            var disk = new DirectoryInfo(dir).GetFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(inv, "queued: {0:N0} messages of 1 KiB in {1:F1} s ({2:N0} msgs/s publish, batches of 100, 8 in flight)", stats.Ready, clock.Elapsed.TotalSeconds, count / clock.Elapsed.TotalSeconds));
            Console.WriteLine(string.Format(inv, "longest wait for 8 batches in flight: {0:F0} ms", longestWait.TotalMilliseconds));
            Console.WriteLine(string.Format(inv, "managed heap: {0:N0} -> {1:N0} bytes ({2:F1} bytes/message)", before.Heap, after.Heap, (after.Heap - before.Heap) / (double)count));
            Console.WriteLine(string.Format(inv, "process RSS:  {0:N0} -> {1:N0} bytes ({2:F1} bytes/message)", before.Rss, after.Rss, (after.Rss - before.Rss) / (double)count));
            Console.WriteLine(string.Format(inv, "disk:         {0:N0} bytes ({1:F1} bytes/message)", disk, disk / (double)count));
            var open = Stopwatch.StartNew();
            await using var reopened = new Broker(Open());
            await reopened.StartAsync().ConfigureAwait(false);
            var ready = (await reopened.GetStatsAsync("backlog").ConfigureAwait(false)).Ready;
            open.Stop();
            Console.WriteLine(string.Format(inv, "reopen:       {0:F2} s ({1:N0} messages ready)", open.Elapsed.TotalSeconds, ready));
        }
        finally
        {
            if (keep)
            {
                Console.WriteLine($"kept: {dir}");
            }
            else
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>Opens the log store a kept run left in <paramref name="dir"/> and reports how long it took (for profiling a restart).</summary>
    public static async Task ReopenAsync(string dir)
    {
        var open = Stopwatch.StartNew();
        await using var broker = new Broker(new LogMessageStore(new LogStoreOptions { Directory = Path.Combine(dir, "log") }, logger: ConsoleLines.Instance));
        await broker.StartAsync().ConfigureAwait(false);
        var ready = (await broker.GetStatsAsync("backlog").ConfigureAwait(false)).Ready;
        open.Stop();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "reopen: {0:F2} s ({1:N0} messages ready)", open.Elapsed.TotalSeconds, ready));
    }

    private static (long Heap, long Rss) Snapshot()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64);
    }

    /// <summary>The store's information events (checkpoints with their pauses, compaction, recovery) as console lines.</summary>
    private sealed class ConsoleLines : Microsoft.Extensions.Logging.ILogger
    {
        public static readonly ConsoleLines Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.WriteLine($"  [{DateTime.UtcNow:HH:mm:ss.fff}] {formatter(state, exception)}");
            }
        }
    }
}
