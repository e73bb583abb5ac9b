using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests;

/// <summary>A real <c>sluice serve</c> process on 127.0.0.1, for crash and restart tests.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The server's process id (the <c>dotnet</c> process: a <c>prlimit</c> prefix execs it in place).</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the server process has exited.</summary>
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server on a free port and returns once /healthz answers.</summary>
    /// <param name="dataDirectory">The data directory.</param>
    /// <param name="port">The REST port; default a free one.</param>
    /// <param name="extraArgs">More arguments of <c>sluice serve</c> (for example <c>--salvage</c>).</param>
    public static Task<ServerProcess> StartAsync(string dataDirectory, int? port = null, params string[] extraArgs) =>
        StartAsync(dataDirectory, port, prefix: [], extraArgs);

    /// <summary>Starts the server under a command prefix (such as <c>prlimit --nofile=256:256 --</c>) and returns once /healthz answers.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, int? port, string[] prefix, params string[] extraArgs)
    {
        var server = Launch(dataDirectory, port, extraArgs, auth: false, prefix);
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>Starts <c>sluice serve</c> with authentication on (the default), for the tests about it.</summary>
    public static async Task<ServerProcess> StartWithAuthAsync(string dataDirectory, params string[] extraArgs)
    {
        var server = Launch(dataDirectory, null, extraArgs, auth: true);
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>Starts the server and waits for it to exit on its own (a server that refuses to start): its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(string dataDirectory, params string[] extraArgs)
    {
        await using var server = Launch(dataDirectory, null, extraArgs, auth: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await server._process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"sluice serve did not exit within 60 s:\n{server.Output}");
        }

        // WaitForExitAsync returns once the redirected streams reached their end: the output is complete.
        return (server._process.ExitCode, server.Output);
    }

    private static ServerProcess Launch(string dataDirectory, int? port, string[] extraArgs, bool auth, string[]? prefix = null)
    {
        var chosen = port ?? FreePort();
        var address = new Uri($"http://127.0.0.1:{chosen}");
        prefix ??= [];
        var info = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in prefix.Skip(1).Concat(prefix.Length > 0 ? ["dotnet"] : []))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "sluice.dll"), "serve", "--data-dir", dataDirectory, "--http-url", address.ToString().TrimEnd('/'), "--grpc-url", "http://127.0.0.1:0" }
                     .Concat(auth ? [] : [TestAuth.Flag]).Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start sluice serve");
        var server = new ServerProcess(process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"sluice serve exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"sluice serve did not answer /healthz within 60 s:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
