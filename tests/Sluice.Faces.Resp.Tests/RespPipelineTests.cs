using static Sluice.Faces.Resp.Tests.RawClient;

namespace Sluice.Faces.Resp.Tests;

/// <summary>
/// Pipelined commands on the SQLite store (fsync on), where a write waits for its commit: commands of one write start
/// without waiting for each other's commit, yet replies keep command order and each command sees the ones before it.
/// </summary>
public sealed class RespPipelineTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-resp-pipeline-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "sluice.db");

    private Task<RespServer> StartAsync(RespOptions? options = null) => RespServer.StartAsync(options, sqlitePath: DatabasePath);

    [Fact]
    public async Task Pipeline_XAddsInOneWrite_RepliesInOrderWithIncreasingIds()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync(string.Concat(Enumerable.Range(0, 200).Select(i => Encode("XADD", "s", "*", "n", $"{i}"))));
        var ids = new List<(ulong Ms, ulong Seq)>();
        for (var i = 0; i < 200; i++)
            ids.Add(ParseId(await client.ReadReplyAsync()));
        for (var i = 1; i < ids.Count; i++)
            Assert.True(ids[i].CompareTo(ids[i - 1]) > 0, $"id {i} {ids[i]} is not above id {i - 1} {ids[i - 1]}");

        await client.SendAsync(Encode("XRANGE", "s", "-", "+", "COUNT", "1") + Encode("XREVRANGE", "s", "+", "-", "COUNT", "1") + Encode("XLEN", "s"));
        Assert.Contains($"$1\r\n0\r\n", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Contains($"$3\r\n199\r\n", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal(":200\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipeline_XAddThenReadsInSameWrite_SeeTheWrites()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync(
            Encode("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") +
            Encode("XADD", "s", "1-1", "f", "a") +
            Encode("XADD", "s", "1-2", "f", "b") +
            Encode("XLEN", "s") +
            Encode("XRANGE", "s", "-", "+") +
            Encode("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "s", ">") +
            Encode("XACK", "s", "g", "1-1") +
            Encode("XPENDING", "s", "g") +
            Encode("XADD", "s", "1-3", "f", "c") +
            Encode("XREVRANGE", "s", "+", "-", "COUNT", "1") +
            Encode("XREAD", "COUNT", "1", "STREAMS", "s", "1-2"));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-2\r\n", await client.ReadReplyAsync());
        Assert.Equal(":2\r\n", await client.ReadReplyAsync());
        const string TwoEntries = "*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\na\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nb\r\n";
        Assert.Equal(TwoEntries, await client.ReadReplyAsync());
        Assert.Equal("*1\r\n*2\r\n$1\r\ns\r\n" + TwoEntries, await client.ReadReplyAsync());
        Assert.Equal(":1\r\n", await client.ReadReplyAsync());
        Assert.Equal("*4\r\n:1\r\n$3\r\n1-2\r\n$3\r\n1-2\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-3\r\n", await client.ReadReplyAsync());
        Assert.Equal("*1\r\n*2\r\n$3\r\n1-3\r\n*2\r\n$1\r\nf\r\n$1\r\nc\r\n", await client.ReadReplyAsync());
        Assert.Equal("*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-3\r\n*2\r\n$1\r\nf\r\n$1\r\nc\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipeline_GroupReadOfSeveralStreamsThenXAdd_ReadDoesNotSeeTheLaterAppend()
    {
        // A group read of several streams checks every group before it reads: the append behind it must not run in between.
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync(
            Encode("XGROUP", "CREATE", "a", "g", "$", "MKSTREAM") +
            Encode("XGROUP", "CREATE", "b", "g", "$", "MKSTREAM") +
            Encode("XADD", "a", "1-1", "f", "v") +
            Encode("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "a", "b", ">", ">") +
            Encode("XADD", "b", "1-1", "f", "late"));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
        Assert.Equal("*1\r\n*2\r\n$1\r\na\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipeline_ErrorsInTheMiddle_OtherCommandsUnaffected()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync(
            Encode("XADD", "s", "1-1", "f", "a") +
            Encode("XADD", "s", "1-1", "f", "again") +
            Encode("XADD", "s", "1-2") +
            Encode("XACK", "s", "nogroup", "1-1") +
            Encode("XREADGROUP", "GROUP", "nogroup", "c", "STREAMS", "s", ">") +
            Encode("NOSUCHCOMMAND") +
            Encode("XADD", "s", "1-2", "f", "b") +
            Encode("XLEN", "s"));
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
        Assert.StartsWith("-ERR The ID specified in XADD is equal or smaller", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal("-ERR wrong number of arguments for 'xadd' command\r\n", await client.ReadReplyAsync());
        Assert.Equal(":0\r\n", await client.ReadReplyAsync());
        Assert.StartsWith("-NOGROUP ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("-ERR unknown command 'NOSUCHCOMMAND'", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal("$3\r\n1-2\r\n", await client.ReadReplyAsync());
        Assert.Equal(":2\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipeline_WithMultiExecAndBlockingRead_KeepsOrderAndHoldsBackLaterCommands()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        using var other = await server.ConnectRawAsync();
        await client.SendAsync(
            Encode("XGROUP", "CREATE", "b", "g", "$", "MKSTREAM") +
            Encode("XADD", "a", "1-1", "f", "v") +
            Encode("MULTI") +
            Encode("XADD", "a", "1-2", "f", "v") +
            Encode("XLEN", "a") +
            Encode("EXEC") +
            Encode("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "b", ">") +
            Encode("XADD", "a", "1-3", "f", "v") +
            Encode("XLEN", "a"));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("+QUEUED\r\n", await client.ReadReplyAsync());
        Assert.Equal("+QUEUED\r\n", await client.ReadReplyAsync());
        Assert.Equal("*2\r\n$3\r\n1-2\r\n:2\r\n", await client.ReadReplyAsync());

        // The read blocks (b has nothing new) and the commands behind it have not run.
        await other.SendCommandAsync("XLEN", "a");
        Assert.Equal(":2\r\n", await other.ReadReplyAsync());
        await other.SendCommandAsync("XADD", "b", "5-1", "x", "y");
        Assert.Equal("$3\r\n5-1\r\n", await other.ReadReplyAsync());

        Assert.Equal("*1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-3\r\n", await client.ReadReplyAsync());
        Assert.Equal(":3\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipeline_BlockingReadWithKeywordNames_StillHoldsBackLaterCommands()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        using var other = await server.ConnectRawAsync();
        await client.SendAsync(
            Encode("XGROUP", "CREATE", "b", "STREAMS", "$", "MKSTREAM") +
            Encode("XREADGROUP", "GROUP", "STREAMS", "BLOCK", "BLOCK", "0", "STREAMS", "b", ">") +
            Encode("XADD", "a", "1-1", "f", "v"));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());

        await other.SendCommandAsync("XLEN", "a");
        Assert.Equal(":0\r\n", await other.ReadReplyAsync());
        await other.SendCommandAsync("XADD", "b", "5-1", "x", "y");
        Assert.Equal("$3\r\n5-1\r\n", await other.ReadReplyAsync());

        Assert.StartsWith("*1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n5-1\r\n", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Pipeline_MoreCommandsThanMaxInFlight_AllAnsweredInOrder(int maxInFlight)
    {
        await using var server = await StartAsync(new RespOptions { MaxCommandsInFlight = maxInFlight });
        using var client = await server.ConnectRawAsync();
        await client.SendAsync(string.Concat(Enumerable.Range(1, 50).Select(i => Encode("XADD", "s", $"1-{i}", "f", "v"))) + Encode("XLEN", "s"));
        for (var i = 1; i <= 50; i++)
            Assert.Equal($"${2 + $"{i}".Length}\r\n1-{i}\r\n", await client.ReadReplyAsync());
        Assert.Equal(":50\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipeline_ClientDisconnectsMidPipeline_EveryAnsweredXAddSurvivesRestart()
    {
        var answered = new List<string>();
        await using (var server = await StartAsync())
        {
            using (var client = await server.ConnectRawAsync())
            {
                var value = new string('v', 512);
                await client.SendAsync(string.Concat(Enumerable.Range(0, 2000).Select(i => Encode("XADD", "s", "*", "n", $"{i}", "body", value))));
                for (var i = 0; i < 5; i++)
                {
                    var reply = await client.ReadReplyAsync();
                    Assert.StartsWith("$", reply, StringComparison.Ordinal);
                    answered.Add(reply.Split("\r\n")[1]);
                }
            } // closed with commands still unanswered

            // The server lives on: another connection works.
            using var next = await server.ConnectRawAsync();
            await next.SendCommandAsync("PING");
            Assert.Equal("+PONG\r\n", await next.ReadReplyAsync());
        }

        await using (var restarted = await StartAsync())
        {
            using var client = await restarted.ConnectRawAsync();
            foreach (var id in answered)
            {
                await client.SendCommandAsync("XRANGE", "s", id, id);
                Assert.StartsWith($"*1\r\n*2\r\n${id.Length}\r\n{id}\r\n", await client.ReadReplyAsync(), StringComparison.Ordinal);
            }
            await client.SendCommandAsync("XLEN", "s");
            var length = long.Parse((await client.ReadReplyAsync())[1..^2], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(length, answered.Count, 2000);
        }
    }

    private static (ulong Ms, ulong Seq) ParseId(string reply)
    {
        Assert.StartsWith("$", reply, StringComparison.Ordinal);
        var id = reply.Split("\r\n")[1].Split('-');
        return (ulong.Parse(id[0], System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(id[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
