using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>A store that passes every call to an inner store; tests override the calls they make fail.</summary>
internal abstract class DelegatingStore(IQueueStore inner) : IQueueStore
{
    public virtual ValueTask InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public virtual ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) => inner.CreateQueueAsync(name, options, cancellationToken);

    public virtual ValueTask<QueueInfo?> GetQueueAsync(string name, CancellationToken cancellationToken = default) => inner.GetQueueAsync(name, cancellationToken);

    public virtual ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) => inner.ListQueuesAsync(cancellationToken);

    public virtual ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) => inner.UpdateQueueAsync(name, options, cancellationToken);

    public virtual ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default) => inner.DeleteQueueAsync(name, cancellationToken);

    public virtual ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) => inner.PublishAsync(queue, messages, cancellationToken);

    public virtual ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) => inner.ReceiveAsync(queue, maxMessages, visibilityTimeout, cancellationToken);

    public virtual ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default) => inner.AckAsync(queue, receiptHandles, cancellationToken);

    public virtual ValueTask NackAsync(string queue, string receiptHandle, TimeSpan delay, string? lastError, CancellationToken cancellationToken = default) => inner.NackAsync(queue, receiptHandle, delay, lastError, cancellationToken);

    public virtual ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError, CancellationToken cancellationToken = default) => inner.DeadLetterAsync(queue, receiptHandle, lastError, cancellationToken);

    public virtual ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, bool restart = false, CancellationToken cancellationToken = default) => inner.ExtendLeaseAsync(queue, receiptHandle, visibilityTimeout, restart, cancellationToken);

    public virtual ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default) => inner.PurgeAsync(queue, cancellationToken);

    public virtual ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default) => inner.PeekAsync(queue, maxMessages, cancellationToken);

    public virtual ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default) => inner.GetCountsAsync(queue, cancellationToken);

    public virtual ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default) => inner.RedriveAsync(deadLetterQueue, destination, maxMessages, cancellationToken);

    public virtual ValueTask<IReadOnlyList<QueueMessage>> ScanAsync(string queue, long afterSequence, int maxMessages, CancellationToken cancellationToken = default) => inner.ScanAsync(queue, afterSequence, maxMessages, cancellationToken);

    public virtual ValueTask<IReadOnlyList<MessageSetOutcome>> DeleteMessagesAsync(string queue, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default) => inner.DeleteMessagesAsync(queue, sequences, cancellationToken);

    public virtual ValueTask<IReadOnlyList<MessageSetOutcome>> MoveMessagesAsync(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo, CancellationToken cancellationToken = default) => inner.MoveMessagesAsync(queue, sequences, destination, keepDeadLetterInfo, cancellationToken);

    public virtual ValueTask<long> SweepAsync(CancellationToken cancellationToken = default) => inner.SweepAsync(cancellationToken);

    public virtual ValueTask DisposeAsync() => inner.DisposeAsync();
}
