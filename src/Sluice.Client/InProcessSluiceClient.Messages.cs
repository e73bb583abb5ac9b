using System.Runtime.CompilerServices;
using Sluice.Client.Internal;

namespace Sluice.Client;

public sealed partial class InProcessSluiceClient
{
    /// <inheritdoc />
    public ValueTask<PublishResult> PublishAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken = default) =>
        _broker.PublishAsync(queue, message, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
        _broker.PublishBatchAsync(queue, messages, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, ReceiveOptions? options = null, CancellationToken cancellationToken = default) =>
        _broker.ReceiveAsync(queue, options, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Each round takes every free credit (at most the broker's <see cref="BrokerOptions.MaxBatchSize"/>) and
    /// long-polls the broker for up to that many messages (<see cref="BrokerOptions.MaxWaitTime"/> a poll, again and
    /// again while the queue is empty; every 100 milliseconds when the broker's MaxWaitTime is 0). Cancellation ends the enumeration without an exception; a poll cancelled while
    /// waiting leases nothing.
    /// </remarks>
    public async IAsyncEnumerable<QueueMessage> ConsumeAsync(string queue, ConsumeOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new ConsumeOptions();
        if (options.Prefetch is < 1 or > 1000)
        {
            throw new SluiceException(ErrorCodes.InvalidArgument, $"prefetch is {options.Prefetch}: use 1 to 1000", "prefetch") { RequestSent = false };
        }

        // Fail fast on a missing queue or bad visibility timeout, before the first wait.
        await _broker.GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        using var window = _credits.Open(options.Prefetch);
        while (await PollAsync(window, queue, options.VisibilityTimeout, cancellationToken).ConfigureAwait(false) is { } batch)
        {
            foreach (var message in batch)
            {
                window.Delivered(message.ReceiptHandle!);
                yield return message;
            }
        }
    }

    /// <summary>One consume round: waits for credit, then long-polls for up to that many messages; <see langword="null"/> once cancelled.</summary>
    private async ValueTask<IReadOnlyList<QueueMessage>?> PollAsync(ConsumeCredits.Window window, string queue, TimeSpan? visibilityTimeout, CancellationToken cancellationToken)
    {
        var wait = _broker.Options.MaxWaitTime;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested || Volatile.Read(ref _disposed) == 1)
            {
                return null;
            }

            int credits;
            try
            {
                credits = await window.AcquireAsync(_broker.Options.MaxBatchSize, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            IReadOnlyList<QueueMessage> batch;
            try
            {
                batch = await _broker.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = credits, VisibilityTimeout = visibilityTimeout, WaitTime = wait }, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                window.Return(credits);
                return null;
            }
            catch
            {
                window.Return(credits);
                throw;
            }

            window.Return(credits - batch.Count);
            if (batch.Count > 0)
            {
                return batch;
            }

            if (wait <= TimeSpan.Zero)
            {
                // A broker configured without long polling (MaxWaitTime 0) returns at once: poll, do not spin.
                try
                {
                    await Task.Delay(EmptyPollInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
            }
        }
    }

    /// <summary>How often a consumer polls an empty queue when the broker does not long-poll (<see cref="BrokerOptions.MaxWaitTime"/> 0): 100 milliseconds.</summary>
    private static readonly TimeSpan EmptyPollInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    public ValueTask AckAsync(string queue, string receiptHandle, CancellationToken cancellationToken = default) =>
        SettleAsync(receiptHandle, _broker.AckAsync(queue, receiptHandle, cancellationToken));

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BatchItemResult>> AckBatchAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        var results = await _broker.AckBatchAsync(queue, receiptHandles, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].ErrorCode is not { } code || ConsumeCredits.EndsLease(code))
            {
                _credits.Settled(receiptHandles[i]);
            }
        }

        return results;
    }

    /// <inheritdoc />
    public ValueTask NackAsync(string queue, string receiptHandle, TimeSpan? delay = null, string? lastError = null, CancellationToken cancellationToken = default) =>
        SettleAsync(receiptHandle, _broker.NackAsync(queue, receiptHandle, delay, lastError, cancellationToken));

    /// <inheritdoc />
    public ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError = null, CancellationToken cancellationToken = default) =>
        SettleAsync(receiptHandle, _broker.DeadLetterAsync(queue, receiptHandle, lastError, cancellationToken));

    /// <summary>
    /// Awaits a settlement of <paramref name="receiptHandle"/> (ack, nack, dead-letter) and gives its consume credit
    /// back when the delivery is over: on success, or on a failure that ends the lease
    /// (<see cref="ConsumeCredits.EndsLease"/>). Every settling member goes through here.
    /// </summary>
    private async ValueTask SettleAsync(string receiptHandle, ValueTask settlement)
    {
        try
        {
            await settlement.ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ConsumeCredits.EndsLease(ex.ErrorCode))
        {
            _credits.Settled(receiptHandle);
            throw;
        }

        _credits.Settled(receiptHandle);
    }

    /// <inheritdoc />
    public ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
        _broker.ExtendLeaseAsync(queue, receiptHandle, visibilityTimeout, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages = 10, CancellationToken cancellationToken = default) =>
        _broker.PeekAsync(queue, maxMessages, cancellationToken);
}
