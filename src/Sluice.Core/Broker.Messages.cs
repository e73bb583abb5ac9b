using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

public sealed partial class Broker
{
    /// <summary>Publishes one message; returns once it is durable.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument, message_too_large, queue_full (transient).</exception>
    public async ValueTask<PublishResult> PublishAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken = default) =>
        // PublishBatchAsync demands the publish permission.
        (await PublishBatchAsync(queue, [message], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Publishes a batch atomically (all or none); returns once it is durable.</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="messages">1 to <see cref="BrokerOptions.MaxBatchSize"/> messages.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the batch may still be published.</param>
    /// <returns>One result per message, in order.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument, message_too_large, queue_full (transient).</exception>
    public async ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Publish, queue);
        ArgumentNullException.ThrowIfNull(messages);
        var info = await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        Validation.Entries(messages.Count, Options.MaxBatchSize, "messages");
        for (var i = 0; i < messages.Count; i++)
        {
            Validation.Message(messages[i], info.Options, i, messages.Count);
        }

        CheckCanEverFit(info, messages);
        if (info.Options.ContentBasedDeduplication && messages.Any(m => m.DeduplicationId is null))
        {
            messages = [.. messages.Select(m => m.DeduplicationId is null ? m with { DeduplicationId = ContentDeduplicationId(m.Body.Span) } : m)];
        }

        messages = Tracing.StartPublish(queue, messages, out var activity);
        using var span = activity;
        var started = _time.GetTimestamp();
        var results = await StartedStore.PublishAsync(queue, messages, cancellationToken).ConfigureAwait(false);
        if (Metrics.PublishDuration.Enabled)
        {
            Metrics.PublishDuration.Record(_time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(Metrics.QueueTag, queue));
        }

        var enqueued = 0;
        foreach (var r in results)
        {
            if (!r.Duplicate)
            {
                enqueued++;
            }
        }

        if (enqueued > 0)
        {
            Rates(queue).Published.Add(enqueued);
            Metrics.Published.Add(enqueued, new KeyValuePair<string, object?>(Metrics.QueueTag, queue));
            NotifyReady(queue, enqueued);
        }

        return results;
    }

    /// <summary>
    /// Receives up to <see cref="ReceiveOptions.MaxMessages"/> messages, leasing each for the visibility timeout. With a
    /// wait time, returns the moment a message becomes visible, else empty at the deadline; waiting receivers are
    /// served in arrival order.
    /// </summary>
    /// <exception cref="SluiceException">
    /// invalid_queue_name, queue_not_found, invalid_argument (also a <see cref="ReceiveOptions.ReceiveRequestAttemptId"/>
    /// retried after a client acked, released or extended a message that attempt returned).
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting (no message was leased for this call).</exception>
    public async ValueTask<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, ReceiveOptions? options = null, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        options ??= new ReceiveOptions();
        var info = await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        Validation.Range(options.MaxMessages, 1, Options.MaxBatchSize, "maxMessages");
        var visibility = options.VisibilityTimeout ?? info.Options.VisibilityTimeout;
        Validation.Range(visibility, TimeSpan.Zero, Validation.MaxVisibilityTimeout, "visibilityTimeout");
        var wait = options.WaitTime ?? info.Options.ReceiveWaitTime;
        Validation.Range(wait, TimeSpan.Zero, Options.MaxWaitTime, "waitTime");
        if (options.ReceiveRequestAttemptId is { } attemptId)
        {
            Validation.DeduplicationId(attemptId, "receiveRequestAttemptId");
            if (await RetryAttemptAsync(info, attemptId, visibility, cancellationToken).ConfigureAwait(false) is { } again)
            {
                return Signed(again);
            }
        }

        var deadline = _time.GetUtcNow() + wait;
        while (true)
        {
            // Looked up each round: a deletion (here or on another broker) replaces the queue's signal.
            var signal = Signal(queue);
            var ticket = signal.Version;
            var result = await StartedStore.ReceiveAsync(queue, options.MaxMessages, visibility, cancellationToken).ConfigureAwait(false);
            if (result.Messages.Count > 0)
            {
                Metrics.Received.Add(result.Messages.Count, new KeyValuePair<string, object?>(Metrics.QueueTag, queue));
                Delivered(queue, result.Messages);
                if (options.ReceiveRequestAttemptId is { } id)
                {
                    await RememberAttemptAsync(info, id, result.Messages, cancellationToken).ConfigureAwait(false);
                }

                return Signed(result.Messages);
            }

            var now = _time.GetUtcNow();
            if (now >= deadline)
            {
                return [];
            }

            var wakeAt = result.NextVisibleAt is { } next && next < deadline ? next : deadline;
            await signal.WaitAsync(ticket, wakeAt - now, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A batch larger than the queue's max length (or bytes) can never be accepted: not a transient queue_full.</summary>
    internal static void CheckCanEverFit(QueueInfo info, IReadOnlyList<OutgoingMessage> messages)
    {
        var o = info.Options;
        if (o.MaxLength is { } maxLength && messages.Count > maxLength)
        {
            throw SluiceException.Invalid("messages", $"a batch of {messages.Count} messages can never fit queue '{info.Name}' (maxLength {maxLength}): send smaller batches");
        }

        if (o.MaxLengthBytes is { } maxBytes)
        {
            long bytes = 0;
            foreach (var m in messages)
            {
                bytes += m.Body.Length;
            }

            if (bytes > maxBytes)
            {
                throw new SluiceException(ErrorCodes.MessageTooLarge,
                    $"{bytes} body bytes can never fit queue '{info.Name}' (maxLengthBytes {maxBytes}): send smaller messages or batches", "messages");
            }
        }
    }

    /// <summary>Acknowledges (deletes) one received message.</summary>
    /// <exception cref="SluiceException">queue_not_found, receipt_handle_invalid (malformed, forged, altered, signed by another server, or issued by another queue), message_not_found, receipt_handle_stale.</exception>
    public async ValueTask AckAsync(string queue, string receiptHandle, CancellationToken cancellationToken = default)
    {
        var result = (await AckBatchAsync(queue, [receiptHandle], cancellationToken).ConfigureAwait(false))[0];
        if (!result.Succeeded)
        {
            throw new SluiceException(result.ErrorCode!, result.ErrorMessage!, "receiptHandle");
        }
    }

    /// <summary>Acknowledges a batch of received messages; each entry succeeds or fails on its own.</summary>
    /// <returns>One result per handle, in order.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument (batch size).</exception>
    public async ValueTask<IReadOnlyList<BatchItemResult>> AckBatchAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        ArgumentNullException.ThrowIfNull(receiptHandles);
        var info = await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        Validation.Entries(receiptHandles.Count, Options.MaxBatchSize, "receiptHandles");

        // Malformed, forged, altered and foreign handles fail here, before the store is asked; the store gets the rest,
        // in its unsigned form.
        var results = new BatchItemResult[receiptHandles.Count];
        var wellFormed = new List<int>(receiptHandles.Count);
        var storeHandles = new List<string>(receiptHandles.Count);
        for (var i = 0; i < receiptHandles.Count; i++)
        {
            try
            {
                storeHandles.Add(StoreHandle(receiptHandles[i], info));
                wellFormed.Add(i);
            }
            catch (SluiceException ex)
            {
                results[i] = BatchItemResult.From(ex);
            }
        }

        using var span = Tracing.Start("ack", queue);
        var stored = wellFormed.Count == 0 ? []
            : await StartedStore.AckAsync(queue, storeHandles, cancellationToken).ConfigureAwait(false);
        var acked = 0;
        for (var j = 0; j < stored.Count; j++)
        {
            var i = wellFormed[j];
            results[i] = stored[j];
            if (stored[j].Succeeded)
            {
                acked++;
            }
        }

        if (acked > 0)
        {
            Rates(queue).Acked.Add(acked);
            Metrics.Acked.Add(acked, new KeyValuePair<string, object?>(Metrics.QueueTag, queue));
        }

        return results;
    }

    /// <summary>Releases a received message (negative acknowledgement): visible again after <paramref name="delay"/>.</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="receiptHandle">The handle from the receive.</param>
    /// <param name="delay">Delay before redelivery; default 0; 0 to 12 hours.</param>
    /// <param name="error">Why processing failed (kept as the message's last error, shown if it is dead-lettered); at most 4,096 characters.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">queue_not_found, invalid_argument, receipt_handle_invalid, message_not_found, receipt_handle_stale, message_not_in_flight.</exception>
    public async ValueTask NackAsync(string queue, string receiptHandle, TimeSpan? delay = null, string? error = null, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        var info = await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        var handle = HandleKey.Verify(receiptHandle, info);
        var stored = handle.ToString();
        var d = delay ?? TimeSpan.Zero;
        Validation.Range(d, TimeSpan.Zero, Validation.MaxVisibilityTimeout, "delay");
        CheckErrorText(error);

        using (Tracing.Start("nack", queue))
        {
            await StartedStore.NackAsync(queue, stored, d, error, cancellationToken).ConfigureAwait(false);
        }

        Metrics.Nacked.Add(1, new KeyValuePair<string, object?>(Metrics.QueueTag, queue));
        NoteNacked(queue, handle.Sequence);
        NotifyReady(queue, 1);
        if (info.Options.DeadLetterQueue is { } dlq)
        {
            NotifyReady(dlq, 1);
        }
    }

    /// <summary>
    /// Dead-letters a received message now, without waiting for its max receive count: it moves to the queue's
    /// dead-letter queue with reason <see cref="DeadLetterInfo.RejectedReason"/>, its receive count as the attempts and
    /// <paramref name="error"/> as its last error. For failures not worth retrying. The handle is fenced as for
    /// <see cref="AckAsync"/>: a handle whose message was received again since is refused.
    /// </summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="receiptHandle">The handle from the receive.</param>
    /// <param name="error">Why (e.g. <see cref="FailureDetails.ToErrorText"/>); at most 4,096 characters; null keeps the message's last error.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">
    /// queue_not_found, invalid_argument (error too long, or the queue has no dead-letter queue), receipt_handle_invalid,
    /// message_not_found, receipt_handle_stale.
    /// </exception>
    public async ValueTask DeadLetterAsync(string queue, string receiptHandle, string? error = null, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        var info = await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        var stored = StoreHandle(receiptHandle, info);
        CheckErrorText(error);
        var dlq = info.Options.DeadLetterQueue ?? throw StoreErrors.NoDeadLetterQueue(queue);
        using (Tracing.Start("dead_letter", queue))
        {
            await StartedStore.DeadLetterAsync(queue, stored, error, cancellationToken).ConfigureAwait(false);
        }

        Metrics.DeadLettered.Add(1, new KeyValuePair<string, object?>(Metrics.QueueTag, queue));
        NotifyReady(dlq, 1);
    }

    private static void CheckErrorText(string? error)
    {
        if (error is { Length: > FailureDetails.MaxTextLength })
        {
            throw SluiceException.Invalid("error", $"error is {error.Length} characters: at most {FailureDetails.MaxTextLength}");
        }
    }

    /// <summary>
    /// Extends (or shortens) a lease: the message stays invisible until <paramref name="visibilityTimeout"/> from now. A
    /// heartbeat. A lease ends at most 12 hours after the receive that started it: extending does not restart that clock.
    /// </summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="receiptHandle">The handle from the receive.</param>
    /// <param name="visibilityTimeout">New lease length from now; 0 (releases the message at once) to 12 hours minus the time since the receive.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>When the lease now ends.</returns>
    /// <exception cref="SluiceException">
    /// queue_not_found, invalid_argument (out of range, or past 12 hours after the receive), receipt_handle_invalid (malformed,
    /// or issued by another queue), message_not_found, receipt_handle_stale, message_not_in_flight.
    /// </exception>
    public async ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        var info = await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        var stored = StoreHandle(receiptHandle, info);
        Validation.Range(visibilityTimeout, TimeSpan.Zero, Validation.MaxVisibilityTimeout, "visibilityTimeout");
        var until = await StartedStore.ExtendLeaseAsync(queue, stored, visibilityTimeout, restart: false, cancellationToken).ConfigureAwait(false);

        // A shorter lease moves the queue's next visible time earlier: a waiting receiver must look again.
        NotifyReady(queue, 1);
        return until;
    }

    /// <summary>Deletes every message in a queue.</summary>
    /// <returns>How many were deleted.</returns>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found.</exception>
    public async ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, queue);
        await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        var purged = await StartedStore.PurgeAsync(queue, cancellationToken).ConfigureAwait(false);
        await ForgetAttemptsAsync(queue, cancellationToken).ConfigureAwait(false);
        return purged;
    }

    /// <summary>Reads messages in delivery order without leasing them.</summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="maxMessages">1 to 1,000; default 10.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found, invalid_argument.</exception>
    public async ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages = 10, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        Validation.Range(maxMessages, 1, Validation.MaxPeek, "maxMessages");
        return await StartedStore.PeekAsync(queue, maxMessages, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Statistics of a queue: counts by state, bytes, oldest age, and this server's publish and ack rates.</summary>
    /// <exception cref="SluiceException">invalid_queue_name, queue_not_found.</exception>
    public async ValueTask<QueueStats> GetStatsAsync(string queue, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, queue);
        await GetQueueAsync(queue, cancellationToken).ConfigureAwait(false);
        var counts = await StartedStore.GetCountsAsync(queue, cancellationToken).ConfigureAwait(false);
        var rates = Rates(queue);
        var age = counts.OldestSentAt is { } oldest ? _time.GetUtcNow() - oldest : (TimeSpan?)null;
        return new QueueStats
        {
            Queue = queue,
            Ready = counts.Ready,
            InFlight = counts.InFlight,
            Delayed = counts.Delayed,
            DeadLettered = counts.DeadLettered,
            Bytes = counts.Bytes,
            OldestAge = age < TimeSpan.Zero ? TimeSpan.Zero : age,
            PublishRate = rates.Published.PerSecond(),
            AckRate = rates.Acked.PerSecond(),
        };
    }
}
