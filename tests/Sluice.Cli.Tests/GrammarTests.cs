using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Cli.Commands;

namespace Sluice.Cli.Tests;

/// <summary>The CLI's grammar without a server: unknown options, help, completion, enum spellings, counts and durations.</summary>
public sealed class GrammarTests
{
    private static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    /// <summary>Every leaf verb of the command tree, with a value for each of its arguments.</summary>
    public static TheoryData<string[]> EveryVerb()
    {
        var data = new TheoryData<string[]>();
        void Walk(Command command, List<string> path)
        {
            if (command.Subcommands.Count == 0)
            {
                data.Add([.. path, .. command.Arguments.Select(a => a.Name == "shell" ? "bash" : "a")]);
                return;
            }

            foreach (var sub in command.Subcommands)
                Walk(sub, [.. path, sub.Name]);
        }

        Walk(new CliApp(TextWriter.Null, TextWriter.Null).Root, []);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryVerb))]
    public async Task AnyVerb_UnknownOption_ExitsTwoNamingIt(string[] verb)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync([.. verb, "--bogus"]);

        Assert.True(result.ExitCode == 2, string.Join(' ', verb) + ": " + result);
        // One wording on every verb (not System.CommandLine's "Unrecognized command or argument").
        Assert.Contains($"error: unknown option '--bogus' for 'sluice {string.Join(' ', verb.TakeWhile(v => v != "a" && v != "bash"))}'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("queue", "show", "q", "--bogus")]
    [InlineData("completion", "bash", "--json")]
    [InlineData("queue", "purge", "q", "extra")]
    [InlineData("queue", "bogus")]
    [InlineData("bogus")]
    [InlineData("queue", "list", "extra")]
    [InlineData("serve", "extra")]
    public async Task Verb_TokenNoOptionOrArgumentTakes_OneErrorLineAndExitTwo(params string[] args)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        var errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.Contains($"'{args[^1]}'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("update")]
    public async Task QueueCreateOrUpdate_TagKeyTwice_ExitsTwoNamingTheKey(string verb)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("queue", verb, "q", "--tag", "a=b", "--tag", "a=c");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --tag 'a=c' repeats the key 'a': give each key once", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("send", "q", "--jsn")]
    [InlineData("send", "q", "-x")]
    [InlineData("stats", "--jsn")]
    [InlineData("dlq", "list", "--queue")]
    public async Task FreeArgumentSlot_TokenLikeAnOption_IsAnUnknownOptionNotAValue(params string[] args)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: unknown option '{args[^1]}'", result.Error, StringComparison.Ordinal);
        Assert.Contains("put it after '--'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BareSluice_PrintsHelp_ExitsZero()
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains("serve", result.Output, StringComparison.Ordinal);
        Assert.Contains("completion", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    /// <summary>Every command of the tree (groups and leaves), as the words that name it.</summary>
    public static TheoryData<string[]> EveryCommand()
    {
        var data = new TheoryData<string[]> { Array.Empty<string>() };
        void Walk(Command command, List<string> path)
        {
            foreach (var sub in command.Subcommands)
            {
                data.Add([.. path, sub.Name]);
                Walk(sub, [.. path, sub.Name]);
            }
        }

        Walk(new CliApp(TextWriter.Null, TextWriter.Null).Root, []);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task AnyCommandHelp_NoAdditionalArgumentsLine(string[] command)
    {
        // No command takes arguments beyond those it names (unknown ones are usage errors), so help must not offer any.
        var result = await new CliRunner(ClosedPortUrl()).RunAsync([.. command, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("additional arguments", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ServeHelp_ListsOnlyServeOptions()
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("serve", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--data-dir", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--url", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--json", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientVerbHelp_ListsUrlAndJson()
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("queue", "show", "--help");

        Assert.Contains("--url", result.Output, StringComparison.Ordinal);
        Assert.Contains("--json", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("queue", "update", "q")]
    [InlineData("queue", "update", "q", "--max-length", "5", "--reset", "max-length")]
    [InlineData("queue", "update", "q", "--reset", "colour")]
    [InlineData("queue", "create", "q", "--overflow", "dropTail")]
    [InlineData("completion", "fish")]
    public async Task QueueUpdateAndCompletion_BadUse_ExitsTwo(params string[] args)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _sluice_complete sluice")]
    [InlineData("zsh", "compdef _sluice_complete sluice")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName sluice")]
    public async Task Completion_Shell_PrintsScriptUsingTheSuggestDirective(string shell, string registration)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("completion", shell);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("sluice \"[suggest:", result.Output, StringComparison.Ordinal);
        Assert.Contains(registration, result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sluice qu", "queue")]
    [InlineData("sluice queue up", "update")]
    [InlineData("sluice queue create q --overflow d", "drop-head")]
    [InlineData("sluice queue update q --dedup-scope m", "message-group")]
    [InlineData("sluice serve --store p", "postgres")]
    [InlineData("sluice queue update q --reset dead", "dead-letter-queue")]
    public async Task SuggestDirective_PartialLine_OffersTheCompletion(string line, string expected)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync($"[suggest:{line.Length}]", line);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.Output.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task BashCompletionScript_Sourced_CompletesQuToQueue()
    {
        // The real script in a real bash: 'sluice' runs the CLI under test, the completion function fills COMPREPLY.
        var script = (await new CliRunner(ClosedPortUrl()).RunAsync("completion", "bash")).Output;
        var cli = typeof(CliApp).Assembly.Location;
        var file = Path.Combine(Path.GetTempPath(), $"sluice-completion-{Guid.NewGuid():N}.bash");
        await File.WriteAllTextAsync(file, $$"""
            sluice() { dotnet '{{cli}}' "$@"; }
            {{script}}
            COMP_LINE='sluice qu'; COMP_POINT=9; COMP_WORDS=(sluice qu); COMP_CWORD=1
            _sluice_complete
            printf '%s\n' "${COMPREPLY[@]}"
            """);
        try
        {
            var start = new ProcessStartInfo("bash", [file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var bash = Process.Start(start)!;
            var output = await bash.StandardOutput.ReadToEndAsync();
            var error = await bash.StandardError.ReadToEndAsync();
            await bash.WaitForExitAsync();

            Assert.True(bash.ExitCode == 0, error);
            Assert.Equal(["queue"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("dropHead", "drop-head")]
    [InlineData("drop-head", "drop-head")]
    [InlineData("deadLetterHead", "dead-letter-head")]
    [InlineData("messageGroup", "message-group")]
    [InlineData("queue", "queue")]
    [InlineData(null, null)]
    public void EnumsCanonical_EitherSpelling_IsKebabCase(string? value, string? expected) =>
        Assert.Equal(expected, Enums.Canonical(value));

    [Theory]
    [InlineData(0, "0 messages")]
    [InlineData(1, "1 message")]
    [InlineData(2, "2 messages")]
    [InlineData(1500, "1,500 messages")]
    public void FormatCount_PluralOnlyWhenNotOne(long count, string expected) =>
        Assert.Equal(expected, Format.Count(count, "message"));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1.5, "1.5s")]
    [InlineData(60, "1m")]
    [InlineData(90, "1m 30s")]
    [InlineData(9000, "2h 30m")]
    [InlineData(345600, "4d")]
    public void FormatDuration_SecondsAndTimeSpan_Agree(double seconds, string expected)
    {
        Assert.Equal(expected, Format.Duration(seconds));
        Assert.Equal(expected, Format.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void FormatBytes_UsesTheCountHelper() => Assert.Equal("1 byte", Format.Bytes(1));

    [Fact]
    public async Task StatsWatch_ServerDownAtStart_KeepsRetrying()
    {
        var url = ClosedPortUrl();
        var failures = 0;
        using var error = new SignallingWriter(line => line.Contains("retrying", StringComparison.Ordinal) && Interlocked.Increment(ref failures) >= 2);
        using var stop = new CancellationTokenSource();
        var app = new CliApp(TextWriter.Null, error, Stream.Null, _ => url);

        var run = app.RunAsync(["stats", "--watch", "--interval", "0.1"], stop.Token);
        Assert.Same(error.Seen, await Task.WhenAny(error.Seen, run));

        Assert.False(run.IsCompleted);
        Assert.StartsWith($"error: cannot reach the Sluice server at {url}", error.ToString(), StringComparison.Ordinal);
        await stop.CancelAsync();
        Assert.Equal(0, await run);
    }
}
