using Microsoft.AspNetCore.Http;

namespace Sluice.Faces.Rest;

/// <summary>The REST routes' handlers: parse the body, call the broker once, shape the answer. Errors propagate as <see cref="SluiceException"/>.</summary>
internal sealed class RestHandlers(Broker broker)
{
    private static readonly IResult s_noContent = TypedResults.NoContent();

    // Queues

    public async Task<IResult> ListQueuesAsync(HttpContext context)
    {
        var queues = await broker.ListQueuesAsync(context.RequestAborted).ConfigureAwait(false);
        var list = queues.Select(RestMapping.ToResponse).ToArray();
        return TypedResults.Json(new QueueListResponse(list), SluiceJsonContext.Wire.QueueListResponse);
    }

    public async Task<IResult> CreateQueueAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.QueueOptionsRequest, optional: false).ConfigureAwait(false))!;
        if (body.Name is null)
        {
            throw RestMapping.SluiceBadField("name", "is missing: give the queue name, 1-80 characters from A-Z a-z 0-9 - _");
        }

        Validation.QueueName(body.Name, "name");
        var options = RestMapping.ApplyTo(body, new QueueOptions());
        var existed = await broker.FindQueueAsync(body.Name, ct).ConfigureAwait(false) is not null;
        QueueInfo queue;
        try
        {
            queue = await broker.CreateQueueAsync(body.Name, options, ct).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.Field == "queue")
        {
            // The body names the queue in "name".
            throw new SluiceException(ex.ErrorCode, ex.Message, "name", ex.IsTransient, ex);
        }

        return TypedResults.Json(RestMapping.ToResponse(queue), SluiceJsonContext.Wire.QueueResponse,
            statusCode: existed ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }

    public async Task<IResult> GetQueueAsync(HttpContext context, string name)
    {
        var queue = await broker.GetQueueAsync(name, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(RestMapping.ToResponse(queue), SluiceJsonContext.Wire.QueueResponse);
    }

    public async Task<IResult> UpdateQueueAsync(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.QueueOptionsRequest, optional: false).ConfigureAwait(false))!;
        var current = await broker.GetQueueAsync(name, ct).ConfigureAwait(false);
        if (body.Name is not null && body.Name != name)
        {
            throw RestMapping.SluiceBadField("name", $"'{body.Name}' differs from the queue '{name}' in the path: a queue cannot be renamed; leave name out");
        }

        var options = RestMapping.ApplyTo(body, current.Options);
        var queue = await broker.UpdateQueueAsync(name, options, ct).ConfigureAwait(false);
        return TypedResults.Json(RestMapping.ToResponse(queue), SluiceJsonContext.Wire.QueueResponse);
    }

    public async Task<IResult> DeleteQueueAsync(HttpContext context, string name)
    {
        await broker.DeleteQueueAsync(name, context.RequestAborted).ConfigureAwait(false);
        return s_noContent;
    }

    public async Task<IResult> PurgeAsync(HttpContext context, string name)
    {
        var purged = await broker.PurgeAsync(name, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new PurgeResponse(purged), SluiceJsonContext.Wire.PurgeResponse);
    }

    public async Task<IResult> GetStatsAsync(HttpContext context, string name)
    {
        var stats = await broker.GetStatsAsync(name, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(RestMapping.ToResponse(stats, broker.GetWaitingReceiverCount(name)), SluiceJsonContext.Wire.StatsResponse);
    }

    public async Task<IResult> GetAllStatsAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var queues = await broker.ListQueuesAsync(ct).ConfigureAwait(false);
        var list = new List<StatsResponse>(queues.Count);
        foreach (var queue in queues)
        {
            try
            {
                var stats = await broker.GetStatsAsync(queue.Name, ct).ConfigureAwait(false);
                list.Add(RestMapping.ToResponse(stats, broker.GetWaitingReceiverCount(queue.Name)));
            }
            catch (SluiceException ex) when (ex.ErrorCode is ErrorCodes.QueueNotFound or ErrorCodes.AccessDenied)
            {
                // Deleted since it was listed; or listed for a permission other than consume, which stats need: left out.
            }
        }

        return TypedResults.Json(new StatsListResponse(list), SluiceJsonContext.Wire.StatsListResponse);
    }

    // Messages

    public async Task<IResult> PublishAsync(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.PublishRequest, optional: false).ConfigureAwait(false))!;
        IReadOnlyList<PublishResult> results;
        if (body.Messages is { } batch)
        {
            if (body.AnyMessageField)
            {
                throw RestMapping.SluiceBadField("messages",
                    "is given with single-message fields: send either one message or {\"messages\":[...]}, not both");
            }

            var messages = new OutgoingMessage[batch.Count];
            for (var i = 0; i < messages.Length; i++)
            {
                var item = batch[i] ?? throw RestMapping.SluiceBadField($"messages[{i}]", "is null: give a message object");
                messages[i] = RestMapping.ToOutgoing(item, $"messages[{i}].");
            }

            try
            {
                results = await broker.PublishBatchAsync(name, messages, ct).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (messages.Length == 1 && ex.Field is { } field && field.StartsWith("message.", StringComparison.Ordinal))
            {
                // The broker names a one-message batch "message"; the body named it messages[0].
                var renamed = "messages[0]." + field["message.".Length..];
                throw new SluiceException(ex.ErrorCode, RestErrors.RenameField(ex.Message, field, renamed), renamed, ex.IsTransient, ex);
            }
        }
        else
        {
            var message = RestMapping.ToOutgoing(body, "");
            results = [await broker.PublishAsync(name, message, ct).ConfigureAwait(false)];
        }

        var response = new PublishResultResponse[results.Count];
        for (var i = 0; i < response.Length; i++)
        {
            response[i] = new PublishResultResponse(results[i].MessageId, results[i].Duplicate, results[i].SequenceNumber);
        }

        return TypedResults.Json(new PublishResponse(response), SluiceJsonContext.Wire.PublishResponse);
    }

    public async Task<IResult> ReceiveAsync(HttpContext context, string name, CancellationToken stopping)
    {
        var body = await RestBody.ReadAsync(context, SluiceJsonContext.Wire.ReceiveRequest, optional: true).ConfigureAwait(false);
        var options = body is null
            ? new ReceiveOptions()
            : new ReceiveOptions
            {
                MaxMessages = RestMapping.WholeInt(body.MaxMessages, "maxMessages", 1, broker.Options.MaxBatchSize) ?? 1,
                VisibilityTimeout = RestMapping.Seconds(body.VisibilityTimeoutSeconds, "visibilityTimeoutSeconds", TimeSpan.Zero, Validation.MaxVisibilityTimeout),
                WaitTime = RestMapping.Seconds(body.WaitTimeSeconds, "waitTimeSeconds", TimeSpan.Zero, broker.Options.MaxWaitTime),
                ReceiveRequestAttemptId = body.ReceiveRequestAttemptId,
            };

        IReadOnlyList<QueueMessage> messages;
        if (options.WaitTime is { } wait && wait <= TimeSpan.Zero)
        {
            messages = await broker.ReceiveAsync(name, options, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            // A long poll ends early, empty, when the server stops, so shutdown does not wait for every waiting receiver.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            try
            {
                messages = await broker.ReceiveAsync(name, options, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                messages = [];
            }
        }

        return TypedResults.Json(RestMapping.ToResponse(messages), SluiceJsonContext.Wire.MessageListResponse);
    }

    public async Task<IResult> AckAsync(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.AckRequest, optional: false).ConfigureAwait(false))!;
        if (body.ReceiptHandles is { } handles)
        {
            if (body.ReceiptHandle is not null)
            {
                throw RestMapping.SluiceBadField("receiptHandles", "is given with receiptHandle: send one receiptHandle or a receiptHandles list, not both");
            }

            for (var i = 0; i < handles.Count; i++)
            {
                if (handles[i] is null)
                {
                    throw RestMapping.SluiceBadField($"receiptHandles[{i}]", "is null: give the receiptHandle returned by a receive");
                }
            }

            var results = await broker.AckBatchAsync(name, handles, ct).ConfigureAwait(false);
            var response = new AckResultResponse[results.Count];
            for (var i = 0; i < response.Length; i++)
            {
                var r = results[i];
                response[i] = new AckResultResponse(handles[i], r.Succeeded, r.ErrorCode, r.ErrorMessage);
            }

            return TypedResults.Json(new AckBatchResponse(response), SluiceJsonContext.Wire.AckBatchResponse);
        }

        var handle = body.ReceiptHandle ?? throw RestMapping.SluiceBadField("receiptHandle",
            "is missing: give the receiptHandle returned by a receive (or a receiptHandles list)");
        await broker.AckAsync(name, handle, ct).ConfigureAwait(false);
        return s_noContent;
    }

    public async Task<IResult> NackAsync(HttpContext context, string name)
    {
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.NackRequest, optional: false).ConfigureAwait(false))!;
        var handle = body.ReceiptHandle ?? throw RestMapping.SluiceBadField("receiptHandle", "is missing: give the receiptHandle returned by a receive");
        await broker.NackAsync(name, handle, RestMapping.Seconds(body.DelaySeconds, "delaySeconds", TimeSpan.Zero, Validation.MaxVisibilityTimeout), body.Error, context.RequestAborted).ConfigureAwait(false);
        return s_noContent;
    }

    public async Task<IResult> ExtendAsync(HttpContext context, string name)
    {
        var body = (await RestBody.ReadAsync(context, SluiceJsonContext.Wire.ExtendRequest, optional: false).ConfigureAwait(false))!;
        var handle = body.ReceiptHandle ?? throw RestMapping.SluiceBadField("receiptHandle", "is missing: give the receiptHandle returned by a receive");
        var timeout = RestMapping.Seconds(body.VisibilityTimeoutSeconds, "visibilityTimeoutSeconds", TimeSpan.Zero, Validation.MaxVisibilityTimeout) ?? throw RestMapping.SluiceBadField("visibilityTimeoutSeconds",
            "is missing: give the new lease length in seconds from now (0 to 43200)");
        var until = await broker.ExtendLeaseAsync(name, handle, timeout, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new ExtendResponse(until), SluiceJsonContext.Wire.ExtendResponse);
    }

    public async Task<IResult> PeekAsync(HttpContext context, string name)
    {
        var max = context.Request.Query.TryGetValue("max", out var text)
            ? RestMapping.WholeInt(new RestNumber(text.ToString()), "max", 1, Validation.MaxPeek)!.Value
            : 10;
        var messages = await broker.PeekAsync(name, max, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(RestMapping.ToResponse(messages), SluiceJsonContext.Wire.MessageListResponse);
    }

    // Redrive

    public async Task<IResult> StartRedriveAsync(HttpContext context, string name)
    {
        var body = await RestBody.ReadAsync(context, SluiceJsonContext.Wire.RedriveRequest, optional: true).ConfigureAwait(false);
        var status = await broker.StartRedriveAsync(name, body?.Destination, RestMapping.WholeInt(body?.MaxPerSecond, "maxPerSecond", 1, Validation.MaxRedriveRate) ?? 100, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(RestMapping.ToResponse(status), SluiceJsonContext.Wire.RedriveResponse, statusCode: StatusCodes.Status202Accepted);
    }

    public async Task<IResult> ListRedrivesAsync(CancellationToken cancellationToken) =>
        TypedResults.Json(new RedriveListResponse((await broker.ListRedrivesAsync(cancellationToken).ConfigureAwait(false)).Select(RestMapping.ToResponse).ToArray()),
            SluiceJsonContext.Wire.RedriveListResponse);

    public async Task<IResult> GetRedriveAsync(string id, CancellationToken cancellationToken) =>
        TypedResults.Json(RestMapping.ToResponse(await broker.GetRedriveAsync(id, cancellationToken).ConfigureAwait(false)), SluiceJsonContext.Wire.RedriveResponse);

    public async Task<IResult> CancelRedriveAsync(string id, CancellationToken cancellationToken)
    {
        var status = await broker.CancelRedriveAsync(id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(RestMapping.ToResponse(status), SluiceJsonContext.Wire.RedriveResponse);
    }
}
