using System.Text.RegularExpressions;

namespace Sluice.Cli.Tests;

/// <summary><c>sluice serve</c> in-process: it prints where it listens, serves the admin verbs, and stops on cancellation.</summary>
public sealed partial class ServeTests
{
    [Fact]
    public async Task Serve_MemoryStore_PrintsAddressServesAndStopsOnCancel()
    {
        using var output = new SignallingWriter("Press Ctrl+C to stop.");
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var app = new CliApp(output, error, Stream.Null, _ => null);

        var run = app.RunAsync(["serve", "--store", "memory", "--http-url", "http://127.0.0.1:0"], stop.Token);
        var ready = await Task.WhenAny(output.Seen, run);
        Assert.True(ready == output.Seen, $"serve ended early: {error}");

        var banner = output.ToString();
        Assert.Contains("store memory", banner, StringComparison.Ordinal);
        var url = AddressLine().Match(banner);
        Assert.True(url.Success, banner);

        var cli = new CliRunner(url.Groups["url"].Value);
        await cli.RunOkAsync("queue", "create", "served");
        Assert.Contains("served", (await cli.RunOkAsync("queue", "list")).Output, StringComparison.Ordinal);

        await stop.CancelAsync();
        Assert.Equal(0, await run);
        Assert.EndsWith("stopped" + Environment.NewLine, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidSetting_ExitsTwoNamingIt()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var app = new CliApp(output, error, Stream.Null, _ => null);

        var exit = await app.RunAsync(["serve", "--store", "memory", "--http-url", "not-a-url"]);

        Assert.Equal(2, exit);
        Assert.Contains("HttpUrl", error.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^(?<url>http://127\.0\.0\.1:\d+)  REST API, OpenAPI at /openapi/v1\.json$", RegexOptions.Multiline)]
    private static partial Regex AddressLine();
}
