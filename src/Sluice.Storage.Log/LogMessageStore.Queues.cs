using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>Queues: the hot calls are hand-encoded records, the rest commands; reads go straight to the state.</summary>
public sealed partial class LogMessageStore
{
    /// <inheritdoc />
    /// <remarks>The topology checks run under the store's lock with the call, before it is logged (a replay never refuses a logged call).</remarks>
    public ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) =>
        CommandAsync(new CreateQueue(name, options), LogSpace.Grow, cancellationToken, state => state.CheckTopology(name, options));

    /// <inheritdoc />
    public ValueTask<QueueInfo?> GetQueueAsync(string name, CancellationToken cancellationToken = default) => State().GetQueueAsync(name, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) => State().ListQueuesAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default) =>
        CommandAsync(new UpdateQueue(name, options), LogSpace.Drain, cancellationToken, state => state.CheckTopology(name, options));

    /// <inheritdoc />
    public async ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default) =>
        await CommandAsync(new DeleteQueue(name), LogSpace.Drain, cancellationToken, state => state.CheckTopology(name, null)).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(RecordType.Publish);
        record.WriteString(queue);
        WriteMessages(record, messages);
        return CommitAsync(record, LogSpace.Grow, state => Complete(state.PublishAsync(queue, messages)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(RecordType.Receive);
        record.WriteString(queue);
        record.WriteInt32(maxMessages);
        record.WriteInt64(visibilityTimeout.Ticks);
        ReceiveResult result;
        try
        {
            Execute(record, LogSpace.Drain, state => Complete(state.ReceiveAsync(queue, maxMessages, visibilityTimeout)), out result);
        }
        finally
        {
            record.Return();
        }

        // A lease may be lost in a crash (the message comes back), so the receive does not wait for its own record;
        // the tokens it handed out must survive, so it waits for the latest token ceiling (LogMessageStore.Tokens.cs),
        // nearly always durable already. An ack, nack or extend of these leases waits for its own record, which comes
        // after this one.
        var wait = Log().WaitDurableAsync(CeilingEnd(), cancellationToken);
        var messages = result.Messages.Count == 0 ? result.Messages : ReadBodies(queue, result.Messages);
        await wait.ConfigureAwait(false);
        return result with { Messages = messages };
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(RecordType.Ack);
        record.WriteString(queue);
        record.WriteInt32(receiptHandles.Count);
        for (var i = 0; i < receiptHandles.Count; i++)
        {
            record.WriteString(receiptHandles[i]);
        }

        return CommitAsync(record, LogSpace.Drain, state => Complete(state.AckAsync(queue, receiptHandles)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask NackAsync(string queue, string receiptHandle, TimeSpan delay, string? lastError, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(RecordType.Nack);
        record.WriteString(queue);
        record.WriteString(receiptHandle);
        record.WriteInt64(delay.Ticks);
        record.WriteString(lastError);
        await CommitAsync(record, LogSpace.Drain, state => Complete(state.NackAsync(queue, receiptHandle, delay, lastError)), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(RecordType.DeadLetter);
        record.WriteString(queue);
        record.WriteString(receiptHandle);
        record.WriteString(lastError);
        await CommitAsync(record, LogSpace.Drain, state => Complete(state.DeadLetterAsync(queue, receiptHandle, lastError)), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, bool restart = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(RecordType.Extend);
        record.WriteString(queue);
        record.WriteString(receiptHandle);
        record.WriteInt64(visibilityTimeout.Ticks);
        record.WriteByte(restart ? (byte)1 : (byte)0);
        return CommitAsync(record, LogSpace.Drain, state => Complete(state.ExtendLeaseAsync(queue, receiptHandle, visibilityTimeout, restart)), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default) =>
        CommandAsync(new Purge(queue), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default) =>
        ReadBodies(queue, await State().PeekAsync(queue, maxMessages, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default) => State().GetCountsAsync(queue, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default) =>
        CommandAsync(new Redrive(deadLetterQueue, destination, maxMessages), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<QueueMessage>> ScanAsync(string queue, long afterSequence, int maxMessages, CancellationToken cancellationToken = default) =>
        ReadBodies(queue, await State().ScanAsync(queue, afterSequence, maxMessages, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> DeleteMessagesAsync(string queue, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default) =>
        CommandAsync(new DeleteMessages(queue, sequences), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> MoveMessagesAsync(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo, CancellationToken cancellationToken = default) =>
        CommandAsync(new MoveMessages(queue, sequences, destination, keepDeadLetterInfo), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> SweepAsync(CancellationToken cancellationToken = default) =>
        CommandAsync(new Sweep(), LogSpace.Drain, cancellationToken);

    private InMemory.InMemoryMessageStore State() => _log is null ? throw new InvalidOperationException("LogMessageStore: call InitializeAsync before use.") : _state;
}
