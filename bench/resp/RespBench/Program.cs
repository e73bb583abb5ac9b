// XADD and XREADGROUP + XACK throughput over RESP with pipelining, the same client code against every endpoint, runs
// interleaved (run 1 of every endpoint, then run 2, ...). Not a test: it prints numbers. Raw sockets, so the client
// is the same for Sluice and Redis and costs little CPU.
//   resp-bench [--xadds N] [--depths "16 64"] [--connections C] [--entries M] [--count K] [--consumers C]
//              [--runs R] [--value-bytes B] name=host:port ...
// The first endpoint is the one every ratio is quoted for (ratio = first / other).
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

var xadds = 20_000;
var depths = new[] { 16, 64 };
var connections = 4;
var entries = 20_000;
var count = 256;
var consumers = 4;
var runs = 3;
var valueBytes = 1024;
var endpoints = new List<(string Name, string Host, int Port)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--xadds": xadds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--depths": depths = [.. args[++i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(d => int.Parse(d, CultureInfo.InvariantCulture))]; break;
        case "--connections": connections = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--entries": entries = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--consumers": consumers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--value-bytes": valueBytes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            var eq = args[i].IndexOf('=', StringComparison.Ordinal);
            var colon = args[i].LastIndexOf(':');
            if (eq < 1 || colon < eq)
                throw new ArgumentException($"expected name=host:port, got '{args[i]}'");
            endpoints.Add((args[i][..eq], args[i][(eq + 1)..colon], int.Parse(args[i][(colon + 1)..], CultureInfo.InvariantCulture)));
            break;
    }
}
if (endpoints.Count == 0)
    throw new ArgumentException("name at least one endpoint: name=host:port");

var value = new string('x', valueBytes);
var workloads = depths.Select(d => ($"XADD -P {d}, {connections} conns, {valueBytes} B", (Func<(string, string, int), int, Task<double>>)((e, run) => XAddAsync(e, run, d))))
    .Append(($"XREADGROUP COUNT {count} + XACK, {consumers} consumers, {entries} entries", (e, run) => ConsumeAsync(e, run)))
    .ToList();
var results = new Dictionary<(string Workload, string Endpoint), List<double>>();

Console.WriteLine($"# {xadds} XADDs per run over {connections} connections; consume: {entries} pre-filled entries; {runs} runs, interleaved");
for (var run = 1; run <= runs; run++)
{
    foreach (var (workload, measure) in workloads)
    {
        foreach (var endpoint in endpoints)
        {
            var rate = await measure(endpoint, run);
            results.TryAdd((workload, endpoint.Name), []);
            results[(workload, endpoint.Name)].Add(rate);
            Console.WriteLine($"run {run}  {workload,-55} {endpoint.Name,-16} {rate,10:N0} /s");
        }
    }
}

Console.WriteLine();
Console.WriteLine($"| workload | endpoint | median /s | runs | {endpoints[0].Name} / endpoint |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (workload, _) in workloads)
{
    var baseline = Median(results[(workload, endpoints[0].Name)]);
    foreach (var endpoint in endpoints)
    {
        var list = results[(workload, endpoint.Name)];
        var median = Median(list);
        Console.WriteLine($"| {workload} | {endpoint.Name} | {median:N0} | {string.Join(" / ", list.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} | {baseline / median:0.00} |");
    }
}
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

// XADD key * f <value>, `depth` commands per write, each connection waiting for its whole batch before the next.
async Task<double> XAddAsync((string Name, string Host, int Port) endpoint, int run, int depth)
{
    var key = $"bench-xadd-{depth}-{run}";
    var conns = new List<RespConnection>();
    for (var c = 0; c < connections; c++)
        conns.Add(await RespConnection.OpenAsync(endpoint.Host, endpoint.Port));
    var one = Resp.Encode("XADD", key, "*", "f", value);
    var batch = new byte[one.Length * depth];
    for (var i = 0; i < depth; i++)
        one.CopyTo(batch, i * one.Length);
    var perConnection = xadds / connections;
    var errors = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(conns.Select(async conn =>
    {
        for (var left = perConnection; left > 0;)
        {
            var n = Math.Min(depth, left);
            await conn.SendAsync(batch.AsMemory(0, n * one.Length));
            for (var i = 0; i < n; i++)
            {
                if (await conn.ReadAsync() is Resp.Error)
                    Interlocked.Increment(ref errors);
            }
            left -= n;
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    await conns[0].CommandAsync("DEL", key);
    foreach (var conn in conns)
        conn.Dispose();
    if (errors > 0)
        Console.WriteLine($"# {endpoint.Name}: {errors} XADD errors");
    return perConnection * connections / elapsed;
}

// Pre-fill (untimed), then consumers loop: XREADGROUP COUNT n STREAMS key > ; XACK of what was read is sent in the
// same write as the next XREADGROUP. Rate: entries read and acknowledged per second.
async Task<double> ConsumeAsync((string Name, string Host, int Port) endpoint, int run)
{
    var key = $"bench-consume-{run}";
    using (var fill = await RespConnection.OpenAsync(endpoint.Host, endpoint.Port))
    {
        await fill.CommandAsync("DEL", key);
        var one = Resp.Encode("XADD", key, "*", "f", value);
        const int Depth = 64;
        var batch = new byte[one.Length * Depth];
        for (var i = 0; i < Depth; i++)
            one.CopyTo(batch, i * one.Length);
        for (var left = entries; left > 0; left -= Depth)
        {
            var n = Math.Min(Depth, left);
            await fill.SendAsync(batch.AsMemory(0, n * one.Length));
            for (var i = 0; i < n; i++)
                await fill.ReadAsync();
        }
        await fill.CommandAsync("XGROUP", "CREATE", key, "g", "0");
    }

    var conns = new List<RespConnection>();
    for (var c = 0; c < consumers; c++)
        conns.Add(await RespConnection.OpenAsync(endpoint.Host, endpoint.Port));
    long acked = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(conns.Select(async (conn, c) =>
    {
        var read = Resp.Encode("XREADGROUP", "GROUP", "g", $"c{c}", "COUNT", count.ToString(CultureInfo.InvariantCulture), "STREAMS", key, ">");
        await conn.SendAsync(read);
        while (true)
        {
            var ids = Resp.EntryIds(await conn.ReadAsync());
            if (ids.Count == 0)
                break;
            var ack = Resp.Encode(["XACK", key, "g", .. ids]);
            var both = new byte[ack.Length + read.Length];
            ack.CopyTo(both, 0);
            read.CopyTo(both, ack.Length);
            await conn.SendAsync(both);
            if (await conn.ReadAsync() is long n)
                Interlocked.Add(ref acked, n);
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    await conns[0].CommandAsync("DEL", key);
    foreach (var conn in conns)
        conn.Dispose();
    if (acked != entries)
        Console.WriteLine($"# {endpoint.Name}: acknowledged {acked} of {entries}");
    return acked / elapsed;
}

/// <summary>RESP encoding and the few reply shapes the benchmark reads.</summary>
internal static class Resp
{
    public sealed record Error(string Text);

    public static byte[] Encode(params string[] parts)
    {
        var text = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts)
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The entry ids of an XREADGROUP reply (RESP2: [[key, [[id, fields], ...]], ...]; null: none).</summary>
    public static List<string> EntryIds(object? reply)
    {
        var ids = new List<string>();
        if (reply is Error e)
            throw new InvalidOperationException(e.Text);
        if (reply is object?[] streams)
        {
            foreach (var stream in streams.Cast<object?[]>())
            {
                foreach (var entry in ((object?[])stream[1]!).Cast<object?[]>())
                    ids.Add((string)entry[0]!);
            }
        }
        return ids;
    }
}

/// <summary>One connection: writes bytes, reads whole RESP2 replies from a buffer.</summary>
internal sealed class RespConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;

    private RespConnection(Socket socket) => _socket = socket;

    public static async Task<RespConnection> OpenAsync(string host, int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port);
        return new RespConnection(socket);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }

    public async Task<object?> CommandAsync(params string[] parts)
    {
        await SendAsync(Resp.Encode(parts));
        return await ReadAsync();
    }

    /// <summary>Reads one reply: string, long, byte-string as string, object?[] for arrays, null, or <see cref="Resp.Error"/>.</summary>
    public async Task<object?> ReadAsync()
    {
        while (true)
        {
            var at = _start;
            if (TryParse(ref at, out var reply))
            {
                _start = at;
                return reply;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
                Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
            if (read == 0)
                throw new IOException("the server closed the connection");
            _end += read;
        }
    }

    private bool TryParse(ref int at, out object? reply)
    {
        reply = null;
        var line = Array.IndexOf(_buffer, (byte)'\n', at, _end - at);
        if (line < 0)
            return false;
        var type = _buffer[at];
        var text = Encoding.ASCII.GetString(_buffer, at + 1, line - at - 2);
        var next = line + 1;
        switch (type)
        {
            case (byte)'+':
                reply = text;
                break;
            case (byte)'-':
                reply = new Resp.Error(text);
                break;
            case (byte)':':
                reply = long.Parse(text, CultureInfo.InvariantCulture);
                break;
            case (byte)'$':
                var length = int.Parse(text, CultureInfo.InvariantCulture);
                if (length >= 0)
                {
                    if (_end - next < length + 2)
                        return false;
                    reply = Encoding.UTF8.GetString(_buffer, next, length);
                    next += length + 2;
                }
                break;
            case (byte)'*':
                var n = int.Parse(text, CultureInfo.InvariantCulture);
                if (n >= 0)
                {
                    var items = new object?[n];
                    for (var i = 0; i < n; i++)
                    {
                        if (!TryParse(ref next, out items[i]))
                            return false;
                    }
                    reply = items;
                }
                break;
            default:
                throw new InvalidDataException($"unexpected reply type '{(char)type}'");
        }
        at = next;
        return true;
    }

    public void Dispose() => _socket.Dispose();
}
