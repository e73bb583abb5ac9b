using System.Diagnostics;
using System.Text.Json;

namespace Sluice.Cli.Tests;

/// <summary>Authentication end to end with real processes: <c>sluice serve</c> and the <c>sluice</c> CLI.</summary>
public sealed class AuthProcessTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sluice-auth-cli-" + Guid.NewGuid().ToString("N"));

    public AuthProcessTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Runs the CLI as a process in the test's directory (where sluice-data is), with only SLUICE_URL (and the given variables) set.</summary>
    private async Task<(int Exit, string Output, string Error)> SluiceAsync(Uri server, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sluice.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SLUICE_URL"] = server.ToString();
        info.Environment.Remove("SLUICE_API_KEY");
        info.Environment["COLUMNS"] = "200";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Serve_FirstStart_PrintsKeyOnceAndCliUsesIt()
    {
        var data = Path.Combine(_root, "sluice-data");
        string adminKey;
        await using (var server = await ServerProcess.StartWithAuthAsync(data))
        {
            var keyFile = Path.Combine(data, "admin.key");
            adminKey = File.ReadAllText(keyFile).Trim();
            Assert.StartsWith("sluice_", adminKey, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            }

            await WaitForOutputAsync(server, adminKey);
            Assert.Equal(1, Count(server.Output, adminKey));

            // The CLI finds ./sluice-data/admin.key itself: no flags.
            var (exit, _, error) = await SluiceAsync(server.Address, null, "queue", "create", "orders-eu");
            Assert.True(exit == 0, error);
            (exit, var listed, error) = await SluiceAsync(server.Address, null, "queue", "list");
            Assert.True(exit == 0, error);
            Assert.Contains("orders-eu", listed, StringComparison.Ordinal);

            // A key that may only publish to orders-*: denied on delete, and the queue stays.
            (exit, var created, error) = await SluiceAsync(server.Address, null, "auth", "key", "create", "publisher", "--grant", "orders-*:publish", "--json");
            Assert.True(exit == 0, error);
            var key = JsonDocument.Parse(created).RootElement;
            var limited = new Dictionary<string, string> { ["SLUICE_API_KEY"] = key.GetProperty("apiKey").GetString()! };
            (exit, _, error) = await SluiceAsync(server.Address, limited, "send", "orders-eu", "hello");
            Assert.True(exit == 0, error);
            (exit, _, error) = await SluiceAsync(server.Address, limited, "queue", "delete", "orders-eu");
            Assert.Equal(1, exit);
            Assert.Contains("access denied", error, StringComparison.Ordinal);
            (exit, listed, _) = await SluiceAsync(server.Address, null, "queue", "list");
            Assert.Contains("orders-eu", listed, StringComparison.Ordinal);

            // Revoked: 401, and the error says how to pass a key.
            (exit, _, error) = await SluiceAsync(server.Address, null, "auth", "key", "revoke", key.GetProperty("key").GetProperty("id").GetString()!);
            Assert.True(exit == 0, error);
            (exit, _, error) = await SluiceAsync(server.Address, limited, "queue", "list");
            Assert.Equal(1, exit);
            Assert.Contains("--api-key", error, StringComparison.Ordinal);

            // No key at all (another directory, no variable): 401 with the same hint.
            (exit, _, error) = await SluiceAsync(server.Address, null, "queue", "list", "--data-dir", Path.Combine(_root, "elsewhere"));
            Assert.Equal(1, exit);
            Assert.Contains("SLUICE_API_KEY", error, StringComparison.Ordinal);
        }

        // A later start prints nothing about a key, and the admin key still works.
        await using (var again = await ServerProcess.StartWithAuthAsync(data))
        {
            var (exit, _, error) = await SluiceAsync(again.Address, null, "queue", "list");
            Assert.True(exit == 0, error);
            Assert.DoesNotContain("admin API key", again.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(adminKey, again.Output, StringComparison.Ordinal);
        }
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>The banner and key are printed after /healthz answers: wait for the line (bounded).</summary>
    private static async Task WaitForOutputAsync(ServerProcess server, string text)
    {
        var deadline = Stopwatch.StartNew();
        while (!server.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"'{text}' not printed:\n{server.Output}");
            await Task.Delay(50);
        }
    }
}
