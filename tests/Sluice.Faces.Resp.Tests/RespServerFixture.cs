using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Hosting;
using Sluice.Storage.Sqlite;

namespace Sluice.Faces.Resp.Tests;

/// <summary>A real Sluice host (in-memory store, or SQLite with fsync on) with the RESP face on a free loopback port.</summary>
public sealed class RespServer : IAsyncDisposable
{
    private readonly IHost _host;

    private RespServer(IHost host, IPEndPoint endPoint)
    {
        _host = host;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Starts a host; with <paramref name="sqlitePath"/>, on the SQLite store at that path (fsync on, its default); with
    /// <paramref name="services"/>, services added after Sluice's (an authentication test's credential store).
    /// </summary>
    public static async Task<RespServer> StartAsync(RespOptions? options = null, TimeProvider? time = null, string? sqlitePath = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (time is not null)
            builder.Services.AddSingleton(time);
        builder.Services.AddSluice(b => (sqlitePath is null ? b.UseInMemory() : b.UseSqlite(sqlitePath)).UseResp((options ?? new RespOptions()) with { Enabled = true, Url = "tcp://127.0.0.1:0" }));
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new RespServer(host, host.Services.GetRequiredService<RespHost>().EndPoint!);
    }

    /// <summary>A raw TCP client for byte-level tests.</summary>
    public async Task<RawClient> ConnectRawAsync()
    {
        var socket = new TcpClient();
        await socket.ConnectAsync(EndPoint);
        return new RawClient(socket);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>Sends bytes and reads whole replies (by RESP framing) with a timeout that fails the test instead of hanging.</summary>
public sealed class RawClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _pending = new();

    public RawClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The connection's byte stream, for reading raw bytes.</summary>
    public Stream Stream => _stream;

    /// <summary>Shuts down the sending side (a half-close, as <c>nc -N</c> does after its input); replies can still be read.</summary>
    public void ShutdownSend() => _client.Client.Shutdown(SocketShutdown.Send);

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends a command as an array of bulk strings.</summary>
    public Task SendCommandAsync(params string[] args) => SendAsync(Encode(args));

    /// <summary>A command as RESP: an array of bulk strings (concatenate several to pipeline them in one write).</summary>
    public static string Encode(params string[] args)
    {
        var text = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
            text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        return text.ToString();
    }

    /// <summary>Reads exactly one complete reply (nested arrays included) and returns its raw text.</summary>
    public async Task<string> ReadReplyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var bytes = _pending.ToArray();
            var length = ReplyLength(bytes, 0);
            if (length > 0)
            {
                _pending.SetLength(0);
                _pending.Write(bytes, length, bytes.Length - length);
                return Encoding.UTF8.GetString(bytes, 0, length);
            }
            var buffer = new byte[4096];
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
                return bytes.Length == 0 ? "<closed>" : Encoding.UTF8.GetString(bytes) + "<closed>";
            _pending.Write(buffer, 0, read);
        }
    }

    /// <summary>Whether the server closed the connection (reads until end of stream).</summary>
    public async Task<bool> IsClosedAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Length of the complete reply starting at <paramref name="at"/>, or 0 when incomplete.</summary>
    private static int ReplyLength(byte[] b, int at)
    {
        var end = Array.IndexOf(b, (byte)'\n', at);
        if (end < 0)
            return 0;
        var line = Encoding.UTF8.GetString(b, at + 1, end - at - 2);
        switch ((char)b[at])
        {
            case '$' or '=':
                var n = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
                if (n < 0)
                    return end + 1 - at;
                return b.Length >= end + 1 + n + 2 ? end + 1 + n + 2 - at : 0;
            case '*' or '~' or '%':
                var count = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
                if (b[at] == '%')
                    count *= 2;
                var pos = end + 1;
                for (var i = 0; i < count; i++)
                {
                    var len = ReplyLength(b, pos);
                    if (len == 0)
                        return 0;
                    pos += len;
                }
                return pos - at;
            default:
                return end + 1 - at;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
