using System.Text.Json;

namespace Sluice.Cli.Tests;

/// <summary><c>sluice serve --log-format json</c> (a real process): every log record is one JSON object on one line.</summary>
public sealed class ServeLogFormatTests
{
    [Fact]
    public async Task Serve_LogFormatJson_WritesOneJsonObjectPerRecord()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sluice-logjson-" + Guid.NewGuid().ToString("N"));
        string output;
        await using (var server = await ServerProcess.StartAsync(dir, null, "--store", "memory", "--log-format", "json"))
        {
            await server.KillAsync();
            output = server.Output;
        }

        var records = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var listening = Assert.Single(records, r => r.GetProperty("EventId").GetInt32() == 3000);
        Assert.Equal("Information", listening.GetProperty("LogLevel").GetString());
        Assert.Equal("Sluice.Server.Hosting.SluiceServer", listening.GetProperty("Category").GetString());
        Assert.StartsWith("Sluice is listening on http://127.0.0.1:", listening.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", listening.GetProperty("Timestamp").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnknownLogFormat_ExitsTwoNamingTheFlag()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var app = new CliApp(output, error, Stream.Null, _ => null);

        var exit = await app.RunAsync(["serve", "--store", "memory", "--log-format", "xml"]);

        Assert.Equal(2, exit);
        Assert.Contains("--log-format", error.ToString(), StringComparison.Ordinal);
    }
}
