using System.Diagnostics;
using System.Text.Json.Nodes;
using Sluice.Cli.Tests;

namespace Sluice.Cluster.Tests;

/// <summary>
/// <c>sluice serve</c>'s cluster settings as a user meets them (real processes, no database needed): the connection
/// string's rules, <c>GET /v1/cluster</c> and <c>sluice cluster</c> on an embedded store.
/// </summary>
public sealed class ServeSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-cluster-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(new[] { "--store", "postgres" }, "error: setting Sluice:ConnectionString is empty: store postgres needs the database's connection string (flag --connection-string)")]
    [InlineData(new[] { "--store", "postgres", "--connection-string", "" }, "error: setting Sluice:ConnectionString is empty: store postgres needs the database's connection string (flag --connection-string)")]
    [InlineData(new[] { "--store", "memory", "--connection-string", "Host=db;Database=sluice" }, "error: setting Sluice:ConnectionString is set, but store 'memory' takes no connection string: it is for store postgres only; remove it, or choose --store postgres")]
    [InlineData(new[] { "--connection-string", "Host=db;Database=sluice" }, "error: setting Sluice:ConnectionString is set, but store 'log' takes no connection string")]
    [InlineData(new[] { "--store", "postgres", "--connection-string", "Hots=db" }, "error: setting Sluice:ConnectionString is not a valid PostgreSQL connection string")]
    [InlineData(new[] { "--store", "memory", "--node-id", "a b" }, "error: setting Sluice:NodeId 'a b' is invalid: use 1-64 characters from A-Z a-z 0-9 . _ - (flag --node-id)")]
    public async Task Serve_BadClusterSetting_ExitsTwoWithOneLineNamingTheSettingAndFlag(string[] args, string start)
    {
        var (exit, output) = await ServerProcess.RunUntilExitAsync(Path.Combine(_directory, "data"), args);

        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith(start, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PostgresInConfiguration_WithoutConnectionString_ExitsTwoNamingTheSetting()
    {
        var settings = Path.Combine(_directory, "appsettings.json");
        await File.WriteAllTextAsync(settings, """{ "Sluice": { "Store": "Postgres" } }""");

        var (exit, output) = await ServerProcess.RunUntilExitAsync(Path.Combine(_directory, "data"), "--config", settings);

        Assert.Equal(2, exit);
        Assert.StartsWith("error: setting Sluice:ConnectionString is empty", output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PostgresUnreachable_ExitsOneWithOneLineNamingTheSettingTheAddressAndTheReason()
    {
        // Nothing listens on port 1: the connection is refused at once.
        var (exit, output) = await ServerProcess.RunUntilExitAsync(Path.Combine(_directory, "data"),
            "--store", "postgres", "--connection-string", "Host=127.0.0.1;Port=1;Database=orders;Username=app;Password=s3cret;Timeout=5");

        Assert.Equal(1, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: setting Sluice:ConnectionString (flag --connection-string): the PostgreSQL database orders on 127.0.0.1:1 could not be opened: ", line, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1", line.Split("could not be opened: ")[1], StringComparison.Ordinal); // the reason, from Npgsql
        Assert.DoesNotContain("s3cret", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterRoute_OnAnEmbeddedStore_ListsThisServerAlone()
    {
        await using var server = await ServerProcess.StartAsync(Path.Combine(_directory, "data"), null, "--store", "memory", "--node-id", "solo");
        using var http = new HttpClient { BaseAddress = server.Address };

        var answer = JsonNode.Parse(await http.GetStringAsync(new Uri("/v1/cluster", UriKind.Relative)))!;

        Assert.Equal("memory", answer["store"]!.GetValue<string>());
        Assert.Equal("solo", answer["answeredBy"]!.GetValue<string>());
        var node = Assert.Single(answer["nodes"]!.AsArray())!;
        Assert.Equal("solo", node["nodeId"]!.GetValue<string>());
        Assert.True(node["self"]!.GetValue<bool>());
        Assert.Null(node["expiresAt"]);
        Assert.Equal(server.Address.GetLeftPart(UriPartial.Authority), node["urls"]![0]!.GetValue<string>());

        var (exit, text) = await Cli.RunAsync("cluster", "--url", server.Address.ToString());
        Assert.Equal(0, exit);
        Assert.Contains("solo *", text, StringComparison.Ordinal);
        Assert.Contains("store memory, 1 live node", text, StringComparison.Ordinal);
    }
}

/// <summary>Runs the <c>sluice</c> CLI (the built sluice.dll) as a process to its end.</summary>
internal static class Cli
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sluice.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["COLUMNS"] = "200";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
