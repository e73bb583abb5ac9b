using System.Net;
using System.Net.Sockets;
using Sluice.Cli.Commands;

namespace Sluice.Cli.Tests;

/// <summary>Behaviour that needs no server: usage errors, an unreachable server, argument parsing.</summary>
public sealed class OfflineTests
{
    private static string ClosedPortUrl()
    {
        // Bind and release a port: nothing listens there afterwards, so a connect is refused.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    [Fact]
    public async Task AnyVerb_ServerNotRunning_ExitsOneWithCannotReachMessage()
    {
        var url = ClosedPortUrl();
        var result = await new CliRunner(url).RunAsync("queue", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: cannot reach the Sluice server at {url}: is 'sluice serve' running? (set --url or SLUICE_URL)",
            result.Error.TrimEnd());
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task UrlFlag_OverridesEnvironment()
    {
        var url = ClosedPortUrl();
        var result = await new CliRunner("http://127.0.0.1:1").RunAsync("stats", "--url", url);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cannot reach the Sluice server at {url}:", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("send", "q", "body", "--priority", "12")]
    [InlineData("send", "q", "body", "--attr", "novalue")]
    [InlineData("send", "q", "body", "--attr", "n:Number=abc")]
    [InlineData("queue", "create", "q", "--overflow", "sideways")]
    [InlineData("queue", "create", "q", "--visibility-timeout", "-1")]
    [InlineData("queue", "create", "q", "--max-length", "0")]
    [InlineData("receive", "q", "--max", "0")]
    [InlineData("receive", "q", "--bogus")]
    [InlineData("extend", "q", "handle")]
    [InlineData("queue")]
    [InlineData("frobnicate")]
    [InlineData("stats", "--url", "not a url")]
    public async Task BadFlags_ExitTwoWithErrorLine(params string[] args)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("--priority", "whole number", "send", "t", "x", "--priority", "abc")]
    [InlineData("--max", "whole number", "receive", "t", "--max", "abc")]
    [InlineData("--wait", "number", "receive", "t", "--wait", "abc")]
    [InlineData("--visibility", "number", "receive", "t", "--visibility", "soon")]
    [InlineData("--delay", "number", "send", "t", "x", "--delay", "abc")]
    [InlineData("--delay", "number", "nack", "t", "handle", "--delay", "abc")]
    [InlineData("--max-receive-count", "whole number", "queue", "create", "q", "--max-receive-count", "abc")]
    [InlineData("--max-length", "whole number", "queue", "create", "q", "--max-length", "x")]
    [InlineData("--max-length-bytes", "whole number", "queue", "create", "q", "--max-length-bytes", "1.5")]
    [InlineData("--max-message-size", "whole number", "queue", "create", "q", "--max-message-size", "1e3")]
    [InlineData("--visibility-timeout", "number", "queue", "create", "q", "--visibility-timeout", "x")]
    [InlineData("--max", "whole number", "dlq", "list", "d", "--max", "z")]
    [InlineData("--rate", "whole number", "dlq", "redrive", "d", "--rate", "q")]
    [InlineData("--interval", "number", "stats", "--watch", "--interval", "fast")]
    public async Task NonNumericFlag_ExitsTwoWithOneLineNamingOptionAndType(string option, string type, params string[] args)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        var errors = result.Error.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(errors);
        Assert.StartsWith($"error: {option} '{args[^1]}' is not a {type}: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task QueueUpdate_UnknownReset_ExitsTwoWithOneLineNamingTheFlagAndTheOptions()
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("queue", "update", "q", "--reset", "colour");

        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("error: --reset 'colour' is invalid: use visibility-timeout, delay, ", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("run 'sluice queue update --help'", l, StringComparison.Ordinal));
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Completion_UnknownShell_ExitsTwoWithOneLineNamingTheShells()
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("completion", "fish");

        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("error: shell 'fish' is invalid: use bash, zsh, pwsh", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("run 'sluice completion --help'", l, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0.05")]
    [InlineData("NaN")]
    public async Task StatsInterval_TooSmall_OneErrorLine(string value)
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("stats", "--interval", value);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Equal($"error: --interval {value} is invalid: give at least 0.1 seconds", line.TrimEnd());
    }

    [Fact]
    public async Task Send_BodyAndFile_ExitsTwo()
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("send", "q", "body", "--file", "/dev/null");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("either as an argument or with --file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidEnvironmentUrl_ExitsTwo()
    {
        var result = await new CliRunner("ftp://example").RunAsync("queue", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("from SLUICE_URL", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ExitsZero()
    {
        var result = await new CliRunner(ClosedPortUrl()).RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("serve", result.Output, StringComparison.Ordinal);
        Assert.Contains("redrive", (await new CliRunner("http://x").RunAsync("dlq", "--help")).Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("color=blue", "color", "String", "blue")]
    [InlineData("n:Number=1.5", "n", "Number", "1.5")]
    [InlineData("j:String.json={\"a\":1}", "j", "String.json", "{\"a\":1}")]
    [InlineData("eq=a=b", "eq", "String", "a=b")]
    public void TryParseAttribute_ValidText_Parses(string text, string name, string type, string value)
    {
        Assert.True(MessageCommands.TryParseAttribute(text, out var parsedName, out var parsed, out var problem), problem);
        Assert.Equal(name, parsedName);
        Assert.Equal(type, parsed!.DataType);
        Assert.Equal(value, parsed.StringValue);
    }

    [Fact]
    public void TryParseAttribute_Binary_DecodesBase64()
    {
        Assert.True(MessageCommands.TryParseAttribute("b:Binary=AQID", out _, out var parsed, out _));
        Assert.Equal(new byte[] { 1, 2, 3 }, parsed!.BinaryValue!.Value.ToArray());
        Assert.False(MessageCommands.TryParseAttribute("b:Binary=!!", out _, out _, out _));
        Assert.False(MessageCommands.TryParseAttribute("b:Date=x", out _, out _, out _));
    }

    [Fact]
    public void ServeConfiguration_FlagsWinOverSettingsFile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"sluice-cli-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"Sluice":{"DataDirectory":"/from/file","HttpUrl":"http://127.0.0.1:9999"}}""");
        try
        {
            var config = ServeCommand.BuildConfiguration(file, new Dictionary<string, string?> { ["Sluice:DataDirectory"] = "/from/flag" });

            Assert.Equal("/from/flag", config["Sluice:DataDirectory"]);
            Assert.Equal("http://127.0.0.1:9999", config["Sluice:HttpUrl"]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
