namespace Sluice.Server.Hosting;

/// <summary>
/// Connection and request limits of every listener (section <c>Sluice:Limits</c>; docs/limits.md). Checked at start.
/// </summary>
public sealed record LimitsOptions
{
    /// <summary>Descriptors kept back from the connection budget for the store, logs and the runtime: 256 plus 10 % of the process's limit.</summary>
    public const int ReservedDescriptors = 256;

    /// <summary>
    /// Most connections open at once over all listeners (HTTP, gRPC, RESP), shared equally among the listeners that
    /// are enabled. A connection past a listener's share is accepted and closed at once (Kestrel's
    /// <c>MaxConcurrentConnections</c>). Default <see langword="null"/>: derived from the process's descriptor limit
    /// (<c>RLIMIT_NOFILE</c>, whose soft value is raised to the hard one at start) minus a reserve of 64 + 10 %. A value
    /// above that budget is refused at start; at least 1 per listener.
    /// </summary>
    public int? MaxConnections { get; init; }

    /// <summary>
    /// Most connections one client (remote IP address) may hold open on one listener. Past it, a new connection is
    /// closed at once, and a warning names the address (at most once a minute per address). Default 1,000; 1 to
    /// 1,000,000.
    /// </summary>
    public int MaxConnectionsPerClient { get; init; } = 1000;

    /// <summary>Largest total size of an HTTP request's headers (HTTP and gRPC listeners), in bytes; larger is answered 431. Default 32 KiB (32,768); 1 KiB to 1 MiB.</summary>
    public int MaxRequestHeadersTotalSize { get; init; } = 32 * 1024;

    /// <summary>Most headers in an HTTP request (HTTP and gRPC listeners); more is answered 431. Default 100; 8 to 10,000.</summary>
    public int MaxRequestHeaderCount { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range (<see cref="ArgumentException.ParamName"/> is its name).</summary>
    internal void Validate()
    {
        if (MaxConnections is < 1)
        {
            throw new ArgumentException($"{MaxConnections} is out of range: use at least 1, or remove it for a limit derived from the descriptor limit", nameof(MaxConnections));
        }

        if (MaxConnectionsPerClient is < 1 or > 1_000_000)
        {
            throw new ArgumentException($"{MaxConnectionsPerClient} is out of range: use 1 to 1000000", nameof(MaxConnectionsPerClient));
        }

        if (MaxRequestHeadersTotalSize is < 1024 or > 1024 * 1024)
        {
            throw new ArgumentException($"{MaxRequestHeadersTotalSize} bytes is out of range: use 1024 (1 KiB) to 1048576 (1 MiB)", nameof(MaxRequestHeadersTotalSize));
        }

        if (MaxRequestHeaderCount is < 8 or > 10_000)
        {
            throw new ArgumentException($"{MaxRequestHeaderCount} is out of range: use 8 to 10000", nameof(MaxRequestHeaderCount));
        }
    }
}
