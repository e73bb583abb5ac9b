using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Tests;

/// <summary>One in-process Sluice server (memory store, 127.0.0.1, a free port) shared by the tests of a class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private SluiceServer? _server;

    public CliRunner Cli { get; private set; } = null!;

    /// <summary>The server's broker, to check what a command did without going through the CLI.</summary>
    public Broker Broker => _server!.Broker;

    public async Task InitializeAsync()
    {
        _server = new SluiceServer(
            new SluiceServerOptions { Store = SluiceServerOptions.MemoryStore, HttpUrl = "http://127.0.0.1:0", Auth = TestAuth.Off },
            NullLoggerFactory.Instance);
        await _server.StartAsync();
        Cli = new CliRunner(_server.HttpAddress.GetLeftPart(UriPartial.Authority));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    /// <summary>A queue name no other test uses.</summary>
    public static string NewQueueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 80)];
}
