using System.Buffers;
namespace Sluice.Faces.Resp.Tests;

/// <summary>Connection, protocol and transaction behaviour over real TCP, byte for byte.</summary>
public class RespConnectionTests
{
    [Fact]
    public async Task Ping_PipelinedWithEcho_RepliesInOrder()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING hello\r\n");
        Assert.Equal("+PONG\r\n", await client.ReadReplyAsync());
        Assert.Equal("$2\r\nhi\r\n", await client.ReadReplyAsync());
        Assert.Equal("$5\r\nhello\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task UnknownCommand_RepliesRedisText()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("FOO", "a", "b");
        Assert.Equal("-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN");
        Assert.Equal("-ERR wrong number of arguments for 'xlen' command\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("CLIENT", "SETNAME");
        Assert.Equal("-ERR wrong number of arguments for 'client|setname' command\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("SELECT", "1");
        Assert.Equal("-ERR DB index is out of range\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("SELECT", "0");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task OneGibibyteBulkHeader_RefusedAndDisconnected()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync("*2\r\n$4\r\nECHO\r\n$1073741824\r\n");
        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task HugeMultibulkHeader_RefusedAndDisconnected()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync("*2147483648\r\n");
        Assert.Equal("-ERR Protocol error: invalid multibulk length\r\n", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Password_CommandsBeforeAuth_RefusedWithNoAuth()
    {
        await using var server = await RespServer.StartAsync(new RespOptions { Password = "s3cret" });
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("XLEN", "orders");
        Assert.Equal("-NOAUTH Authentication required.\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("AUTH", "wrong");
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("AUTH", "someone", "s3cret");
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("AUTH", "default", "s3cret");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", "orders");
        Assert.Equal(":0\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Auth_BigArgumentInTheSameWrite_ParsedWithAuthenticatedLimits()
    {
        await using var server = await RespServer.StartAsync(new RespOptions { Password = "sekret" });
        using var client = await server.ConnectRawAsync();
        var big = new string('v', 20 * 1024);
        await client.SendAsync(RawClient.Encode("AUTH", "sekret") + RawClient.Encode("XADD", "s", "1-1", "f", big) + RawClient.Encode("XLEN", "s"));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
        Assert.Equal(":1\r\n", await client.ReadReplyAsync());

        // Still unauthenticated when the big argument comes: refused as Redis does.
        using var other = await server.ConnectRawAsync();
        await other.SendAsync(RawClient.Encode("AUTH", "wrong") + RawClient.Encode("XADD", "s", "2-1", "f", big));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await other.ReadReplyAsync());
        Assert.Equal("-ERR Protocol error: unauthenticated bulk length\r\n", await other.ReadReplyAsync());
        Assert.True(await other.IsClosedAsync());
    }

    [Fact]
    public async Task Auth_WithoutConfiguredPassword_RepliesRedisText()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("AUTH", "x");
        Assert.Equal("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
            await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Hello3_WithAuthAndSetName_SwitchesToResp3()
    {
        await using var server = await RespServer.StartAsync(new RespOptions { Password = "pw" });
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("HELLO", "3");
        Assert.StartsWith("-NOAUTH HELLO must be called with the client already authenticated", await client.ReadReplyAsync());
        await client.SendCommandAsync("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "worker");
        var hello = await client.ReadReplyAsync();
        Assert.StartsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:", hello);
        await client.SendCommandAsync("CLIENT", "GETNAME");
        Assert.Equal("$6\r\nworker\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XADD", "s", "NOMKSTREAM", "*", "f", "v");
        Assert.Equal("_\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("HELLO", "4");
        Assert.Equal("-NOPROTO unsupported protocol version\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Multi_QueuesAndExecs_WithRedisReplies()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("MULTI");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("MULTI");
        Assert.Equal("-ERR MULTI calls can not be nested\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XADD", "t", "1-1", "a", "1");
        Assert.Equal("+QUEUED\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", "t");
        Assert.Equal("+QUEUED\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("EXEC");
        Assert.Equal("*2\r\n$3\r\n1-1\r\n:1\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("EXEC");
        Assert.Equal("-ERR EXEC without MULTI\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("DISCARD");
        Assert.Equal("-ERR DISCARD without MULTI\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Multi_ErrorWhileQueueing_ExecAbortsAndChangesNothing()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("MULTI");
        await client.ReadReplyAsync();
        await client.SendCommandAsync("XADD", "t", "1-1", "a", "1");
        Assert.Equal("+QUEUED\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("NOPE");
        Assert.StartsWith("-ERR unknown command 'NOPE'", await client.ReadReplyAsync());
        await client.SendCommandAsync("EXEC");
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", "t");
        Assert.Equal(":0\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Watch_KeyWrittenByOtherConnection_ExecReturnsNull()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        using var other = await server.ConnectRawAsync();
        await client.SendCommandAsync("WATCH", "t");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await other.SendCommandAsync("XADD", "t", "*", "a", "1");
        await other.ReadReplyAsync();
        await client.SendCommandAsync("MULTI");
        await client.ReadReplyAsync();
        await client.SendCommandAsync("XADD", "t", "*", "a", "2");
        await client.ReadReplyAsync();
        await client.SendCommandAsync("EXEC");
        Assert.Equal("*-1\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", "t");
        Assert.Equal(":1\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Quit_RepliesOkAndCloses()
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendAsync("QUIT\r\nPING\r\n");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task MaxConnections_Exceeded_RepliesRedisTextAndCloses()
    {
        await using var server = await RespServer.StartAsync(new RespOptions { MaxConnections = 1 });
        using var first = await server.ConnectRawAsync();
        await first.SendCommandAsync("PING");
        Assert.Equal("+PONG\r\n", await first.ReadReplyAsync());
        using var second = await server.ConnectRawAsync();
        Assert.Equal("-ERR max number of clients reached\r\n", await second.ReadReplyAsync());
    }

    [Fact]
    public async Task BlockingXRead_WokenByOtherConnectionsXAdd_ShowsInBlockedClients()
    {
        await using var server = await RespServer.StartAsync();
        using var reader = await server.ConnectRawAsync();
        using var writer = await server.ConnectRawAsync();
        await reader.SendCommandAsync("XREAD", "BLOCK", "0", "STREAMS", "orders", "$");
        // INFO shows the blocked reader once the broker registered it; poll INFO (no sleeps) until it does.
        string info;
        do
        {
            await writer.SendCommandAsync("INFO", "clients");
            info = await writer.ReadReplyAsync();
        }
        while (!info.Contains("blocked_clients:1", StringComparison.Ordinal));
        await writer.SendCommandAsync("XADD", "orders", "5-1", "id", "42");
        Assert.Equal("$3\r\n5-1\r\n", await writer.ReadReplyAsync());
        Assert.Equal("*1\r\n*2\r\n$6\r\norders\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$2\r\nid\r\n$2\r\n42\r\n", await reader.ReadReplyAsync());
        await writer.SendCommandAsync("INFO", "clients");
        Assert.Contains("blocked_clients:0", await writer.ReadReplyAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlockingXRead_CommandPipelinedBehindIt_RunsAndAnswersWhenTheReadEnds()
    {
        await using var server = await RespServer.StartAsync();
        using var reader = await server.ConnectRawAsync();
        using var writer = await server.ConnectRawAsync();
        await reader.SendCommandAsync("XREAD", "BLOCK", "0", "STREAMS", "orders", "$");
        await WaitForInfoAsync(writer, "blocked_clients:1");
        // Sent while the read waits: Redis runs it as soon as the read ends and answers it then.
        await reader.SendCommandAsync("XADD", "later", "1-1", "a", "b");
        await writer.SendCommandAsync("PING");
        Assert.Equal("+PONG\r\n", await writer.ReadReplyAsync());
        await writer.SendCommandAsync("XADD", "orders", "5-1", "id", "42");
        Assert.Equal("$3\r\n5-1\r\n", await writer.ReadReplyAsync());

        Assert.StartsWith("*1\r\n*2\r\n$6\r\norders", await reader.ReadReplyAsync().WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        Assert.Equal("$3\r\n1-1\r\n", await reader.ReadReplyAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        await writer.SendCommandAsync("XLEN", "later");
        Assert.Equal(":1\r\n", await writer.ReadReplyAsync());
    }

    [Theory]
    [InlineData("XREAD", "BLOCK", "9223372036854775807", "STREAMS", "orders", "$")]
    [InlineData("XREAD", "BLOCK", "2147483648", "STREAMS", "orders", "$")]
    [InlineData("XREADGROUP", "GROUP", "g", "c", "BLOCK", "9223372036854775807", "STREAMS", "orders", ">")]
    public async Task BlockingRead_HugeTimeout_WaitsLikeBlockZeroAndConnectionLives(params string[] command)
    {
        await using var server = await RespServer.StartAsync();
        using var reader = await server.ConnectRawAsync();
        using var writer = await server.ConnectRawAsync();
        await writer.SendCommandAsync("XGROUP", "CREATE", "orders", "g", "$", "MKSTREAM");
        Assert.Equal("+OK\r\n", await writer.ReadReplyAsync());
        await reader.SendCommandAsync(command);
        await WaitForInfoAsync(writer, "blocked_clients:1");
        await writer.SendCommandAsync("XADD", "orders", "5-1", "id", "42");
        Assert.Equal("$3\r\n5-1\r\n", await writer.ReadReplyAsync());
        Assert.StartsWith("*1\r\n*2\r\n$6\r\norders\r\n*1\r\n*2\r\n$3\r\n5-1", await reader.ReadReplyAsync(), StringComparison.Ordinal);
        await reader.SendCommandAsync("PING");
        Assert.Equal("+PONG\r\n", await reader.ReadReplyAsync());
    }

    [Fact]
    public async Task XClaim_NegativeRetryCount_IgnoredAsRedisDoes()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        await using var server = await RespServer.StartAsync(time: time);
        using var client = await server.ConnectRawAsync();
        foreach (var command in new[] { "XADD s 1-1 a 1", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >" })
        {
            await client.SendCommandAsync(command.Split(' '));
            await client.ReadReplyAsync();
        }
        await client.SendCommandAsync("XCLAIM", "s", "g", "c2", "0", "1-1", "RETRYCOUNT", "5", "RETRYCOUNT", "-1");
        Assert.Equal("*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", await client.ReadReplyAsync());
        // The claim counted as a delivery (2), as without the option; a valid RETRYCOUNT sets the count.
        await client.SendCommandAsync("XPENDING", "s", "g", "-", "+", "10");
        Assert.Equal("*1\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc2\r\n:0\r\n:2\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XCLAIM", "s", "g", "c2", "0", "1-1", "RETRYCOUNT", "7", "JUSTID");
        await client.ReadReplyAsync();
        await client.SendCommandAsync("XPENDING", "s", "g", "-", "+", "10");
        Assert.Equal("*1\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc2\r\n:0\r\n:7\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Command_ThrowsUnexpectedly_RepliesErrAndTheConnectionCarriesOn()
    {
        await using var server = await RespServer.StartAsync();
        var resp = new Internal.RespServer(new RespOptions(), (Broker)server.Services.GetService(typeof(Broker))!, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Internal.RespServer>.Instance);
        var output = new System.IO.Pipelines.Pipe();
        var session = new Internal.RespSession(resp, new System.IO.Pipelines.Pipe().Reader, output.Writer, null, 0, () => { }, CancellationToken.None);
        var bug = new Commands.RespCommandSpec("bug", 1, Commands.RespCommandFlags.None, (_, _) => throw new InvalidOperationException("a bug"));

        await Commands.RespCommandTable.RunAsync(session, bug, [System.Text.Encoding.UTF8.GetBytes("bug")]);
        await output.Writer.FlushAsync();
        var read = await output.Reader.ReadAsync();

        Assert.Equal("-ERR internal error running 'bug' (see the server log)\r\n", System.Text.Encoding.UTF8.GetString(read.Buffer.ToArray()));
    }

    [Theory]
    [InlineData("DEL mystream", "-UNBLOCKED the stream key no longer exists\r\n")]
    [InlineData("FLUSHALL", "-UNBLOCKED the stream key no longer exists\r\n")]
    [InlineData("XGROUP DESTROY mystream g", "-NOGROUP No such key 'mystream' or consumer group 'g' in XREADGROUP with GROUP option\r\n")]
    public async Task BlockingXReadGroup_StreamOrGroupDeleted_WakesWithRedisError(string command, string reply)
    {
        await using var server = await RespServer.StartAsync();
        using var reader = await server.ConnectRawAsync();
        using var writer = await server.ConnectRawAsync();
        await writer.SendCommandAsync("XGROUP", "CREATE", "mystream", "g", "$", "MKSTREAM");
        Assert.Equal("+OK\r\n", await writer.ReadReplyAsync());
        await reader.SendCommandAsync("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "mystream", ">");
        await WaitForInfoAsync(writer, "blocked_clients:1");
        await writer.SendCommandAsync(command.Split(' '));
        await writer.ReadReplyAsync();
        Assert.Equal(reply, await reader.ReadReplyAsync().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task BlockingXRead_ClientDisconnects_WaitEnds()
    {
        await using var server = await RespServer.StartAsync();
        using var observer = await server.ConnectRawAsync();
        var reader = await server.ConnectRawAsync();
        await reader.SendCommandAsync("XREAD", "BLOCK", "0", "STREAMS", "orders", "$");
        await WaitForInfoAsync(observer, "blocked_clients:1");
        reader.Dispose();
        await WaitForInfoAsync(observer, "blocked_clients:0");
    }

    private static async Task WaitForInfoAsync(RawClient client, string line)
    {
        string info;
        do
        {
            await client.SendCommandAsync("INFO", "clients");
            info = await client.ReadReplyAsync();
        }
        while (!info.Contains(line, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HalfClose_AfterPipelinedCommands_EveryCommandRunsAndIsAnswered(bool sqlite)
    {
        var dir = Directory.CreateTempSubdirectory("sluice-resp-");
        try
        {
            await using var server = await RespServer.StartAsync(sqlitePath: sqlite ? Path.Combine(dir.FullName, "s.db") : null);
            using var client = await server.ConnectRawAsync();
            var text = new System.Text.StringBuilder();
            for (var i = 0; i < 20; i++)
                text.Append(RawClient.Encode("XADD", "hc", $"{i + 1}-1", "i", $"{i}"));
            text.Append(RawClient.Encode("XLEN", "hc"));
            await client.SendAsync(text.ToString());
            client.ShutdownSend();

            for (var i = 0; i < 20; i++)
                Assert.Equal($"${$"{i + 1}-1".Length}\r\n{i + 1}-1\r\n", await client.ReadReplyAsync());
            Assert.Equal(":20\r\n", await client.ReadReplyAsync());
            Assert.True(await client.IsClosedAsync());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Stop_WithIdleAndBlockedConnections_EndsThemAndAnsweredWritesSurvive()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-resp-");
        try
        {
            var path = Path.Combine(dir.FullName, "s.db");
            var server = await RespServer.StartAsync(sqlitePath: path);
            using var idle = await server.ConnectRawAsync();
            using var blocked = await server.ConnectRawAsync();
            using var writer = await server.ConnectRawAsync();
            await writer.SendCommandAsync("XADD", "kept", "1-1", "a", "b");
            Assert.Equal("$3\r\n1-1\r\n", await writer.ReadReplyAsync());
            await idle.SendCommandAsync("PING");
            Assert.Equal("+PONG\r\n", await idle.ReadReplyAsync());
            await blocked.SendCommandAsync("XREAD", "BLOCK", "0", "STREAMS", "kept", "$");
            await WaitForInfoAsync(writer, "blocked_clients:1");

            // Without the sessions being told, the stop waited for the host's shutdown timeout; the guard only keeps a
            // regression from hanging the run.
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await server.DisposeAsync().AsTask().WaitAsync(guard.Token);
            Assert.True(await idle.IsClosedAsync());
            Assert.True(await blocked.IsClosedAsync());

            await using var restarted = await RespServer.StartAsync(sqlitePath: path);
            using var check = await restarted.ConnectRawAsync();
            await check.SendCommandAsync("XLEN", "kept");
            Assert.Equal(":1\r\n", await check.ReadReplyAsync());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Adds <paramref name="entries"/> small entries to <paramref name="key"/> in one pipelined write; returns one full XRANGE reply's size.</summary>
    private static async Task<int> FillStreamAsync(RawClient client, string key, int entries)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < entries; i++)
            text.Append(RawClient.Encode("XADD", key, $"{i + 1}-1", "i", "0"));
        await client.SendAsync(text.ToString());
        for (var i = 0; i < entries; i++)
            await client.ReadReplyAsync();
        await client.SendCommandAsync("XRANGE", key, "-", "+");
        return System.Text.Encoding.UTF8.GetByteCount(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task ClientThatNeverReads_BigReplies_ServerMemoryBoundedOthersServedAndLateReaderGetsEveryReply()
    {
        await using var server = await RespServer.StartAsync();
        using var other = await server.ConnectRawAsync();
        var replySize = await FillStreamAsync(other, "big", 2000); // about 90 KB per XRANGE reply
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        // 3,000 big replies (about 270 MB) asked for in one write, none read yet.
        const int Commands = 3000;
        using var flooder = await server.ConnectRawAsync();
        var flood = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(RawClient.Encode("XRANGE", "big", "-", "+"), Commands)));
        var sending = flooder.SendAsync(flood);

        // The flooder's commands are running (the counter passed the first ones), and another connection is served.
        await other.SendCommandAsync("INFO", "stats");
        var start = ProcessedCommands(await other.ReadReplyAsync());
        do
        {
            await other.SendCommandAsync("INFO", "stats");
        }
        while (ProcessedCommands(await other.ReadReplyAsync()) < start + 10);
        for (var i = 0; i < 50; i++)
        {
            await other.SendCommandAsync("XRANGE", "big", "-", "+", "COUNT", "1");
            Assert.StartsWith("*1\r\n", await other.ReadReplyAsync(), StringComparison.Ordinal);
        }
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(grown < 64L * 1024 * 1024, $"{grown} bytes held for a client that does not read");

        // A late reader gets every reply, in full.
        var expected = (long)replySize * Commands;
        var buffer = new byte[64 * 1024];
        long received = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (received < expected)
        {
            var read = await flooder.Stream.ReadAsync(buffer, timeout.Token);
            Assert.NotEqual(0, read);
            received += read;
        }
        await sending;
        Assert.Equal(expected, received);
        await flooder.SendCommandAsync("PING");
        Assert.Equal("+PONG\r\n", await flooder.ReadReplyAsync());
    }

    [Fact]
    public async Task ReplyLargerThanMaxOutputBuffer_ConnectionClosedOthersServed()
    {
        await using var server = await RespServer.StartAsync(new RespOptions { MaxOutputBufferBytes = 64 * 1024 });
        using var other = await server.ConnectRawAsync();
        using var client = await server.ConnectRawAsync();
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < 2000; i++)
            text.Append(RawClient.Encode("XADD", "huge", $"{i + 1}-1", "i", "0123456789012345678901234567890123456789"));
        await other.SendAsync(text.ToString());
        for (var i = 0; i < 2000; i++)
            await other.ReadReplyAsync();

        await client.SendCommandAsync("XRANGE", "huge", "-", "+");
        Assert.True(await client.IsClosedAsync());
        await other.SendCommandAsync("PING");
        Assert.Equal("+PONG\r\n", await other.ReadReplyAsync());
    }

    private static long ProcessedCommands(string info)
    {
        const string Field = "total_commands_processed:";
        var at = info.IndexOf(Field, StringComparison.Ordinal) + Field.Length;
        return long.Parse(info.AsSpan(at, info.IndexOf('\r', at) - at), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A command as RESP bulk strings, each argument given as raw bytes.</summary>
    private static byte[] EncodeBytes(params byte[][] args)
    {
        var bytes = new List<byte>();
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes($"*{args.Length}\r\n"));
        foreach (var arg in args)
        {
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes($"${arg.Length}\r\n"));
            bytes.AddRange(arg);
            bytes.AddRange("\r\n"u8.ToArray());
        }
        return [.. bytes];
    }

    [Theory]
    [InlineData("XADD", 1, "-ERR invalid key name: not valid UTF-8\r\n")]
    [InlineData("XLEN", 1, "-ERR invalid key name: not valid UTF-8\r\n")]
    [InlineData("XGROUP", 3, "-ERR invalid group name: not valid UTF-8\r\n")]
    [InlineData("XREADGROUP", 3, "-ERR invalid consumer name: not valid UTF-8\r\n")]
    [InlineData("RENAME", 2, "-ERR invalid key name: not valid UTF-8\r\n")]
    public async Task NameNotValidUtf8_RefusedNamingTheArgumentAndNothingStored(string command, int badAt, string reply)
    {
        await using var server = await RespServer.StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("XADD", "s", "1-1", "a", "1");
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XGROUP", "CREATE", "s", "g", "0");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        string[] args = command switch
        {
            "XADD" => ["XADD", "k", "*", "a", "1"],
            "XLEN" => ["XLEN", "k"],
            "XGROUP" => ["XGROUP", "CREATE", "s", "g2", "0"],
            "XREADGROUP" => ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
            _ => ["RENAME", "s", "k"],
        };
        foreach (var bad in new byte[][] { [0xff], [0xfe], [(byte)'a', 0xc3] })
        {
            var raw = args.Select(a => System.Text.Encoding.UTF8.GetBytes(a)).ToArray();
            raw[badAt] = bad;
            await client.SendAsync(EncodeBytes(raw));
            Assert.Equal(reply, await client.ReadReplyAsync());
        }
        await client.SendCommandAsync("KEYS", "*");
        Assert.Equal("*1\r\n$1\r\ns\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XINFO", "GROUPS", "s");
        Assert.StartsWith("*1\r\n", await client.ReadReplyAsync(), StringComparison.Ordinal);
        await client.SendCommandAsync("XPENDING", "s", "g");
        Assert.StartsWith("*4\r\n:0\r\n", await client.ReadReplyAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleConnections_Thousand_CostBoundedMemory()
    {
        await using var server = await RespServer.StartAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clients = new List<RawClient>();
        try
        {
            for (var i = 0; i < 1000; i++)
                clients.Add(await server.ConnectRawAsync());
            // Every connection has been served once, so its session exists.
            foreach (var c in clients)
                await c.SendCommandAsync("PING");
            foreach (var c in clients)
                Assert.Equal("+PONG\r\n", await c.ReadReplyAsync());
            var after = GC.GetTotalMemory(forceFullCollection: true);
            var perConnection = (after - before) / 1000;
            // Both ends live in this process; a budget of 64 KiB per connection pair keeps idle connections cheap.
            Assert.True(perConnection < 64 * 1024, $"{perConnection} bytes per idle connection");
        }
        finally
        {
            foreach (var c in clients)
                c.Dispose();
        }
    }
}
