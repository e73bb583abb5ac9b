using System.CommandLine;
using System.Text.Json;

namespace Sluice.Cli.Tests;

/// <summary>
/// Every command's output ends with a line break, on stdout and stderr, as text and as JSON, on success and on
/// failure: a result printed without one leaves the shell prompt on the same line. The script below runs every verb
/// of the command tree; a test checks that it does, so a new verb cannot be added without being checked here.
/// </summary>
public sealed class OutputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly List<string[]> _ran = [];

    private CliRunner Cli => server.Cli;

    [Fact]
    public async Task EveryCommand_OutputAndErrors_EndWithANewline()
    {
        var d = ServerFixture.NewQueueName("out-dlq");
        var q = ServerFixture.NewQueueName("out-q");
        var parked = ServerFixture.NewQueueName("out-parked");
        var t = ServerFixture.NewQueueName("out-t");
        var s = ServerFixture.NewQueueName("out-s");

        await OkAsync("queue", "create", d);
        await OkAsync("queue", "create", q, "--max-receive-count", "1", "--dead-letter-queue", d);
        await OkAsync("queue", "create", parked);
        await OkAsync("queue", "update", q, "--delay", "0");
        await OkAsync("queue", "list");
        await OkAsync("queue", "show", q);
        await OkAsync("queue", "show", q, "--json");
        await OkAsync("send", q, "one");
        await OkAsync("send", q, "two", "--json");

        var received = await OkAsync("receive", q, "--no-ack", "--max", "2", "--json");
        string[] handles;
        using (var doc = JsonDocument.Parse(received.Output))
            handles = [.. doc.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("receiptHandle").GetString()!)];
        Assert.Equal(2, handles.Length);
        await OkAsync("extend", q, handles[0], "--visibility", "30");
        await OkAsync("ack", q, handles[0]);
        await OkAsync("nack", q, handles[1], "--error", "boom");

        await OkAsync("dlq", "list", d);
        var groups = await OkAsync("dlq", "groups", d, "--json");
        string group;
        using (var doc = JsonDocument.Parse(groups.Output))
            group = doc.RootElement.GetProperty("groups")[0].GetProperty("groupId").GetString()!;
        await OkAsync("dlq", "groups", d);
        await OkAsync("dlq", "delete", d, "--group", group, "--dry-run");
        await OkAsync("dlq", "move", d, "--group", group, "--to", parked, "--dry-run");
        await OkAsync("dlq", "redrive", d, "--wait");
        await OkAsync("receive", q, "--wait", "1");
        await OkAsync("receive", q);
        await OkAsync("stats");
        await OkAsync("stats", q, "--json");
        await OkAsync("cluster");
        await OkAsync("cluster", "--json");
        await OkAsync("queue", "purge", q);

        await OkAsync("topic", "create", t);
        await OkAsync("topic", "subscribe", t, q);
        await OkAsync("topic", "list");
        await OkAsync("topic", "show", t);
        await OkAsync("topic", "subscriptions", t);
        await OkAsync("topic", "publish", t, "hello");
        await OkAsync("topic", "unsubscribe", t, q);
        await OkAsync("topic", "delete", t);

        await OkAsync("stream", "create", s);
        await OkAsync("stream", "add", s, "--id", "1-1", "n=1");
        await OkAsync("stream", "add", s, "--id", "2-1", "n=2");
        await OkAsync("stream", "add", s, "n=3", "--json");
        await OkAsync("stream", "list");
        await OkAsync("stream", "show", s);
        await OkAsync("stream", "range", s);
        await OkAsync("stream", "read", s, "--after", "0");
        await OkAsync("stream", "group", "create", s, "g", "--start", "0");
        await OkAsync("stream", "group", "list", s);
        await OkAsync("stream", "read", s, "--group", "g", "--consumer", "c1");
        await OkAsync("stream", "pending", s, "g");
        await OkAsync("stream", "claim", s, "g", "c2", "1-1");
        await OkAsync("stream", "autoclaim", s, "g", "c3");
        await OkAsync("stream", "ack", s, "g", "1-1", "2-1");
        await OkAsync("stream", "group", "setid", s, "g", "0");
        await OkAsync("stream", "trim", s, "--max-length", "2");
        await OkAsync("stream", "del", s, "2-1");
        await OkAsync("stream", "group", "delete", s, "g");
        await OkAsync("stream", "delete", s);

        var key = await OkAsync("auth", "key", "create", "output-test", "--grant", "*:consume", "--json");
        await OkAsync("auth", "key", "list");
        await OkAsync("auth", "key", "revoke", System.Text.Json.JsonDocument.Parse(key.Output).RootElement.GetProperty("key").GetProperty("id").GetString()!);

        await OkAsync("completion", "bash");
        await OkAsync("completion", "zsh");
        await OkAsync("completion", "pwsh");
        await OkAsync("queue", "delete", q);
        await OkAsync("queue", "delete", parked);

        // Failures: a server error, a usage error, an empty result (said on stderr).
        await FailAsync("queue", "show", q);
        await FailAsync("stream", "add", s, "no-equals-sign");
        await FailAsync("dlq", "list", d, "--max", "0");
        await OkAsync("receive", d);
        await OkAsync("queue", "delete", d);

        var missed = LeafCommands(new CliApp(TextWriter.Null, TextWriter.Null).Root).Except(_ran.Select(CommandPath)).ToList();
        missed.Remove("serve"); // runs a server until stopped: its output is checked in ServeTests
        Assert.True(missed.Count == 0, "commands this test does not run: " + string.Join(", ", missed));
    }

    [Fact]
    public async Task EveryCommand_Help_ListsEachOptionOnce()
    {
        var root = new CliApp(TextWriter.Null, TextWriter.Null).Root;
        foreach (var path in AllCommands(root))
        {
            var help = await Cli.RunOkAsync([.. path.Split(' '), "--help"]);
            var options = help.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('-')).Select(l => l.Split("  ")[0]).ToList();
            Assert.True(options.Count == options.Distinct().Count(), $"'sluice {path} --help' lists an option twice:\n{help.Output}");
            Assert.EndsWith("\n", help.Output, StringComparison.Ordinal);
        }
    }

    private async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await Cli.RunOkAsync(args);
        AssertEndsWithNewline(args, result);
        return result;
    }

    private async Task FailAsync(params string[] args)
    {
        var result = await Cli.RunAsync(args);
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.NotEmpty(result.Error);
        AssertEndsWithNewline(args, result);
    }

    private void AssertEndsWithNewline(string[] args, CliResult result)
    {
        _ran.Add(args);
        foreach (var (name, text) in new[] { ("stdout", result.Output), ("stderr", result.Error) })
        {
            Assert.True(text.Length == 0 || text.EndsWith('\n'), $"'sluice {string.Join(' ', args)}': {name} does not end with a newline:\n{result}");
        }
    }

    private static string CommandPath(string[] args)
    {
        var command = new CliApp(TextWriter.Null, TextWriter.Null).Root.Parse(args).CommandResult;
        var names = new List<string>();
        for (var c = command; c is not null && c.Command is not RootCommand; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static IEnumerable<string> AllCommands(Command command, string prefix = "")
    {
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            var path = prefix.Length == 0 ? sub.Name : prefix + " " + sub.Name;
            yield return path;
            foreach (var below in AllCommands(sub, path))
                yield return below;
        }
    }

    private static IEnumerable<string> LeafCommands(Command command, string prefix = "")
    {
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            var path = prefix.Length == 0 ? sub.Name : prefix + " " + sub.Name;
            if (sub.Subcommands.Count == 0)
                yield return path;
            else
            {
                // A command with verbs may also act itself ('dlq groups QUEUE', 'stream group ...' has no action of its own).
                if (sub.Action is not null)
                    yield return path;
                foreach (var leaf in LeafCommands(sub, path))
                    yield return leaf;
            }
        }
    }
}
