using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Server.Hosting;
using Sluice.Storage;

namespace Sluice.Server.Tests.Operations;

/// <summary>
/// Servers for the operations tests: each test starts its own real server on 127.0.0.1 (gauges and health results are
/// per server). Authentication is switched off here, in one place: these tests are not about it.
/// </summary>
internal static class OperationsServers
{
    public static SluiceServerOptions Options(string store = SluiceServerOptions.MemoryStore, string? dataDirectory = null) => new()
    {
        Store = store,
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "sluice-ops-" + Guid.NewGuid().ToString("N")),
        HttpUrl = "http://127.0.0.1:0",
        Fsync = true,
        Grpc = new Sluice.Faces.Grpc.GrpcOptions { Enabled = false },
        Auth = new AuthOptions { Enabled = false },
    };

    public static async Task<(SluiceServer Server, HttpClient Client)> StartAsync(
        SluiceServerOptions options, Func<string, long>? freeDisk = null, Func<TimeProvider, IQueueStore>? store = null, TimeProvider? time = null)
    {
        var server = new SluiceServer(options, NullLoggerFactory.Instance, time) { FreeDiskBytesReader = freeDisk, StoreFactory = store };
        await server.StartAsync();
        return (server, new HttpClient { BaseAddress = server.HttpAddress, Timeout = TimeSpan.FromSeconds(60) });
    }

    public static string NewName(string prefix = "q") => $"{prefix}-{Guid.NewGuid():N}";
}
