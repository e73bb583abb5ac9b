using System.Text.Json;

namespace Sluice.Cli.Tests;

/// <summary><c>sluice stream ...</c> against a real server.</summary>
public sealed class StreamCommandTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private CliRunner Cli => server.Cli;

    private static string Name(string prefix) => ServerFixture.NewQueueName(prefix);

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var result = await Cli.RunOkAsync([.. args, "--json"]);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        using var doc = JsonDocument.Parse(lines[0]);
        return doc.RootElement.Clone();
    }

    private static string[] Lines(CliResult result) => result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Stream_CreateAddRangeTrimDelete_PrintsEntriesAsLines()
    {
        var s = Name("cs");
        Assert.Contains($"stream '{s}' is ready", (await Cli.RunOkAsync("stream", "create", s, "--max-age", "3600")).Output, StringComparison.Ordinal);

        Assert.Equal("1-1", (await Cli.RunOkAsync("stream", "add", s, "--id", "1-1", "id=42", "total=99")).Output.Trim());
        Assert.Equal("2-1", (await JsonAsync("stream", "add", s, "--id", "2-1", "k=a", "k=b=c")).GetProperty("id").GetString());

        Assert.Equal(["1-1 id=42 total=99", "2-1 k=a k=b=c"], Lines(await Cli.RunOkAsync("stream", "range", s)));
        Assert.Equal(["2-1 k=a k=b=c"], Lines(await Cli.RunOkAsync("stream", "range", s, "--desc", "--count", "1")));
        Assert.Equal(["2-1 k=a k=b=c"], Lines(await Cli.RunOkAsync("stream", "read", s, "--after", "1-1")));

        var show = await JsonAsync("stream", "show", s);
        Assert.Equal(2, show.GetProperty("length").GetInt64());
        Assert.Equal(3600, show.GetProperty("retention").GetProperty("maxAgeSeconds").GetDouble());
        Assert.Contains(s, (await Cli.RunOkAsync("stream", "list")).Output, StringComparison.Ordinal);

        Assert.Equal(1, (await JsonAsync("stream", "trim", s, "--max-length", "1")).GetProperty("count").GetInt64());
        Assert.Contains("deleted 1 entry", (await Cli.RunOkAsync("stream", "del", s, "2-1")).Output, StringComparison.Ordinal);
        Assert.Contains($"deleted stream '{s}'", (await Cli.RunOkAsync("stream", "delete", s)).Output, StringComparison.Ordinal);

        var again = await Cli.RunAsync("stream", "delete", s);
        Assert.Equal(1, again.ExitCode);
        Assert.StartsWith("error: stream '" + s + "' does not exist", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_GroupReadPendingAckClaim_WorkAsRedisVerbs()
    {
        var s = Name("cg");
        await Cli.RunOkAsync("stream", "add", s, "--id", "1-1", "n=1");
        await Cli.RunOkAsync("stream", "add", s, "--id", "2-1", "n=2");
        Assert.Contains("group 'g' is ready at 0-0", (await Cli.RunOkAsync("stream", "group", "create", s, "g", "--start", "0")).Output, StringComparison.Ordinal);

        Assert.Equal(["1-1 n=1", "2-1 n=2"], Lines(await Cli.RunOkAsync("stream", "read", s, "--group", "g", "--consumer", "c1")));
        var pending = await Cli.RunOkAsync("stream", "pending", s, "g");
        Assert.Contains("2 pending entries (1-1 to 2-1): c1 2", pending.Output, StringComparison.Ordinal);

        Assert.Equal(["1-1 n=1"], Lines(await Cli.RunOkAsync("stream", "claim", s, "g", "c2", "1-1")));
        var auto = Lines(await Cli.RunOkAsync("stream", "autoclaim", s, "g", "c3", "--count", "1"));
        Assert.Equal(["1-1 n=1", "next: 2-1"], auto);

        Assert.Contains("acknowledged 2 entries", (await Cli.RunOkAsync("stream", "ack", s, "g", "1-1", "2-1")).Output, StringComparison.Ordinal);
        var summary = await JsonAsync("stream", "pending", s, "g");
        Assert.Equal(0, summary.GetProperty("summary").GetProperty("count").GetInt64());

        var groups = await JsonAsync("stream", "group", "list", s);
        Assert.Equal("2-1", Assert.Single(groups.GetProperty("groups").EnumerateArray()).GetProperty("lastDeliveredId").GetString());
        Assert.Contains("is at 0-0", (await Cli.RunOkAsync("stream", "group", "setid", s, "g", "0")).Output, StringComparison.Ordinal);
        Assert.Contains("deleted group 'g'", (await Cli.RunOkAsync("stream", "group", "delete", s, "g")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamClaimAndAutoClaim_JustId_PrintIds()
    {
        var s = Name("cj");
        await Cli.RunOkAsync("stream", "add", s, "--id", "1-1", "n=1");
        await Cli.RunOkAsync("stream", "add", s, "--id", "2-1", "n=2");
        await Cli.RunOkAsync("stream", "group", "create", s, "g", "--start", "0");
        await Cli.RunOkAsync("stream", "read", s, "--group", "g", "--consumer", "c1");

        var claimed = Lines(await Cli.RunOkAsync("stream", "claim", s, "g", "c2", "1-1", "--just-id"));
        var claimedJson = await JsonAsync("stream", "claim", s, "g", "c2", "2-1", "--just-id");
        var auto = Lines(await Cli.RunOkAsync("stream", "autoclaim", s, "g", "c3", "--just-id"));

        Assert.Equal(["1-1"], claimed);
        Assert.Equal(["2-1"], claimedJson.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["1-1", "2-1", "next: 0-0"], auto);
    }

    [Theory]
    [InlineData("c/d")]
    [InlineData("c%2Fd")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("c d")]
    [InlineData("ström/日本+x")]
    public async Task Stream_NameWithSlashEscapeDotOrUnicode_WritesAndReadsThatStream(string name)
    {
        var group = "g/" + name;

        Assert.Equal("1-1", (await Cli.RunOkAsync("stream", "add", name, "--id", "1-1", "x=1")).Output.Trim());
        await Cli.RunOkAsync("stream", "group", "create", name, group, "--start", "0");
        var read = Lines(await Cli.RunOkAsync("stream", "read", name, "--group", group, "--consumer", "c"));
        var range = Lines(await Cli.RunOkAsync("stream", "range", name));

        Assert.Equal(["1-1 x=1"], read);
        Assert.Equal(["1-1 x=1"], range);
        var entry = Assert.Single(await server.Broker.StreamRangeAsync(name, StreamEntryId.MinValue, StreamEntryId.MaxValue));
        Assert.Equal("1-1", entry.Id.ToString());
        Assert.Equal(1, Assert.Single(await server.Broker.GetStreamGroupsAsync(name), g => g.Name == group).Pending);
        Assert.Contains("deleted 1 entry", (await Cli.RunOkAsync("stream", "del", name, "1-1")).Output, StringComparison.Ordinal);
        Assert.Empty(await server.Broker.StreamRangeAsync(name, StreamEntryId.MinValue, StreamEntryId.MaxValue));
    }

    [Theory]
    [InlineData("stream", "add", "S", "novalue")]
    [InlineData("stream", "trim", "S", "--max-length", "1", "--min-id", "1-1")]
    [InlineData("stream", "read", "S", "--group", "g")]
    [InlineData("stream", "group", "create", "S", "g", "--max-deliveries", "3")]
    [InlineData("stream", "range", "S", "--from", "abc")]
    [InlineData("stream", "del", "S", "1-1", "garbage")]
    public async Task Stream_BadInput_ExitsWithUsageErrorAndChangesNothing(params string[] args)
    {
        var s = Name("cb");
        await Cli.RunOkAsync("stream", "add", s, "--id", "1-1", "a=1");

        var result = await Cli.RunAsync([.. args.Select(a => a == "S" ? s : a)]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error", result.Error.TrimStart(), StringComparison.Ordinal);
        Assert.Equal(1, (await JsonAsync("stream", "show", s)).GetProperty("length").GetInt64());
    }

    [Fact]
    public async Task StreamGroupCreate_MissingStream_ExitsWithRequestFailed()
    {
        var result = await Cli.RunAsync("stream", "group", "create", Name("cm"), "g");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
    }
}
