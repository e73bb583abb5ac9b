namespace Sluice.Faces.Resp.Tests;

/// <summary>
/// The same commands against Sluice and a real <c>redis-server</c> (Debian's 7.0), replies compared byte for byte.
/// Each script runs on a fresh connection after FLUSHALL. Commands whose replies carry times, or Redis internals
/// (XINFO STREAM's radix-tree sizes), are covered by the client tests instead; so is CLIENT SETINFO (Redis 7.2, newer
/// than Debian's 7.0).
/// </summary>
public class RedisComparisonTests : IAsyncLifetime
{
    private RespServer _sluice = null!;
    private RealRedis _redis = null!;

    public async Task InitializeAsync()
    {
        _sluice = await RespServer.StartAsync();
        _redis = await RealRedis.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _sluice.DisposeAsync();
        _redis.Dispose();
    }

    public static TheoryData<string, string[]> Scripts() => new()
    {
        { "xadd", ["XADD s 1-1 a 1", "XADD s 1-1 a 1", "XADD s 0-0 a 1", "XADD s 1-* b 2", "XADD s 5-2-* a 1", "XADD s --* a 1", "XADD s 5 c 3", "XADD s bad a 1", "XADD s 9-1 a",
            "XADD x NOMKSTREAM * a 1", "XADD s MAXLEN 10 LIMIT 5 10-1 a 1", "XADD s MAXLEN -1 10-1 a 1", "XADD s MAXLEN 1 MINID 0 10-1 a 1",
            "XADD s MAXLEN = 2 10-1 a 1", "XLEN s", "XRANGE s - +", "XADD s MINID 0 11-1 a 1", "EXISTS x"] },
        { "xrange", ["XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 2-1 c 3", "XRANGE s - +", "XRANGE s - + COUNT 1", "XRANGE s (1-1 +", "XRANGE s 1 1",
            "XREVRANGE s + -", "XREVRANGE s + - COUNT 2", "XRANGE s x +", "XRANGE s - + COUNT", "XRANGE s - + FOO 1", "XRANGE s + -", "XRANGE m - +",
            "XRANGE s - + COUNT -1", "XRANGE m - + COUNT 0", "XRANGE s - + COUNT 1 COUNT 2", "XRANGE s (18446744073709551615-18446744073709551615 +", "XLEN m"] },
        { "xread", ["XADD s 1-1 a 1", "XADD t 1-1 b 2", "XREAD COUNT 1 STREAMS s 0", "XREAD STREAMS s t 0 0", "XREAD STREAMS s", "XREAD STREAMS s m 0 0",
            "XREAD STREAMS s $", "XREAD GROUP g c STREAMS s 0", "XREAD STREAMS s >", "XREAD NOACK STREAMS s 0", "XREAD BLOCK -1 STREAMS s 0",
            "XREAD BLOCK x STREAMS s 0", "XREAD COUNT x STREAMS s 0", "XREAD FOO STREAMS s 0", "XREAD BLOCK 1 STREAMS s 1-1"] },
        { "xgroup", ["XADD s 1-1 a 1", "XGROUP CREATE s g 0", "XGROUP CREATE s g 0", "XGROUP CREATE m g 0", "XGROUP CREATE m g $ MKSTREAM", "TYPE m",
            "XGROUP SETID s nog 0", "XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s g c1", "XGROUP DELCONSUMER s g c1", "XGROUP FOO",
            "XGROUP CREATE s", "XGROUP CREATE s g2 bad", "XGROUP CREATE s g3 0 ENTRIESREAD -5", "XGROUP CREATE s g4 0 FOO", "XGROUP SETID s g $",
            "XGROUP DESTROY s g", "XGROUP DESTROY s g", "XGROUP DESTROY m2 g", "XINFO GROUPS m", "XINFO GROUPS s", "XINFO STREAM nokey", "XINFO FOO s",
            "XINFO CONSUMERS s nog", "XADD s 2-1 b 2", "XGROUP CREATE s g5 -", "XGROUP CREATE s g5 0", "XGROUP SETID s g5 +", "XINFO GROUPS s",
            "XGROUP SETID s g5 -", "XINFO GROUPS s", "XGROUP SETID s g5 (1", "XREADGROUP GROUP g5 c STREAMS s >"] },
        { "xreadgroup", ["XADD s 1-1 a 1", "XADD s 1-2 b 2", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c1 COUNT 1 STREAMS s >",
            "XREADGROUP GROUP g c1 STREAMS s 0", "XREADGROUP GROUP nog c STREAMS s >", "XREADGROUP GROUP g c STREAMS s $", "XREADGROUP GROUP g c STREAMS s",
            "XREADGROUP GROUP g c2 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >", "XREADGROUP GROUP g c3 NOACK STREAMS s 0", "XREADGROUP STREAMS s >",
            "XPENDING s g", "XPENDING s nog", "XACK s g 1-1", "XACK s g 1-1", "XACK s g bad", "XACK m g 1-1", "XPENDING s g", "XDEL s 1-2",
            "XREADGROUP GROUP g c2 STREAMS s 0", "XINFO GROUPS s", "XADD t 1-1 a 1", "XREADGROUP GROUP g c9 STREAMS s t > >",
            "XREADGROUP GROUP g c9 STREAMS s nokey > >", "XPENDING s g", "XPENDING s g - + x", "XPENDING s g -", "XPENDING s g IDLE 10 - +"] },
        { "xclaim", ["XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 1-3 c 3", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c1 STREAMS s >",
            "XCLAIM s g c2 0 1-1 JUSTID", "XCLAIM s nog c2 0 1-1", "XCLAIM s g c2 x 1-1", "XCLAIM s g c2 0 1-1 FOO", "XCLAIM s g c2 0 1-1 IDLE x",
            "XAUTOCLAIM s g c3 0 0 COUNT 10 JUSTID", "XAUTOCLAIM s g c3 0 0 COUNT 0", "XAUTOCLAIM s nog c3 0 0", "XAUTOCLAIM s g c3 x 0",
            "XDEL s 1-2", "XAUTOCLAIM s g c4 0 0 COUNT 10", "XPENDING s g"] },
        { "xtrim", ["XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 1-3 c 3", "XTRIM s MAXLEN 2", "XTRIM s", "XTRIM s MAXLEN ~ 1 LIMIT x",
            "XTRIM s MINID 1-3", "XTRIM s FOO 1", "XTRIM s MAXLEN 1 LIMIT 1", "XDEL s 1-3 1-9", "XDEL s bad", "XLEN s", "XTRIM m MAXLEN 0",
            "XSETID s 5-5", "XSETID m 1-1", "XADD s 5-5 a 1"] },
        { "xsetid", ["XADD s 1-1 a 1", "XADD s 2-2 a 1", "XDEL s 2-2", "XSETID s 1-0", "XSETID s 1-1", "XDEL s 1-1", "XSETID s 0-0",
            "XADD s 0-1 a 1", "XRANGE s - +", "XSETID s 5-0 ENTRIESADDED 1 MAXDELETEDID 6-0", "XSETID s 5-0 ENTRIESADDED -1 MAXDELETEDID 0-0",
            "XSETID s 5-0 ENTRIESADDED 0 MAXDELETEDID 0-0", "XSETID s 5-0 ENTRIESADDED 3", "XSETID s 5-0 0", "XSETID s 5-0 ENTRIESADDED 7 MAXDELETEDID 4-0",
            "XADD s 5-0 a 1", "XADD s 5-1 a 1", "XLEN s"] },
        { "keys", ["XADD s 1-1 a 1", "TYPE s", "TYPE m", "EXISTS s m s", "DEL m", "RENAME m x", "RENAME s s2", "RENAMENX s2 s2", "KEYS *", "KEYS s?",
            "KEYS x*", "TTL s2", "TTL m", "PTTL s2", "DBSIZE", "SCAN 0", "SCAN x", "DEL s2", "DBSIZE", "FLUSHDB FOO"] },
        { "connection", ["PING", "PING a", "PING a b", "ECHO", "ECHO hi", "FOO a b", "CLIENT SETNAME \"a b\"", "CLIENT SETNAME w1", "CLIENT GETNAME",
"CLIENT FOO", "HELLO 4", "HELLO x", "HELLO 2 FOO", "SELECT x", "SELECT 0",
            "AUTH x", "AUTH a b c", "FUNCTION FLUSH", "SCRIPT FLUSH", "SCRIPT FLUSH FOO", "COMMAND FOO", "COMMAND COUNT x"] },
        { "texts", ["XADD s 1-1 a 1", "XREAD STREAMS s t 0", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s t >", "XGROUP HELP",
            "XINFO HELP", "INFO keyspace"] },
        { "subcommands", ["XADD s 1-1 a 1", "XGROUP HELP x", "XINFO HELP x", "CLIENT HELP x", "COMMAND HELP x", "CLIENT GETNAME x",
            "XGROUP DESTROY s g x", "XGROUP CREATE s g", "XGROUP SETID s g", "XGROUP CREATECONSUMER s g", "XGROUP DELCONSUMER s g c x",
            "XINFO GROUPS s x", "XINFO CONSUMERS s", "XINFO STREAM", "XINFO STREAM nokey FOO", "XINFO STREAM s FOO", "XINFO STREAM s FULL COUNT",
            "XINFO STREAM s FULL COUNT x", "XINFO STREAM nokey FULL COUNT x", "XINFO STREAM s FULL x 1"] },
        { "approxtrim", [.. Adds("s", 150), "XTRIM s MAXLEN ~ 10", "XTRIM s MAXLEN ~ 0", "XLEN s", .. Adds("t", 50), "XTRIM t MAXLEN ~ 20",
            "XTRIM t MAXLEN ~ 0", .. Adds("u", 250), "XTRIM u MAXLEN ~ 51", "XTRIM u MAXLEN ~ 50", "XLEN u", .. Adds("v", 150),
            "XTRIM v MINID ~ 150-1", "XTRIM v MINID ~ 151", "EXISTS v", .. Adds("w", 150), "XADD w MAXLEN ~ 0 151-1 a 1", "XLEN w",
            .. Adds("x", 50), "XTRIM x MAXLEN ~ 0 LIMIT 0", "XLEN x"] },
        { "hugetimes", ["XADD s 1-1 a 1", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >", "XCLAIM s g c 9223372036854775807 1-1",
            "XCLAIM s g c 0 1-1 IDLE 9223372036854775807", "XCLAIM s g c 0 1-1 TIME 9223372036854775807", "XAUTOCLAIM s g c 9223372036854775807 0",
            "XPENDING s g IDLE 9223372036854775807 - + 10", "XCLAIM s g c -5 1-1 IDLE -5", "XAUTOCLAIM s g c -1 0 JUSTID",
            "XPENDING s g IDLE -5 - + 10 nobody", "XCLAIM s g c 0 1-1 RETRYCOUNT -1 JUSTID", "XCLAIM s g c 0 1-1 RETRYCOUNT x", "XPENDING s g",
            "XREAD BLOCK 9223372036854775807 STREAMS s 0", "XREADGROUP GROUP g c BLOCK 9223372036854775807 STREAMS s 0"] },
        { "multi", ["MULTI", "MULTI", "XADD s 1-1 a 1", "XLEN s", "WATCH s", "EXEC", "EXEC", "DISCARD", "MULTI", "XLEN", "XADD s 2-1 a 1", "EXEC",
            "MULTI", "XADD s 1-1 a 1", "XADD s 3-1 a 1", "EXEC", "MULTI", "DISCARD", "UNWATCH", "MULTI", "XREAD BLOCK 0 STREAMS s $", "EXEC"] },
    };

    /// <summary>XADDs of entries 1-1 ... n-1 to <paramref name="key"/>.</summary>
    private static IEnumerable<string> Adds(string key, int n) => Enumerable.Range(1, n).Select(i => $"XADD {key} {i}-1 a 1");

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script_RepliesMatchRedisByteForByte(string name, string[] script)
    {
        var sluice = await RunAsync(await _sluice.ConnectRawAsync(), script);
        var redis = await RunAsync(await _redis.ConnectRawAsync(), script);
        for (var i = 0; i < script.Length; i++)
            Assert.True(redis[i] == sluice[i], $"{name}: '{script[i]}'\n redis:  {Show(redis[i])}\n sluice: {Show(sluice[i])}");
    }

    private static async Task<List<string>> RunAsync(RawClient client, string[] script)
    {
        using (client)
        {
            await client.SendAsync("FLUSHALL\r\n");
            await client.ReadReplyAsync();
            var replies = new List<string>();
            foreach (var line in script)
            {
                await client.SendAsync(line + "\r\n");
                replies.Add(await client.ReadReplyAsync());
            }
            return replies;
        }
    }

    private static string Show(string reply) => reply.Replace("\r\n", "\\r\\n", StringComparison.Ordinal);
}
