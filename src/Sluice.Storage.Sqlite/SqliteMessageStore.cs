namespace Sluice.Storage.Sqlite;

/// <summary>
/// The embedded durable store: one SQLite database in WAL mode; one writer groups concurrent operations into one
/// transaction and one fsync (group commit); an operation completes only after its commit.
/// </summary>
/// <param name="options">Where the database lives and how it commits.</param>
/// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
#pragma warning disable CS9113, CA1822 // Skeleton until the SQLite store lands (branch sqlite); every member throws.
public sealed class SqliteMessageStore(SqliteStoreOptions options, TimeProvider? timeProvider = null) : IMessageStore
{
    private static NotSupportedException Pending() => new("the SQLite store is being built");

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<QueueInfo?> GetQueueAsync(string name, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask NackAsync(string queue, string receiptHandle, TimeSpan delay, string? lastError, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask<long> SweepAsync(CancellationToken cancellationToken = default) => throw Pending();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
#pragma warning restore CS9113, CA1822
