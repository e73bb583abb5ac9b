using StackExchange.Redis;

namespace Sluice.Faces.Resp.Tests;

/// <summary>StackExchange.Redis (NuGet) against the RESP face: connect handshake, stream commands, groups, transactions.</summary>
public class StackExchangeRedisTests
{
    private static async Task<ConnectionMultiplexer> ConnectAsync(RespServer server, string? password = null, bool resp3 = false)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { server.EndPoint },
            Password = password,
            AbortOnConnectFail = true,
            ConnectTimeout = 30_000,
            SyncTimeout = 30_000,
            AsyncTimeout = 30_000,
            Protocol = resp3 ? RedisProtocol.Resp3 : RedisProtocol.Resp2,
        };
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamConsumerGroup_AddReadAckPending_Works(bool resp3)
    {
        await using var server = await RespServer.StartAsync(new RespOptions { Password = "pw" });
        await using var redis = await ConnectAsync(server, "pw", resp3);
        var db = redis.GetDatabase();
        Assert.True(await db.StreamCreateConsumerGroupAsync("orders", "fulfillment", "0-0", createStream: true));
        var id = await db.StreamAddAsync("orders", [new NameValueEntry("id", "42"), new NameValueEntry("total", "99")]);
        Assert.Equal(1, await db.StreamLengthAsync("orders"));

        var entries = await db.StreamReadGroupAsync("orders", "fulfillment", "worker-1", ">", count: 10);
        var entry = Assert.Single(entries);
        Assert.Equal(id, entry.Id);
        Assert.Equal("42", entry["id"]);
        Assert.Equal("99", entry["total"]);

        var pending = await db.StreamPendingAsync("orders", "fulfillment");
        Assert.Equal(1, pending.PendingMessageCount);
        Assert.Equal("worker-1", pending.Consumers.Single().Name);

        Assert.Equal(1, await db.StreamAcknowledgeAsync("orders", "fulfillment", id));
        Assert.Equal(0, (await db.StreamPendingAsync("orders", "fulfillment")).PendingMessageCount);

        var info = await db.StreamInfoAsync("orders");
        Assert.Equal(1, info.Length);
        Assert.Equal(1, info.ConsumerGroupCount);
        var group = Assert.Single(await db.StreamGroupInfoAsync("orders"));
        Assert.Equal("fulfillment", group.Name);
        Assert.Equal(RedisType.Stream, await db.KeyTypeAsync("orders"));
    }

    [Fact]
    public async Task Transaction_WithCondition_ExecutesAtomicallyThroughMultiExec()
    {
        await using var server = await RespServer.StartAsync();
        await using var redis = await ConnectAsync(server);
        var db = redis.GetDatabase();
        await db.StreamAddAsync("t", "a", "1", "1-1");
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.KeyExists("t"));
        var add = transaction.StreamAddAsync("t", "a", "2", "2-1");
        var length = transaction.StreamLengthAsync("t");
        Assert.True(await transaction.ExecuteAsync());
        Assert.Equal("2-1", (string?)await add);
        Assert.Equal(2, await length);
    }

    [Fact]
    public async Task ClaimAndRange_ReturnEntries()
    {
        await using var server = await RespServer.StartAsync();
        await using var redis = await ConnectAsync(server);
        var db = redis.GetDatabase();
        await db.StreamCreateConsumerGroupAsync("jobs", "g", StackExchange.Redis.StreamPosition.NewMessages, createStream: true);
        var ids = new List<RedisValue>();
        for (var i = 0; i < 3; i++)
            ids.Add(await db.StreamAddAsync("jobs", "n", i));
        await db.StreamReadGroupAsync("jobs", "g", "alice", ">");
        var claimed = await db.StreamClaimAsync("jobs", "g", "bob", 0, [ids[0]]);
        Assert.Equal(ids[0], Assert.Single(claimed).Id);
        var auto = await db.StreamAutoClaimAsync("jobs", "g", "carol", 0, "0-0", 10);
        Assert.Equal(3, auto.ClaimedEntries.Length);
        var range = await db.StreamRangeAsync("jobs", "-", "+", 2, Order.Descending);
        Assert.Equal([ids[2], ids[1]], range.Select(e => e.Id));
        Assert.Equal(2, await db.StreamTrimAsync("jobs", 1));
        Assert.True(await db.KeyDeleteAsync("jobs"));
        Assert.False(await db.KeyExistsAsync("jobs"));
    }

    [Fact]
    public async Task ErrorReply_SurfacesRedisText()
    {
        await using var server = await RespServer.StartAsync();
        await using var redis = await ConnectAsync(server);
        var db = redis.GetDatabase();
        await db.StreamAddAsync("e", "a", "1", "5-5");
        var error = await Assert.ThrowsAsync<RedisServerException>(() => db.StreamAddAsync("e", "a", "1", "5-5"));
        Assert.Equal("ERR The ID specified in XADD is equal or smaller than the target stream top item", error.Message);
    }
}
