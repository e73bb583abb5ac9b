using System.Text.Json;
using Sluice.Cli.Commands;

namespace Sluice.Cli.Tests;

/// <summary><c>--json</c> on every printing verb, <c>queue update</c>, server hints and server-side usage errors.</summary>
public sealed class JsonAndUpdateTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private CliRunner Cli => server.Cli;

    private static string Name(string prefix) => ServerFixture.NewQueueName(prefix);

    /// <summary>Runs a verb with --json and parses its stdout, which must be exactly one line of JSON.</summary>
    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var result = await Cli.RunOkAsync([.. args, "--json"]);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        using var doc = JsonDocument.Parse(lines[0]);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task EveryPrintingVerb_Json_PrintsOneDocument()
    {
        var dlq = Name("jdlq");
        var q = Name("json");
        Assert.Equal(dlq, (await JsonAsync("queue", "create", dlq)).GetProperty("name").GetString());
        var created = await JsonAsync("queue", "create", q, "--max-receive-count", "1", "--dead-letter-queue", dlq, "--overflow", "drop-head");
        Assert.Equal("drop-head", created.GetProperty("overflowPolicy").GetString());
        Assert.Equal(30, created.GetProperty("visibilityTimeoutSeconds").GetDouble());

        var updated = await JsonAsync("queue", "update", q, "--visibility-timeout", "40");
        Assert.Equal(40, updated.GetProperty("visibilityTimeoutSeconds").GetDouble());

        var list = await JsonAsync("queue", "list");
        Assert.Contains(list.GetProperty("queues").EnumerateArray(), e => e.GetProperty("name").GetString() == q);

        var sent = await JsonAsync("send", q, "one");
        Assert.True(Guid.TryParse(sent.GetProperty("messageId").GetString(), out _));
        Assert.False(sent.GetProperty("duplicate").GetBoolean());
        await Cli.RunOkAsync("send", q, "two");
        await Cli.RunOkAsync("send", q, "three");

        var show = await JsonAsync("queue", "show", q);
        Assert.Equal(q, show.GetProperty("queue").GetProperty("name").GetString());
        Assert.Equal(3, show.GetProperty("stats").GetProperty("ready").GetInt64());

        var stats = await JsonAsync("stats", q);
        Assert.Equal(3, Assert.Single(stats.GetProperty("queues").EnumerateArray()).GetProperty("ready").GetInt64());

        var received = (await JsonAsync("receive", q, "--no-ack", "--max", "3")).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(3, received.Count);
        var handles = received.Select(m => m.GetProperty("receiptHandle").GetString()!).ToList();

        var extended = await JsonAsync("extend", q, handles[0], "--visibility", "60");
        Assert.True(extended.GetProperty("visibleUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        var acked = await JsonAsync("ack", q, handles[0]);
        Assert.Equal(handles[0], acked.GetProperty("receiptHandle").GetString());
        Assert.True(acked.GetProperty("ok").GetBoolean());
        Assert.True((await JsonAsync("nack", q, handles[1])).GetProperty("ok").GetBoolean());
        Assert.True((await JsonAsync("nack", q, handles[2])).GetProperty("ok").GetBoolean());

        var dead = (await JsonAsync("dlq", "list", dlq)).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, dead.Count);
        Assert.All(dead, m => Assert.Equal(q, m.GetProperty("deadLetter").GetProperty("sourceQueue").GetString()));

        var redrive = await JsonAsync("dlq", "redrive", dlq);
        Assert.Equal(dlq, redrive.GetProperty("deadLetterQueue").GetString());
        Assert.Equal(2, redrive.GetProperty("total").GetInt64());

        var purge = await JsonAsync("queue", "purge", dlq);
        Assert.Equal(dlq, purge.GetProperty("queue").GetString());
        await Cli.RunOkAsync("queue", "delete", q);
        var deleted = await JsonAsync("queue", "delete", dlq);
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task DlqRedriveWait_Json_PrintsOneDocumentPerChangeEndingCompleted()
    {
        var dlq = Name("jrd");
        var q = Name("jrw");
        await Cli.RunOkAsync("queue", "create", dlq);
        await Cli.RunOkAsync("queue", "create", q, "--max-receive-count", "1", "--dead-letter-queue", dlq);
        await Cli.RunOkAsync("send", q, "x");
        var handle = (await JsonAsync("receive", q, "--no-ack")).GetProperty("messages")[0].GetProperty("receiptHandle").GetString()!;
        await Cli.RunOkAsync("nack", q, handle);

        var result = await Cli.RunOkAsync("dlq", "redrive", dlq, "--wait", "--json");

        var docs = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("completed", docs[^1].GetProperty("state").GetString());
        Assert.Equal(1, docs[^1].GetProperty("moved").GetInt64());
    }

    [Fact]
    public async Task QueueUpdate_EveryOption_ChangesOnlyThoseGiven()
    {
        var dlq = Name("udlq");
        var q = Name("upd");
        await Cli.RunOkAsync("queue", "create", dlq);
        await Cli.RunOkAsync("queue", "create", q, "--tag", "team=a", "--receive-wait", "1");

        var updated = await JsonAsync("queue", "update", q,
            "--visibility-timeout", "45", "--delay", "2", "--retention", "3600", "--max-message-size", "2048",
            "--max-receive-count", "4", "--dead-letter-queue", dlq, "--max-length", "10", "--max-length-bytes", "4096",
            "--overflow", "deadLetterHead", "--dedup-window", "60", "--dedup-scope", "message-group", "--fifo", "false",
            "--content-based-dedup", "false", "--tag", "team=b", "--tag", "tier=1");

        Assert.Equal(45, updated.GetProperty("visibilityTimeoutSeconds").GetDouble());
        Assert.Equal(2, updated.GetProperty("deliveryDelaySeconds").GetDouble());
        Assert.Equal(3600, updated.GetProperty("retentionPeriodSeconds").GetDouble());
        Assert.Equal(2048, updated.GetProperty("maxMessageSize").GetInt64());
        Assert.Equal(4, updated.GetProperty("maxReceiveCount").GetInt32());
        Assert.Equal(dlq, updated.GetProperty("deadLetterQueue").GetString());
        Assert.Equal(10, updated.GetProperty("maxLength").GetInt64());
        Assert.Equal(4096, updated.GetProperty("maxLengthBytes").GetInt64());
        Assert.Equal("dead-letter-head", updated.GetProperty("overflowPolicy").GetString());
        Assert.Equal(60, updated.GetProperty("deduplicationWindowSeconds").GetDouble());
        Assert.Equal("message-group", updated.GetProperty("deduplicationScope").GetString());
        Assert.Equal(1, updated.GetProperty("receiveWaitTimeSeconds").GetDouble());
        Assert.Equal("b", updated.GetProperty("tags").GetProperty("team").GetString());
        Assert.Equal("1", updated.GetProperty("tags").GetProperty("tier").GetString());

        // Text output, and the kebab-case spelling in 'queue show'.
        var text = await Cli.RunOkAsync("queue", "update", q, "--receive-wait", "3");
        Assert.Equal($"queue '{q}' is updated", text.Output.TrimEnd());
        var show = await Cli.RunOkAsync("queue", "show", q);
        Assert.Contains("dedup scope          message-group", show.Output, StringComparison.Ordinal);
        Assert.Contains("overflow policy      dead-letter-head", show.Output, StringComparison.Ordinal);
        Assert.Contains("receive wait         3s", show.Output, StringComparison.Ordinal);

        // --reset sends null: optional fields clear, the others go back to their defaults.
        var reset = await JsonAsync("queue", "update", q, "--reset", "max-receive-count", "--reset", "overflow",
            "--reset", "dead-letter-queue", "--reset", "visibility-timeout");
        Assert.False(reset.TryGetProperty("maxReceiveCount", out _));
        Assert.False(reset.TryGetProperty("deadLetterQueue", out _));
        Assert.Equal("reject", reset.GetProperty("overflowPolicy").GetString());
        Assert.Equal(30, reset.GetProperty("visibilityTimeoutSeconds").GetDouble());
        Assert.Equal(10, reset.GetProperty("maxLength").GetInt64());
    }

    [Fact]
    public void QueueUpdate_Options_CoverEveryPatchField()
    {
        // The REST face's PATCH body type: every field but the name must be settable from 'queue update'.
        var patchFields = typeof(Sluice.Contracts.QueueOptionsRequest).GetProperties()
            .Where(p => p.CanWrite && p.Name != "Name")
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .Order(StringComparer.Ordinal);

        Assert.Equal(patchFields, new QueueOptionSet(forUpdate: true).Fields.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task QueueUpdate_Fifo_ContentDedupAndScope()
    {
        var q = Name("uf") + ".fifo";
        await Cli.RunOkAsync("queue", "create", q, "--fifo");

        var updated = await JsonAsync("queue", "update", q, "--content-based-dedup", "--dedup-scope", "messageGroup");

        Assert.True(updated.GetProperty("contentBasedDeduplication").GetBoolean());
        Assert.Equal("message-group", updated.GetProperty("deduplicationScope").GetString());
    }

    [Fact]
    public async Task QueueUpdate_UnknownQueue_ExitsOneNamingCreate()
    {
        var q = Name("nope");
        var result = await Cli.RunAsync("queue", "update", q, "--delay", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"sluice queue create {q}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueCreate_ExistsWithOtherOptions_HintNamesQueueUpdate()
    {
        var q = Name("hint");
        await Cli.RunOkAsync("queue", "create", q, "--delay", "1");

        var result = await Cli.RunAsync("queue", "create", q, "--delay", "2");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.EndsWith($"(to change its options: sluice queue update {q} [options])", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ack")]
    [InlineData("nack")]
    [InlineData("extend")]
    public async Task HandleVerb_MalformedReceiptHandle_ExitsTwo(string verb)
    {
        var q = Name("badhandle");
        await Cli.RunOkAsync("queue", "create", q);

        var result = await Cli.RunAsync(verb == "extend" ? [verb, q, "garbage", "--visibility", "10"] : [verb, q, "garbage"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: receipt handle 'garbage' is invalid", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueDelete_Missing_SaysNothingToDeleteNotCreate()
    {
        var q = Name("gone");

        var result = await Cli.RunAsync("queue", "delete", q);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: queue '{q}' does not exist: nothing to delete (sluice queue list shows the queues)", result.Error.Trim());
    }

    [Fact]
    public async Task MissingQueue_HintNamesCreateForTheRequestsQueueOnly()
    {
        var q = Name("missing");
        var dlq = Name("missing-dlq");

        var show = await Cli.RunAsync("queue", "show", q);
        var create = await Cli.RunAsync("queue", "create", q, "--dead-letter-queue", dlq, "--max-receive-count", "3");

        Assert.Equal(1, show.ExitCode);
        Assert.Equal($"error: queue '{q}' does not exist (to create it: sluice queue create {q})", show.Error.Trim());
        Assert.Equal(1, create.ExitCode);
        Assert.Equal($"error: dead-letter queue '{dlq}' does not exist: create it before naming it as --dead-letter-queue", create.Error.Trim());
    }

    [Fact]
    public async Task QueueDelete_DeadLetterQueueOfAnother_NamesTheCommandThatFreesIt()
    {
        var dlq = Name("used-dlq");
        var q = Name("user");
        await Cli.RunOkAsync("queue", "create", dlq);
        await Cli.RunOkAsync("queue", "create", q, "--max-receive-count", "3", "--dead-letter-queue", dlq);

        var result = await Cli.RunAsync("queue", "delete", dlq);

        Assert.Equal(1, result.ExitCode);
        var hint = $"sluice queue update {q} --reset dead-letter-queue --reset max-receive-count";
        Assert.Contains(hint, result.Error, StringComparison.Ordinal);

        // The hint works as printed.
        await Cli.RunOkAsync(hint.Split(' ')[1..]);
        await Cli.RunOkAsync("queue", "delete", dlq);
    }

    [Fact]
    public async Task Send_TooLarge_HintNamesQueueUpdate()
    {
        var q = Name("big");
        await Cli.RunOkAsync("queue", "create", q, "--max-message-size", "4");

        var result = await Cli.RunAsync("send", q, "more than four bytes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"sluice queue update {q} --max-message-size BYTES", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("receive", "{q}", "--wait", "60")]
    [InlineData("receive", "{q}", "--visibility", "50000")]
    [InlineData("send", "{q}", "x", "--delay", "9999999")]
    [InlineData("queue", "update", "{q}", "--retention", "1")]
    [InlineData("queue", "update", "{q}", "--receive-wait", "21")]
    [InlineData("queue", "create", "bad name")]
    public async Task ServerRefusesAValue_ExitsTwo(params string[] args)
    {
        var q = Name("range");
        await Cli.RunOkAsync("queue", "create", q);

        var result = await Cli.RunAsync([.. args.Select(a => a.Replace("{q}", q, StringComparison.Ordinal))]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("@not-a-response-file")]
    public async Task Send_BodyAfterDoubleDashOrStartingWithAt_IsSentAsWritten(string body)
    {
        var q = Name("dash");
        await Cli.RunOkAsync("queue", "create", q);

        await Cli.RunOkAsync("send", q, "--", body);

        var message = (await JsonAsync("receive", q)).GetProperty("messages")[0];
        Assert.Equal(body, message.GetProperty("body").GetString());
    }
}
