using System.Text.Json;

namespace Sluice.Cli.Tests;

/// <summary><c>sluice dlq groups|redrive --group|delete|move</c> against a real in-process server.</summary>
public sealed class DlqGroupCommandTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private CliRunner Cli => server.Cli;

    /// <summary>A work queue dead-lettering into a new DLQ, with one message per error dead-lettered by a CLI nack.</summary>
    private async Task<(string Work, string Dlq)> DeadLetterAsync(params string[] errors)
    {
        var dlq = ServerFixture.NewQueueName("dlq");
        var work = ServerFixture.NewQueueName("work");
        await Cli.RunOkAsync("queue", "create", dlq);
        await Cli.RunOkAsync("queue", "create", work, "--max-receive-count", "1", "--dead-letter-queue", dlq);
        for (var i = 0; i < errors.Length; i++)
            await Cli.RunOkAsync("send", work, "job " + i);
        var received = await Cli.RunOkAsync("receive", work, "--json", "--no-ack", "--max", "100");
        using var doc = JsonDocument.Parse(received.Output);
        foreach (var m in doc.RootElement.GetProperty("messages").EnumerateArray())
        {
            var index = int.Parse(m.GetProperty("body").GetString()!["job ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            await Cli.RunOkAsync("nack", work, m.GetProperty("receiptHandle").GetString()!, "--error", errors[index]);
        }

        return (work, dlq);
    }

    private async Task<JsonElement> GroupsJsonAsync(string dlq)
    {
        var result = await Cli.RunOkAsync("dlq", "groups", dlq, "--json");
        using var doc = JsonDocument.Parse(result.Output);
        return doc.RootElement.Clone();
    }

    private static long Ready(JsonElement stats) => stats.GetProperty("ready").GetInt64();

    private async Task<long> ReadyAsync(string queue)
    {
        var result = await Cli.RunOkAsync("stats", queue, "--json");
        using var doc = JsonDocument.Parse(result.Output);
        return Ready(doc.RootElement.GetProperty("queues")[0]);
    }

    [Fact]
    public async Task GroupsAndList_ControlCharactersFromProducers_ShownEscapedNeverRaw()
    {
        var (_, dlq) = await DeadLetterAsync("bad \u001b]0;pwned\u0007 input \u009b31m");

        var groups = await Cli.RunOkAsync("dlq", "groups", dlq);
        var list = await Cli.RunOkAsync("dlq", "list", dlq);

        foreach (var output in new[] { groups.Output, list.Output })
        {
            Assert.DoesNotContain('\u001b', output);
            Assert.DoesNotContain('\u0007', output);
            Assert.DoesNotContain('\u009b', output);
            Assert.Contains("\\x1B]", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Groups_TableAndJson_ShowGroupsLargestFirst()
    {
        var (work, dlq) = await DeadLetterAsync("order 1 not found", "order 22 not found", "order 333 not found", "System.IO.IOException: disk /dev/sda1 full");

        var table = await Cli.RunOkAsync("dlq", "groups", dlq);
        var json = await GroupsJsonAsync(dlq);

        Assert.Contains("order <num> not found", table.Output, StringComparison.Ordinal);
        Assert.Contains("System.IO.IOException: disk /dev/sda<num> full", table.Output, StringComparison.Ordinal);
        Assert.Contains(work + " 3", table.Output, StringComparison.Ordinal);
        Assert.Contains("4 messages in 2 groups", table.Error, StringComparison.Ordinal);
        var groups = json.GetProperty("groups").EnumerateArray().ToArray();
        Assert.Equal([3L, 1L], groups.Select(g => g.GetProperty("count").GetInt64()));
        Assert.Equal("error_text", groups[0].GetProperty("source").GetString());
        Assert.Equal("System.IO.IOException", groups[1].GetProperty("exceptionType").GetString());
        Assert.Contains(groups[0].GetProperty("groupId").GetString()!, table.Output, StringComparison.Ordinal);
        Assert.Equal(4, json.GetProperty("scanned").GetInt64());
    }

    [Fact]
    public async Task Groups_MaxSmallerThanGroups_SaysOnlyTheLargestAreShown()
    {
        var (_, dlq) = await DeadLetterAsync("a", "a", "b");

        var result = await Cli.RunOkAsync("dlq", "groups", dlq, "--max", "1");

        Assert.Contains("only the largest 1 are shown", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteAndMove_DryRunChangesNothingThenActionDoes()
    {
        var (work, dlq) = await DeadLetterAsync("timeout 1", "timeout 2", "other");
        var parked = ServerFixture.NewQueueName("parked");
        await Cli.RunOkAsync("queue", "create", parked);
        var group = (await GroupsJsonAsync(dlq)).GetProperty("groups")[0].GetProperty("groupId").GetString()!;
        var before = (await Cli.RunOkAsync("dlq", "list", dlq, "--json")).Output;

        var dryDelete = await Cli.RunOkAsync("dlq", "delete", dlq, "--group", group, "--dry-run");
        var dryMove = await Cli.RunOkAsync("dlq", "move", dlq, "--group", group, "--to", parked, "--dry-run", "--json");

        Assert.Equal(before, (await Cli.RunOkAsync("dlq", "list", dlq, "--json")).Output);
        Assert.Equal($"dry run: would delete 2 messages of group {group} from '{dlq}' (from {work} 2)", dryDelete.Output.Trim());
        using (var doc = JsonDocument.Parse(dryMove.Output))
        {
            Assert.True(doc.RootElement.GetProperty("dryRun").GetBoolean());
            Assert.Equal(2, doc.RootElement.GetProperty("affected").GetInt64());
            Assert.Equal(parked, doc.RootElement.GetProperty("destination").GetString());
        }

        var moved = await Cli.RunOkAsync("dlq", "move", dlq, "--group", group, "--to", parked);
        Assert.Equal($"moved 2 messages of group {group} from '{dlq}' to '{parked}' (from {work} 2)", moved.Output.Trim());
        Assert.Equal(2, await ReadyAsync(parked));
        Assert.Equal(1, await ReadyAsync(dlq));

        var deleted = await Cli.RunOkAsync("dlq", "delete", parked, "--group", group);
        Assert.StartsWith("deleted 2 messages", deleted.Output, StringComparison.Ordinal);
        Assert.Equal(0, await ReadyAsync(parked));
    }

    [Fact]
    public async Task RedriveGroup_DryRunThenWait_MovesOnlyTheGroupBack()
    {
        var (work, dlq) = await DeadLetterAsync("smtp 1 refused", "smtp 2 refused", "other");
        var group = (await GroupsJsonAsync(dlq)).GetProperty("groups")[0].GetProperty("groupId").GetString()!;

        var dry = await Cli.RunOkAsync("dlq", "redrive", dlq, "--group", group, "--dry-run");
        Assert.Equal($"dry run: would redrive 2 messages of group {group} from '{dlq}' to their source queues (from {work} 2)", dry.Output.Trim());
        Assert.Equal(3, await ReadyAsync(dlq));

        var redrive = await Cli.RunOkAsync("dlq", "redrive", dlq, "--group", group, "--rate", "1000", "--wait");

        Assert.Contains($"moving 2 messages of group {group} from '{dlq}' to their source queues at 1000/s", redrive.Output, StringComparison.Ordinal);
        Assert.Contains("completed: moved 2 of 2", redrive.Output, StringComparison.Ordinal);
        Assert.Equal(2, await ReadyAsync(work));
        Assert.Equal(1, await ReadyAsync(dlq));
    }

    [Fact]
    public async Task GroupVerbs_BadUse_ExitCodes()
    {
        var (_, dlq) = await DeadLetterAsync("x");

        var dryWithoutGroup = await Cli.RunAsync("dlq", "redrive", dlq, "--dry-run");
        var missingGroup = await Cli.RunAsync("dlq", "delete", dlq);
        var moveWithoutTo = await Cli.RunAsync("dlq", "move", dlq, "--group", "0123456789abcdef");
        var badGroup = await Cli.RunAsync("dlq", "delete", dlq, "--group", "nope");

        Assert.Equal(2, dryWithoutGroup.ExitCode);
        Assert.Contains("--dry-run needs --group", dryWithoutGroup.Error, StringComparison.Ordinal);
        Assert.Equal(2, missingGroup.ExitCode);
        Assert.Equal(2, moveWithoutTo.ExitCode);
        Assert.Equal(2, badGroup.ExitCode); // the server refused the argument: a usage error
        Assert.Contains("group id", badGroup.Error, StringComparison.Ordinal);
        Assert.Equal(1, await ReadyAsync(dlq));
    }

    [Fact]
    public async Task GroupVerbs_GroupWithoutMembers_FailWithHintAtDlqGroups()
    {
        var (_, dlq) = await DeadLetterAsync("x");

        var deleted = await Cli.RunAsync("dlq", "delete", dlq, "--group", "0123456789abcdef");
        var redriven = await Cli.RunAsync("dlq", "redrive", dlq, "--group", "0123456789abcdef");

        foreach (var result in new[] { deleted, redriven })
        {
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains($"sluice dlq groups {dlq}", result.Error, StringComparison.Ordinal);
        }

        Assert.Equal(1, await ReadyAsync(dlq));
    }
}
