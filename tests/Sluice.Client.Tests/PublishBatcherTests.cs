using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Sluice.Client.Internal;
using Sluice.InMemory;
using Sluice.Storage.Conformance;

namespace Sluice.Client.Tests;

/// <summary>The auto-batching publisher alone, over a scripted transport or a real in-memory broker.</summary>
public sealed class PublishBatcherTests
{
    private static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);

    private readonly ConformanceTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static OutgoingMessage Text(string body) => new(Encoding.UTF8.GetBytes(body));

    /// <summary>A transport that records each batch, can hold the next call until released, and fails as told.</summary>
    private sealed class Transport
    {
        private readonly ConcurrentQueue<TaskCompletionSource> _gates = new();

        public List<string[]> Batches { get; } = [];

        public ConcurrentDictionary<string, Guid> Ids { get; } = new();

        public Func<string[], SluiceException?> Fail { get; set; } = _ => null;

        /// <summary>Holds the next call until the returned source is completed.</summary>
        public TaskCompletionSource HoldNext()
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _gates.Enqueue(gate);
            return gate;
        }

        public async ValueTask<IReadOnlyList<PublishResult>> SendAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
        {
            var bodies = messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)).ToArray();
            lock (Batches)
            {
                Batches.Add(bodies);
            }

            if (_gates.TryDequeue(out var gate))
            {
                await gate.Task;
            }

            if (Fail(bodies) is { } error)
            {
                throw error;
            }

            return [.. bodies.Select(b => new PublishResult(Ids.GetOrAdd(b, _ => Guid.NewGuid()), false))];
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < RealTimeout, $"timed out waiting until {what}");
            await Task.Yield();
        }
    }

    private PublishBatcher Batcher(Transport transport, int maxBatch = 100, TimeSpan? linger = null, int maxPending = 10_000, long maxBatchBytes = long.MaxValue) =>
        new(transport.SendAsync, maxBatch, linger ?? TimeSpan.Zero, maxPending, _time, maxBatchBytes);

    /// <summary>Sends "a" alone, holds it in flight, and returns the held call's gate.</summary>
    private static async Task<(Task<PublishResult> First, TaskCompletionSource Gate)> OneInFlightAsync(PublishBatcher batcher, Transport transport, string queue = "q")
    {
        var gate = transport.HoldNext();
        var first = batcher.PublishAsync(queue, Text("a")).AsTask();
        await WaitUntilAsync(() => transport.Batches.Count == 1, "the first batch is in flight");
        return (first, gate);
    }

    [Fact]
    public async Task Publish_WhileABatchIsInFlight_NewcomersGoTogetherInTheNextBatchInCallOrder()
    {
        var transport = new Transport();
        await using var batcher = Batcher(transport);
        var (first, gate) = await OneInFlightAsync(batcher, transport);

        var later = new[] { "b", "c", "d" }.Select(b => batcher.PublishAsync("q", Text(b)).AsTask()).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(later.Prepend(first)).WaitAsync(RealTimeout);

        Assert.Equal([["a"], ["b", "c", "d"]], transport.Batches);
        Assert.Equal(["a", "b", "c", "d"], results.Select(r => transport.Ids.Single(kv => kv.Value == r.MessageId).Key));
    }

    [Fact]
    public async Task Publish_NewcomersOverMaxBatchBytes_SplitIntoBatchesUnderTheByteLimit()
    {
        var transport = new Transport();
        await using var batcher = Batcher(transport, maxBatchBytes: 4);
        var (first, gate) = await OneInFlightAsync(batcher, transport);

        var later = new[] { "bb", "cc", "ddddd", "e" }.Select(b => batcher.PublishAsync("q", Text(b)).AsTask()).ToList();
        gate.SetResult();
        await Task.WhenAll(later.Prepend(first)).WaitAsync(RealTimeout);

        Assert.Equal([["a"], ["bb", "cc"], ["ddddd"], ["e"]], transport.Batches);
    }

    [Fact]
    public async Task Publish_BatchRefusedAsRequestTooLarge_EachMessageResentAloneAndSucceeds()
    {
        var transport = new Transport { Fail = b => b.Length > 1 ? new SluiceException(ErrorCodes.RequestTooLarge, "request too large") : null };
        await using var batcher = Batcher(transport);
        var (first, gate) = await OneInFlightAsync(batcher, transport);

        var later = new[] { "b", "c", "d" }.Select(b => batcher.PublishAsync("q", Text(b)).AsTask()).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(later.Prepend(first)).WaitAsync(RealTimeout);

        Assert.Equal([["a"], ["b", "c", "d"], ["b"], ["c"], ["d"]], transport.Batches);
        Assert.Equal(4, results.Select(r => r.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Publish_LonePublisherAwaitingEachCall_SentAtOnceWithoutLinger()
    {
        var transport = new Transport();
        await using var batcher = Batcher(transport, linger: TimeSpan.FromMilliseconds(100));

        for (var i = 0; i < 3; i++)
        {
            await batcher.PublishAsync("q", Text($"m{i}")).AsTask().WaitAsync(RealTimeout);
        }

        Assert.Equal([["m0"], ["m1"], ["m2"]], transport.Batches);
    }

    [Fact]
    public async Task Publish_BusyQueueGoesIdle_NextPublishWaitsForTheLinger()
    {
        var transport = new Transport();
        await using var batcher = Batcher(transport, linger: Linger);
        var (first, gate) = await OneInFlightAsync(batcher, transport);
        var second = batcher.PublishAsync("q", Text("b")).AsTask();
        var third = batcher.PublishAsync("q", Text("c")).AsTask();
        gate.SetResult();
        await Task.WhenAll(first, second, third).WaitAsync(RealTimeout);

        var timers = _time.TimersCreated;
        var lingering = batcher.PublishAsync("q", Text("d")).AsTask();
        await WaitUntilAsync(() => _time.TimersCreated > timers, "the lane lingers");
        Assert.False(lingering.IsCompleted);
        _time.Advance(Linger);

        await lingering.WaitAsync(RealTimeout);
        Assert.Equal(["d"], transport.Batches[^1]);
    }

    [Fact]
    public async Task Publish_AsManyWaitingAsTheLastBatch_SentWithoutWaitingForTheLinger()
    {
        var transport = new Transport();
        await using var batcher = Batcher(transport, maxBatch: 3, linger: Linger);
        var (first, gate) = await OneInFlightAsync(batcher, transport);
        var busy = new[] { "b", "c", "d" }.Select(b => batcher.PublishAsync("q", Text(b)).AsTask()).ToList();
        gate.SetResult();
        await Task.WhenAll(busy.Prepend(first)).WaitAsync(RealTimeout);
        Assert.Equal([["a"], ["b", "c", "d"]], transport.Batches);

        var full = new[] { "x", "y", "z" }.Select(b => batcher.PublishAsync("q", Text(b)).AsTask()).ToList();

        await Task.WhenAll(full).WaitAsync(RealTimeout);
        Assert.Equal(["x", "y", "z"], transport.Batches[^1]);
    }

    [Fact]
    public async Task Publish_BatchRefusedForOneMessage_OnlyThatCallerFails()
    {
        var transport = new Transport { Fail = bodies => bodies.Contains("bad") ? new SluiceException(ErrorCodes.InvalidArgument, "bad message", "message") : null };
        await using var batcher = Batcher(transport);
        var (first, gate) = await OneInFlightAsync(batcher, transport);

        var calls = new[] { "b", "bad", "d" }.Select(b => batcher.PublishAsync("q", Text(b)).AsTask()).ToList();
        gate.SetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(calls.Prepend(first)).WaitAsync(RealTimeout));

        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(calls[0].IsCompletedSuccessfully);
        Assert.Equal(ErrorCodes.InvalidArgument, Assert.IsType<SluiceException>(calls[1].Exception!.InnerException).ErrorCode);
        Assert.True(calls[2].IsCompletedSuccessfully);
        Assert.Equal([["a"], ["b", "bad", "d"], ["b"], ["bad"], ["d"]], transport.Batches);
    }

    [Fact]
    public async Task Publish_ErrorForTheWholeQueue_EveryCallerGetsItWithoutRetries()
    {
        var transport = new Transport { Fail = bodies => bodies.Length > 1 ? new SluiceException(ErrorCodes.QueueNotFound, "queue 'q' does not exist") : null };
        await using var batcher = Batcher(transport);
        var (first, gate) = await OneInFlightAsync(batcher, transport);

        var calls = new[] { "b", "c" }.Select(b => batcher.PublishAsync("q", Text(b)).AsTask()).ToList();
        gate.SetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(calls).WaitAsync(RealTimeout));

        Assert.All(calls, c => Assert.Equal(ErrorCodes.QueueNotFound, Assert.IsType<SluiceException>(c.Exception!.InnerException).ErrorCode));
        Assert.Equal(2, transport.Batches.Count);
        await first;
    }

    [Fact]
    public async Task Publish_OverflowRejectOnARealBroker_FitsWhatFitsAndRefusesTheRest()
    {
        await using var broker = new Broker(new InMemoryMessageStore(_time), timeProvider: _time);
        await broker.StartAsync();
        await broker.CreateQueueAsync("q", new QueueOptions { MaxLength = 5, OverflowPolicy = OverflowPolicy.Reject });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        await using var batcher = new PublishBatcher(async (q, m, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await gate.Task;
            }

            return await broker.PublishBatchAsync(q, m, ct);
        }, 100, TimeSpan.Zero, 100, _time);
        var first = batcher.PublishAsync("q", Text("m0")).AsTask();
        await WaitUntilAsync(() => Volatile.Read(ref calls) == 1, "the first batch is in flight");

        var rest = Enumerable.Range(1, 7).Select(i => batcher.PublishAsync("q", Text($"m{i}")).AsTask()).ToList();
        gate.SetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(rest.Prepend(first)).WaitAsync(RealTimeout));

        var all = rest.Prepend(first).ToList();
        var stored = all.Where(c => c.IsCompletedSuccessfully).Select(c => c.Result.MessageId).ToHashSet();
        Assert.Equal(5, stored.Count);
        Assert.All(all.Where(c => c.IsFaulted), c => Assert.Equal(ErrorCodes.QueueFull, Assert.IsType<SluiceException>(c.Exception!.InnerException).ErrorCode));
        Assert.Equal(stored, (await broker.PeekAsync("q", 10)).Select(m => m.MessageId).ToHashSet());
    }

    [Fact]
    public async Task Publish_BeyondMaxPending_WaitsForRoomAndCancelsCleanly()
    {
        var transport = new Transport();
        await using var batcher = Batcher(transport, maxPending: 2);
        var (first, gate) = await OneInFlightAsync(batcher, transport);
        var second = batcher.PublishAsync("q", Text("b")).AsTask();
        using var giveUp = new CancellationTokenSource();

        var third = batcher.PublishAsync("q", Text("c"), giveUp.Token).AsTask();
        Assert.Equal(2, batcher.Pending);
        Assert.False(third.IsCompleted);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.WaitAsync(RealTimeout));

        var fourth = batcher.PublishAsync("q", Text("d")).AsTask();
        gate.SetResult();
        await Task.WhenAll(first, second, fourth).WaitAsync(RealTimeout);
        Assert.DoesNotContain("c", transport.Batches.SelectMany(b => b));
        Assert.Equal(0, batcher.Pending);
    }

    [Fact]
    public async Task Publish_CancelledWhileWaitingForABatch_MessageNeverSent()
    {
        var transport = new Transport();
        await using var batcher = Batcher(transport);
        var (first, gate) = await OneInFlightAsync(batcher, transport);
        using var giveUp = new CancellationTokenSource();
        var cancelled = batcher.PublishAsync("q", Text("b"), giveUp.Token).AsTask();
        var kept = batcher.PublishAsync("q", Text("c")).AsTask();

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(RealTimeout));
        gate.SetResult();

        await Task.WhenAll(first, kept).WaitAsync(RealTimeout);
        Assert.Equal([["a"], ["c"]], transport.Batches);
        Assert.Equal(0, batcher.Pending);
    }

    [Fact]
    public async Task DisposeAsync_PublishesWaiting_SentBeforeItReturnsThenRefusesNewOnes()
    {
        var transport = new Transport();
        var batcher = Batcher(transport);
        var (first, gate) = await OneInFlightAsync(batcher, transport);
        var second = batcher.PublishAsync("q", Text("b")).AsTask();

        var disposing = batcher.DisposeAsync().AsTask();
        gate.SetResult();
        await disposing.WaitAsync(RealTimeout);

        Assert.Equal([["a"], ["b"]], transport.Batches);
        await Task.WhenAll(first, second).WaitAsync(RealTimeout);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.PublishAsync("q", Text("c")).AsTask());
    }
}
