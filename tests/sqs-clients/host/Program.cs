using Sluice.Server.Hosting;

var dataDir = "./sluice-data";
var httpUrl = "http://127.0.0.1:7480";
var store = SluiceServerOptions.SqliteStore;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--data-dir": dataDir = args[i + 1]; break;
        case "--http-url": httpUrl = args[i + 1]; break;
        case "--store": store = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

await using var server = new SluiceServer(new SluiceServerOptions { DataDirectory = dataDir, HttpUrl = httpUrl, Store = store, Auth = new AuthOptions { Enabled = false } });
await server.StartAsync();
Console.WriteLine($"listening on {server.HttpAddress}");
try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
await server.StopAsync();
return 0;
