using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Faces.Resp.Tests;

/// <summary>A real <c>redis-server</c> (Debian's) on a free loopback port, without persistence, for byte-for-byte comparisons.</summary>
public sealed class RealRedis : IDisposable
{
    private readonly Process _process;

    private RealRedis(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public static async Task<RealRedis> StartAsync()
    {
        const string program = "/usr/bin/redis-server";
        if (!File.Exists(program))
            throw new InvalidOperationException($"{program} is missing: install Debian's redis-server (./test.sh does)");
        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo(program,
            $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --daemonize no --loglevel notice")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        // Ready once it logs so (notice level); give up when it exits first.
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep draining so the pipe never fills
                return new RealRedis(process, port);
            }
        }
        throw new InvalidOperationException($"redis-server exited early: {await process.StandardError.ReadToEndAsync()}");
    }

    public async Task<RawClient> ConnectRawAsync()
    {
        var socket = new TcpClient();
        await socket.ConnectAsync(EndPoint);
        return new RawClient(socket);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
