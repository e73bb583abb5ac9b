using System.Diagnostics;
using System.Text;

namespace Sluice.Cli.Tests;

/// <summary>
/// <c>sluice serve</c>'s settings (appsettings.json, <c>SLUICE__...</c> environment variables): a broken file or value is
/// one <c>error:</c> line and exit 2; keys no setting reads are warned about, one line each.
/// </summary>
public sealed class ServeConfigTests : IDisposable
{
    private const string Ready = "Press Ctrl+C to stop.";

    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-serve-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Serve_MalformedConfigFile_ExitsTwoWithOneLineNamingFileLineAndPosition()
    {
        var file = WriteSettings("bad.json", "{\n  \"Sluice\": {\n    \"Store\": \"memory\",,\n  }\n}\n");

        var (exit, error) = await ServeOnceAsync("--config", file);

        Assert.Equal(2, exit);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"error: settings file '{file}' is not valid JSON at line 3, position 23: ", line, StringComparison.Ordinal);
        Assert.EndsWith("; fix the file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MalformedAppsettingsInWorkingDirectory_RealProcessExitsTwoWithoutStackTrace()
    {
        var file = WriteSettings("appsettings.json", "{ \"Sluice\": { \"Store\": memory } }");

        var run = await RealServe.RunAsync(_directory, new Dictionary<string, string>(), ["serve", TestAuth.Flag]);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(Lines(run.Error));
        Assert.StartsWith($"error: settings file '{file}' is not valid JSON at line 1, position 24: ", line, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Serve_DuplicateKeyInConfigFile_ExitsTwoNamingTheKey()
    {
        var file = WriteSettings("dup.json", """{ "Sluice": { "Store": "memory", "store": "sqlite" } }""");

        var (exit, error) = await ServeOnceAsync("--config", file);

        Assert.Equal(2, exit);
        Assert.Equal($"error: settings file '{file}' is invalid: A duplicate key 'Sluice:store' was found; fix the file", Assert.Single(Lines(error)));
    }

    [Theory]
    [InlineData("\"Fsync\": \"maybe\"", "Sluice:Fsync 'maybe'", "is not a boolean: use true or false")]
    [InlineData("\"MaxRequestBodySize\": \"16MB\"", "Sluice:MaxRequestBodySize '16MB'", "is not a whole number: use digits only, such as 16777216")]
    [InlineData("\"Broker\": { \"MaxWaitTime\": \"soon\" }", "Sluice:Broker:MaxWaitTime 'soon'", "is not a duration: use [d.]hh:mm:ss, such as 00:00:30 for 30 seconds")]
    [InlineData("\"Sqs\": { \"Enabled\": \"yes\" }", "Sluice:Sqs:Enabled 'yes'", "is not a boolean: use true or false")]
    public async Task Serve_UnconvertibleValueInConfigFile_ExitsTwoNamingTheSettingAndTheForm(string setting, string named, string rule)
    {
        var file = WriteSettings("values.json", $$"""{ "Sluice": { "Store": "memory", {{setting}} } }""");

        var (exit, error) = await ServeOnceAsync("--config", file);

        Assert.Equal(2, exit);
        Assert.Equal($"error: setting {named} (in '{file}') {rule}", Assert.Single(Lines(error)));
    }

    [Theory]
    [InlineData("""{ "LogLevel": { "Default": "Loud" } }""", "Logging:LogLevel:Default 'Loud'")]
    [InlineData("""{ "Console": { "LogLevel": { "Sluice": "chatty" } } }""", "Logging:Console:LogLevel:Sluice 'chatty'")]
    public async Task Serve_BadLogLevelInConfigFile_ExitsTwoNamingTheSettingAndTheLevels(string logging, string named)
    {
        var file = WriteSettings("logging.json", $$"""{ "Sluice": { "Store": "memory" }, "Logging": {{logging}} }""");

        var (exit, error) = await ServeOnceAsync("--config", file);

        Assert.Equal(2, exit);
        Assert.Equal(
            $"error: setting {named} (in '{file}') is not a log level: use one of Trace, Debug, Information, Warning, Error, Critical, None",
            Assert.Single(Lines(error)));
    }

    [Fact]
    public async Task Serve_UnreadableLoggingSetting_ExitsTwoWithOneLine()
    {
        var file = WriteSettings("console.json", """{ "Sluice": { "Store": "memory" }, "Logging": { "Console": { "FormatterOptions": { "SingleLine": "maybe" } } } }""");

        var (exit, error) = await ServeOnceAsync("--config", file);

        Assert.Equal(2, exit);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("error: a setting under Logging is invalid: ", line, StringComparison.Ordinal);
        Assert.Contains("'maybe'", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_BadLogLevelEnvironmentVariable_RealProcessExitsTwoWithOneLine()
    {
        var environment = new Dictionary<string, string> { ["SLUICE__STORE"] = "memory", ["Logging__LogLevel__Default"] = "Loud" };

        var run = await RealServe.RunAsync(_directory, environment, ["serve", TestAuth.Flag]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            "error: setting Logging:LogLevel:Default 'Loud' (environment variable Logging__LogLevel__Default) is not a log level: " +
            "use one of Trace, Debug, Information, Warning, Error, Critical, None",
            Assert.Single(Lines(run.Error)));
    }

    [Theory]
    [InlineData("SLUICE__BROKER__MAXBATCHSIZE", "0", "setting Sluice:Broker:MaxBatchSize '0' is out of range: MaxBatchSize must be 1 to 1000")]
    [InlineData("SLUICE__BROKER__MAXWAITTIME", "00:10:00", "setting Sluice:Broker:MaxWaitTime '00:10:00' is out of range: MaxWaitTime must be 0 to 5 minutes")]
    [InlineData("SLUICE__BROKER__SWEEPINTERVAL", "soon",
        "setting Sluice:Broker:SweepInterval 'soon' (environment variable SLUICE__BROKER__SWEEPINTERVAL) is not a duration: use [d.]hh:mm:ss, such as 00:00:30 for 30 seconds")]
    public async Task Serve_BadBrokerEnvironmentVariable_RealProcessExitsTwoWithOneLineNamingTheCanonicalSetting(string variable, string value, string message)
    {
        var environment = new Dictionary<string, string> { ["SLUICE__STORE"] = "memory", [variable] = value };

        var run = await RealServe.RunAsync(_directory, environment, ["serve", TestAuth.Flag]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: " + message, Assert.Single(Lines(run.Error)));
    }

    [Fact]
    public async Task Serve_StoreInOtherCasing_PrintsTheCanonicalStoreName()
    {
        var environment = new Dictionary<string, string> { ["SLUICE__STORE"] = "MEMORY", ["SLUICE__HTTPURL"] = "http://127.0.0.1:0" };

        var run = await RealServe.RunAsync(_directory, environment, ["serve", TestAuth.Flag], stopWhenOutput: Ready);

        Assert.Contains("Sluice is running, store memory, in memory", run.Output, StringComparison.Ordinal);
        Assert.Contains("Opened the memory store", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("MEMORY", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnknownKeysInConfigFile_WarnsOneLineEachAndStarts()
    {
        var file = WriteSettings("typos.json", """
            { "Sluice": { "Store": "memory", "HttpUrl": "http://127.0.0.1:0", "HtpUrl": "http://127.0.0.1:1",
                          "Sqs": { "Enabeld": false, "Credentials": { "AKID": "secret" }, "Colour": "blue" } },
              "Logging": { "LogLevel": { "Default": "Warning" } } }
            """);
        using var output = new SignallingWriter(Ready);
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();

        var run = new CliApp(output, error, Stream.Null, _ => null).RunAsync(["serve", TestAuth.Flag, "--config", file], stop.Token);
        Assert.True(await Task.WhenAny(output.Seen, run) == output.Seen, $"serve ended early: {error}");
        await stop.CancelAsync();
        Assert.Equal(0, await run);

        var warnings = Lines(error.ToString()).Where(l => l.StartsWith("warning: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            $"warning: unknown setting Sluice:HtpUrl (in '{file}') is ignored: did you mean Sluice:HttpUrl?",
            $"warning: unknown setting Sluice:Sqs:Colour (in '{file}') is ignored: the settings under Sluice:Sqs are Enabled, AccountId, Region, PublicUrl, Credentials, VerifySignatures",
            $"warning: unknown setting Sluice:Sqs:Enabeld (in '{file}') is ignored: did you mean Sluice:Sqs:Enabled?",
        ], warnings);
    }

    [Fact]
    public async Task Serve_ScalarGivenForASection_WarnsItIsIgnored()
    {
        var file = WriteSettings("section.json", """{ "Sluice": { "Store": "memory", "Broker": "fast", "HttpUrl": "bad" } }""");

        var (exit, error) = await ServeOnceAsync("--config", file);

        Assert.Equal(2, exit);
        Assert.Equal(
            [
                $"warning: setting Sluice:Broker 'fast' (in '{file}') is ignored: Sluice:Broker is a section; set its keys instead (MaxBatchSize, MaxWaitTime, SweepInterval)",
                "error: setting Sluice:HttpUrl 'bad' is invalid: use an absolute http:// URL with a host and port, such as http://127.0.0.1:7480",
            ],
            Lines(error));
    }

    [Fact]
    public async Task Serve_UnknownEnvironmentVariable_RealProcessWarnsNamingTheVariable()
    {
        var environment = new Dictionary<string, string>
        {
            ["SLUICE__STORE"] = "memory",
            ["SLUICE__HTTPURL"] = "http://127.0.0.1:0",
            ["SLUICE__DATADIRECTROY"] = "/tmp/elsewhere",
            ["SLUICE__BROKER__MAXBATCHSISE"] = "10",
        };

        var run = await RealServe.RunAsync(_directory, environment, ["serve", TestAuth.Flag], stopWhenOutput: Ready);

        Assert.Contains(
            "warning: unknown setting Sluice:DATADIRECTROY (environment variable SLUICE__DATADIRECTROY) is ignored: did you mean Sluice:DataDirectory?",
            Lines(run.Error));
        // The section is named as documented, the unknown key as given.
        Assert.Contains(
            "warning: unknown setting Sluice:Broker:MAXBATCHSISE (environment variable SLUICE__BROKER__MAXBATCHSISE) is ignored: did you mean Sluice:Broker:MaxBatchSize?",
            Lines(run.Error));
        Assert.Contains(Ready, run.Output, StringComparison.Ordinal);
    }

    private string WriteSettings(string name, string json)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static List<string> Lines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    private static async Task<(int Exit, string Error)> ServeOnceAsync(params string[] flags)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exit = await new CliApp(output, error, Stream.Null, _ => null).RunAsync(["serve", TestAuth.Flag, .. flags], timeout.Token);
        return (exit, error.ToString());
    }

    /// <summary>A real <c>sluice serve</c> process: run until it exits, or until a stdout line contains a marker (then killed).</summary>
    private static class RealServe
    {
        public static async Task<(int? ExitCode, string Output, string Error)> RunAsync(
            string workingDirectory, IReadOnlyDictionary<string, string> environment, string[] args, string? stopWhenOutput = null)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sluice.dll"));
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            foreach (var (name, value) in environment)
            {
                info.Environment[name] = value;
            }

            var output = new StringBuilder();
            var error = new StringBuilder();
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start sluice");
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (stopWhenOutput is not null && e.Data.Contains(stopWhenOutput, StringComparison.Ordinal))
                {
                    seen.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (error)
                    {
                        error.AppendLine(e.Data);
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var exited = process.WaitForExitAsync(timeout.Token);
            int? exitCode = null;
            if (await Task.WhenAny(exited, seen.Task) == exited)
            {
                await exited;
                process.WaitForExit(); // drains the redirected streams
                exitCode = process.ExitCode;
            }
            else
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            lock (output)
            {
                lock (error)
                {
                    return (exitCode, output.ToString(), error.ToString());
                }
            }
        }
    }
}
