using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>
/// One consume call: delivers leased messages while the client has credit. Invariant: the messages sent never exceed
/// the credit granted (each sent message spends one credit; a receive asks for at most the credit on hand and gives
/// back what it did not use). Unused credit is capped (<see cref="GrpcOptions.MaxConsumeCredit"/>): a grant past the cap
/// fails the call, so a peer cannot make the server hold work without limit. When the client half-closes, the call ends
/// (normally) at once.
/// </summary>
internal sealed class CreditConsumer(global::Sluice.Broker broker, int maxCredit, string queue, TimeSpan? visibility) : IDisposable
{
    // Credit ready to be taken by a receive (a receive takes what it may use and gives back what it did not).
    private readonly SemaphoreSlim _credit = new(0);
    private readonly Lock _lock = new();

    // Credit granted and not yet spent on a sent message (whether on hand or taken by a running receive): the capped value.
    private long _unspent;

    /// <summary>Releases the credit counter (the call has ended).</summary>
    public void Dispose() => _credit.Dispose();

    /// <summary>Adds credit.</summary>
    /// <exception cref="SluiceException">invalid_argument naming <paramref name="field"/> when the unused credit would pass the cap.</exception>
    public void Grant(uint credit, string field)
    {
        if (credit == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_unspent + credit > maxCredit)
            {
                throw GrpcErrors.Invalid(field, $"{field} {credit} would give this consumer more than {maxCredit} unused credit (the server's cap): grant one credit per message settled");
            }

            _unspent += credit;
        }

        _credit.Release((int)credit);
    }

    public async Task RunAsync(IAsyncStreamReader<ConsumeRequest> requests, IServerStreamWriter<ConsumeResponse> responses, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = ReadGrantsAsync(requests, stop);
        try
        {
            await DeliverAsync(responses, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The client half-closed (the call ends normally) or sent a bad grant (the call fails with its error below).
        }
        catch
        {
            // The delivery failed (the queue was deleted, ...): its error ends the call. The reader is stopped and
            // awaited first, so it never grants credit to a disposed consumer; its own end (cancelled) is not the news.
            await stop.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await reader.ConfigureAwait(false);
    }

    /// <summary>Reads the client's grants until it half-closes (then stops the delivery) or sends a bad one (then stops it and throws).</summary>
    private static async Task ReadGrantsAsync(IAsyncStreamReader<ConsumeRequest> requests, CancellationTokenSource stop, Action<uint> grant)
    {
        try
        {
            while (await requests.MoveNext(stop.Token).ConfigureAwait(false))
            {
                var request = requests.Current;
                if (request.KindCase != ConsumeRequest.KindOneofCase.Credit)
                {
                    throw GrpcErrors.Invalid("start", "start may be sent only once, as the first request of a consume; later requests grant credit");
                }

                grant(request.Credit);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private Task ReadGrantsAsync(IAsyncStreamReader<ConsumeRequest> requests, CancellationTokenSource stop) =>
        ReadGrantsAsync(requests, stop, credit => Grant(credit, "credit"));

    private async Task DeliverAsync(IServerStreamWriter<ConsumeResponse> responses, CancellationToken cancellationToken)
    {
        var maxBatch = broker.Options.MaxBatchSize;
        while (true)
        {
            await _credit.WaitAsync(cancellationToken).ConfigureAwait(false);
            var taken = 1;
            while (taken < maxBatch && _credit.Wait(0, CancellationToken.None))
            {
                taken++;
            }

            IReadOnlyList<QueueMessage> messages;
            try
            {
                messages = await broker.ReceiveAsync(queue,
                    new ReceiveOptions { MaxMessages = taken, VisibilityTimeout = visibility, WaitTime = broker.Options.MaxWaitTime },
                    cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _credit.Release(taken);
                throw;
            }

            if (messages.Count < taken)
            {
                _credit.Release(taken - messages.Count);
            }

            if (messages.Count == 0)
            {
                continue;
            }

            lock (_lock)
            {
                _unspent -= messages.Count;
            }

            var response = new ConsumeResponse();
            foreach (var message in messages)
            {
                response.Messages.Add(GrpcConvert.ToProto(message));
            }

            try
            {
                await responses.WriteAsync(response, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                await ReleaseAsync(messages).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Messages leased for a client that left before they were sent go back at once instead of at lease expiry.</summary>
    private async Task ReleaseAsync(IReadOnlyList<QueueMessage> messages)
    {
        foreach (var message in messages)
        {
            try
            {
                await broker.NackAsync(queue, message.ReceiptHandle!, null, null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SluiceException)
            {
                // Best effort: the lease expires anyway.
            }
        }
    }
}
