namespace Sluice.Faces.Resp;

/// <summary>
/// Options of the RESP face: where it listens, the password clients send with <c>AUTH</c>, and the per-connection
/// limits that keep a remote peer from filling memory. Follows the Redis protocol specification (RESP2 and RESP3).
/// </summary>
public sealed record RespOptions
{
    /// <summary>Whether the RESP face listens at all. Default <see langword="false"/>.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// Where the face listens, as <c>tcp://host:port</c> (or <c>redis://host:port</c>, or plain <c>host:port</c>).
    /// <c>rediss://host:port</c> (or <c>tls://host:port</c>) serves TLS: the host that runs the face gives the
    /// certificate (<c>sluice serve</c>: section <c>Sluice:Tls</c>, docs/tls.md). Port 0 picks a free port. Default <c>tcp://127.0.0.1:6380</c> (one above Redis's 6379, so both can run side by
    /// side); loopback only unless configured.
    /// </summary>
    public string Url { get; init; } = "tcp://127.0.0.1:6380";

    /// <summary>
    /// The password clients must send with <c>AUTH password</c> or <c>AUTH default password</c> (or <c>HELLO ... AUTH</c>)
    /// before any other command. Default <see langword="null"/>: no authentication, as Redis without <c>requirepass</c>.
    /// </summary>
    public string? Password { get; init; }

    /// <summary>
    /// Largest bulk string (one argument) a client may send, in bytes. A larger announced length is refused with
    /// <c>ERR Protocol error: invalid bulk length</c> and the connection is closed, before anything is allocated.
    /// Default 16 MiB (Redis's <c>proto-max-bulk-len</c> is 512 MiB). Range 1 KiB–512 MiB.
    /// </summary>
    public int MaxBulkLength { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Most arguments in one command (multibulk length). More is refused with
    /// <c>ERR Protocol error: invalid multibulk length</c> and the connection is closed. Default 1,048,576. Range 16–2^31-1.
    /// </summary>
    public int MaxArguments { get; init; } = 1024 * 1024;

    /// <summary>
    /// Largest command in bytes (all its arguments together). A bulk string that would pass it is refused as
    /// <see cref="MaxBulkLength"/> is. Default 64 MiB. Must be at least <see cref="MaxBulkLength"/>.
    /// </summary>
    public long MaxRequestBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Longest inline command (as telnet or <c>redis-cli</c> in inline mode sends it) or header line, in bytes; longer is
    /// refused with <c>ERR Protocol error: too big inline request</c> and the connection closed. Default 64 KiB (as Redis).
    /// </summary>
    public int MaxInlineLength { get; init; } = 64 * 1024;

    /// <summary>
    /// Most connections open at once; the next one is answered <c>ERR max number of clients reached</c> and closed, as
    /// Redis does past <c>maxclients</c>. Default 10,000 (as Redis).
    /// </summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// Most pipelined commands of one connection that may wait for their commit at once. A client that sends several
    /// commands without waiting for replies (pipelining) has them started one after another without each waiting for
    /// the previous one's durable commit, so they share group commits; past this many unanswered ones the connection
    /// reads nothing more until the oldest is answered (back-pressure). Replies keep the order of the commands either
    /// way. Default 128; 1 answers each command before starting the next. Range 1–65,536.
    /// </summary>
    public int MaxCommandsInFlight { get; init; } = 128;

    /// <summary>
    /// Most reply bytes one connection may have waiting to be sent, like Redis's <c>client-output-buffer-limit</c> for
    /// normal clients (unlimited in Redis; bounded here). Replies are handed to the transport every 64 KiB, and while a
    /// client does not read them (the transport's output is full) its connection reads and runs nothing more, so a client
    /// that pipelines many large replies without reading costs a bounded amount of memory. A single command whose reply
    /// alone passes this limit (e.g. XRANGE without COUNT over a huge stream) closes the connection, logged, as Redis
    /// closes a client past its hard limit. Replies of pipelined commands waiting for their turn add at most
    /// <see cref="MaxCommandsInFlight"/> replies. Default 64 MiB. Range 64 KiB–2 GiB.
    /// </summary>
    public long MaxOutputBufferBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of its range.</summary>
    public void Validate()
    {
        if (MaxBulkLength is < 1024 or > 512 * 1024 * 1024)
            throw new ArgumentException($"RESP MaxBulkLength {MaxBulkLength} is out of range: use 1024 to 536870912 bytes.", nameof(MaxBulkLength));
        if (MaxArguments < 16)
            throw new ArgumentException($"RESP MaxArguments {MaxArguments} is out of range: use at least 16.", nameof(MaxArguments));
        if (MaxRequestBytes < MaxBulkLength)
            throw new ArgumentException($"RESP MaxRequestBytes {MaxRequestBytes} is below MaxBulkLength {MaxBulkLength}: raise it.", nameof(MaxRequestBytes));
        if (MaxInlineLength is < 256 or > 16 * 1024 * 1024)
            throw new ArgumentException($"RESP MaxInlineLength {MaxInlineLength} is out of range: use 256 to 16777216 bytes.", nameof(MaxInlineLength));
        if (MaxConnections < 1)
            throw new ArgumentException($"RESP MaxConnections {MaxConnections} is out of range: use at least 1.", nameof(MaxConnections));
        if (MaxCommandsInFlight is < 1 or > 65_536)
            throw new ArgumentException($"RESP MaxCommandsInFlight {MaxCommandsInFlight} is out of range: use 1 to 65536.", nameof(MaxCommandsInFlight));
        if (MaxOutputBufferBytes is < 64 * 1024 or > 2L * 1024 * 1024 * 1024)
            throw new ArgumentException($"RESP MaxOutputBufferBytes {MaxOutputBufferBytes} is out of range: use 65536 to 2147483648 bytes.", nameof(MaxOutputBufferBytes));
        _ = RespEndpoint.Parse(Url);
    }
}
