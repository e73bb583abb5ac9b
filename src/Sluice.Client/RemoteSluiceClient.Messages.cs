using System.Runtime.CompilerServices;
using Grpc.Core;
using Sluice.Client.Internal;
using Sluice.Grpc;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Client;

public sealed partial class RemoteSluiceClient
{
    /// <inheritdoc />
    public ValueTask<PublishResult> PublishAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken = default) =>
        _batcher.PublishAsync(queue, message, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count > 1)
        {
            long bytes = 0;
            foreach (var message in messages)
            {
                bytes += message?.Body.Length ?? 0;
            }

            if (bytes > Options.MaxPublishBatchBytes)
            {
                throw new SluiceException(ErrorCodes.RequestTooLarge,
                    $"a batch of {messages.Count} messages carries {bytes} body bytes, over MaxPublishBatchBytes ({Options.MaxPublishBatchBytes}): a batch is one request, stored all or nothing; split it into batches under that size, or publish each with PublishAsync");
            }
        }

        var request = new V1.PublishRequest { Queue = queue ?? "" };
        foreach (var message in messages)
        {
            request.Messages.Add(GrpcConvert.ToProto(message));
        }

        var response = await CallAsync(_messages.PublishAsync, request, cancellationToken).ConfigureAwait(false);
        return [.. response.Results.Select(GrpcConvert.FromProto)];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, ReceiveOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReceiveOptions();
        var request = new V1.ReceiveRequest { Queue = queue ?? "", MaxMessages = options.MaxMessages };
        if (options.VisibilityTimeout is { } visibility)
        {
            request.VisibilityTimeoutMs = GrpcConvert.Milliseconds(visibility);
        }

        if (options.WaitTime is { } wait)
        {
            request.WaitMs = GrpcConvert.Milliseconds(wait);
        }

        if (options.ReceiveRequestAttemptId is not null)
        {
            request.ReceiveRequestAttemptId = options.ReceiveRequestAttemptId;
        }

        var response = await CallAsync(_messages.ReceiveAsync, request, cancellationToken).ConfigureAwait(false);
        return [.. response.Messages.Select(GrpcConvert.FromProto)];
    }

    /// <inheritdoc />
    /// <remarks>
    /// Cancellation (or disposing the client) ends the enumeration without an exception. A stream that drops is opened
    /// again after a backoff; an error of the request itself (queue_not_found, invalid_argument) ends the enumeration
    /// with that error.
    /// </remarks>
    public async IAsyncEnumerable<QueueMessage> ConsumeAsync(string queue, ConsumeOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new ConsumeOptions();
        if (options.Prefetch is < 1 or > 1000)
        {
            throw new SluiceException(ErrorCodes.InvalidArgument, $"prefetch is {options.Prefetch}: use 1 to 1000", "prefetch");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        using var window = _credits.Open(options.Prefetch);
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            var session = new ConsumeSession(_messages, Address, queue ?? "", options, window, stop.Token);
            await using (session.ConfigureAwait(false))
            {
                while (await session.NextAsync().ConfigureAwait(false) is { } batch)
                {
                    failures = 0;
                    foreach (var message in batch)
                    {
                        var delivered = GrpcConvert.FromProto(message);
                        window.Delivered(delivered.ReceiptHandle!);
                        yield return delivered;
                    }
                }
            }

            if (stop.IsCancellationRequested)
            {
                yield break;
            }

            if (session.Failure is { } failure && !RemoteErrors.Reconnectable(failure))
            {
                throw failure;
            }

            // The stream dropped (or the server ended it): open it again after a backoff.
            if (!await BackoffAsync(failures++, stop.Token).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>Waits before reconnect attempt <paramref name="attempt"/> (from 0): min × 2^attempt, capped, with jitter (50-100 %); false once cancelled.</summary>
    private async Task<bool> BackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        var min = Options.ReconnectMinBackoff.TotalMilliseconds;
        var max = Options.ReconnectMaxBackoff.TotalMilliseconds;
        var ceiling = Math.Min(max, min * Math.Pow(2, Math.Min(attempt, 30)));
        var delay = TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    /// <remarks>Auto-batched: concurrent acks of one queue travel as one request (as publishes do), each caller getting its own outcome.</remarks>
    public async ValueTask AckAsync(string queue, string receiptHandle, CancellationToken cancellationToken = default)
    {
        var result = await _acks.SendAsync(queue ?? "", receiptHandle ?? "", cancellationToken).ConfigureAwait(false);
        if (result.ErrorCode is { } code)
        {
            throw new SluiceException(code, result.ErrorMessage ?? code);
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BatchItemResult>> AckBatchAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiptHandles);
        var request = new V1.AckRequest { Queue = queue ?? "" };
        request.ReceiptHandles.AddRange(receiptHandles.Select(h => h ?? ""));
        var response = await CallAsync(_messages.AckAsync, request, cancellationToken).ConfigureAwait(false);
        var results = response.Results.Select(GrpcConvert.FromProto).ToList();
        Settled(receiptHandles, results);
        return results;
    }

    /// <inheritdoc />
    public async ValueTask NackAsync(string queue, string receiptHandle, TimeSpan? delay = null, string? lastError = null, CancellationToken cancellationToken = default)
    {
        var item = new V1.NackItem { ReceiptHandle = receiptHandle ?? "" };
        if (delay is { } d)
        {
            item.DelayMs = GrpcConvert.Milliseconds(d);
        }

        if (lastError is not null)
        {
            item.Error = lastError;
        }

        var response = await CallAsync(_messages.NackAsync, new V1.NackRequest { Queue = queue ?? "", Items = { item } }, cancellationToken).ConfigureAwait(false);
        var result = GrpcConvert.FromProto(response.Results[0]);
        Settled([receiptHandle ?? ""], [result]);
        if (result.ErrorCode is { } code)
        {
            throw new SluiceException(code, result.ErrorMessage ?? code);
        }
    }

    /// <inheritdoc />
    public async ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError = null, CancellationToken cancellationToken = default)
    {
        var item = new V1.DeadLetterItem { ReceiptHandle = receiptHandle ?? "" };
        if (lastError is not null)
        {
            item.Error = lastError;
        }

        var response = await CallAsync(_messages.DeadLetterAsync, new V1.DeadLetterRequest { Queue = queue ?? "", Items = { item } }, cancellationToken).ConfigureAwait(false);
        var result = GrpcConvert.FromProto(response.Results[0]);
        Settled([receiptHandle ?? ""], [result]);
        if (result.ErrorCode is { } code)
        {
            throw new SluiceException(code, result.ErrorMessage ?? code);
        }
    }

    /// <summary>Returns the consume credit of every handle whose delivery is over: settled, or its lease already gone.</summary>
    private void Settled(IReadOnlyList<string> handles, List<BatchItemResult> results)
    {
        for (var i = 0; i < results.Count && i < handles.Count; i++)
        {
            if (results[i].ErrorCode is not { } code || ConsumeCredits.EndsLease(code))
            {
                _credits.Settled(handles[i]);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        var request = new V1.ExtendLeaseRequest
        {
            Queue = queue ?? "",
            Items = { new V1.ExtendLeaseItem { ReceiptHandle = receiptHandle ?? "", VisibilityTimeoutMs = GrpcConvert.Milliseconds(visibilityTimeout) } },
        };
        var result = (await CallAsync(_messages.ExtendLeaseAsync, request, cancellationToken).ConfigureAwait(false)).Results[0];
        return result.Result.ErrorCode.Length == 0
            ? GrpcConvert.Time(result.VisibleAtUnixMs)
            : throw new SluiceException(result.Result.ErrorCode, result.Result.ErrorMessage);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages = 10, CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(_messages.PeekAsync, new V1.PeekRequest { Queue = queue ?? "", MaxMessages = maxMessages }, cancellationToken).ConfigureAwait(false)).Messages.Select(GrpcConvert.FromProto)];

    /// <summary>
    /// One consume stream. Invariant: every credit granted to the server was taken from the consumer's window, so the
    /// messages the server may still send plus the deliveries not yet settled never exceed the prefetch. A pump takes
    /// free credits from the window and grants them; each message received spends one; when the stream ends the
    /// credits granted and not spent go back to the window.
    /// </summary>
    private sealed class ConsumeSession : IAsyncDisposable
    {
        private readonly AsyncDuplexStreamingCall<V1.ConsumeRequest, V1.ConsumeResponse> _call;
        private readonly ConsumeCredits.Window _window;
        private readonly CancellationTokenSource _pumpStop;
        private readonly Task _pump;
        private readonly Uri _address;
        private long _granted;
        private long _received;

        public ConsumeSession(V1.Messages.MessagesClient client, Uri address, string queue, ConsumeOptions options, ConsumeCredits.Window window, CancellationToken cancellationToken)
        {
            _window = window;
            _address = address;
            _call = client.Consume(cancellationToken: cancellationToken);
            _pumpStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var start = new V1.ConsumeStart { Queue = queue, Credit = 0 };
            if (options.VisibilityTimeout is { } visibility)
            {
                start.VisibilityTimeoutMs = GrpcConvert.Milliseconds(visibility);
            }

            _pump = PumpAsync(start, _pumpStop.Token);
        }

        /// <summary>Why the stream ended, when it failed (null when cancelled or ended by the server).</summary>
        public SluiceException? Failure { get; private set; }

        /// <summary>The next batch; <see langword="null"/> when the stream ended (see <see cref="Failure"/>).</summary>
        public async Task<IReadOnlyList<V1.QueueMessage>?> NextAsync()
        {
            try
            {
                if (await _call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
                {
                    var messages = _call.ResponseStream.Current.Messages;
                    Interlocked.Add(ref _received, messages.Count);
                    return messages;
                }

                return null;
            }
            catch (RpcException ex)
            {
                Failure = RemoteErrors.ToSluiceException(ex, _address);
                return null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException)
            {
                Failure = new SluiceException(ErrorCodes.Unavailable, $"the consume stream dropped ({ex.Message})", null, isTransient: true, ex);
                return null;
            }
        }

        /// <summary>Sends start, then grants each credit the window frees (settlements), as one grant per wake-up.</summary>
        private async Task PumpAsync(V1.ConsumeStart start, CancellationToken cancellationToken)
        {
            try
            {
                await _call.RequestStream.WriteAsync(new V1.ConsumeRequest { Start = start }, cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    var credits = await _window.AcquireAsync(_window.Prefetch, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await _call.RequestStream.WriteAsync(new V1.ConsumeRequest { Credit = (uint)credits }, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        _window.Return(credits);
                        throw;
                    }

                    Interlocked.Add(ref _granted, credits);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // The session ended.
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or HttpRequestException)
            {
                // The stream dropped: the reader sees it too and the session reconnects.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _pumpStop.CancelAsync().ConfigureAwait(false);
            await _pump.ConfigureAwait(false);
            _call.Dispose();
            // Credits granted on this stream and not spent on a message come back; spent ones stay with their deliveries.
            _window.Return((int)Math.Max(0, Interlocked.Read(ref _granted) - Interlocked.Read(ref _received)));
            _pumpStop.Dispose();
        }
    }
}
