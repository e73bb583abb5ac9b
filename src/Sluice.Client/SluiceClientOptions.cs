namespace Sluice.Client;

/// <summary>Settings of a Sluice client. Every value is validated when the client is built (<see cref="Validate"/>).</summary>
public sealed record SluiceClientOptions
{
    /// <summary>
    /// The server's gRPC address, e.g. <c>http://127.0.0.1:7481</c> (<c>sluice serve</c>'s default gRPC listener).
    /// Required by the remote client; ignored by the in-process one. Default none.
    /// </summary>
    public Uri? Address { get; init; }

    /// <summary>
    /// The API key the remote client authenticates with: sent as <c>authorization: Bearer &lt;key&gt;</c> metadata on every
    /// call (streams included), as the server's gRPC face requires when authentication is on (docs/sdk.md,
    /// "Authentication"; configuration key <c>Sluice:Client:ApiKey</c>, e.g. the environment variable
    /// <c>Sluice__Client__ApiKey</c>). Printable ASCII without spaces. Default none: calls carry no credentials (a server
    /// with authentication on answers <c>unauthenticated</c>). Ignored by the in-process client. Never shown by
    /// <see cref="ToString"/>.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// How long a publish (or an ack) may wait for others to the same queue to share its request (auto-batching of the
    /// remote client). Default 1 millisecond; 0 (send each at once, still batching what is already waiting) to 100 milliseconds.
    /// </summary>
    public TimeSpan PublishLinger { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Most messages (or ack receipt handles) the auto-batcher puts in one request. Default 100 (the broker's default batch size); 1 to 1,000.</summary>
    public int MaxPublishBatch { get; init; } = 100;

    /// <summary>
    /// Most body bytes in one request of several messages: the auto-batcher starts a new request rather than go over
    /// it (a single message larger than it is still sent alone), and the remote client refuses an explicit
    /// <see cref="ISluiceClient.PublishBatchAsync"/> of several messages over it with <c>request_too_large</c> (a batch
    /// is one request, all or nothing). Keep it below the server's gRPC receive limit (<c>Sluice:Grpc:MaxMessageSize</c>,
    /// default 17 MiB) with room for framing and attributes. Default 4 MiB (4,194,304); 1 KiB to 1 GiB.
    /// </summary>
    public int MaxPublishBatchBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Most publishes waiting to be sent at once; a publish beyond it waits for room (back-pressure instead of memory
    /// growth). Auto-batched acks have a room of the same size of their own. Default 10,000; 1 to 1,000,000.
    /// </summary>
    public int MaxPendingPublishes { get; init; } = 10_000;

    /// <summary>First wait before reconnecting a dropped stream; doubles (with jitter) up to <see cref="ReconnectMaxBackoff"/>. Default 100 milliseconds.</summary>
    public TimeSpan ReconnectMinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between reconnect attempts. Default 10 seconds; at least <see cref="ReconnectMinBackoff"/>.</summary>
    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (ApiKey is not null && (ApiKey.Length == 0 || !ApiKey.All(c => c is > ' ' and <= '~')))
        {
            // The key itself is never put in the exception.
            throw new ArgumentOutOfRangeException(nameof(ApiKey), "(hidden)", "ApiKey must be 1 or more printable ASCII characters without spaces, as 'sluice auth key create' prints it");
        }
        if (PublishLinger < TimeSpan.Zero || PublishLinger > TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentOutOfRangeException(nameof(PublishLinger), PublishLinger, "PublishLinger must be 0 to 100 milliseconds");
        }
        if (MaxPublishBatch is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPublishBatch), MaxPublishBatch, "MaxPublishBatch must be 1 to 1000");
        }
        if (MaxPublishBatchBytes is < 1024 or > 1024 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPublishBatchBytes), MaxPublishBatchBytes, "MaxPublishBatchBytes must be 1024 to 1073741824");
        }
        if (MaxPendingPublishes is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPendingPublishes), MaxPendingPublishes, "MaxPendingPublishes must be 1 to 1000000");
        }
        if (ReconnectMinBackoff <= TimeSpan.Zero || ReconnectMaxBackoff < ReconnectMinBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(ReconnectMaxBackoff), ReconnectMaxBackoff, "ReconnectMinBackoff must be above 0 and ReconnectMaxBackoff at least ReconnectMinBackoff");
        }
    }

    /// <summary>The settings as text for logs, with <see cref="ApiKey"/> hidden.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"Address = {Address}, ApiKey = {(ApiKey is null ? "" : "***")}, PublishLinger = {PublishLinger}, MaxPublishBatch = {MaxPublishBatch}, ")
            .Append(System.Globalization.CultureInfo.InvariantCulture,
            $"MaxPublishBatchBytes = {MaxPublishBatchBytes}, MaxPendingPublishes = {MaxPendingPublishes}, ReconnectMinBackoff = {ReconnectMinBackoff}, ReconnectMaxBackoff = {ReconnectMaxBackoff}");
        return true;
    }
}
