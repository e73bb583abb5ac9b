using System.Diagnostics;
using System.Text;

namespace Sluice.Storage.Conformance;

/// <summary>
/// The conformance suite every <see cref="IQueueStore"/> passes, driven through the public <see cref="Broker"/> API
/// on a fake clock. A store's test project subclasses it and implements <see cref="CreateStore"/>; durable stores
/// subclass <see cref="DurableBrokerConformanceTests"/> instead, which adds the restart tests. xUnit builds a new
/// instance (so a new broker and a new store) for every test.
/// </summary>
public abstract partial class BrokerConformanceTests : IAsyncLifetime
{
    /// <summary>The fake clock's start: a fixed instant, so failures reproduce.</summary>
    protected static readonly DateTimeOffset StartTime = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>How long a test waits in real time for something that should happen at once (a wake-up, a redrive step).</summary>
    protected static readonly TimeSpan RealTimeout = ConformanceWaits.RealTimeout;

    private Broker? _broker;

    /// <summary>The fake clock shared by the broker and the store.</summary>
    protected ConformanceTimeProvider Time { get; } = new(StartTime);

    /// <summary>The broker under test (rebuilt by <see cref="RestartAsync"/>).</summary>
    protected Broker Broker => _broker ?? throw new InvalidOperationException("the broker is not started");

    /// <summary>Whether the store keeps its data across <see cref="RestartAsync"/>.</summary>
    protected virtual bool IsDurable => false;

    /// <summary>The broker options: the background sweeper is kept out of the way (tests sweep explicitly).</summary>
    protected virtual BrokerOptions BrokerOptions => new() { SweepInterval = TimeSpan.FromHours(1) };

    /// <summary>The fake clock's current time.</summary>
    protected DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>
    /// Builds the store under test over <paramref name="time"/>. Called once per test, and again by every
    /// <see cref="RestartAsync"/>: a durable store must then reopen the same data.
    /// </summary>
    protected abstract IQueueStore CreateStore(TimeProvider time);

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _broker = await StartBrokerAsync();

    /// <summary>Disposes the peers, the broker and the store. A subclass that overrides it (to delete its files) calls the base first.</summary>
    public virtual async Task DisposeAsync()
    {
        foreach (var peer in _peers)
        {
            await peer.DisposeAsync();
        }

        await StopBrokerAsync();
    }

    private readonly List<Broker> _peers = [];

    /// <summary>
    /// The store of a second broker over the same data (the two-broker fixture, as two cluster nodes share one
    /// database): by default the store object of <see cref="Broker"/>, shared (the peer does not own it); a store whose
    /// data several store objects can open at once (PostgreSQL) returns a new one and sets <see cref="PeerOwnsStore"/>.
    /// </summary>
    protected virtual IQueueStore CreatePeerStore(TimeProvider time) => Store;

    /// <summary>Whether a peer broker owns (and disposes) the store <see cref="CreatePeerStore"/> returned; default false (a shared store object).</summary>
    protected virtual bool PeerOwnsStore => false;

    /// <summary>Starts another broker over the same data as <see cref="Broker"/> (disposed at the end of the test, or earlier by the test).</summary>
    protected async Task<Broker> StartPeerAsync(BrokerOptions? options = null, Microsoft.Extensions.Logging.ILogger<Broker>? logger = null)
    {
        var peer = new Broker(CreatePeerStore(Time), options ?? BrokerOptions, Time, logger, ownsStore: PeerOwnsStore);
        _peers.Add(peer);
        await peer.StartAsync();
        return peer;
    }

    /// <summary>Disposes the broker (and so the store) and starts a new broker over a new store from <see cref="CreateStore"/>.</summary>
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

    /// <summary>The store under the current broker (for store operations the broker has no direct call for).</summary>
    protected IQueueStore Store { get; private set; } = null!;

    private async Task<Broker> StartBrokerAsync()
    {
        Store = CreateStore(Time);
        var broker = new Broker(Store, BrokerOptions, Time);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Advances the fake clock.</summary>
    protected void Advance(TimeSpan by) => Time.Advance(by);

    /// <summary>A message with a UTF-8 body.</summary>
    protected static OutgoingMessage Message(string body, int priority = 0, TimeSpan? delay = null, string? deduplicationId = null) =>
        new(Encoding.UTF8.GetBytes(body)) { Priority = priority, Delay = delay, DeduplicationId = deduplicationId };

    /// <summary>A message's body as UTF-8 text.</summary>
    protected static string Text(QueueMessage message) => Encoding.UTF8.GetString(message.Body.Span);

    /// <summary>Creates a queue through the broker.</summary>
    protected async Task<QueueInfo> CreateQueueAsync(string name, QueueOptions? options = null) =>
        await Broker.CreateQueueAsync(name, options);

    /// <summary>Publishes one message and returns its id.</summary>
    protected async Task<Guid> PublishAsync(string queue, string body, int priority = 0, TimeSpan? delay = null) =>
        (await Broker.PublishAsync(queue, Message(body, priority, delay))).MessageId;

    /// <summary>Receives without waiting.</summary>
    protected async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages = 1, TimeSpan? visibilityTimeout = null) =>
        await Broker.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = maxMessages, VisibilityTimeout = visibilityTimeout });

    /// <summary>Receives exactly one message without waiting.</summary>
    protected async Task<QueueMessage> ReceiveOneAsync(string queue, TimeSpan? visibilityTimeout = null) =>
        Assert.Single(await ReceiveAsync(queue, 1, visibilityTimeout));

    /// <summary>Asserts a receive without waiting finds nothing.</summary>
    protected async Task AssertNothingToReceiveAsync(string queue) => Assert.Empty(await ReceiveAsync(queue, 10));

    /// <summary>Peeks (no lease) up to 100 messages.</summary>
    protected async Task<IReadOnlyList<QueueMessage>> PeekAsync(string queue) => await Broker.PeekAsync(queue, 100);

    /// <summary>Statistics of a queue.</summary>
    protected async Task<QueueStats> StatsAsync(string queue) => await Broker.GetStatsAsync(queue);

    /// <summary>Asserts an action fails with a <see cref="SluiceException"/> carrying <paramref name="code"/>.</summary>
    protected static Task<SluiceException> AssertErrorAsync(string code, Func<Task> action) => ConformanceWaits.ErrorAsync(code, action);

    /// <summary>Asserts an action fails with invalid_argument naming <paramref name="field"/>.</summary>
    protected static async Task AssertInvalidAsync(string field, Func<Task> action)
    {
        var ex = await AssertErrorAsync(ErrorCodes.InvalidArgument, action);
        Assert.Equal(field, ex.Field);
    }

    /// <summary>Waits (in real time, bounded by <see cref="RealTimeout"/>) until <paramref name="condition"/> holds.</summary>
    protected static Task WaitUntilAsync(Func<bool> condition, string what, Func<object?>? state = null) => ConformanceWaits.UntilAsync(condition, what, state);

    /// <summary>Waits (in real time, bounded by <see cref="RealTimeout"/>) until a redrive task's status, read through <paramref name="broker"/>, satisfies <paramref name="condition"/>.</summary>
    protected static async Task<RedriveStatus> WaitUntilRedriveAsync(Broker broker, string id, Func<RedriveStatus, bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var status = await broker.GetRedriveAsync(id);
            if (condition(status))
            {
                return status;
            }

            if (watch.Elapsed > RealTimeout)
            {
                Assert.Fail($"timed out after {RealTimeout.TotalSeconds} s (real time) waiting until {what}; state: {status}");
            }

            await Task.Delay(1);
        }
    }

    /// <summary>
    /// Advances the fake clock by <paramref name="step"/> at a time (bounded by <see cref="RealTimeout"/> of real time)
    /// until <paramref name="condition"/> holds: for work that waits on timers of the broker's clock (a redrive's rate,
    /// a wait for another broker's task).
    /// </summary>
    protected async Task AdvanceUntilAsync(Func<Task<bool>> condition, TimeSpan step, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > RealTimeout)
            {
                Assert.Fail($"timed out after {RealTimeout.TotalSeconds} s (real time) waiting until {what}");
            }

            Advance(step);
            await Task.Delay(1);
        }
    }

    /// <summary>
    /// Starts a long-poll receive (<paramref name="waitTime"/> <see langword="null"/>: the queue's default wait) and returns once it is parked: registered as a waiter and, unless it only waits to be
    /// notified, with its timeout timer armed on the fake clock (so advancing the clock now reaches that timer).
    /// </summary>
    protected async Task<Task<IReadOnlyList<QueueMessage>>> StartLongPollAsync(
        string queue, TimeSpan? waitTime, int maxMessages = 1, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
    {
        var waiters = Broker.GetWaitingReceiverCount(queue);
        var timers = Time.TimersCreated;
        var task = Broker.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = maxMessages, VisibilityTimeout = visibilityTimeout, WaitTime = waitTime }, cancellationToken).AsTask();
        await WaitUntilAsync(() => task.IsCompleted || (Broker.GetWaitingReceiverCount(queue) > waiters && Time.TimersCreated > timers),
            $"a long-poll receiver on '{queue}' is waiting");
        Assert.False(task.IsCompleted, "the long-poll receive returned at once instead of waiting");
        return task;
    }

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
