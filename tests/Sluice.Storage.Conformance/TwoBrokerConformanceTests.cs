using System.Text;

namespace Sluice.Storage.Conformance;

/// <summary>
/// The two-broker fixture: two brokers (A and B) over one store, as two nodes over one database, on one fake clock. A
/// change made through one broker must wake the other's waiters (long polls, blocking stream reads) through the
/// store's change feed, and each broker's own wake-ups must still work. By default B is a second broker over A's
/// store object (<c>ownsStore: false</c>): two brokers in one process. A store shared by several processes overrides
/// <see cref="CreatePeerStore"/> to give B its own store object on the same data (a second node). No test
/// measures time: each awaits the woken task, bounded by <see cref="RealTimeout"/> of real time as a hang guard.
/// </summary>
public abstract partial class TwoBrokerConformanceTests : IAsyncLifetime
{
    /// <summary>The fake clock's start: a fixed instant, so failures reproduce.</summary>
    protected static readonly DateTimeOffset StartTime = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>How long a test waits in real time for a wake-up that should come at once (a guard against hangs, not a timing assertion).</summary>
    protected static readonly TimeSpan RealTimeout = ConformanceWaits.RealTimeout;

    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(20);

    private Broker? _a;
    private Broker? _b;

    /// <summary>The fake clock shared by both brokers and their stores.</summary>
    protected ConformanceTimeProvider Time { get; } = new(StartTime);

    /// <summary>Broker A (owns the first store).</summary>
    protected Broker A => _a ?? throw new InvalidOperationException("the brokers are not started");

    /// <summary>Broker B (over A's store object, or over a second store object on the same data).</summary>
    protected Broker B => _b ?? throw new InvalidOperationException("the brokers are not started");

    /// <summary>Builds broker A's store over <paramref name="time"/>; called once per test.</summary>
    protected abstract IQueueStore CreateStore(TimeProvider time);

    /// <summary>
    /// Broker B's store, as in <see cref="BrokerConformanceTests"/>: by default A's store object (<paramref name="first"/>),
    /// shared without owning it; a store whose data several store objects open at once (PostgreSQL: a second node on the
    /// database) returns a new one and sets <see cref="PeerOwnsStore"/>.
    /// </summary>
    protected virtual IQueueStore CreatePeerStore(IQueueStore first, TimeProvider time) => first;

    /// <summary>Whether broker B owns (and disposes) the store <see cref="CreatePeerStore"/> returned; default false (a shared store object).</summary>
    protected virtual bool PeerOwnsStore => false;

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        var options = new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) };
        var first = CreateStore(Time);
        _a = new Broker(first, options, Time);
        await _a.StartAsync();
        _b = new Broker(CreatePeerStore(first, Time), options, Time, ownsStore: PeerOwnsStore);
        await _b.StartAsync();
    }

    /// <summary>Disposes B, then A (and so the stores). A subclass that overrides it calls the base first.</summary>
    public virtual async Task DisposeAsync()
    {
        if (_b is { } b)
        {
            _b = null;
            await b.DisposeAsync();
        }

        if (_a is { } a)
        {
            _a = null;
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task LongPollOnB_PublishOnA_IsWokenWithTheMessage()
    {
        await A.CreateQueueAsync("q");
        var poll = await StartLongPollAsync(B, "q");
        await A.PublishAsync("q", Message("hello"));
        Assert.Equal("hello", Text(Assert.Single(await CompletesAsync(poll, "a publish on A wakes B's long poll"))));
    }

    [Fact]
    public async Task LongPollOnB_PublishOnAToFifoQueue_IsWokenWithTheMessage()
    {
        await A.CreateQueueAsync("q.fifo", new QueueOptions { Fifo = true });
        var poll = await StartLongPollAsync(B, "q.fifo");
        await A.PublishAsync("q.fifo", Message("first") with { MessageGroupId = "g", DeduplicationId = "1" });
        var received = Assert.Single(await CompletesAsync(poll, "a FIFO publish on A wakes B's long poll"));
        Assert.Equal("first", Text(received));
        Assert.Equal("g", received.MessageGroupId);
    }

    [Fact]
    public async Task LongPollOnB_TopicPublishOnA_IsWokenThroughTheSubscriptionQueue()
    {
        await A.CreateQueueAsync("sub");
        await A.CreateTopicAsync("t");
        await A.SubscribeAsync("t", "sub");
        var poll = await StartLongPollAsync(B, "sub");
        await A.PublishToTopicAsync("t", [new TopicMessage(Message("fanned"))]);
        Assert.Equal("fanned", Text(Assert.Single(await CompletesAsync(poll, "a topic publish on A wakes B's long poll on the subscription queue"))));
    }

    [Fact]
    public async Task LongPollOnB_RedriveOnAToSourceQueue_IsWokenWithTheMessage()
    {
        await A.CreateQueueAsync("dlq");
        await A.CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });
        await A.PublishAsync("jobs", Message("poison"));
        var leased = Assert.Single(await A.ReceiveAsync("jobs"));
        await A.NackAsync("jobs", leased.ReceiptHandle!, null, "failed");
        Assert.Single(await A.PeekAsync("dlq"));

        var poll = await StartLongPollAsync(B, "jobs");
        var redrive = await A.StartRedriveAsync("dlq");
        var received = Assert.Single(await CompletesAsync(poll, "a redrive on A back to the source queue wakes B's long poll"));
        Assert.Equal("poison", Text(received));
        Assert.Equal(RedriveState.Completed, (await A.WaitForRedriveAsync(redrive.Id).AsTask().WaitAsync(RealTimeout)).State);
    }

    [Fact]
    public async Task LongPollOnB_NackOnA_IsWokenWithTheReleasedMessage()
    {
        await A.CreateQueueAsync("q");
        await A.PublishAsync("q", Message("again"));
        var leased = Assert.Single(await A.ReceiveAsync("q", new ReceiveOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) }));
        var poll = await StartLongPollAsync(B, "q");
        await A.NackAsync("q", leased.ReceiptHandle!);
        Assert.Equal("again", Text(Assert.Single(await CompletesAsync(poll, "a nack on A wakes B's long poll"))));
    }

    [Fact]
    public async Task LongPollOnB_QueueDeletedOnA_EndsWithQueueNotFound()
    {
        await A.CreateQueueAsync("q");
        var poll = await StartLongPollAsync(B, "q");
        await A.DeleteQueueAsync("q");
        var ex = await Assert.ThrowsAsync<SluiceException>(() => CompletesAsync(poll, "a deletion on A ends B's long poll"));
        Assert.Equal(ErrorCodes.QueueNotFound, ex.ErrorCode);
        Assert.Equal(0, B.GetWaitingReceiverCount("q"));
    }

    [Fact]
    public async Task LongPoll_PublishOnTheSameBroker_StillWakesIt()
    {
        await A.CreateQueueAsync("q");
        var onA = await StartLongPollAsync(A, "q");
        await A.PublishAsync("q", Message("a"));
        Assert.Equal("a", Text(Assert.Single(await CompletesAsync(onA, "a publish on A wakes A's long poll"))));

        var onB = await StartLongPollAsync(B, "q");
        await B.PublishAsync("q", Message("b"));
        Assert.Equal("b", Text(Assert.Single(await CompletesAsync(onB, "a publish on B wakes B's long poll"))));
    }

    [Fact]
    public async Task LongPollOnA_PublishOnB_IsWokenWithTheMessage()
    {
        await B.CreateQueueAsync("q");
        var poll = await StartLongPollAsync(A, "q");
        await B.PublishAsync("q", Message("from b"));
        Assert.Equal("from b", Text(Assert.Single(await CompletesAsync(poll, "a publish on B wakes A's long poll"))));
    }

    [Fact]
    public async Task LongPollsOnBoth_ConcurrentPublishesFromBoth_EveryReceiverGetsOneMessage()
    {
        // Lopsided on purpose: most receivers wait on B, most publishes go through A, so B's receivers depend on A's wake-ups.
        const int OnA = 6;
        const int OnB = 14;
        const int Total = OnA + OnB;
        await A.CreateQueueAsync("q");
        var polls = new List<Task<IReadOnlyList<QueueMessage>>>();
        for (var i = 0; i < Total; i++)
        {
            polls.Add((i < OnA ? A : B).ReceiveAsync("q", new ReceiveOptions { WaitTime = LongWait }).AsTask());
        }

        await WaitUntilAsync(() => A.GetWaitingReceiverCount("q") == OnA && B.GetWaitingReceiverCount("q") == OnB, "every receiver waits");
        var publishes = Enumerable.Range(0, Total)
            .Select(i => Task.Run(async () => await (i % 4 == 0 ? B : A).PublishAsync("q", Message($"m{i:D2}"))))
            .ToList();
        await Task.WhenAll(publishes).WaitAsync(RealTimeout);

        // The clock never moves: a receiver whose wake-up was lost would wait forever and trip the guard.
        var received = await CompletesAsync(Task.WhenAll(polls), "every waiting receiver is woken with a message");
        var bodies = received.Select(r => Text(Assert.Single(r))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, Total).Select(i => $"m{i:D2}"), bodies);
    }

    [Fact]
    public async Task BlockedStreamReadOnB_AppendOnA_IsWokenWithTheEntry()
    {
        await A.StreamAppendAsync("s", Fields("f", "old"));
        var read = await StartBlockedAsync(B, () => B.StreamReadAsync([StreamPosition.New("s")], new StreamReadOptions { Block = TimeSpan.FromMinutes(1) }).AsTask(), finite: true);
        var id = await A.StreamAppendAsync("s", Fields("f", "new"));
        var result = Assert.Single(await CompletesAsync(read, "an append on A wakes B's blocked XREAD"));
        Assert.Equal("s", result.Stream);
        Assert.Equal(id, Assert.Single(result.Entries).Id);
    }

    [Fact]
    public async Task BlockedGroupReadOnB_AppendOnA_DeliversTheEntryToTheGroup()
    {
        await A.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        var read = await StartBlockedAsync(B, () => B.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        var id = await A.StreamAppendAsync("s", Fields("f", "v"));
        var result = Assert.Single(await CompletesAsync(read, "an append on A wakes B's blocked XREADGROUP"));
        Assert.Equal(id, Assert.Single(result.Entries).Id);
        Assert.Equal(1, (await A.StreamPendingSummaryAsync("s", "g")).Count);
    }

    [Fact]
    public async Task BlockedGroupReadOnB_StreamDeletedOnA_EndsWithStreamNotFound()
    {
        await A.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        var read = await StartBlockedAsync(B, () => B.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        await A.DeleteStreamAsync("s");
        var ex = await Assert.ThrowsAsync<SluiceException>(() => CompletesAsync(read, "a stream deletion on A ends B's blocked read"));
        Assert.Equal(ErrorCodes.StreamNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task BlockedStreamReadOnA_AppendOnA_StillWakesIt()
    {
        var read = await StartBlockedAsync(A, () => A.StreamReadAsync([StreamPosition.New("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        var id = await A.StreamAppendAsync("s", Fields("f", "v"));
        Assert.Equal(id, Assert.Single(Assert.Single(await CompletesAsync(read, "an append on A wakes A's blocked read")).Entries).Id);
    }

    /// <summary>A message with a UTF-8 body.</summary>
    protected static OutgoingMessage Message(string body) => new(Encoding.UTF8.GetBytes(body));

    /// <summary>A message's body as UTF-8 text.</summary>
    protected static string Text(QueueMessage message) => Encoding.UTF8.GetString(message.Body.Span);

    /// <summary>Stream fields from alternating names and values.</summary>
    protected static StreamField[] Fields(params string[] pairs) =>
        [.. Enumerable.Range(0, pairs.Length / 2).Select(i => StreamField.FromText(pairs[2 * i], pairs[(2 * i) + 1]))];

    /// <summary>
    /// Starts a long poll on <paramref name="broker"/> (wait 20 s on the fake clock, which does not move) and returns once
    /// it is parked: registered as a waiter with its timeout timer armed.
    /// </summary>
    protected async Task<Task<IReadOnlyList<QueueMessage>>> StartLongPollAsync(Broker broker, string queue)
    {
        var waiters = broker.GetWaitingReceiverCount(queue);
        var timers = Time.TimersCreated;
        var task = broker.ReceiveAsync(queue, new ReceiveOptions { WaitTime = LongWait }).AsTask();
        await WaitUntilAsync(() => task.IsCompleted || (broker.GetWaitingReceiverCount(queue) > waiters && Time.TimersCreated > timers),
            $"a long-poll receiver on '{queue}' is waiting");
        Assert.False(task.IsCompleted, "the long-poll receive returned at once instead of waiting");
        return task;
    }

    /// <summary>Starts a blocking stream read on <paramref name="broker"/> and returns once it is parked (with its timer armed when <paramref name="finite"/>).</summary>
    protected async Task<Task<IReadOnlyList<StreamReadResult>>> StartBlockedAsync(Broker broker, Func<Task<IReadOnlyList<StreamReadResult>>> read, bool finite)
    {
        var blocked = broker.BlockedStreamReaders;
        var timers = Time.TimersCreated;
        var task = read();
        await WaitUntilAsync(() => task.IsCompleted || (broker.BlockedStreamReaders > blocked && (!finite || Time.TimersCreated > timers)), "the read blocks");
        Assert.False(task.IsCompleted, "the blocking read returned at once instead of waiting");
        return task;
    }

    /// <summary>Waits (in real time, bounded by <see cref="RealTimeout"/>) until <paramref name="condition"/> holds.</summary>
    protected static Task WaitUntilAsync(Func<bool> condition, string what) => ConformanceWaits.UntilAsync(condition, what);

    /// <summary>Awaits a task that should complete at once (bounded by <see cref="RealTimeout"/> of real time).</summary>
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
