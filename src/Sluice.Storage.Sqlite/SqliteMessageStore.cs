using System.Collections.Frozen;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

/// <summary>
/// The embedded durable store: one SQLite database in WAL mode; one writer groups concurrent operations into one
/// transaction and one fsync (group commit); an operation completes only after its commit.
/// </summary>
/// <remarks>
/// Every operation, reads included, runs on one dedicated writer thread that owns the only connection. Queue metadata
/// is cached in memory (published after each commit) so <see cref="GetQueueAsync"/> and <see cref="ListQueuesAsync"/>
/// do not touch the database. Message bodies are never held in memory beyond the call that reads them.
/// Cancelling a call only stops the wait: an operation already taken by the writer may still take effect.
/// </remarks>
public sealed partial class SqliteMessageStore : IQueueStore
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Disposed = 2;

    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<StoreOperation> _channel;
    private volatile QueueSnapshot _snapshot = QueueSnapshot.Empty;
    private volatile bool _stopping;
    private int _state;
    private SqliteConnection? _connection;
    private FileStream? _lock;
    private Task? _writer;

    /// <summary>Creates the store; <see cref="InitializeAsync"/> opens the database.</summary>
    /// <param name="options">Where the database lives and how it commits.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>. Must be the broker's clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException"><see cref="SqliteStoreOptions.Path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SqliteStoreOptions.MaxOperationsPerCommit"/> is not 1 to 65,536, or <see cref="SqliteStoreOptions.CacheSize"/> is negative.</exception>
    public SqliteMessageStore(SqliteStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, "options.Path");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxOperationsPerCommit, 1, "options.MaxOperationsPerCommit");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxOperationsPerCommit, 65_536, "options.MaxOperationsPerCommit");
        ArgumentOutOfRangeException.ThrowIfNegative(options.CacheSize, "options.CacheSize");
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _channel = Channel.CreateBounded<StoreOperation>(new BoundedChannelOptions(Math.Max(1024, options.MaxOperationsPerCommit * 8))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Opens (creating file, directory and schema as needed) the database, loads queues and counters, and starts the writer.</summary>
    /// <remarks>
    /// Idempotent: a second call does nothing. The store holds an exclusive lock on <c>&lt;path&gt;.lock</c> until
    /// <see cref="DisposeAsync"/>, so a second store (in this or another process) cannot open the same database: each
    /// keeps queue metadata in memory, and two of them would diverge.
    /// </remarks>
    /// <exception cref="SluiceException">
    /// <see cref="ErrorCodes.Unavailable"/> when the store was disposed, the database cannot be opened, or another store
    /// holds the database (not transient: stop the other process or use another path).
    /// </exception>
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Interlocked.CompareExchange(ref _state, Running, NotStarted);
        if (state == Disposed)
        {
            throw Unavailable();
        }

        if (state == Running)
        {
            return ValueTask.CompletedTask;
        }

        try
        {
            _lock = AcquireLock();
            Open();
        }
        catch (Exception ex)
        {
            _connection?.Dispose();
            _connection = null;
            _lock?.Dispose();
            _lock = null;
            Volatile.Write(ref _state, Disposed);
            if (ex is SqliteException)
            {
                throw new SluiceException(ErrorCodes.Unavailable,
                    $"cannot open the SQLite database '{_options.Path}': {ex.Message}; check the path and its permissions", "path", isTransient: true, ex);
            }

            throw;
        }

        _writer = Task.Factory.StartNew(WriterLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecCreateQueue(name, options), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Served from memory: the committed queue metadata.</remarks>
    public ValueTask<QueueInfo?> GetQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ValueTask.FromResult(_snapshot.ByName.GetValueOrDefault(name));
    }

    /// <inheritdoc />
    /// <remarks>Served from memory: the committed queue metadata.</remarks>
    public ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ValueTask.FromResult(_snapshot.Sorted);
    }

    /// <inheritdoc />
    public ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecUpdateQueue(name, options), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default) =>
        await RunAsync(() => ExecDeleteQueue(name), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<PublishResult>>(() => ExecPublish(queue, messages), cancellationToken);

    /// <inheritdoc />
    public ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecReceive(queue, maxMessages, visibilityTimeout), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<BatchItemResult>>(() => ExecAck(queue, receiptHandles), cancellationToken);

    /// <inheritdoc />
    public async ValueTask NackAsync(string queue, string receiptHandle, TimeSpan delay, string? lastError, CancellationToken cancellationToken = default) =>
        await RunAsync(() => ExecNack(queue, receiptHandle, delay, lastError), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError, CancellationToken cancellationToken = default) =>
        await RunAsync(() => ExecDeadLetter(queue, receiptHandle, lastError), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, bool restart = false, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecExtend(queue, receiptHandle, visibilityTimeout, restart), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecPurge(queue), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<QueueMessage>>(() => ExecPeek(queue, maxMessages), cancellationToken);

    /// <inheritdoc />
    public ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecCounts(queue), cancellationToken);

    /// <inheritdoc />
    public ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecRedrive(deadLetterQueue, destination, maxMessages), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> SweepAsync(CancellationToken cancellationToken = default) =>
        RunAsync(ExecSweep, cancellationToken);

    /// <summary>
    /// Stops the writer once its current group committed, fails operations still waiting with
    /// <see cref="ErrorCodes.Unavailable"/> (transient), and closes the database. Later calls fail with unavailable.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, Disposed) == Disposed)
        {
            return;
        }

        _stopping = true;
        _channel.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        // Operations written before the channel completed but after the writer left (none when it started).
        while (_channel.Reader.TryRead(out var op))
        {
            op.SetError(Unavailable());
            op.Complete();
        }

        DisposeCommands();
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }

        // Last: the database is closed before another store may open it.
        if (_lock is not null)
        {
            await _lock.DisposeAsync().ConfigureAwait(false);
            _lock = null;
        }
    }

    /// <summary>
    /// Takes the exclusive lock next to the database: <c>&lt;path&gt;.lock</c> opened with <see cref="FileShare.None"/>
    /// (an advisory <c>flock</c> on Linux and macOS, a sharing lock on Windows), released by closing it or by the
    /// process ending. The file itself is left in place: deleting it would race with a store about to lock it.
    /// </summary>
    private FileStream AcquireLock()
    {
        var full = System.IO.Path.GetFullPath(_options.Path);
        if (System.IO.Path.GetDirectoryName(full) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        try
        {
            return new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
        }
        catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new SluiceException(ErrorCodes.Unavailable,
                $"database '{_options.Path}' is in use by another Sluice process: stop it, or use another data directory", "path", isTransient: false, ex);
        }
    }

    private ValueTask<T> RunAsync<T>(Func<T> body, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) != Running)
        {
            return ValueTask.FromException<T>(Volatile.Read(ref _state) == NotStarted
                ? new InvalidOperationException("the SQLite store is not initialized: call InitializeAsync first (a Broker does it in StartAsync; AddSluice starts the broker with the host)")
                : Unavailable());
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        // The operation is queued before this method returns, so one caller's calls reach the writer in the order they
        // were made, awaited or not (IStreamStore's call order). When the channel is full, the waiting writes are
        // handed to the reader in their order before any later TryWrite can succeed, which keeps that order too.
        var op = new StoreOperation<T>(body, cancellationToken);
        if (!_channel.Writer.TryWrite(op))
        {
            return EnqueueSlowAsync(op, cancellationToken);
        }

        return new ValueTask<T>(cancellationToken.CanBeCanceled ? op.Task.WaitAsync(cancellationToken) : op.Task);
    }

    private async ValueTask<T> EnqueueSlowAsync<T>(StoreOperation<T> op, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(op, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw Unavailable();
        }

        return await op.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _state) == Disposed)
        {
            throw Unavailable();
        }
    }

    private static SluiceException Unavailable() => StoreErrors.Closed();

    /// <summary>Committed queue metadata, replaced as a whole after each commit that changed queues.</summary>
    private sealed class QueueSnapshot(FrozenDictionary<string, QueueInfo> byName, IReadOnlyList<QueueInfo> sorted)
    {
        public static QueueSnapshot Empty { get; } = new(FrozenDictionary<string, QueueInfo>.Empty, []);

        public FrozenDictionary<string, QueueInfo> ByName { get; } = byName;

        public IReadOnlyList<QueueInfo> Sorted { get; } = sorted;
    }
}
