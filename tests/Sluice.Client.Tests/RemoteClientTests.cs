using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Client.Hosting;

namespace Sluice.Client.Tests;

/// <summary>
/// The SDK suite over <see cref="RemoteSluiceClient"/> against a real <c>sluice serve</c> process (memory store, free
/// ports), shared by the class: the same cases as in-process, time passing in real time.
/// </summary>
public sealed class RemoteClientTests(SluiceServeProcess server) : SluiceClientTests, IClassFixture<SluiceServeProcess>
{
    protected override ValueTask<ISluiceClient> CreateClientAsync(SluiceClientOptions options) =>
        ValueTask.FromResult<ISluiceClient>(new RemoteSluiceClient(options with { Address = server.GrpcAddress }));

    [Fact]
    public async Task AddSluiceClient_AddressSet_RemoteClientOfThatServer()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Sluice:Client:Address"] = server.GrpcAddress.ToString() });
        builder.Services.AddSluiceClient();
        using var host = builder.Build();
        await host.StartAsync();

        var client = Assert.IsType<RemoteSluiceClient>(host.Services.GetRequiredService<ISluiceClient>());
        var queue = NewName("di");
        await client.CreateQueueAsync(queue);
        Assert.Equal(queue, (await client.GetQueueAsync(queue)).Name);
        await host.StopAsync();
    }
}

/// <summary>A <c>sluice serve</c> process on 127.0.0.1 with free ports; its gRPC address is read from the banner it prints.</summary>
public sealed partial class SluiceServeProcess : IAsyncLifetime
{
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _grpc = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;

    /// <summary>The server's gRPC address.</summary>
    public Uri GrpcAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "sluice.dll"), "serve", "--no-auth", "--store", "memory", "--http-url", "http://127.0.0.1:0", "--grpc-url", "http://127.0.0.1:0" })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start sluice serve");
        _process.OutputDataReceived += (_, e) => Line(e.Data);
        _process.ErrorDataReceived += (_, e) => Line(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_grpc.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _grpc.Task)
        {
            throw new InvalidOperationException($"sluice serve did not print its gRPC address:\n{Output}");
        }

        GrpcAddress = await _grpc.Task;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (GrpcLine().Match(line) is { Success: true } match)
        {
            _grpc.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"^(http://\S+)\s+gRPC")]
    private static partial Regex GrpcLine();
}
