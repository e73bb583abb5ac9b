using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Hosting;
using Sluice.Storage.Sqlite;
using Sluice.Worker;

// A worker process for the crash tests: the in-process client on a SQLite file.
// Usage: Sluice.Worker.TestHost <db> <completions-file> <hang|complete> [enqueue]
//   hang: every job prints "started <id> <attempt>" and then runs until the process is killed.
//   complete: every job prints "started ...", appends its id to the completions file, then prints "completed <id>".
//   enqueue: enqueue one CrashJob at start and print "enqueued <id>".
var (db, completions, mode) = (args[0], args[1], args[2]);
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Services.AddSingleton(new HostMode(completions, mode == "hang"));
builder.Services.AddSluice(b => b.UseSqlite(db));
builder.Services.AddHostedService<StatusWatcher>();
builder.Services.AddSluiceWorker(w =>
{
    w.JsonContext = TestHostJson.Default;
    w.ConfigureQueue("crash", new WorkerQueueOptions { LeaseDuration = TimeSpan.FromSeconds(2) });
    w.AddJob<CrashJob, CrashJobHandler>(o => o.Queue = "crash");
});
using var host = builder.Build();
await host.StartAsync();
if (args.Length > 3 && args[3] == "enqueue")
{
    var id = await host.Services.GetRequiredService<IJobClient>().EnqueueAsync(new CrashJob("work"));
    Console.WriteLine($"enqueued {id}");
}

await host.WaitForShutdownAsync();

internal sealed record HostMode(string Completions, bool Hang);

internal sealed record CrashJob(string Name);

internal sealed class CrashJobHandler(HostMode mode) : IJobHandler<CrashJob>
{
    public async ValueTask HandleAsync(CrashJob job, JobContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine($"started {context.JobId} {context.Attempt}");
        if (mode.Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        await File.AppendAllTextAsync(mode.Completions, $"{context.JobId}\n", cancellationToken);
        Console.WriteLine($"completed {context.JobId}");
        Completed[context.JobId] = 0;
    }

    public static System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> Completed { get; } = new();
}

/// <summary>Prints "succeeded &lt;id&gt;" once a job's status says it succeeded (its message was acked).</summary>
internal sealed class StatusWatcher(IJobClient jobs) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var id in CrashJobHandler.Completed.Keys)
            {
                if ((await jobs.GetStatusAsync(id, stoppingToken))?.State == JobState.Succeeded && CrashJobHandler.Completed.TryRemove(id, out _))
                {
                    Console.WriteLine($"succeeded {id}");
                }
            }

            await Task.Delay(50, stoppingToken);
        }
    }
}

[JsonSerializable(typeof(CrashJob))]
internal sealed partial class TestHostJson : JsonSerializerContext;
