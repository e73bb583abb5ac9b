using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;
using static Sluice.Faces.Grpc.GrpcErrors;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>sluice.v1.Messages: publish (unary and stream), receive, consume with credit, ack/nack/extend in batches, peek.</summary>
/// <remarks>
/// Long waits (a long-poll receive, a consume stream) end when the server stops: a receive answers empty, a consume
/// call ends normally (its client reconnects to the next server), instead of holding the shutdown until its deadline.
/// </remarks>
internal sealed class MessagesService(global::Sluice.Broker broker, GrpcOptions options, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime,
    Microsoft.Extensions.Logging.ILogger<MessagesService> logger) : Messages.MessagesBase
{
    public override async Task<PublishResponse> Publish(PublishRequest request, ServerCallContext context)
    {
        var response = new PublishResponse();
        await PublishAsync(request.Queue, request.Messages, response.Results, context.CancellationToken).ConfigureAwait(false);
        return response;
    }

    public override async Task PublishStream(IAsyncStreamReader<PublishStreamRequest> requestStream, IServerStreamWriter<PublishStreamResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        // One batch at a time: the next is read only once this one is answered, so a fast producer is held back by
        // HTTP/2 flow control instead of filling the server's memory.
        while (await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var request = requestStream.Current;
            var response = new PublishStreamResponse { Tag = request.Tag };
            try
            {
                await PublishAsync(request.Queue, request.Messages, response.Results, cancellationToken).ConfigureAwait(false);
            }
            catch (SluiceException ex)
            {
                // The batch's answer, not the call's status: told and logged as the interceptor tells and logs a status.
                response.Results.Clear();
                response.Error = ToProto(ErrorInterceptor.ForClient(logger, ex, context.Method));
            }

            await responseStream.WriteAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PublishAsync(string queue, Google.Protobuf.Collections.RepeatedField<Sluice.Grpc.V1.OutgoingMessage> messages, Google.Protobuf.Collections.RepeatedField<Sluice.Grpc.V1.PublishResult> results, CancellationToken cancellationToken)
    {
        Required(queue, "queue");
        var batch = new global::Sluice.OutgoingMessage[messages.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = GrpcConvert.FromProto(messages[i], i);
        }

        foreach (var result in await broker.PublishBatchAsync(queue, batch, cancellationToken).ConfigureAwait(false))
        {
            results.Add(GrpcConvert.ToProto(result));
        }
    }

    public override async Task<ReceiveResponse> Receive(ReceiveRequest request, ServerCallContext context)
    {
        var queue = Required(request.Queue, "queue");
        var receive = new ReceiveOptions
        {
            MaxMessages = request.HasMaxMessages ? request.MaxMessages : 1,
            VisibilityTimeout = request.HasVisibilityTimeoutMs ? GrpcConvert.Duration(request.VisibilityTimeoutMs, "visibility_timeout_ms") : null,
            WaitTime = request.HasWaitMs ? GrpcConvert.Duration(request.WaitMs, "wait_ms") : null,
            ReceiveRequestAttemptId = request.HasReceiveRequestAttemptId ? request.ReceiveRequestAttemptId : null,
        };
        var response = new ReceiveResponse();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            foreach (var message in await broker.ReceiveAsync(queue, receive, call.Token).ConfigureAwait(false))
            {
                response.Messages.Add(GrpcConvert.ToProto(message));
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // The server is stopping: the long poll ends empty (a cancelled wait leased nothing).
        }

        return response;
    }

    public override async Task Consume(IAsyncStreamReader<ConsumeRequest> requestStream, IServerStreamWriter<ConsumeResponse> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (requestStream.Current.KindCase != ConsumeRequest.KindOneofCase.Start)
        {
            throw Invalid("start", "the first request of a consume must be start (queue, credit)");
        }

        var start = requestStream.Current.Start;
        var queue = Required(start.Queue, "start.queue");
        var visibility = start.HasVisibilityTimeoutMs ? GrpcConvert.Duration(start.VisibilityTimeoutMs, "start.visibility_timeout_ms") : (TimeSpan?)null;
        await broker.GetQueueAsync(queue, context.CancellationToken).ConfigureAwait(false);
        using var consumer = new CreditConsumer(broker, options.MaxConsumeCredit, queue, visibility);
        consumer.Grant(start.Credit, "start.credit");
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await consumer.RunAsync(requestStream, responseStream, call.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // The server is stopping: the call ends normally and its client reconnects.
        }
    }

    public override async Task<AckResponse> Ack(AckRequest request, ServerCallContext context)
    {
        var queue = Required(request.Queue, "queue");
        CheckBatch(request.ReceiptHandles.Count, "receipt_handles");
        var response = new AckResponse();
        foreach (var result in await broker.AckBatchAsync(queue, [.. request.ReceiptHandles], context.CancellationToken).ConfigureAwait(false))
        {
            response.Results.Add(GrpcConvert.ToProto(result));
        }

        return response;
    }

    public override async Task<NackResponse> Nack(NackRequest request, ServerCallContext context)
    {
        var queue = Required(request.Queue, "queue");
        CheckBatch(request.Items.Count, "items");
        // Every item is checked before any is applied: bad input changes nothing.
        var items = new (string Handle, TimeSpan? Delay, string? Error)[request.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var item = request.Items[i];
            items[i] = (Required(item.ReceiptHandle, $"items[{i}].receipt_handle"),
                item.HasDelayMs ? GrpcConvert.Duration(item.DelayMs, $"items[{i}].delay_ms") : null,
                item.HasError ? item.Error : null);
        }

        var response = new NackResponse();
        foreach (var (handle, delay, error) in items)
        {
            try
            {
                await broker.NackAsync(queue, handle, delay, error, context.CancellationToken).ConfigureAwait(false);
                response.Results.Add(new ItemResult());
            }
            catch (SluiceException ex) when (IsItemError(ex))
            {
                response.Results.Add(GrpcConvert.ToProto(BatchItemResult.From(ex)));
            }
        }

        return response;
    }

    public override async Task<DeadLetterResponse> DeadLetter(DeadLetterRequest request, ServerCallContext context)
    {
        var queue = Required(request.Queue, "queue");
        CheckBatch(request.Items.Count, "items");
        var items = new (string Handle, string? Error)[request.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var item = request.Items[i];
            items[i] = (Required(item.ReceiptHandle, $"items[{i}].receipt_handle"), item.HasError ? item.Error : null);
        }

        var response = new DeadLetterResponse();
        foreach (var (handle, error) in items)
        {
            try
            {
                await broker.DeadLetterAsync(queue, handle, error, context.CancellationToken).ConfigureAwait(false);
                response.Results.Add(new ItemResult());
            }
            catch (SluiceException ex) when (IsItemError(ex))
            {
                response.Results.Add(GrpcConvert.ToProto(BatchItemResult.From(ex)));
            }
        }

        return response;
    }

    public override async Task<ExtendLeaseResponse> ExtendLease(ExtendLeaseRequest request, ServerCallContext context)
    {
        var queue = Required(request.Queue, "queue");
        CheckBatch(request.Items.Count, "items");
        var items = new (string Handle, TimeSpan Timeout)[request.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var item = request.Items[i];
            if (!item.HasVisibilityTimeoutMs)
            {
                throw Invalid($"items[{i}].visibility_timeout_ms", $"items[{i}].visibility_timeout_ms is missing: give the new lease length in milliseconds");
            }

            items[i] = (Required(item.ReceiptHandle, $"items[{i}].receipt_handle"), GrpcConvert.Duration(item.VisibilityTimeoutMs, $"items[{i}].visibility_timeout_ms"));
        }

        var response = new ExtendLeaseResponse();
        foreach (var (handle, timeout) in items)
        {
            try
            {
                var visibleAt = await broker.ExtendLeaseAsync(queue, handle, timeout, context.CancellationToken).ConfigureAwait(false);
                response.Results.Add(new ExtendLeaseResult { Result = new ItemResult(), VisibleAtUnixMs = GrpcConvert.UnixMs(visibleAt) });
            }
            catch (SluiceException ex) when (IsItemError(ex))
            {
                response.Results.Add(new ExtendLeaseResult { Result = GrpcConvert.ToProto(BatchItemResult.From(ex)) });
            }
        }

        return response;
    }

    public override async Task<PeekResponse> Peek(PeekRequest request, ServerCallContext context)
    {
        var queue = Required(request.Queue, "queue");
        var response = new PeekResponse();
        var max = request.HasMaxMessages ? request.MaxMessages : 10;
        foreach (var message in await broker.PeekAsync(queue, max, context.CancellationToken).ConfigureAwait(false))
        {
            response.Messages.Add(GrpcConvert.ToProto(message));
        }

        return response;
    }

    private void CheckBatch(int count, string field) => Validation.Entries(count, broker.Options.MaxBatchSize, field);

    /// <summary>Whether a failure belongs to one item of a batch (a stale handle) rather than to the whole call (a missing queue, a failed store).</summary>
    private static bool IsItemError(SluiceException error) =>
        error.ErrorCode is not (ErrorCodes.QueueNotFound or ErrorCodes.InvalidQueueName or ErrorCodes.Unavailable or ErrorCodes.StorageFailed or ErrorCodes.StorageFull or ErrorCodes.Internal);
}
