using System.Text;

namespace Sluice.Cli.Tests;

/// <summary>The outcome of one in-process CLI run.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs <see cref="CliApp"/> in-process with string writers against one server address.</summary>
public sealed class CliRunner(string url)
{
    public string Url { get; } = url;

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    public async Task<CliResult> RunWithInputAsync(byte[]? stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new MemoryStream(stdin ?? []);
        var env = new Dictionary<string, string?> { [CliContext.UrlVariable] = Url };
        var app = new CliApp(output, error, input, name => env.GetValueOrDefault(name));
        var exit = await app.RunAsync(args);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    public async Task<CliResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
