namespace Sluice.Faces.Grpc;

/// <summary>
/// Options of the gRPC face (section <c>Sluice:Grpc</c>, flag <c>--grpc-url</c>; docs/grpc.md). It listens on its own
/// HTTP/2 listener (cleartext, or TLS for an <c>https://</c> URL; docs/tls.md): Kestrel cannot offer HTTP/1.1 (the REST
/// API) and HTTP/2 on one cleartext endpoint.
/// </summary>
public sealed record GrpcOptions
{
    /// <summary>Whether the gRPC face listens at all. Default <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Where the face listens: an absolute <c>http://</c> URL (HTTP/2 without TLS) or <c>https://</c> URL (HTTP/2 over
    /// TLS, ALPN h2; the certificate of section <c>Sluice:Tls</c>) with an IP address or host name and a port. Default <see langword="null"/>: the HTTP listener's host with the port after its port
    /// (<c>http://127.0.0.1:7481</c> beside the default <c>http://127.0.0.1:7480</c>; a free port when the HTTP listener
    /// asks for one with port 0). Port 0 picks a free port (IP addresses only).
    /// </summary>
    public string? Url { get; init; }

    /// <summary>
    /// Largest gRPC message a client may send (one request, or one message of a stream), in bytes. A larger one ends
    /// the call with RESOURCE_EXHAUSTED before it is buffered. Default 17 MiB (17,825,792: a message at the largest queue
    /// <c>maxMessageSize</c>, 16 MiB, plus 1 MiB for attributes and framing); 1 KiB to 1 GiB.
    /// </summary>
    public int MaxMessageSize { get; init; } = 17 * 1024 * 1024;

    /// <summary>
    /// Most credit a consume stream may hold unused (granted and not yet spent on a message): a grant beyond it ends the
    /// call with INVALID_ARGUMENT. Default 1,000 (<c>ConsumeOptions.Prefetch</c>'s maximum); 1 to 100,000.
    /// </summary>
    public int MaxConsumeCredit { get; init; } = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range (<see cref="ArgumentException.ParamName"/> is its name).</summary>
    public void Validate()
    {
        if (Url is not null && (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) ||
            url.AbsolutePath != "/" || !string.IsNullOrEmpty(url.Query)))
        {
            throw new ArgumentException($"'{Url}' is invalid: use an absolute http:// URL (https:// with TLS) with a host and port, such as http://127.0.0.1:7481", nameof(Url));
        }

        if (MaxMessageSize is < 1024 or > 1024 * 1024 * 1024)
        {
            throw new ArgumentException($"{MaxMessageSize} bytes is out of range: use 1024 (1 KiB) to 1073741824 (1 GiB)", nameof(MaxMessageSize));
        }

        if (MaxConsumeCredit is < 1 or > 100_000)
        {
            throw new ArgumentException($"{MaxConsumeCredit} is out of range: use 1 to 100000", nameof(MaxConsumeCredit));
        }
    }
}
