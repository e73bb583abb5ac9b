using Microsoft.Extensions.DependencyInjection;
using static Sluice.Faces.Resp.Tests.RawClient;

namespace Sluice.Faces.Resp.Tests;

/// <summary>
/// MULTI/EXEC across connections on the SQLite store (fsync on, so every write awaits its commit): EXEC's commands take
/// effect together, WATCH sees writes of every connection and face, and pipelines of other connections keep their order.
/// </summary>
public sealed class RespTransactionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-resp-exec-" + Guid.NewGuid().ToString("N"));

    private Task<RespServer> StartAsync() => RespServer.StartAsync(sqlitePath: Path.Combine(_directory, "sluice.db"));

    [Fact]
    public async Task Exec_AnotherConnectionAppendsMeanwhile_TransactionEntriesAreAdjacent()
    {
        const int Transactions = 60;
        await using var server = await StartAsync();
        using var writer = await server.ConnectRawAsync();
        using var other = await server.ConnectRawAsync();
        var done = false;

        var background = Task.Run(async () =>
        {
            var sent = 0;
            while (!Volatile.Read(ref done))
            {
                await other.SendAsync(string.Concat(Enumerable.Range(0, 8).Select(_ => Encode("XADD", "s", "*", "by", "other"))));
                for (var i = 0; i < 8; i++)
                    Assert.StartsWith("$", await other.ReadReplyAsync(), StringComparison.Ordinal);
                sent += 8;
            }
            return sent;
        });

        for (var t = 0; t < Transactions; t++)
        {
            await writer.SendAsync(Encode("MULTI") + Encode("XADD", "s", "*", "tx", $"{t}a") + Encode("XADD", "s", "*", "tx", $"{t}b") + Encode("EXEC"));
            Assert.Equal("+OK\r\n", await writer.ReadReplyAsync());
            Assert.Equal("+QUEUED\r\n", await writer.ReadReplyAsync());
            Assert.Equal("+QUEUED\r\n", await writer.ReadReplyAsync());
            Assert.StartsWith("*2\r\n$", await writer.ReadReplyAsync(), StringComparison.Ordinal);
        }
        Volatile.Write(ref done, true);
        var others = await background;

        var broker = server.Services.GetRequiredService<Broker>();
        var values = (await broker.StreamRangeAsync("s", StreamEntryId.MinValue, StreamEntryId.MaxValue))
            .Select(e => System.Text.Encoding.UTF8.GetString(e.Fields![0].Value.Span)).ToList();
        Assert.Equal((Transactions * 2) + others, values.Count);
        for (var t = 0; t < Transactions; t++)
        {
            var first = values.IndexOf($"{t}a");
            Assert.True(first >= 0 && values[first + 1] == $"{t}b", $"transaction {t}: its second entry does not follow its first");
        }
    }

    [Fact]
    public async Task Pipeline_WhileOtherConnectionsRunTransactions_KeepsCommandOrder()
    {
        const int Rounds = 40;
        await using var server = await StartAsync();
        using var pipeliner = await server.ConnectRawAsync();
        using var transactor = await server.ConnectRawAsync();
        var done = false;

        var background = Task.Run(async () =>
        {
            while (!Volatile.Read(ref done))
            {
                await transactor.SendAsync(Encode("MULTI") + Encode("XADD", "t", "*", "f", "v") + Encode("XLEN", "p") + Encode("EXEC"));
                for (var i = 0; i < 4; i++)
                    await transactor.ReadReplyAsync();
            }
        });

        // Explicit increasing ids: a call issued out of order would be refused (id not above the top).
        var next = 1;
        for (var r = 0; r < Rounds; r++)
        {
            var first = next;
            await pipeliner.SendAsync(string.Concat(Enumerable.Range(0, 16).Select(_ => Encode("XADD", "p", $"1-{next++}", "f", "v"))));
            for (var i = first; i < next; i++)
                Assert.Equal($"${$"1-{i}".Length}\r\n1-{i}\r\n", await pipeliner.ReadReplyAsync());
        }
        Volatile.Write(ref done, true);
        await background;

        await pipeliner.SendCommandAsync("XLEN", "p");
        Assert.Equal($":{Rounds * 16}\r\n", await pipeliner.ReadReplyAsync());
    }

    [Fact]
    public async Task Watch_AppendThroughTheBroker_ExecReturnsNull()
    {
        // Any face (REST, the CLI, an embedding application) writes through the broker: WATCH sees it.
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("WATCH", "s");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await server.Services.GetRequiredService<Broker>().StreamAppendAsync("s", [new StreamField("f"u8.ToArray(), "v"u8.ToArray())]);

        await client.SendAsync(Encode("MULTI") + Encode("XADD", "s", "*", "f", "mine") + Encode("EXEC") + Encode("XLEN", "s"));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("+QUEUED\r\n", await client.ReadReplyAsync());
        Assert.Equal("*-1\r\n", await client.ReadReplyAsync());
        Assert.Equal(":1\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Watch_GroupChangesAndReadsByAnotherConnection_ExecRuns()
    {
        // As Redis 7.0: XGROUP CREATE on an existing stream, XREADGROUP, XACK and XCLAIM do not touch a watched key.
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        using var other = await server.ConnectRawAsync();
        await client.SendAsync(Encode("XADD", "s", "1-1", "f", "v") + Encode("WATCH", "s"));
        await client.ReadReplyAsync();
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await other.SendAsync(Encode("XGROUP", "CREATE", "s", "g", "0") + Encode("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
            + Encode("XCLAIM", "s", "g", "d", "0", "1-1") + Encode("XACK", "s", "g", "1-1"));
        Assert.Equal("+OK\r\n", await other.ReadReplyAsync());
        for (var i = 0; i < 3; i++)
            await other.ReadReplyAsync();

        await client.SendAsync(Encode("MULTI") + Encode("XLEN", "s") + Encode("EXEC"));
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        Assert.Equal("*1\r\n:1\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Watch_StreamCreatedByXGroupMkStreamOnAnotherConnection_ExecReturnsNull()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        using var other = await server.ConnectRawAsync();
        await client.SendCommandAsync("WATCH", "s");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await other.SendCommandAsync("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        Assert.Equal("+OK\r\n", await other.ReadReplyAsync());

        await client.SendAsync(Encode("MULTI") + Encode("XLEN", "s") + Encode("EXEC"));
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        Assert.Equal("*-1\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Watch_OnlyAnotherStreamWritten_ExecRuns()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        using var other = await server.ConnectRawAsync();
        await client.SendAsync(Encode("XADD", "s", "1-1", "f", "v") + Encode("WATCH", "s"));
        await client.ReadReplyAsync();
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await other.SendAsync(Encode("XADD", "unrelated", "*", "f", "v") + Encode("XLEN", "s") + Encode("XRANGE", "s", "-", "+"));
        for (var i = 0; i < 3; i++)
            await other.ReadReplyAsync();

        await client.SendAsync(Encode("MULTI") + Encode("XADD", "s", "1-2", "f", "v") + Encode("EXEC"));
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        Assert.Equal("*1\r\n$3\r\n1-2\r\n", await client.ReadReplyAsync());
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
