using System.Text.Json;

namespace Sluice.Cli.Tests;

/// <summary>The admin verbs, in-process, against a real in-process server.</summary>
public sealed class AdminVerbTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private CliRunner Cli => server.Cli;

    private static string Name(string prefix) => ServerFixture.NewQueueName(prefix);

    private async Task<string> CreateQueueAsync(string prefix, params string[] options)
    {
        var name = Name(prefix);
        await Cli.RunOkAsync(["queue", "create", name, .. options]);
        return name;
    }

    private async Task<JsonElement> ReceiveJsonAsync(string queue, params string[] options)
    {
        var result = await Cli.RunOkAsync(["receive", queue, "--json", .. options]);
        using var doc = JsonDocument.Parse(result.Output);
        return doc.RootElement.GetProperty("messages").Clone();
    }

    private static string Field(CliResult result, string key) =>
        result.Output.Split('\n').Single(l => l.StartsWith(key + "  ", StringComparison.Ordinal))[key.Length..].Trim();

    [Fact]
    public async Task Queue_CreateListShowPurgeDelete_Work()
    {
        var dlq = await CreateQueueAsync("dead");
        var name = Name("jobs");

        var created = await Cli.RunOkAsync("queue", "create", name, "--visibility-timeout", "45", "--max-receive-count", "3",
            "--dead-letter-queue", dlq, "--max-length", "100", "--overflow", "drop-head", "--dedup-window", "60");
        Assert.Contains($"queue '{name}' is ready", created.Output, StringComparison.Ordinal);

        // Creating again with the same options succeeds.
        await Cli.RunOkAsync("queue", "create", name, "--visibility-timeout", "45", "--max-receive-count", "3",
            "--dead-letter-queue", dlq, "--max-length", "100", "--overflow", "drop-head", "--dedup-window", "60");

        var list = await Cli.RunOkAsync("queue", "list");
        Assert.Contains(name, list.Output, StringComparison.Ordinal);
        Assert.Contains(dlq, list.Output, StringComparison.Ordinal);

        await Cli.RunOkAsync("send", name, "one");
        await Cli.RunOkAsync("send", name, "two");
        var show = await Cli.RunOkAsync("queue", "show", name);
        Assert.Equal("45s", Field(show, "visibility timeout"));
        Assert.Equal("3", Field(show, "max receive count"));
        Assert.Equal(dlq, Field(show, "dead-letter queue"));
        Assert.Equal("100", Field(show, "max length"));
        Assert.Equal("drop-head", Field(show, "overflow policy"));
        Assert.Equal("1m", Field(show, "dedup window"));
        Assert.Equal("2", Field(show, "ready"));

        var purge = await Cli.RunOkAsync("queue", "purge", name);
        Assert.Contains("purged 2 messages", purge.Output, StringComparison.Ordinal);

        await Cli.RunOkAsync("queue", "delete", name);
        var after = await Cli.RunAsync("queue", "show", name);
        Assert.Equal(1, after.ExitCode);
        Assert.DoesNotContain(name + " ", (await Cli.RunOkAsync("queue", "list")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_CreateWithConflictingOptions_ExitsOneWithServerDetail()
    {
        var name = await CreateQueueAsync("conflict", "--visibility-timeout", "10");

        var result = await Cli.RunAsync("queue", "create", name, "--visibility-timeout", "20");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("--visibility-timeout", "50000", "visibilityTimeoutSeconds")]
    [InlineData("--receive-wait", "21", "receiveWaitTimeSeconds")]
    [InlineData("--max-message-size", "999999999", "maxMessageSize")]
    public async Task Queue_CreateWithOutOfRangeOption_NamesTheOptionNotTheRestField(string option, string value, string field)
    {
        var result = await Cli.RunAsync("queue", "create", Name("range"), option, value);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith($"error: {option} {value}", line, StringComparison.Ordinal);
        Assert.DoesNotContain(field, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receive_WithOutOfRangeVisibility_NamesTheOption()
    {
        var q = await CreateQueueAsync("range-receive");

        var result = await Cli.RunAsync("receive", q, "--visibility", "50000");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --visibility 50000 s is out of range", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownQueue_ExitsOneWithOneLineServerMessage()
    {
        var name = Name("missing");

        var result = await Cli.RunAsync("send", name, "hello");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith($"error: queue '{name}' does not exist", line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Send_FromArgument_PrintsIdAndReceiveAcks()
    {
        var q = await CreateQueueAsync("arg");

        var sent = await Cli.RunOkAsync("send", q, "hello world");
        var id = sent.Output.Trim();
        Assert.True(Guid.TryParse(id, out _), sent.ToString());

        var received = await Cli.RunOkAsync("receive", q);
        Assert.Contains("id: " + id, received.Output, StringComparison.Ordinal);
        Assert.Contains("body: hello world", received.Output, StringComparison.Ordinal);
        Assert.Contains("receive count: 1", received.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("receipt handle", received.Output, StringComparison.Ordinal);

        // Acked after printing: nothing left, nothing in flight.
        var show = await Cli.RunOkAsync("queue", "show", q);
        Assert.Equal("0", Field(show, "ready"));
        Assert.Equal("0", Field(show, "in flight"));
        var empty = await Cli.RunOkAsync("receive", q);
        Assert.Empty(empty.Output);
        Assert.Contains("no messages", empty.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_FromStdin_SendsTheBytes()
    {
        var q = await CreateQueueAsync("stdin");

        await AssertOk(await Cli.RunWithInputAsync(CliRunner.Utf8("from stdin\n"), "send", q));
        await AssertOk(await Cli.RunWithInputAsync(CliRunner.Utf8("dash"), "send", q, "-"));

        var messages = await ReceiveJsonAsync(q, "--max", "10");
        Assert.Equal(["from stdin\n", "dash"], messages.EnumerateArray().Select(m => m.GetProperty("body").GetString()).Order().Reverse());
    }

    [Fact]
    public async Task Send_FromFile_SendsBinaryAsBase64()
    {
        var q = await CreateQueueAsync("file");
        var path = Path.GetTempFileName();
        byte[] bytes = [0xff, 0xfe, 0x00, 0x01];
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            await Cli.RunOkAsync("send", q, "--file", path);
        }
        finally
        {
            File.Delete(path);
        }

        var message = Assert.Single((await ReceiveJsonAsync(q)).EnumerateArray());
        Assert.Equal(Convert.ToBase64String(bytes), message.GetProperty("bodyBase64").GetString());
    }

    [Fact]
    public async Task Send_MissingFile_ExitsOne()
    {
        var q = await CreateQueueAsync("nofile");
        var result = await Cli.RunAsync("send", q, "--file", "/nonexistent/sluice-body");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: cannot read --file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_AttributesAndPriority_AreDelivered()
    {
        var q = await CreateQueueAsync("attrs");

        await Cli.RunOkAsync("send", q, "low");
        await Cli.RunOkAsync("send", q, "high", "--priority", "7", "--attr", "color=blue", "--attr", "n:Number=42", "-a", "b:Binary=AQID");

        var received = await Cli.RunOkAsync("receive", q);
        Assert.Contains("body: high", received.Output, StringComparison.Ordinal);
        Assert.Contains("priority: 7", received.Output, StringComparison.Ordinal);
        Assert.Contains("attribute color (String): blue", received.Output, StringComparison.Ordinal);
        Assert.Contains("attribute n (Number): 42", received.Output, StringComparison.Ordinal);
        Assert.Contains("attribute b (Binary): AQID", received.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifo_CreateSendReceive_KeepsGroupOrderAndDedupsByContent()
    {
        var q = Name("orders") + ".fifo";
        await Cli.RunOkAsync("queue", "create", q, "--fifo", "--content-based-dedup", "--tag", "team=billing", "--receive-wait", "1");

        var show = await Cli.RunOkAsync("queue", "show", q);
        Assert.Equal("yes", Field(show, "fifo"));
        Assert.Equal("yes", Field(show, "content-based dedup"));
        Assert.Equal("team=billing", Field(show, "tags"));
        Assert.Equal("1s", Field(show, "receive wait"));

        var first = (await Cli.RunOkAsync("send", q, "a", "--group-id", "g1")).Output.Trim();
        await Cli.RunOkAsync("send", q, "b", "-g", "g1");
        Assert.Equal(first + " duplicate", (await Cli.RunOkAsync("send", q, "a", "--group-id", "g1")).Output.Trim());

        var received = await Cli.RunOkAsync("receive", q, "--max", "10");
        Assert.Contains("group: g1", received.Output, StringComparison.Ordinal);
        Assert.True(received.Output.IndexOf("body: a", StringComparison.Ordinal) < received.Output.IndexOf("body: b", StringComparison.Ordinal), received.Output);

        // The server refuses the value (invalid_argument): a usage error, exit 2 (issue 6).
        var missingGroup = await Cli.RunAsync("send", q, "c");
        Assert.Equal(2, missingGroup.ExitCode);
        Assert.StartsWith("error: ", missingGroup.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithDelay_IsDelayed()
    {
        var q = await CreateQueueAsync("delay");

        await Cli.RunOkAsync("send", q, "later", "--delay", "600");

        var stats = await Cli.RunOkAsync("queue", "show", q);
        Assert.Equal("1", Field(stats, "delayed"));
        Assert.Equal("0", Field(stats, "ready"));
        Assert.Empty((await ReceiveJsonAsync(q)).EnumerateArray());
    }

    [Fact]
    public async Task Send_SameDedupId_PrintsOriginalIdAndDuplicate()
    {
        var q = await CreateQueueAsync("dedup");

        var first = (await Cli.RunOkAsync("send", q, "x", "--dedup-id", "order-1")).Output.Trim();
        var second = (await Cli.RunOkAsync("send", q, "x", "--dedup-id", "order-1")).Output.Trim();

        Assert.Equal(first + " duplicate", second);
        Assert.Equal("1", Field(await Cli.RunOkAsync("queue", "show", q), "ready"));
    }

    [Fact]
    public async Task Receive_NoAck_PrintsHandleThatAckExtendAndNackAccept()
    {
        var q = await CreateQueueAsync("noack");
        await Cli.RunOkAsync("send", q, "a");

        var received = await Cli.RunOkAsync("receive", q, "--no-ack", "--visibility", "300");
        var handle = received.Output.Split('\n').Single(l => l.StartsWith("receipt handle: ", StringComparison.Ordinal))["receipt handle: ".Length..].Trim();
        Assert.Equal("1", Field(await Cli.RunOkAsync("queue", "show", q), "in flight"));

        var extended = await Cli.RunOkAsync("extend", q, handle, "--visibility", "600");
        Assert.StartsWith("visible until ", extended.Output, StringComparison.Ordinal);

        await Cli.RunOkAsync("nack", q, handle);
        var again = await ReceiveJsonAsync(q, "--no-ack");
        var message = Assert.Single(again.EnumerateArray());
        Assert.Equal(2, message.GetProperty("receiveCount").GetInt32());

        await Cli.RunOkAsync("ack", q, message.GetProperty("receiptHandle").GetString()!);
        var show = await Cli.RunOkAsync("queue", "show", q);
        Assert.Equal("0", Field(show, "in flight"));
        Assert.Equal("0", Field(show, "ready"));

        // The handle is spent now: a clear one-line error, exit 1.
        var stale = await Cli.RunAsync("ack", q, handle);
        Assert.Equal(1, stale.ExitCode);
        Assert.Single(stale.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Receive_Json_IsMachineReadableAndOmitsHandlesOfAckedMessages()
    {
        var q = await CreateQueueAsync("json");
        await Cli.RunOkAsync("send", q, "one");
        await Cli.RunOkAsync("send", q, "two");

        var messages = await ReceiveJsonAsync(q, "--max", "10");

        Assert.Equal(2, messages.GetArrayLength());
        foreach (var m in messages.EnumerateArray())
        {
            Assert.True(Guid.TryParse(m.GetProperty("messageId").GetString(), out _));
            Assert.False(m.TryGetProperty("receiptHandle", out _));
        }

        Assert.Equal("0", Field(await Cli.RunOkAsync("queue", "show", q), "in flight"));
    }

    [Fact]
    public async Task Dlq_ListAndRedriveWait_MoveMessagesBack()
    {
        var dlq = await CreateQueueAsync("dlq");
        var q = await CreateQueueAsync("work", "--max-receive-count", "1", "--dead-letter-queue", dlq);
        for (var i = 0; i < 3; i++)
            await Cli.RunOkAsync("send", q, "job " + i);

        // Each message fails once with an error: at max receive count 1 the nack dead-letters it.
        foreach (var m in (await ReceiveJsonAsync(q, "--no-ack", "--max", "10")).EnumerateArray())
            await Cli.RunOkAsync("nack", q, m.GetProperty("receiptHandle").GetString()!, "--error", "boom: disk full");

        var list = await Cli.RunOkAsync("dlq", "list", dlq);
        Assert.Equal(3, list.Output.Split('\n').Count(l => l.Contains("boom: disk full", StringComparison.Ordinal)));
        Assert.Contains(q, list.Output, StringComparison.Ordinal);
        Assert.Contains("max_receive_count", list.Output, StringComparison.Ordinal);

        var stats = await Cli.RunOkAsync("stats", q);
        Assert.Contains("3", stats.Output, StringComparison.Ordinal);

        var redrive = await Cli.RunOkAsync("dlq", "redrive", dlq, "--wait", "--rate", "1000");
        Assert.Contains("completed: moved 3 of 3", redrive.Output, StringComparison.Ordinal);
        Assert.Equal("3", Field(await Cli.RunOkAsync("queue", "show", q), "ready"));
        Assert.Equal("0", Field(await Cli.RunOkAsync("queue", "show", dlq), "ready"));
    }

    [Fact]
    public async Task DlqRedriveWait_Cancelled_CancelsTheTaskOnTheServer()
    {
        var dlq = await CreateQueueAsync("dlq3");
        var q = await CreateQueueAsync("work3", "--max-receive-count", "1", "--dead-letter-queue", dlq);
        for (var i = 0; i < 5; i++)
            await Cli.RunOkAsync("send", q, "job " + i);
        foreach (var m in (await ReceiveJsonAsync(q, "--no-ack", "--max", "10")).EnumerateArray())
            await Cli.RunOkAsync("nack", q, m.GetProperty("receiptHandle").GetString()!);

        using var output = new SignallingWriter(" started: moving 5 messages");
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var app = new CliApp(output, error, Stream.Null, _ => Cli.Url);

        // One message a second: the task is still running when Ctrl+C (the token) arrives.
        var run = app.RunAsync(["dlq", "redrive", dlq, "--wait", "--rate", "1"], stop.Token);
        Assert.Same(output.Seen, await Task.WhenAny(output.Seen, run));
        await stop.CancelAsync();

        Assert.Equal(130, await run);
        Assert.Matches(@"^redrive \S+ cancelled: moved [0-4] of 5", error.ToString());
        var left = Field(await Cli.RunOkAsync("queue", "show", dlq), "ready");
        Assert.NotEqual("0", left);
    }

    [Fact]
    public async Task DlqRedrive_ToUnknownDestination_ExitsOne()
    {
        var dlq = await CreateQueueAsync("dlq2");
        var result = await Cli.RunAsync("dlq", "redrive", dlq, "--to", Name("nowhere"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_Table_ShowsTheCounts()
    {
        var q = await CreateQueueAsync("stats");
        for (var i = 0; i < 4; i++)
            await Cli.RunOkAsync("send", q, "m" + i);
        await Cli.RunOkAsync("send", q, "later", "--delay", "600");
        await Cli.RunOkAsync("receive", q, "--no-ack", "--max", "2", "--visibility", "600");

        var one = await Cli.RunOkAsync("stats", q);
        var row = one.Output.Split('\n').Single(l => l.Contains(q, StringComparison.Ordinal));
        var cells = row.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([q, "2", "2", "1", "0"], cells[..5]);
        Assert.Contains("in flight", one.Output, StringComparison.Ordinal);
        Assert.Contains("publish/s", one.Output, StringComparison.Ordinal);

        var all = await Cli.RunOkAsync("stats");
        Assert.Contains(q, all.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsWatch_RedirectedOutput_AppendsTablesUntilCancelled()
    {
        var q = await CreateQueueAsync("watch");
        await Cli.RunOkAsync("send", q, "m");
        var rows = 0;
        using var output = new SignallingWriter(line => line.Contains(q, StringComparison.Ordinal) && Interlocked.Increment(ref rows) >= 2);
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var app = new CliApp(output, error, Stream.Null, _ => Cli.Url);

        var run = app.RunAsync(["stats", q, "--watch", "--interval", "0.1"], stop.Token);
        Assert.Same(output.Seen, await Task.WhenAny(output.Seen, run));
        await stop.CancelAsync();

        Assert.Equal(0, await run);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public async Task StatsWatch_ServerGoesDown_ShowsErrorAndKeepsRetrying()
    {
        var server = new Sluice.Server.Hosting.SluiceServer(
            new Sluice.Server.Hosting.SluiceServerOptions { Store = Sluice.Server.Hosting.SluiceServerOptions.MemoryStore, HttpUrl = "http://127.0.0.1:0", Auth = TestAuth.Off },
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await server.StartAsync();
        var url = server.HttpAddress.GetLeftPart(UriPartial.Authority);
        var q = Name("down");
        await new CliRunner(url).RunOkAsync("queue", "create", q);
        using var output = new SignallingWriter(q);
        var failures = 0;
        using var error = new SignallingWriter(line => line.Contains("retrying", StringComparison.Ordinal) && Interlocked.Increment(ref failures) >= 2);
        using var stop = new CancellationTokenSource();
        var app = new CliApp(output, error, Stream.Null, _ => url);

        var run = app.RunAsync(["stats", q, "--watch", "--interval", "0.1"], stop.Token);
        Assert.Same(output.Seen, await Task.WhenAny(output.Seen, run));
        await server.DisposeAsync();

        Assert.Same(error.Seen, await Task.WhenAny(error.Seen, run));
        Assert.False(run.IsCompleted);
        Assert.Contains($"error: cannot reach the Sluice server at {url}", error.ToString(), StringComparison.Ordinal);
        await stop.CancelAsync();
        Assert.Equal(0, await run);
    }

    private static Task AssertOk(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return Task.CompletedTask;
    }
}
