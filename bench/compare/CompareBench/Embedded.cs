using System.Diagnostics;
using Sluice;
using Sluice.Server.Hosting;

namespace CompareBench;

/// <summary>
/// W5: Sluice embedded. A <see cref="SluiceServer"/> with its defaults (default store, fsync on) in a temporary
/// directory supplies the in-process <see cref="Broker"/>, which <see cref="RunOptions.Callers"/> concurrent callers
/// drive directly (no network), each on its own queue: publish a batch of <see cref="RunOptions.Batch"/> 1 KiB messages,
/// receive them, ack them, again, for <see cref="RunOptions.Seconds"/> after an untimed half-second warm-up. Reports
/// msgs/s (messages through their whole life) and bytes allocated in the process per message.
/// </summary>
internal static class Embedded
{
    public static async Task<Dictionary<string, string>> RunAsync(RunOptions options)
    {
        var directory = Path.Combine(Path.GetTempPath(), "compare-w5-" + Guid.NewGuid().ToString("N"));
        try
        {
            var server = new SluiceServer(new SluiceServerOptions { DataDirectory = directory, HttpUrl = "http://127.0.0.1:0", Auth = new AuthOptions { Enabled = false } });
            await using (server)
            {
                await server.StartAsync();
                var broker = server.Broker;
                var body = new byte[1024];
                new Random(5).NextBytes(body);
                var batch = Enumerable.Range(0, options.Batch).Select(_ => new OutgoingMessage(body)).ToArray();
                for (var c = 0; c < options.Callers; c++)
                {
                    await broker.CreateQueueAsync("w5-" + c);
                }

                await RoundsAsync(broker, batch, options.Callers, TimeSpan.FromSeconds(0.5));
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                var messages = await RoundsAsync(broker, batch, options.Callers, TimeSpan.FromSeconds(options.Seconds));
                var seconds = clock.Elapsed.TotalSeconds;
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                return new Dictionary<string, string>
                {
                    ["store"] = server.Options.Store,
                    ["fsync"] = server.Options.Fsync ? "1" : "0",
                    ["batch"] = options.Batch.ToString(Inv),
                    ["callers"] = options.Callers.ToString(Inv),
                    ["consumed"] = messages.ToString(Inv),
                    ["seconds"] = seconds.ToString("F2", Inv),
                    ["rate"] = (messages / seconds).ToString("F0", Inv),
                    ["alloc_per_msg"] = (allocated / (double)messages).ToString("F0", Inv),
                };
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<long> RoundsAsync(Broker broker, OutgoingMessage[] batch, int callers, TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counts = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() => CallerAsync(broker, "w5-" + c, batch, deadline))));
        return counts.Sum();
    }

    private static async Task<long> CallerAsync(Broker broker, string queue, OutgoingMessage[] batch, long deadline)
    {
        var receive = new ReceiveOptions { MaxMessages = batch.Length };
        long done = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (batch.Length == 1)
            {
                await broker.PublishAsync(queue, batch[0]);
            }
            else
            {
                await broker.PublishBatchAsync(queue, batch);
            }

            var got = 0;
            while (got < batch.Length)
            {
                var messages = await broker.ReceiveAsync(queue, receive);
                got += messages.Count;
                if (messages.Count == 1)
                {
                    await broker.AckAsync(queue, messages[0].ReceiptHandle!);
                }
                else if (messages.Count > 1)
                {
                    await broker.AckBatchAsync(queue, [.. messages.Select(m => m.ReceiptHandle!)]);
                }
            }

            done += batch.Length;
        }

        return done;
    }

    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;
}
