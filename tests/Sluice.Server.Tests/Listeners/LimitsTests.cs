using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Faces.Resp;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Listeners;

/// <summary>Connection and header limits of the listeners (real Kestrel on 127.0.0.1, raw sockets and HttpClient).</summary>
public sealed class LimitsTests
{
    [Fact]
    public async Task MaxConnectionsPerClient_ExcessConnectionClosedAtOnce_OthersServed_FreedSlotReused()
    {
        var options = TestCertificates.ServerOptions() with { Limits = new LimitsOptions { MaxConnectionsPerClient = 2 } };
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        var port = server.HttpAddress.Port;

        // Each of the first two is served (so counted) before the next connects.
        using var first = await ConnectAsync(port);
        Assert.StartsWith("HTTP/1.1 200", await GetHealthAsync(first), StringComparison.Ordinal);
        using var second = await ConnectAsync(port);
        Assert.StartsWith("HTTP/1.1 200", await GetHealthAsync(second), StringComparison.Ordinal);

        using (var third = await ConnectAsync(port))
        {
            Assert.Equal("", await GetHealthAsync(third));
        }

        // The two admitted connections keep being served.
        Assert.StartsWith("HTTP/1.1 200", await GetHealthAsync(first), StringComparison.Ordinal);

        // Once one closes, a new connection is served again (polled: the server counts the close when it sees it).
        first.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var next = await ConnectAsync(port);
            if ((await GetHealthAsync(next)).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                break;
            }

            Assert.False(timeout.IsCancellationRequested, "a freed connection slot was not reused within 30 s");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task MaxConnectionsPerClient_AppliesToRespListener()
    {
        var options = TestCertificates.ServerOptions() with
        {
            Limits = new LimitsOptions { MaxConnectionsPerClient = 1 },
            Resp = new RespOptions { Enabled = true, Url = "tcp://127.0.0.1:0" },
        };
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        var port = server.RespAddress!.Port;
        using var first = await ConnectAsync(port);
        Assert.Equal("+PONG\r\n", await SendAsync(first, "*1\r\n$4\r\nPING\r\n"));
        using var second = await ConnectAsync(port);
        Assert.Equal("", await SendAsync(second, "*1\r\n$4\r\nPING\r\n"));
        Assert.Equal("+PONG\r\n", await SendAsync(first, "*1\r\n$4\r\nPING\r\n"));
    }

    [Fact]
    public async Task MaxRequestHeaderCount_MoreHeaders_Answered431()
    {
        var options = TestCertificates.ServerOptions() with { Limits = new LimitsOptions { MaxRequestHeaderCount = 10 } };
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.HttpAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        for (var i = 0; i < 20; i++)
        {
            request.Headers.Add($"x-extra-{i}", "1");
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        using var plain = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task MaxRequestHeadersTotalSize_LargerHeaders_Answered431()
    {
        var options = TestCertificates.ServerOptions() with { Limits = new LimitsOptions { MaxRequestHeadersTotalSize = 2048 } };
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.HttpAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("x-large", new string('a', 4096));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task MaxConnections_Default_DerivedBelowDescriptorLimit()
    {
        await using var server = new SluiceServer(TestCertificates.ServerOptions(), NullLoggerFactory.Instance);
        await server.StartAsync();
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var limit = long.Parse(File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], System.Globalization.CultureInfo.InvariantCulture);
        var perListener = Assert.NotNull(server.ConnectionsPerListener);
        // Two listeners (HTTP, gRPC) share what the descriptors already open and the reserve leave.
        Assert.InRange(perListener * 2, 1, limit - LimitsOptions.ReservedDescriptors - (limit / 10) - 1);
    }

    [Fact]
    public async Task MaxConnections_Configured_SharedAmongListeners()
    {
        var options = TestCertificates.ServerOptions() with { Limits = new LimitsOptions { MaxConnections = 90 } };
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        Assert.Equal(45, server.ConnectionsPerListener);
    }

    [Fact]
    public async Task MaxConnections_AboveDescriptorBudget_RefusedAtStartNamingSetting()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var options = TestCertificates.ServerOptions() with { Limits = new LimitsOptions { MaxConnections = int.MaxValue } };
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => server.StartAsync());
        Assert.StartsWith("setting Sluice:Limits:MaxConnections", ex.Message, StringComparison.Ordinal);
        Assert.Contains("descriptor limit", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxConnections", 0)]
    [InlineData("MaxConnectionsPerClient", 0)]
    [InlineData("MaxRequestHeadersTotalSize", 100)]
    [InlineData("MaxRequestHeaderCount", 1)]
    public void Validate_OutOfRange_NamesTheSetting(string setting, int value)
    {
        var limits = setting switch
        {
            "MaxConnections" => new LimitsOptions { MaxConnections = value },
            "MaxConnectionsPerClient" => new LimitsOptions { MaxConnectionsPerClient = value },
            "MaxRequestHeadersTotalSize" => new LimitsOptions { MaxRequestHeadersTotalSize = value },
            _ => new LimitsOptions { MaxRequestHeaderCount = value },
        };
        var ex = Assert.Throws<ArgumentException>(() => (TestCertificates.ServerOptions() with { Limits = limits }).Validate());
        Assert.StartsWith($"setting Sluice:Limits:{setting} {value}", ex.Message, StringComparison.Ordinal);
        Assert.Equal($"Sluice:Limits:{setting}", ex.ParamName);
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    private static Task<string> GetHealthAsync(Socket socket) => SendAsync(socket, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");

    /// <summary>Sends <paramref name="request"/> and returns what comes back in one read ("" when the server closed the connection).</summary>
    private static async Task<string> SendAsync(Socket socket, string request)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token);
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (SocketException)
        {
            return "";
        }
    }
}
