using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Cli.Tests;

/// <summary>
/// The connection flood of issue 11, against a real <c>sluice serve</c> whose descriptor limit is lowered to 512
/// (<c>prlimit</c>; a web host holds some 230 descriptors before its first connection): about 1,200 idle TCP connections to the HTTP, gRPC and RESP ports leave the server alive, serving
/// the client it already had, its memory bounded and its CPU not spinning on <c>accept</c>; once the flood closes, new
/// clients connect again.
/// </summary>
public sealed partial class ConnectionFloodTests : IDisposable
{
    private const int DescriptorLimit = 512;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "sluice-flood-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task IdleConnectionFlood_UnderLowDescriptorLimit_ServerStaysUpAndServesItsClient()
    {
        Assert.True(File.Exists("/usr/bin/prlimit") || File.Exists("/bin/prlimit"), "prlimit (util-linux) is needed to lower the server's descriptor limit");
        var respPort = ServerProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(_dataDirectory, null, ["prlimit", $"--nofile={DescriptorLimit}:{DescriptorLimit}", "--"],
            "--store", "memory", "--no-auth", "--resp-url", $"tcp://127.0.0.1:{respPort}");
        Assert.Equal(DescriptorLimit.ToString(CultureInfo.InvariantCulture), SoftDescriptorLimit(server.Pid));
        var grpcPort = await GrpcPortAsync(server);

        // The client that is there before the flood: one kept-alive connection.
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        await RoundTripAsync(client, "before");
        var rssBefore = RssKiB(server.Pid);

        var flood = new List<Socket>();
        try
        {
            await OpenIdleAsync(flood, server.Address.Port, 1000);
            await OpenIdleAsync(flood, grpcPort, 100);
            await OpenIdleAsync(flood, respPort, 100);

            // CPU over a measuring window after the flood arrived (a window to measure, not a wait for an event): a
            // server spinning on accept burns a whole core in it.
            var cpuBefore = CpuTicks(server.Pid);
            var window = Stopwatch.StartNew();
            for (var i = 0; i < 5; i++)
            {
                await RoundTripAsync(client, $"during-{i}");
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
            var seconds = window.Elapsed.TotalSeconds;
            var busy = (CpuTicks(server.Pid) - cpuBefore) / 100.0;
            Assert.False(server.HasExited, $"the server exited during the flood:\n{server.Output}");
            Assert.True(busy < seconds * 0.5, $"the server used {busy:F2} s of CPU in {seconds:F2} s with the flood idle (a spin?)");

            var rssAfter = RssKiB(server.Pid);
            Assert.True(rssAfter - rssBefore < 150 * 1024, $"RSS grew from {rssBefore} KiB to {rssAfter} KiB during the flood");
        }
        finally
        {
            foreach (var socket in flood)
            {
                socket.Dispose();
            }
        }

        // New clients connect again once the flood is gone (polled: the server notices the closes as they arrive).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                using var fresh = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(5) };
                await RoundTripAsync(fresh, "after");
                Assert.Equal("+PONG\r\n", await RespPingAsync(respPort));
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException or IOException && !timeout.IsCancellationRequested)
            {
                await Task.Yield();
            }
        }

        Assert.False(server.HasExited);
    }

    /// <summary>Creates a queue of its own, publishes <paramref name="body"/> and receives it.</summary>
    private static async Task RoundTripAsync(HttpClient client, string body)
    {
        var queue = "flood-" + Guid.NewGuid().ToString("N")[..12];
        using (var created = await client.PostAsync("/v1/queues", Json($$"""{"name":"{{queue}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var published = await client.PostAsync($"/v1/queues/{queue}/messages", Json($$"""{"body":"{{body}}"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        }

        using var received = await client.PostAsync($"/v1/queues/{queue}/messages/receive", Json("""{"maxMessages":1,"waitTimeSeconds":0}"""));
        Assert.Equal(HttpStatusCode.OK, received.StatusCode);
        Assert.Contains(body, await received.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Opens <paramref name="count"/> TCP connections that send nothing (connects the kernel refuses or times out are counted, not fatal).</summary>
    private static async Task OpenIdleAsync(List<Socket> sockets, int port, int count)
    {
        for (var batch = 0; batch < count; batch += 100)
        {
            var tasks = Enumerable.Range(0, Math.Min(100, count - batch)).Select(async _ =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    // Refused or dropped by a full backlog: still a connection attempt the server had to survive.
                }

                return socket;
            });
            sockets.AddRange(await Task.WhenAll(tasks));
        }
    }

    private static async Task<string> RespPingAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n"));
        var buffer = new byte[64];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static async Task<int> GrpcPortAsync(ServerProcess server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (GrpcListening().Match(server.Output) is { Success: true } match)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            Assert.False(timeout.IsCancellationRequested, $"no gRPC address in the output:\n{server.Output}");
            await Task.Yield();
        }
    }

    [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)/? \(gRPC")]
    private static partial Regex GrpcListening();

    private static string SoftDescriptorLimit(int pid) =>
        File.ReadLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];

    private static long RssKiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>utime + stime of the process, in clock ticks (100 a second on Linux).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which is in parentheses and may hold spaces): state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
