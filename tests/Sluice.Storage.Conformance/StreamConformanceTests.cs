using System.Text;

namespace Sluice.Storage.Conformance;

/// <summary>
/// The stream conformance suite every <see cref="IStreamStore"/> passes, driven through the public <see cref="Broker"/>
/// stream API on a fake clock (Redis's stream semantics, plus Sluice's retention and max-deliveries policy). A store's
/// test project subclasses it and implements <see cref="CreateStore"/>; durable stores subclass
/// <see cref="DurableStreamConformanceTests"/>, which adds restart tests. xUnit builds a new instance per test.
/// </summary>
public abstract partial class StreamConformanceTests : IAsyncLifetime
{
    /// <summary>The fake clock's start: a fixed instant, so failures reproduce.</summary>
    protected static readonly DateTimeOffset StartTime = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>How long a test waits in real time for something that should happen at once.</summary>
    protected static readonly TimeSpan RealTimeout = ConformanceWaits.RealTimeout;

    private Broker? _broker;

    /// <summary>The fake clock shared by the broker and the store.</summary>
    protected ConformanceTimeProvider Time { get; } = new(StartTime);

    /// <summary>The broker under test (rebuilt by <see cref="RestartAsync"/>).</summary>
    protected Broker Broker => _broker ?? throw new InvalidOperationException("the broker is not started");

    /// <summary>The fake clock's start in Unix milliseconds (the millisecond part of generated ids).</summary>
    protected static ulong StartMs => (ulong)StartTime.ToUnixTimeMilliseconds();

    /// <summary>Builds the store under test (it must implement <see cref="IStreamStore"/>); a durable store reopens the same data on every call within a test.</summary>
    protected abstract IQueueStore CreateStore(TimeProvider time);

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _broker = await StartBrokerAsync();

    /// <summary>Disposes the broker and the store. A subclass that overrides it calls the base first.</summary>
    public virtual Task DisposeAsync() => StopBrokerAsync();

    /// <summary>Disposes the broker (and the store) and starts a new one over a new store from <see cref="CreateStore"/>.</summary>
    protected async Task RestartAsync()
    {
        await StopBrokerAsync();
        _broker = await StartBrokerAsync();
    }

    private async Task StopBrokerAsync()
    {
        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync();
        }
    }

    private async Task<Broker> StartBrokerAsync()
    {
        var broker = new Broker(CreateStore(Time), new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, Time);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Advances the fake clock.</summary>
    protected void Advance(TimeSpan by) => Time.Advance(by);

    /// <summary>Field-value pairs from alternating UTF-8 texts.</summary>
    protected static StreamField[] Fields(params string[] pairs) =>
        [.. Enumerable.Range(0, pairs.Length / 2).Select(i => StreamField.FromText(pairs[2 * i], pairs[(2 * i) + 1]))];

    /// <summary>An entry's fields as alternating texts.</summary>
    protected static string[] Texts(StreamEntry entry) =>
        [.. entry.Fields!.SelectMany(f => new[] { Encoding.UTF8.GetString(f.Name.Span), Encoding.UTF8.GetString(f.Value.Span) })];

    /// <summary>An id.</summary>
    protected static StreamEntryId Id(ulong ms, ulong seq) => new(ms, seq);

    /// <summary>Appends with a generated id.</summary>
    protected async Task<StreamEntryId> AddAsync(string stream, params string[] pairs) =>
        (await Broker.StreamAppendAsync(stream, Fields(pairs.Length == 0 ? ["f", "v"] : pairs)))!.Value;

    /// <summary>Appends with an explicit id.</summary>
    protected async Task<StreamEntryId> AddAtAsync(string stream, StreamEntryId id, params string[] pairs) =>
        (await Broker.StreamAppendAsync(stream, Fields(pairs.Length == 0 ? ["f", "v"] : pairs), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = id }))!.Value;

    /// <summary>Appends entries 1-1 .. n-1 with explicit ids.</summary>
    protected async Task AddManyAsync(string stream, int n)
    {
        for (var i = 1; i <= n; i++)
        {
            await AddAtAsync(stream, Id((ulong)i, 1), "n", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The whole stream.</summary>
    protected async Task<IReadOnlyList<StreamEntry>> AllAsync(string stream) =>
        await Broker.StreamRangeAsync(stream, StreamEntryId.MinValue, StreamEntryId.MaxValue);

    /// <summary>Reads as a consumer from <c>&gt;</c> without blocking; the entries of the one stream.</summary>
    protected async Task<IReadOnlyList<StreamEntry>> ReadNewAsync(string stream, string group, string consumer, int? count = null, bool noAck = false)
    {
        var results = await Broker.StreamReadGroupAsync(group, consumer, [StreamPosition.Undelivered(stream)], new StreamReadOptions { Count = count, NoAck = noAck });
        return results.Count == 0 ? [] : Assert.Single(results).Entries;
    }

    /// <summary>Reads a consumer's own pending entries after <paramref name="after"/>.</summary>
    protected async Task<IReadOnlyList<StreamEntry>> ReadPendingAsync(string stream, string group, string consumer, StreamEntryId after = default) =>
        Assert.Single(await Broker.StreamReadGroupAsync(group, consumer, [StreamPosition.After(stream, after)])).Entries;

    /// <summary>Every pending row of a group.</summary>
    protected async Task<IReadOnlyList<StreamPendingEntry>> PendingAsync(string stream, string group, string? consumer = null) =>
        await Broker.StreamPendingAsync(stream, group, new StreamPendingQuery { Count = 1000, Consumer = consumer });

    /// <summary>Asserts an action fails with a <see cref="SluiceException"/> carrying <paramref name="code"/>.</summary>
    protected static Task<SluiceException> AssertErrorAsync(string code, Func<Task> action) => ConformanceWaits.ErrorAsync(code, action);

    /// <summary>Waits (in real time, bounded) until <paramref name="condition"/> holds.</summary>
    protected static Task WaitUntilAsync(Func<bool> condition, string what) => ConformanceWaits.UntilAsync(condition, what);

    /// <summary>Starts a blocking read and returns once it is parked (registered and, with a finite block, its timer armed).</summary>
    protected async Task<Task<IReadOnlyList<StreamReadResult>>> StartBlockedAsync(Func<Task<IReadOnlyList<StreamReadResult>>> read, bool finite)
    {
        var blocked = Broker.BlockedStreamReaders;
        var timers = Time.TimersCreated;
        var task = read();
        await WaitUntilAsync(() => task.IsCompleted || (Broker.BlockedStreamReaders > blocked && (!finite || Time.TimersCreated > timers)), "the read blocks");
        Assert.False(task.IsCompleted, "the blocking read returned at once instead of waiting");
        return task;
    }

    /// <summary>Awaits a task that should complete at once (bounded in real time).</summary>
    protected static async Task<T> CompletesAsync<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(RealTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"timed out after {RealTimeout.TotalSeconds} s (real time) waiting until {what}");
            throw;
        }
    }
}
