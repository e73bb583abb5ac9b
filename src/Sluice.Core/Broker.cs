using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// The broker: validates every request, runs long-poll waits, redrive tasks, retention sweeps and statistics, and
/// delegates queue semantics to one <see cref="IQueueStore"/>. Thread-safe; one instance serves a whole process.
/// Call <see cref="StartAsync"/> before use (registered with <c>services.AddSluice(...)</c>, the host starts it) and
/// dispose it at shutdown (the store is disposed with it, unless the broker was built not to own it). Every operation
/// on a broker that was not started throws <see cref="InvalidOperationException"/> naming the call that is missing.
/// Waits (long polls, blocking stream reads) are woken through the store's change feed (<see cref="IChangeFeed"/>), so
/// every broker over the same store (in this process, or any node on a shared database) wakes this one's waiters.
/// </summary>
public sealed partial class Broker : IAsyncDisposable
{
    private readonly IQueueStore _store;
    private readonly bool _ownsStore;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, QueueSignal> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (RateCounter Published, RateCounter Acked)> _rates = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _sweeper;
    private Task? _starting;
    private int _running;
    private int _disposed;

    /// <summary>Creates a broker over a store.</summary>
    /// <param name="store">The store; unless <paramref name="ownsStore"/> is <see langword="false"/>, the broker owns it: opens it in <see cref="StartAsync"/> and disposes it.</param>
    /// <param name="options">Limits and timings; default <see cref="BrokerOptions"/>.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>. Must be the store's clock.</param>
    /// <param name="logger">Logger; default none.</param>
    /// <param name="ownsStore">
    /// Default <see langword="true"/>. <see langword="false"/> for another broker over a store that something else owns
    /// (a second broker over one store object in one process): this broker neither opens nor disposes the store, so the
    /// store must be open (its owning broker started, or <see cref="IQueueStore.InitializeAsync"/> called) before
    /// <see cref="StartAsync"/>, and must outlive this broker. Brokers over one store object share its change feed.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Broker(IQueueStore store, BrokerOptions? options = null, TimeProvider? timeProvider = null, ILogger<Broker>? logger = null, bool ownsStore = true)
    {
        ArgumentNullException.ThrowIfNull(store);
        Options = options ?? new BrokerOptions();
        Options.Validate();
        _store = store;
        _ownsStore = ownsStore;
        _feed = store as IChangeFeed ?? LocalChangeFeed.For(store);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The broker's limits and timings.</summary>
    public BrokerOptions Options { get; }

    /// <summary>The store behind this broker (tests only: faces and applications go through the broker).</summary>
    internal IQueueStore Store => _store;

    /// <summary>Whether <see cref="StartAsync"/> has completed: the store is open and operations are accepted.</summary>
    public bool IsStarted => Volatile.Read(ref _running) == 1;

    /// <summary>
    /// Opens the store and starts the retention sweeper. Idempotent and safe to call concurrently: every caller awaits
    /// the one start-up (so a host that registered the broker with <c>AddSluice</c> and code that calls this too open
    /// the store once). A start-up that failed or was cancelled is final: create a new broker to try again.
    /// </summary>
    /// <param name="cancellationToken">Cancels this caller's wait; the first caller's token also cancels the start-up itself.</param>
    /// <exception cref="ObjectDisposedException">The broker was disposed.</exception>
    /// <exception cref="SluiceException">The store could not be opened (for example, the database is in use by another process).</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var starting = Volatile.Read(ref _starting);
        if (starting is null)
        {
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            starting = Interlocked.CompareExchange(ref _starting, mine.Task, null);
            if (starting is null)
            {
                _ = StartCoreAsync(mine, cancellationToken);
                starting = mine.Task;
            }
        }

        return starting.IsCompleted ? starting : starting.WaitAsync(cancellationToken);
    }

    private async Task StartCoreAsync(TaskCompletionSource done, CancellationToken cancellationToken)
    {
        try
        {
            if (_ownsStore)
            {
                await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }

            await LoadHandleKeyAsync(cancellationToken).ConfigureAwait(false);

            _feedSubscription = await _feed.SubscribeChangesAsync(new ChangeSubscriber(this), cancellationToken).ConfigureAwait(false);
            var sweepTimer = new PeriodicTimer(Options.SweepInterval, _time); // armed now, so the first interval counts from the start
            _sweeper = Task.Run(() => SweepLoopAsync(sweepTimer), CancellationToken.None);
            Volatile.Write(ref _running, 1);
            Log.Started(_logger, _store.GetType().Name);
            done.SetResult();
        }
        catch (OperationCanceledException ex)
        {
            done.SetCanceled(ex.CancellationToken);
        }
        catch (Exception ex)
        {
            done.SetException(ex);
        }
    }

    /// <summary>The store, once <see cref="StartAsync"/> has completed: the one guard every operation passes.</summary>
    private IQueueStore StartedStore => Volatile.Read(ref _running) == 1 ? _store : throw NotStarted();

    /// <summary>
    /// The started store as the storage concern <typeparamref name="TConcern"/> (<c>IStreamStore</c>, <c>ITopicStore</c>):
    /// the one way the broker reaches a concern beyond queues. A store declares its concerns by the interfaces it implements.
    /// </summary>
    /// <param name="concern">What the request needs, for the message ("streams").</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.NotSupported"/> when the store does not implement it.</exception>
    internal TConcern StoreFor<TConcern>(string concern) where TConcern : class =>
        StartedStore as TConcern ?? throw new SluiceException(ErrorCodes.NotSupported,
            $"this server's store ({_store.GetType().Name}) does not implement {concern} ({typeof(TConcern).Name}): " +
            $"configure a store that implements {typeof(TConcern).Name}", null);

    private InvalidOperationException NotStarted() => Volatile.Read(ref _starting) switch
    {
        { IsFaulted: true } failed => new InvalidOperationException(
            $"the broker failed to start ({failed.Exception.InnerException?.Message}): fix that and create a new Broker", failed.Exception.InnerException),
        { IsCanceled: true } => new InvalidOperationException("the broker's start was cancelled: create a new Broker and call StartAsync"),
        _ when Volatile.Read(ref _disposed) == 1 => new InvalidOperationException(
            "the broker was disposed before it was started: create a new Broker and call StartAsync"),
        _ => new InvalidOperationException(
            "the broker is not started: call 'await broker.StartAsync()' before using it, or register it with " +
            "services.AddSluice(...) in a host (Host.CreateApplicationBuilder, WebApplication), which starts it when the host starts"),
    };

    /// <summary>
    /// Stops background work (the sweeper, running redrives), leaves the change feed and disposes the store (when the
    /// broker owns it). Idempotent. Redrive tasks running here stay running in the store: any broker sharing it (or this
    /// one restarted) resumes them once their lease expires.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (Volatile.Read(ref _starting) is { IsCompleted: false } starting)
        {
            // Let a start-up in progress finish before closing what it opens.
            await starting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_sweeper is not null)
        {
            await _sweeper.ConfigureAwait(false);
        }

        foreach (var redrive in _redrives.Values)
        {
            await redrive.Completion.ConfigureAwait(false);
        }

        _feedSubscription?.Dispose();
        _handleKey?.Dispose();
        if (_ownsStore)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>Creates a queue; creating an existing queue with equal options returns it (idempotent).</summary>
    /// <param name="name">1-80 characters from A-Z a-z 0-9 - _.</param>
    /// <param name="options">Options; default <see cref="QueueOptions"/> defaults.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the queue may still be created.</param>
    /// <exception cref="SluiceException">invalid_queue_name, invalid_argument, queue_not_found (dead-letter queue), queue_already_exists.</exception>
    public async ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, name);
        if (options?.DeadLetterQueue is { } createDlq)
        {
            SluiceAccess.Demand(SluicePermissions.Admin, createDlq);
        }

        Validation.QueueName(name);
        options ??= new QueueOptions();
        ValidateOptions(name, options);
        return await StartedStore.CreateQueueAsync(name, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a queue.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found.</exception>
    public async ValueTask<QueueInfo> GetQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        DemandSee(name);
        Validation.QueueName(name);
        return await StartedStore.GetQueueAsync(name, cancellationToken).ConfigureAwait(false) ?? throw SluiceException.QueueNotFound(name);
    }

    /// <summary>Gets a queue, or <see langword="null"/> when no queue has that name.</summary>
    /// <exception cref="SluiceException">invalid_queue_name.</exception>
    public async ValueTask<QueueInfo?> FindQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        DemandSee(name);
        Validation.QueueName(name);
        return await StartedStore.GetQueueAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists all queues ordered by name.</summary>
    public async ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        Visible(await StartedStore.ListQueuesAsync(cancellationToken).ConfigureAwait(false), q => q.Name);

    /// <summary>Replaces a queue's options.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, invalid_argument, queue_not_found.</exception>
    public async ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, name);
        if (options?.DeadLetterQueue is { } updateDlq)
        {
            SluiceAccess.Demand(SluicePermissions.Admin, updateDlq);
        }

        ArgumentNullException.ThrowIfNull(options);
        var current = await GetQueueAsync(name, cancellationToken).ConfigureAwait(false);
        if (current.Options.Fifo != options.Fifo)
        {
            throw SluiceException.Invalid("fifo", $"queue '{name}' is {(current.Options.Fifo ? "FIFO" : "standard")}: a queue's kind is fixed at creation");
        }

        ValidateOptions(name, options);
        return await StartedStore.UpdateQueueAsync(name, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a queue with its messages.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, queue_in_use (it is another queue's dead-letter queue).</exception>
    public async ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, name);
        Validation.QueueName(name);
        await StartedStore.DeleteQueueAsync(name, cancellationToken).ConfigureAwait(false);

        // Receivers waiting on the queue (on any broker over the store) wake up and get queue_not_found, rather than a later queue of the same name.
        _feed.PublishChange(StoreChange.QueueDeleted(name));
    }

    /// <summary>Receivers long-polling the queue right now.</summary>
    public int GetWaitingReceiverCount(string queue) => _signals.TryGetValue(queue, out var s) ? s.WaiterCount : 0;

    /// <summary>
    /// The stateless checks of a queue's options. The checks that read other queues (the dead-letter queue exists, no
    /// cycle, same kind; a dead-letter queue in use is not deleted) run in the store's transaction with the write
    /// (<see cref="QueueRules.CheckDeadLetterQueue"/>, <see cref="QueueRules.CheckDeletable"/>).
    /// </summary>
    private static void ValidateOptions(string name, QueueOptions options)
    {
        Validation.Options(options);
        Validation.QueueKind(name, options);
        if (options.DeadLetterQueue == name)
        {
            throw SluiceException.Invalid("deadLetterQueue", $"queue '{name}' cannot be its own dead-letter queue: name another queue");
        }
    }

    private QueueSignal Signal(string queue) => _signals.GetOrAdd(queue, static _ => new QueueSignal());

    private (RateCounter Published, RateCounter Acked) Rates(string queue) =>
        _rates.GetOrAdd(queue, static (_, time) => (new RateCounter(time), new RateCounter(time)), _time);

    /// <summary>Deletes messages past retention, expired deduplication ids, stream entries past their stream's retention and expired key-value records now (the sweeper also runs every <see cref="BrokerOptions.SweepInterval"/>, on one broker of those sharing a store). Safe to run on several brokers at once.</summary>
    /// <returns>Messages, stream entries and key-value records deleted.</returns>
    public async ValueTask<long> SweepAsync(CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, null);
        var deleted = await StartedStore.SweepAsync(cancellationToken).ConfigureAwait(false);
        deleted += await SweepStreamsAsync(cancellationToken).ConfigureAwait(false);
        if (StartedStore is IKeyValueStore keyValues)
        {
            deleted += await keyValues.SweepKeyValuesAsync(cancellationToken).ConfigureAwait(false);
        }
        if (deleted > 0)
        {
            Log.Swept(_logger, deleted);
        }

        return deleted;
    }
}
