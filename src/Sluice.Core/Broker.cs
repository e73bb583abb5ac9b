using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// The broker: validates every request, runs long-poll waits, redrive tasks, retention sweeps and statistics, and
/// delegates queue semantics to one <see cref="IMessageStore"/>. Thread-safe; one instance serves a whole process.
/// Call <see cref="StartAsync"/> once before use and dispose it at shutdown (the store is disposed with it).
/// </summary>
public sealed partial class Broker : IAsyncDisposable
{
    private readonly IMessageStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, QueueSignal> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (RateCounter Published, RateCounter Acked)> _rates = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _sweeper;
    private int _started;

    /// <summary>Creates a broker over a store.</summary>
    /// <param name="store">The store; the broker owns it and disposes it.</param>
    /// <param name="options">Limits and timings; default <see cref="BrokerOptions"/>.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>. Must be the store's clock.</param>
    /// <param name="logger">Logger; default none.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Broker(IMessageStore store, BrokerOptions? options = null, TimeProvider? timeProvider = null, ILogger<Broker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Options = options ?? new BrokerOptions();
        Options.Validate();
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The broker's limits and timings.</summary>
    public BrokerOptions Options { get; }

    /// <summary>The store behind this broker.</summary>
    public IMessageStore Store => _store;

    /// <summary>Opens the store and starts the retention sweeper. Idempotent.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        _sweeper = Task.Run(SweepLoopAsync, CancellationToken.None);
        Log.Started(_logger, _store.GetType().Name);
    }

    /// <summary>Stops background work and disposes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var redrive in _redrives.Values)
        {
            await redrive.Cancellation.CancelAsync().ConfigureAwait(false);
        }

        if (_sweeper is not null)
        {
            await _sweeper.ConfigureAwait(false);
        }

        foreach (var redrive in _redrives.Values)
        {
            await redrive.Completion.ConfigureAwait(false);
        }

        await _store.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Creates a queue; creating an existing queue with equal options returns it (idempotent).</summary>
    /// <param name="name">1-80 characters from A-Z a-z 0-9 - _.</param>
    /// <param name="options">Options; default <see cref="QueueOptions"/> defaults.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the queue may still be created.</param>
    /// <exception cref="SluiceException">invalid_queue_name, invalid_argument, queue_not_found (dead-letter queue), queue_already_exists.</exception>
    public async ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validation.QueueName(name);
        options ??= new QueueOptions();
        await ValidateOptionsAsync(name, options, cancellationToken).ConfigureAwait(false);
        return await _store.CreateQueueAsync(name, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a queue.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found.</exception>
    public async ValueTask<QueueInfo> GetQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        Validation.QueueName(name);
        return await _store.GetQueueAsync(name, cancellationToken).ConfigureAwait(false) ?? throw SluiceException.QueueNotFound(name);
    }

    /// <summary>Lists all queues ordered by name.</summary>
    public ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        _store.ListQueuesAsync(cancellationToken);

    /// <summary>Replaces a queue's options.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, invalid_argument, queue_not_found.</exception>
    public async ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var current = await GetQueueAsync(name, cancellationToken).ConfigureAwait(false);
        if (current.Options.Fifo != options.Fifo)
        {
            throw SluiceException.Invalid("fifo", $"queue '{name}' is {(current.Options.Fifo ? "FIFO" : "standard")}: a queue's kind is fixed at creation");
        }

        await ValidateOptionsAsync(name, options, cancellationToken).ConfigureAwait(false);
        return await _store.UpdateQueueAsync(name, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a queue with its messages.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, queue_in_use (it is another queue's dead-letter queue).</exception>
    public async ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        Validation.QueueName(name);
        var users = (await _store.ListQueuesAsync(cancellationToken).ConfigureAwait(false))
            .Where(q => q.Name != name && q.Options.DeadLetterQueue == name).Select(q => q.Name).ToList();
        if (users.Count > 0)
        {
            throw new SluiceException(ErrorCodes.QueueInUse,
                $"queue '{name}' is the dead-letter queue of {string.Join(", ", users.Select(u => $"'{u}'"))}: change their deadLetterQueue first", "queue");
        }

        await _store.DeleteQueueAsync(name, cancellationToken).ConfigureAwait(false);
        _rates.TryRemove(name, out _);

        // Receivers waiting on the queue wake up and get queue_not_found, rather than a later queue of the same name.
        if (_signals.TryRemove(name, out var signal))
        {
            signal.Notify(int.MaxValue);
        }
    }

    /// <summary>Receivers long-polling the queue right now.</summary>
    public int GetWaitingReceiverCount(string queue) => _signals.TryGetValue(queue, out var s) ? s.WaiterCount : 0;

    private async ValueTask ValidateOptionsAsync(string name, QueueOptions options, CancellationToken cancellationToken)
    {
        Validation.Options(options);
        Validation.QueueKind(name, options);
        if (options.DeadLetterQueue is { } dlq)
        {
            if (dlq == name)
            {
                throw SluiceException.Invalid("deadLetterQueue", $"queue '{name}' cannot be its own dead-letter queue: name another queue");
            }

            var target = await _store.GetQueueAsync(dlq, cancellationToken).ConfigureAwait(false) ?? throw new SluiceException(ErrorCodes.QueueNotFound,
                $"dead-letter queue '{dlq}' does not exist: create it before naming it as deadLetterQueue", "deadLetterQueue");
            // Follow the chain from the dead-letter queue: it must not lead back here.
            var seen = new HashSet<string>(StringComparer.Ordinal) { name };
            for (var next = target; next.Options.DeadLetterQueue is { } hop;)
            {
                if (!seen.Add(hop))
                {
                    throw SluiceException.Invalid("deadLetterQueue",
                        $"dead-letter queue '{dlq}' leads back to '{hop}' through its own deadLetterQueue chain: dead letters would cycle; break the loop");
                }

                if (await _store.GetQueueAsync(hop, cancellationToken).ConfigureAwait(false) is not { } hopInfo)
                {
                    break;
                }

                next = hopInfo;
            }

            if (target.Options.Fifo != options.Fifo)
            {
                throw SluiceException.Invalid("deadLetterQueue",
                    $"dead-letter queue '{dlq}' is {(target.Options.Fifo ? "FIFO" : "standard")} but '{name}' is {(options.Fifo ? "FIFO" : "standard")}: both must be of the same kind");
            }
        }
    }

    private QueueSignal Signal(string queue) => _signals.GetOrAdd(queue, static _ => new QueueSignal());

    private (RateCounter Published, RateCounter Acked) Rates(string queue) =>
        _rates.GetOrAdd(queue, static (_, time) => (new RateCounter(time), new RateCounter(time)), _time);

    private async Task SweepLoopAsync()
    {
        using var timer = new PeriodicTimer(Options.SweepInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await SweepAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SweepFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Deletes messages past retention and expired deduplication ids now (the sweeper also runs every <see cref="BrokerOptions.SweepInterval"/>).</summary>
    /// <returns>Messages deleted.</returns>
    public async ValueTask<long> SweepAsync(CancellationToken cancellationToken = default)
    {
        var deleted = await _store.SweepAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            Log.Swept(_logger, deleted);
        }

        return deleted;
    }
}
