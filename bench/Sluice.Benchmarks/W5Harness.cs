using System.Diagnostics;
using System.Globalization;
using Sluice.Storage;
using Sluice.Storage.Log;
using Sluice.Storage.Sqlite;

namespace Sluice.Benchmarks;

/// <summary>
/// W5 (embedded) side by side in one run: 1 KiB messages through an in-process <see cref="Broker"/>, fsync on, each
/// caller looping publish → receive → ack on its own queue; batch 32 with one caller, and batch 1 with 16 concurrent
/// callers (and batch 32 with 16 callers). Stores interleaved, <c>runs</c> runs each; prints msgs/s per run, medians and
/// the log store's ratio to SQLite. Usage: <c>dotnet run -c Release --project bench/Sluice.Benchmarks -- w5 [seconds per
/// measurement] [runs] [nofsync]</c> (<c>nofsync</c> adds the log store with fsync off, to see what the fsync waits cost).
/// </summary>
internal static class W5Harness
{
    private static readonly (int Batch, int Callers)[] Workloads = [(32, 1), (1, 16), (32, 16)];
    private static string[] Stores = ["log", "sqlite"];

    /// <param name="seconds">Length of each measurement (after 1 s of warm-up).</param>
    /// <param name="runs">Runs of every store and workload.</param>
    /// <param name="withoutFsync">Also measure the log store with fsync off (where the time goes: fsync waits or CPU).</param>
    public static async Task RunAsync(double seconds, int runs, bool withoutFsync = false)
    {
        if (withoutFsync)
        {
            Stores = ["log", "sqlite", "log-nofsync"];
        }

        var results = new Dictionary<(string, int, int), List<double>>();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var (batch, callers) in Workloads)
            {
                foreach (var store in Stores)
                {
                    var rate = await MeasureAsync(store, batch, callers, TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: {store,-6} batch {batch,2} × {callers,2} callers: {rate,10:N0} msgs/s"));
                    if (!results.TryGetValue((store, batch, callers), out var list))
                    {
                        results[(store, batch, callers)] = list = [];
                    }

                    list.Add(rate);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| workload | log msgs/s (median) | sqlite msgs/s (median) | log / sqlite |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (batch, callers) in Workloads)
        {
            var log = Median(results[("log", batch, callers)]);
            var sqlite = Median(results[("sqlite", batch, callers)]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| batch {batch}, {callers} caller(s) | {log:N0} | {sqlite:N0} | {log / sqlite:F1}× |"));
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task<double> MeasureAsync(string storeName, int batch, int callers, TimeSpan duration)
    {
        var directory = Directory.CreateTempSubdirectory("sluice-w5-").FullName;
        try
        {
            IQueueStore store = storeName == "sqlite"
                ? new SqliteMessageStore(new SqliteStoreOptions { Path = Path.Combine(directory, "w5.db"), Fsync = true })
                : new LogMessageStore(new LogStoreOptions { Directory = Path.Combine(directory, "log"), Fsync = storeName == "log" });
            await using var broker = new Broker(store);
            await broker.StartAsync().ConfigureAwait(false);
            for (var c = 0; c < callers; c++)
            {
                await broker.CreateQueueAsync("q" + c).ConfigureAwait(false);
            }

            var body = new byte[1024];
            Random.Shared.NextBytes(body);
            var messages = Enumerable.Range(0, batch).Select(_ => new OutgoingMessage(body)).ToArray();
            long done = 0;
            var measuring = false;
            using var stop = new CancellationTokenSource();
            async Task CallerAsync(string queue)
            {
                var receive = new ReceiveOptions { MaxMessages = batch };
                while (!stop.IsCancellationRequested)
                {
                    await broker.PublishBatchAsync(queue, messages).ConfigureAwait(false);
                    var got = 0;
                    while (got < batch)
                    {
                        var received = await broker.ReceiveAsync(queue, receive).ConfigureAwait(false);
                        got += received.Count;
                        await broker.AckBatchAsync(queue, [.. received.Select(m => m.ReceiptHandle!)]).ConfigureAwait(false);
                    }

                    if (Volatile.Read(ref measuring))
                    {
                        Interlocked.Add(ref done, batch);
                    }
                }
            }

            var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(() => CallerAsync("q" + c))).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false); // warm-up
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref measuring, true);
            await Task.Delay(duration).ConfigureAwait(false);
            Volatile.Write(ref measuring, false);
            var elapsed = clock.Elapsed.TotalSeconds;
            var count = Interlocked.Read(ref done);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
            return count / elapsed;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
