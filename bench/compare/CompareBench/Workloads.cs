using System.Buffers.Binary;
using System.Diagnostics;
using CompareBench.Peers;

namespace CompareBench;

/// <summary>
/// W1-W4 against one network peer (docs/benchmarks.md, ../shared/BENCH.md): producers keep at most
/// <see cref="Peer.Window"/> publishes unconfirmed each; consumers (prefetch <see cref="Peer.Window"/>, one ack per
/// message) run until every published message arrived. Each body is 1 KiB whose first 8 bytes are the
/// <see cref="Stopwatch"/> timestamp taken just before its publish: end-to-end latency = arrival at the consumer's
/// callback minus that stamp (one process, one clock); publish-to-confirm latency = the publish task's completion minus it.
/// </summary>
internal sealed class Workloads(Peer peer, RunOptions options)
{
    private const int BodySize = 1024;

    /// <summary>How long W4 waits for its backlog to drain before it reports what arrived.</summary>
    private const double BacklogDrainSeconds = 120;
    private readonly byte[] _template = CreateTemplate();

    private static byte[] CreateTemplate()
    {
        var body = new byte[BodySize];
        new Random(9).NextBytes(body);
        return body;
    }

    /// <summary>Runs <see cref="RunOptions.Workload"/> on a fresh queue and returns its result line's fields.</summary>
    public async Task<Dictionary<string, string>> RunAsync()
    {
        var queue = options.Queue;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds + BacklogDrainSeconds + 60));
        await peer.PrepareAsync(queue, timeout.Token);
        try
        {
            return options.Workload switch
            {
                "W1" => await FlowAsync(queue, 1, 1, rate: 0, timeout.Token),
                "W2" => await FlowAsync(queue, 4, 4, rate: 0, timeout.Token),
                "W3" => await FlowAsync(queue, 1, 1, options.Rate, timeout.Token),
                "W4" => await BacklogAsync(queue, timeout.Token),
                _ => throw new ArgumentException($"unknown workload '{options.Workload}' (W1-W4 here; W5 is --embedded)"),
            };
        }
        finally
        {
            await peer.CleanupAsync(queue, CancellationToken.None);
        }
    }

    /// <summary>Publishing and consuming at once: W1 (1×1), W2 (4×4), W3 (1×1 paced at <paramref name="rate"/> msgs/s).</summary>
    private async Task<Dictionary<string, string>> FlowAsync(string queue, int producers, int consumers, int rate, CancellationToken cancellationToken)
    {
        var limit = options.Messages;
        var counters = new Counters(limit);
        using var stopConsumers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var consumerTasks = Enumerable.Range(0, consumers)
            .Select(_ => Task.Run(() => peer.ConsumeAsync(queue, counters.OnMessage, stopConsumers.Token), CancellationToken.None)).ToArray();
        var openProducers = await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => peer.OpenProducerAsync(queue, cancellationToken)));
        // Untimed warm-up: connections, JIT and subscriptions settle; the consumers skip these messages (stamp 0).
        await Task.WhenAll(openProducers.Select(p => WarmUpAsync(p, options.Warmup, cancellationToken)));
        var warm = (long)options.Warmup * producers;
        var settle = Stopwatch.StartNew();
        while (counters.WarmConsumed < warm && settle.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10, cancellationToken);
        }

        var start = Stopwatch.GetTimestamp();
        counters.Start = start;
        var deadline = start + (long)(options.Seconds * Stopwatch.Frequency);
        var producerTasks = openProducers.Select(p => Task.Run(() => ProduceAsync(p, counters, deadline, rate, start, cancellationToken), CancellationToken.None)).ToArray();
        await Task.WhenAll(producerTasks);
        var publishEnd = Stopwatch.GetTimestamp();
        counters.PublishingDone();
        var drained = await Task.WhenAny(counters.AllConsumed, Task.Delay(TimeSpan.FromSeconds(options.DrainSeconds), cancellationToken)) == counters.AllConsumed;
        await stopConsumers.CancelAsync();
        await Task.WhenAll(consumerTasks);
        foreach (var p in openProducers)
        {
            await p.DisposeAsync();
        }

        var published = counters.Published;
        var consumed = Math.Min(counters.Consumed, published);
        var seconds = Stopwatch.GetElapsedTime(start, counters.LastArrival).TotalSeconds;
        var fields = new Dictionary<string, string>
        {
            ["published"] = published.ToString(Inv),
            ["consumed"] = consumed.ToString(Inv),
            ["complete"] = drained ? "1" : "0",
            ["rate"] = (consumed / seconds).ToString("F0", Inv),
            ["publish_rate"] = (published / Stopwatch.GetElapsedTime(start, publishEnd).TotalSeconds).ToString("F0", Inv),
        };
        AddPercentiles(fields, "e2e", counters.EndToEnd, (int)consumed);
        AddPercentiles(fields, "confirm", counters.Confirm, (int)published);
        return fields;
    }

    /// <summary>Publishes <paramref name="count"/> messages stamped 0 (not measured), at most <see cref="Peer.Window"/> unconfirmed.</summary>
    private async Task WarmUpAsync(IProducer producer, int count, CancellationToken cancellationToken)
    {
        using var window = new SemaphoreSlim(Peer.Window);
        var body = (byte[])_template.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(body, 0);
        var pending = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync(cancellationToken);
            pending.Add(PublishAsync());
        }

        await Task.WhenAll(pending);

        async Task PublishAsync()
        {
            try
            {
                await producer.PublishAsync(body, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                window.Release();
            }
        }
    }

    /// <summary>
    /// W4: publish <see cref="RunOptions.Messages"/> (or for <see cref="RunOptions.Seconds"/>) with no consumer, time one
    /// stats request on the backlog, then consume them all; the server's peak RSS throughout.
    /// </summary>
    private async Task<Dictionary<string, string>> BacklogAsync(string queue, CancellationToken cancellationToken)
    {
        var counters = new Counters(options.Messages);
        using var sampling = new CancellationTokenSource();
        var peak = Task.Run(() => SamplePeakRssAsync(options.ServerPid, sampling.Token), CancellationToken.None);
        await using (var producer = await peer.OpenProducerAsync(queue, cancellationToken))
        {
            var start = Stopwatch.GetTimestamp();
            counters.Start = start;
            await ProduceAsync(producer, counters, start + (long)(options.Seconds * Stopwatch.Frequency), rate: 0, start, cancellationToken);
            counters.PublishTime = Stopwatch.GetElapsedTime(start);
        }

        var stats = await peer.TimeStatsAsync(queue, cancellationToken);
        counters.PublishingDone();
        using var stopConsumer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiveStart = Stopwatch.GetTimestamp();
        counters.Start = receiveStart;
        var consumer = Task.Run(() => peer.ConsumeAsync(queue, counters.OnMessage, stopConsumer.Token), CancellationToken.None);
        var drained = await Task.WhenAny(counters.AllConsumed, Task.Delay(TimeSpan.FromSeconds(BacklogDrainSeconds), cancellationToken)) == counters.AllConsumed;
        await stopConsumer.CancelAsync();
        await consumer;
        await sampling.CancelAsync();
        var consumed = Math.Min(counters.Consumed, counters.Published);
        var fields = new Dictionary<string, string>
        {
            ["published"] = counters.Published.ToString(Inv),
            ["consumed"] = consumed.ToString(Inv),
            ["complete"] = drained ? "1" : "0",
            ["publish_rate"] = (counters.Published / counters.PublishTime.TotalSeconds).ToString("F0", Inv),
            ["rate"] = (consumed / Stopwatch.GetElapsedTime(receiveStart, counters.LastArrival).TotalSeconds).ToString("F0", Inv),
            ["rss_mb"] = (await peak / 1024.0 / 1024.0).ToString("F0", Inv),
        };
        if (stats is { } s)
        {
            fields["stats_ms"] = s.TotalMilliseconds.ToString("F2", Inv);
        }

        return fields;
    }

    /// <summary>
    /// One producer: claims message numbers from <paramref name="counters"/> until they run out or <paramref name="deadline"/>
    /// passes, at most <see cref="Peer.Window"/> unconfirmed; paced to <paramref name="rate"/> msgs/s when it is positive.
    /// Returns when every publish it made was confirmed.
    /// </summary>
    private async Task ProduceAsync(IProducer producer, Counters counters, long deadline, int rate, long start, CancellationToken cancellationToken)
    {
        using var window = new SemaphoreSlim(Peer.Window);
        using var pacer = rate > 0 ? new PeriodicTimer(TimeSpan.FromMilliseconds(1)) : null;
        long sent = 0;
        Exception? failure = null;
        while (failure is null)
        {
            if (pacer is not null)
            {
                var due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate);
                while (sent >= due)
                {
                    await pacer.WaitForNextTickAsync(cancellationToken);
                    due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate);
                }
            }

            await window.WaitAsync(cancellationToken);
            var number = counters.Claim();
            if (number < 0 || Stopwatch.GetTimestamp() > deadline)
            {
                window.Release();
                break;
            }

            sent++;
            var body = new byte[BodySize];
            _template.CopyTo(body, 0);
            var stamp = Stopwatch.GetTimestamp();
            BinaryPrimitives.WriteInt64LittleEndian(body, stamp);
            _ = ConfirmAsync(producer.PublishAsync(body, cancellationToken), number, stamp);
        }

        for (var i = 0; i < Peer.Window; i++)
        {
            await window.WaitAsync(cancellationToken);
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("a publish failed: " + failure.Message, failure);
        }

        async Task ConfirmAsync(Task publish, long number, long stamp)
        {
            try
            {
                await publish.ConfigureAwait(false);
                counters.Confirm[number] = Stopwatch.GetTimestamp() - stamp;
                counters.Confirmed();
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
            finally
            {
                window.Release();
            }
        }
    }

    private static async Task<long> SamplePeakRssAsync(int pid, CancellationToken cancellationToken)
    {
        long peak = 0;
        while (pid > 0 && !cancellationToken.IsCancellationRequested)
        {
            peak = Math.Max(peak, Rss(pid));
            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return Math.Max(peak, pid > 0 ? Rss(pid) : 0);
    }

    /// <summary>Resident set size of process <paramref name="pid"/> in bytes (VmRSS of /proc/pid/status), 0 when unknown.</summary>
    private static long Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), Inv) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private static void AddPercentiles(Dictionary<string, string> fields, string name, long[] ticks, int count)
    {
        var values = ticks.AsSpan(0, Math.Min(count, ticks.Length)).ToArray();
        Array.Sort(values);
        foreach (var (label, p) in new[] { ("p50", 0.50), ("p99", 0.99), ("p999", 0.999) })
        {
            var ms = values.Length == 0 ? double.NaN : values[Math.Min(values.Length - 1, (int)(p * values.Length))] * 1000.0 / Stopwatch.Frequency;
            fields[$"{name}_{label}_ms"] = ms.ToString("F3", Inv);
        }
    }

    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    /// <summary>Message numbers, latencies and arrival counts shared by the producers and consumers of one run.</summary>
    private sealed class Counters(int limit)
    {
        private long _claimed = -1;
        private long _confirmed;
        private long _consumed;
        private long _warm;
        private long _published = long.MaxValue;
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long[] Confirm { get; } = new long[limit];
        public long[] EndToEnd { get; } = new long[limit];
        public long Start { get; set; }
        private long _lastArrival;

        public long LastArrival => Interlocked.Read(ref _lastArrival);
        public TimeSpan PublishTime { get; set; }
        public long Published => Interlocked.Read(ref _confirmed);
        public long Consumed => Interlocked.Read(ref _consumed);
        public Task AllConsumed => _all.Task;

        /// <summary>The next message number, or -1 when <c>limit</c> are claimed.</summary>
        public long Claim()
        {
            var n = Interlocked.Increment(ref _claimed);
            return n < limit ? n : -1;
        }

        public void Confirmed() => Interlocked.Increment(ref _confirmed);

        public void PublishingDone()
        {
            Volatile.Write(ref _published, Published);
            if (Consumed >= _published)
            {
                _all.TrySetResult();
            }
        }

        public long WarmConsumed => Interlocked.Read(ref _warm);

        public void OnMessage(ReadOnlyMemory<byte> body)
        {
            var now = Stopwatch.GetTimestamp();
            var stamp = BinaryPrimitives.ReadInt64LittleEndian(body.Span);
            if (stamp == 0)
            {
                Interlocked.Increment(ref _warm);
                return;
            }

            var n = Interlocked.Increment(ref _consumed) - 1;
            if (n < EndToEnd.Length)
            {
                EndToEnd[n] = now - stamp;
            }

            long last;
            while (now > (last = Interlocked.Read(ref _lastArrival)) && Interlocked.CompareExchange(ref _lastArrival, now, last) != last)
            {
            }

            if (n + 1 >= Volatile.Read(ref _published))
            {
                _all.TrySetResult();
            }
        }
    }
}
