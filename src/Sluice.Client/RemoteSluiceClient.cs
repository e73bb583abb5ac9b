using Grpc.Core;
using Grpc.Net.Client;
using Sluice.Client.Internal;
using Sluice.Grpc;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Client;

/// <summary>
/// The SDK over a Sluice server's gRPC face (<c>sluice serve</c>; docs/grpc.md), with Grpc.Net.Client. Arguments,
/// defaults, limits and error codes are the broker's, as for <see cref="InProcessSluiceClient"/>. Thread-safe; one
/// instance per application is enough (one HTTP/2 connection multiplexes every call).
/// </summary>
/// <remarks>
/// <para><b>Publishing.</b> <see cref="PublishAsync"/> goes through an auto-batcher: concurrent publishes to one queue
/// share a request (<see cref="SluiceClientOptions.PublishLinger"/>, <see cref="SluiceClientOptions.MaxPublishBatch"/>,
/// at most <see cref="SluiceClientOptions.MaxPendingPublishes"/> waiting); <see cref="AckAsync"/> likewise: concurrent acks
/// of one queue share an Ack request, each caller getting its own outcome.</para>
/// <para><b>Consuming.</b> <see cref="ConsumeAsync"/> holds a consume stream and grants the server one credit per free
/// slot of <see cref="ConsumeOptions.Prefetch"/>; settling a delivery through this client (ack, nack) frees its slot.
/// When the stream drops it is opened again after a backoff (<see cref="SluiceClientOptions.ReconnectMinBackoff"/>
/// doubling to <see cref="SluiceClientOptions.ReconnectMaxBackoff"/>, with jitter), granting only the credit not held by
/// unsettled deliveries, so the prefetch is never exceeded across reconnects.</para>
/// <para><b>Errors.</b> Every failure is a <see cref="SluiceException"/>: the server's code, field (named as in the
/// .proto files, e.g. <c>messages[0].delay_ms</c>) and <see cref="SluiceException.IsTransient"/> from the call's
/// trailers; a server that cannot be reached is <c>unavailable</c> (transient), with
/// <see cref="SluiceException.RequestSent"/> false when no connection could be made. Nothing is retried automatically
/// except the consume stream: a retried publish could store a duplicate unless it carries a deduplication id.
/// Cancelling a call throws <see cref="OperationCanceledException"/>; a call already sent may still take effect.</para>
/// </remarks>
public sealed partial class RemoteSluiceClient : ISluiceClient
{
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly V1.Queues.QueuesClient _queues;
    private readonly V1.Messages.MessagesClient _messages;
    private readonly V1.Topics.TopicsClient _topics;
    private readonly V1.Streams.StreamsClient _streams;
    private readonly PublishBatcher _batcher;
    private readonly AckBatcher _acks;
    private readonly ConsumeCredits _credits = new();
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>Creates a client of the server at <see cref="SluiceClientOptions.Address"/> (no connection is made until the first call).</summary>
    /// <param name="options">Settings (validated); <see cref="SluiceClientOptions.Address"/> is required, e.g. <c>http://127.0.0.1:7481</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><see cref="SluiceClientOptions.Address"/> is missing or not an absolute http(s) URL.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public RemoteSluiceClient(SluiceClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Address is not { IsAbsoluteUri: true } address || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Address is required: the server's gRPC address, such as http://127.0.0.1:7481 ('sluice serve' prints it at start)", nameof(options));
        }

        Options = options;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // Answers are bounded by the server's batch size; a receive of 100 messages of 1 MiB is 100 MiB.
            MaxReceiveMessageSize = null,
            ThrowOperationCanceledOnCancellation = true,
        });
        _invoker = Authorized(_channel, options.ApiKey);
        _queues = new V1.Queues.QueuesClient(_invoker);
        _messages = new V1.Messages.MessagesClient(_invoker);
        _topics = new V1.Topics.TopicsClient(_invoker);
        _streams = new V1.Streams.StreamsClient(_invoker);
        _batcher = new PublishBatcher(PublishBatchAsync, options);
        _acks = new AckBatcher(AckBatchAsync, options);
    }

    /// <summary>The client's settings.</summary>
    public SluiceClientOptions Options { get; }

    /// <summary>The server's gRPC address.</summary>
    public Uri Address => Options.Address!;

    /// <summary>Waits for publishes already accepted by the auto-batcher, ends running consumers and closes the connection. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _batcher.DisposeAsync().ConfigureAwait(false);
        await _acks.DisposeAsync().ConfigureAwait(false);
        await _disposed.CancelAsync().ConfigureAwait(false);
        _channel.Dispose();
    }

    /// <summary>Runs a unary call; a failed call becomes the <see cref="SluiceException"/> the server meant.</summary>
    private async ValueTask<TResponse> CallAsync<TRequest, TResponse>(Func<TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, TRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var pending = call(request, new CallOptions(cancellationToken: cancellationToken));
            return await pending.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw RemoteErrors.ToSluiceException(ex, Address);
        }
    }

    // ---- Queues ----

    /// <inheritdoc />
    public async ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions? options = null, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_queues.CreateQueueAsync,
            new V1.CreateQueueRequest { Name = name ?? "", Options = options is null ? null : GrpcConvert.ToProto(options) }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<QueueInfo> GetQueueAsync(string name, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_queues.GetQueueAsync, new V1.GetQueueRequest { Name = name ?? "" }, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(_queues.ListQueuesAsync, new V1.ListQueuesRequest(), cancellationToken).ConfigureAwait(false)).Queues.Select(GrpcConvert.FromProto)];

    /// <inheritdoc />
    public async ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return GrpcConvert.FromProto(await CallAsync(_queues.UpdateQueueAsync,
            new V1.UpdateQueueRequest { Name = name ?? "", Options = GrpcConvert.ToProto(options) }, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default) =>
        await CallAsync(_queues.DeleteQueueAsync, new V1.DeleteQueueRequest { Name = name ?? "" }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<long> PurgeQueueAsync(string name, CancellationToken cancellationToken = default) =>
        (await CallAsync(_queues.PurgeQueueAsync, new V1.PurgeQueueRequest { Name = name ?? "" }, cancellationToken).ConfigureAwait(false)).Purged;

    /// <inheritdoc />
    public async ValueTask<QueueStats> GetQueueStatsAsync(string name, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_queues.GetQueueStatsAsync, new V1.GetQueueStatsRequest { Name = name ?? "" }, cancellationToken).ConfigureAwait(false));

    // ---- Dead letters ----

    /// <inheritdoc />
    public async ValueTask<RedriveStatus> StartRedriveAsync(string deadLetterQueue, string? destination = null, int maxPerSecond = 100, CancellationToken cancellationToken = default)
    {
        var request = new V1.StartRedriveRequest { DeadLetterQueue = deadLetterQueue ?? "", MaxPerSecond = maxPerSecond };
        if (destination is not null)
        {
            request.Destination = destination;
        }

        return GrpcConvert.FromProto(await CallAsync(_queues.StartRedriveAsync, request, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask<RedriveStatus> GetRedriveAsync(string id, CancellationToken cancellationToken = default) =>
        GrpcConvert.FromProto(await CallAsync(_queues.GetRedriveAsync, new V1.GetRedriveRequest { Id = id ?? "" }, cancellationToken).ConfigureAwait(false));
}
