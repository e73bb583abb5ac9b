// The fast path, measured end to end: producers publish through Sluice.Client's RemoteSluiceClient (auto-batched
// PublishAsync, at most --window unconfirmed per producer), consumers use its credit-based ConsumeAsync (--prefetch)
// and ack each message; the body carries its send timestamp, so every delivery gives an end-to-end latency.
// Workloads of ../shared/BENCH.md: W1 = 1x1, W2 = 4x4, W3 = 1x1 paced at 1,000 msgs/s.
// Usage: fastpath --address http://127.0.0.1:7481 [--workload W1|W2|W3] [--messages N] [--seconds S] [--runs R]
//                 [--body-bytes B] [--window N] [--prefetch N] [--ack pipelined|await] [--label TEXT]
// --embedded: no server and no gRPC: the same workload through InProcessSluiceClient on a Broker over the in-memory
// store in this process (what the broker and store cost without the path; compare with a remote run on --store memory).
// --split: publish everything first (publish rate alone), then consume it (consume + ack rate alone), to tell which
// side bounds the workload; its latencies include the backlog and mean nothing.
// Prints one line per run and the medians. Not a test: it prints numbers.
using System.Diagnostics;
using System.Globalization;
using Sluice;
using Sluice.Client;

var address = new Uri("http://127.0.0.1:7481");
var workload = "W1";
int? messagesArg = null;
var seconds = 20.0;
var runs = 3;
var bodyBytes = 1024;
var window = 256;
var prefetch = 256;
var awaitAcks = false;
var label = "";
var split = false;
var embedded = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--address": address = new Uri(args[++i]); break;
        case "--workload": workload = args[++i].ToUpperInvariant(); break;
        case "--messages": messagesArg = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--body-bytes": bodyBytes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--window": window = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--prefetch": prefetch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--ack": awaitAcks = args[++i] == "await"; break;
        case "--label": label = args[++i]; break;
        case "--split": split = true; break;
        case "--embedded": embedded = true; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

var (producers, consumers, paced) = workload switch
{
    "W1" => (1, 1, 0),
    "W2" => (4, 4, 0),
    "W3" => (1, 1, 1000),
    _ => throw new ArgumentException($"workload {workload}: use W1, W2 or W3"),
};
var messages = messagesArg ?? (paced > 0 ? 15_000 : 200_000);

await using ISluiceClient client = embedded
    ? new InProcessSluiceClient(await StartEmbeddedAsync(), ownsBroker: true)
    : new RemoteSluiceClient(new SluiceClientOptions { Address = address });
// Warm-up (JIT, connection, pools): a short run, not counted.
await RunAsync(Math.Min(messages, 20_000), 0);
var rates = new List<double>();
var p50s = new List<double>();
var p99s = new List<double>();
var p999s = new List<double>();
for (var run = 1; run <= runs; run++)
{
    var r = await RunAsync(messages, run);
    rates.Add(r.Rate);
    p50s.Add(r.P50);
    p99s.Add(r.P99);
    p999s.Add(r.P999);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"run {run} {label} {workload} {r.Rate,9:F0} msgs/s  p50 {r.P50,7:F2} ms  p99 {r.P99,7:F2} ms  p99.9 {r.P999,7:F2} ms  ({r.Count} messages in {r.Seconds:F2} s, alloc {r.AllocPerMessage:F0} B/msg in this process)"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"median {label} {workload} {Median(rates),9:F0} msgs/s  p50 {Median(p50s),7:F2} ms  p99 {Median(p99s),7:F2} ms  p99.9 {Median(p999s),7:F2} ms"));
return 0;

static async Task<Broker> StartEmbeddedAsync()
{
    var broker = new Broker(new Sluice.InMemory.InMemoryMessageStore());
    await broker.StartAsync();
    return broker;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

async Task<Result> RunAsync(int total, int run)
{
    var queue = $"fastpath-{workload.ToLowerInvariant()}-{run}-{Guid.NewGuid():N}"[..40];
    await client.CreateQueueAsync(queue);
    var perProducer = total / producers;
    total = perProducer * producers;
    var latencies = new long[total];
    var consumed = 0;
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
    using var endProducers = new CancellationTokenSource();
    var allocBefore = GC.GetTotalAllocatedBytes(precise: false);
    var start = Stopwatch.GetTimestamp();

    Task[] StartConsumers() => Enumerable.Range(0, consumers).Select(c => Task.Run(async () =>
    {
        var acks = new List<Task>();
        try
        {
            await foreach (var message in client.ConsumeAsync(queue, new ConsumeOptions { Prefetch = prefetch }, stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                var sent = BitConverter.ToInt64(message.Body.Span);
                var index = Interlocked.Increment(ref consumed) - 1;
                if (index < latencies.Length)
                {
                    latencies[index] = now - sent;
                }

                var ack = client.AckAsync(queue, message.ReceiptHandle!, CancellationToken.None);
                if (awaitAcks)
                {
                    await ack;
                }
                else if (!ack.IsCompletedSuccessfully)
                {
                    acks.Add(ack.AsTask());
                    if (acks.Count >= 4 * prefetch)
                    {
                        acks.RemoveAll(t => t.IsCompletedSuccessfully);
                    }
                }

                if (index + 1 >= total)
                {
                    done.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(acks);
    })).ToArray();

    Task[] StartProducers() => Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
    {
        using var room = new SemaphoreSlim(window, window);
        var pacing = paced > 0 ? Stopwatch.Frequency / paced : 0;
        var next = Stopwatch.GetTimestamp();
        for (var i = 0; i < perProducer && !endProducers.IsCancellationRequested; i++)
        {
            if (pacing > 0)
            {
                next += pacing;
                while (Stopwatch.GetTimestamp() < next)
                {
                    var ms = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                    if (ms >= 2)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(ms - 1));
                    }
                    else
                    {
                        Thread.SpinWait(50);
                    }
                }
            }

            await room.WaitAsync();
            var body = new byte[bodyBytes];
            BitConverter.TryWriteBytes(body, Stopwatch.GetTimestamp());
            var publish = client.PublishAsync(queue, new OutgoingMessage(body));
            if (publish.IsCompleted)
            {
                publish.GetAwaiter().GetResult();
                room.Release();
            }
            else
            {
                _ = publish.AsTask().ContinueWith(t =>
                {
                    room.Release();
                    if (t.IsFaulted)
                    {
                        Console.Error.WriteLine($"publish failed: {t.Exception!.InnerException!.Message}");
                    }
                }, TaskScheduler.Default);
            }
        }

        for (var k = 0; k < window; k++)
        {
            await room.WaitAsync();
        }
    })).ToArray();

    Task[] consumerTasks, producerTasks;
    if (split)
    {
        producerTasks = StartProducers();
        await Task.WhenAll(producerTasks);
        var publishSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var consumeStart = Stopwatch.GetTimestamp();
        consumerTasks = StartConsumers();
        await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(seconds)));
        var consumeSeconds = Stopwatch.GetElapsedTime(consumeStart).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"split {run} {label} {workload} publish alone {total / publishSeconds,9:F0} msgs/s  consume+ack alone {Math.Min(Volatile.Read(ref consumed), total) / consumeSeconds,9:F0} msgs/s"));
    }
    else
    {
        consumerTasks = StartConsumers();
        producerTasks = StartProducers();
        await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(seconds)));
    }

    var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
    var count = Math.Min(Volatile.Read(ref consumed), total);
    await endProducers.CancelAsync();
    await Task.WhenAll(producerTasks);
    await stop.CancelAsync();
    await Task.WhenAll(consumerTasks);
    var alloc = GC.GetTotalAllocatedBytes(precise: false) - allocBefore;
    try
    {
        await client.DeleteQueueAsync(queue);
    }
    catch (SluiceException)
    {
    }

    var sorted = latencies.AsSpan(0, count).ToArray();
    Array.Sort(sorted);
    double Pct(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))] * 1000.0 / Stopwatch.Frequency;
    return new Result(count / elapsed, Pct(0.50), Pct(0.99), Pct(0.999), count, elapsed, (double)alloc / Math.Max(1, count));
}

internal sealed record Result(double Rate, double P50, double P99, double P999, int Count, double Seconds, double AllocPerMessage);
