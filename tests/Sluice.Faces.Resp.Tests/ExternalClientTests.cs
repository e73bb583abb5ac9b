using System.Diagnostics;

namespace Sluice.Faces.Resp.Tests;

/// <summary>
/// Real Redis clients from Debian against the RESP face: redis-py (<c>python3-redis</c>) running
/// <c>tests/resp-clients/test_redis_py.py</c>, and <c>redis-cli</c> (<c>redis-tools</c>). test.sh installs the packages.
/// </summary>
public class ExternalClientTests
{
    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Sluice.slnx")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Sluice.slnx not found above the test directory");
        return dir;
    }

    internal static async Task<(int Exit, string Output)> RunAsync(string program, string arguments, string? stdin = null)
    {
        if (!File.Exists(program))
            throw new InvalidOperationException($"{program} is missing: install Debian's redis-server, redis-tools and python3-redis (./test.sh does)");
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task RedisPy_IssueSnippetAndChecks_Pass()
    {
        await using var server = await RespServer.StartAsync();
        var script = Path.Combine(RepoRoot(), "tests", "resp-clients", "test_redis_py.py");
        var (exit, output) = await RunAsync("/usr/bin/python3", $"{script} 127.0.0.1 {server.EndPoint.Port}");
        Assert.True(exit == 0, output);
        Assert.Contains("ok issue_snippet_runs_unchanged", output, StringComparison.Ordinal);
        Assert.Contains(" 0 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisCli_StreamCommands_PrintWhatRealRedisPrints()
    {
        await using var server = await RespServer.StartAsync();
        using var redis = await RealRedis.StartAsync();
        string[] commands =
        [
            "XADD orders 1-1 id 42", "XLEN orders", "XRANGE orders - +", "XADD orders 1-1 id 43", "XGROUP CREATE orders g 0",
            "XREADGROUP GROUP g c COUNT 1 STREAMS orders >", "XPENDING orders g", "XACK orders g 1-1", "NOPE x",
        ];
        foreach (var command in commands)
        {
            var sluice = await RunAsync("/usr/bin/redis-cli", $"-h 127.0.0.1 -p {server.EndPoint.Port} {command}");
            var real = await RunAsync("/usr/bin/redis-cli", $"-h 127.0.0.1 -p {redis.Port} {command}");
            Assert.True(real == sluice, $"{command}\n redis:  {real}\n sluice: {sluice}");
        }
        // Commands on standard input, one per line, as scripts pipe them.
        const string input = "PING\nXINFO GROUPS orders\nQUIT\n";
        var (exit, output) = await RunAsync("/usr/bin/redis-cli", $"-h 127.0.0.1 -p {server.EndPoint.Port}", input);
        Assert.Equal(0, exit);
        Assert.Equal((await RunAsync("/usr/bin/redis-cli", $"-h 127.0.0.1 -p {redis.Port}", input)).Output, output);
    }
}
