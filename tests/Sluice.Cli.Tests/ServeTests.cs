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

        var run = app.RunAsync(["serve", TestAuth.Flag, "--store", "memory", "--http-url", "http://127.0.0.1:0"], stop.Token);
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

    [Fact]
    public async Task Serve_UnknownStoreFlag_ExitsTwoWithOneLineNamingTheFlagAndTheStores()
    {
        var (exit, output, error) = await ServeOnceAsync("--store", "bogus", "--http-url", "http://127.0.0.1:0");

        Assert.Equal(2, exit);
        Assert.Empty(output);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("error: --store 'bogus' is invalid: use log, sqlite, memory, postgres", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("run 'sluice serve --help'", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_DataDirectoryIsAFile_ExitsTwoWithOneLine()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (exit, _, error) = await ServeOnceAsync("--data-dir", file, "--http-url", "http://127.0.0.1:0");

            Assert.Equal(2, exit);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: setting Sluice:DataDirectory", line, StringComparison.Ordinal);
            Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Serve_PortInUse_ExitsOneWithOneLine()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;

        var (exit, _, error) = await ServeOnceAsync("--store", "memory", "--http-url", $"http://127.0.0.1:{port}");

        Assert.Equal(1, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: port {port} on 127.0.0.1 is in use: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DataDirectoryInUse_SecondServerExitsOneWithOneLine()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"sluice-cli-lock-{Guid.NewGuid():N}");
        using var output = new SignallingWriter("Press Ctrl+C to stop.");
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var first = new CliApp(output, error, Stream.Null, _ => null)
            .RunAsync(["serve", TestAuth.Flag, "--data-dir", dir, "--no-fsync", "--http-url", "http://127.0.0.1:0"], stop.Token);
        try
        {
            Assert.True(await Task.WhenAny(output.Seen, first) == output.Seen, $"first serve ended early: {error}");

            var (exit, _, secondError) = await ServeOnceAsync("--data-dir", dir, "--no-fsync", "--http-url", "http://127.0.0.1:0");

            Assert.Equal(1, exit);
            var line = Assert.Single(secondError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(
                $"error: log store '{Path.Combine(dir, "log")}' is in use by another Sluice process: stop it, or use another data directory",
                line.TrimEnd());
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await first);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes
    public async Task Serve_DataDirectoryNotWritable_RealProcessExitsTwoWithOneLineNamingIt()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-cli-readonly-").FullName;
        try
        {
            File.SetUnixFileMode(dir, ReadOnlyDirectory);

            var (exit, output, error) = await ServeAsUnprivilegedProcessAsync("--data-dir", dir);

            Assert.Equal(2, exit);
            Assert.Empty(output);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(
                $"error: setting Sluice:DataDirectory '{dir}': this process cannot write in the directory (permission denied); " +
                "give a directory it can write (flag --data-dir), or let its user write in this one",
                line.TrimEnd());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes
    public async Task Serve_StoreDirectoryNotWritable_RealProcessExitsOneWithOneLineAndNoStackTrace()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-cli-readonly-log-").FullName;
        try
        {
            // The data directory is writable, its log directory is not.
            File.SetUnixFileMode(dir, ReadOnlyDirectory | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
            var log = Directory.CreateDirectory(Path.Combine(dir, "log")).FullName;
            File.SetUnixFileMode(log, ReadOnlyDirectory);

            var (exit, output, error) = await ServeAsUnprivilegedProcessAsync("--data-dir", dir);

            Assert.Equal(1, exit);
            Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: the server could not start: Access to the path '{log}", line, StringComparison.Ordinal);
            Assert.EndsWith("is denied: give this process write access there, or use another data directory (--data-dir)", line.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private const UnixFileMode ReadOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>
    /// Runs <c>sluice serve</c> as a real process until it exits. File modes do not bind root, so when the tests run
    /// as root the server runs as the unprivileged user 'nobody' (uid 65534, through util-linux's <c>setpriv</c>).
    /// </summary>
    private static async Task<(int Exit, string Output, string Error)> ServeAsUnprivilegedProcessAsync(params string[] flags)
    {
        var info = new System.Diagnostics.ProcessStartInfo(Environment.IsPrivilegedProcess ? "setpriv" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] asNobody = Environment.IsPrivilegedProcess ? ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet"] : [];
        foreach (var arg in asNobody.Concat([Path.Combine(AppContext.BaseDirectory, "sluice.dll"), "serve", TestAuth.Flag, "--http-url", "http://127.0.0.1:0", "--grpc-url", "http://127.0.0.1:0", .. flags]))
            info.ArgumentList.Add(arg);

        using var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("could not start sluice serve");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static async Task<(int Exit, string Output, string Error)> ServeOnceAsync(params string[] flags)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exit = await new CliApp(output, error, Stream.Null, _ => null).RunAsync(["serve", TestAuth.Flag, .. flags], timeout.Token);
        return (exit, output.ToString(), error.ToString());
    }

    [GeneratedRegex(@"^(?<url>http://127\.0\.0\.1:\d+)  REST API, OpenAPI at /openapi/v1\.json$", RegexOptions.Multiline)]
    private static partial Regex AddressLine();
}
