using System.Diagnostics;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Client;
using Sluice.Client.Hosting;
using Sluice.Hosting;
using Sluice.Storage.Sqlite;
using Sluice.Worker;

namespace JobsBench;

/// <summary>The no-op job of the Sluice peers (a Sluice job is a message: this is its JSON body).</summary>
public sealed record Noop;

/// <summary>Runs a <see cref="Noop"/>: counts it, nothing else.</summary>
internal sealed class NoopHandler : IJobHandler<Noop>
{
    public ValueTask HandleAsync(Noop job, JobContext context, CancellationToken cancellationToken)
    {
        NoopJob.Run();
        return ValueTask.CompletedTask;
    }
}

[JsonSerializable(typeof(Noop))]
internal sealed partial class BenchJson : JsonSerializerContext;

/// <summary>
/// Sluice.Worker with its defaults (status records, heartbeated leases, retries with dead-lettering), the same N no-op
/// jobs: enqueued through <see cref="IJobClient"/> by a host that does not run jobs, then a second host on the same
/// store runs them with <c>Concurrency</c> = the Hangfire worker count, timed until the queue is empty (every job acked).
/// </summary>
internal static class SluicePeer
{
    /// <summary>Enqueues run this many at once (the same for every peer).</summary>
    public const int EnqueueConcurrency = 32;

    public static async Task<RunResult> RunAsync(bool remote, BenchOptions options)
    {
        var queue = options.Name;
        var enqueue = Stopwatch.StartNew();
        using (var producer = BuildHost(remote, options, queue, runJobs: false))
        {
            await producer.StartAsync().ConfigureAwait(false);
            var jobs = producer.Services.GetRequiredService<IJobClient>();
            await Parallel.ForAsync(0, options.Jobs, new ParallelOptions { MaxDegreeOfParallelism = EnqueueConcurrency },
                async (_, ct) => await jobs.EnqueueAsync(new Noop(), cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);
            enqueue.Stop();
            await producer.StopAsync().ConfigureAwait(false);
        }

        var run = Stopwatch.StartNew();
        using var worker = BuildHost(remote, options, queue, runJobs: true);
        await worker.StartAsync().ConfigureAwait(false);
        var client = worker.Services.GetRequiredService<ISluiceClient>();
        while (true)
        {
            if (NoopJob.Runs >= options.Jobs)
            {
                var stats = await client.GetQueueStatsAsync(queue).ConfigureAwait(false);
                if (stats.Ready + stats.InFlight + stats.Delayed == 0)
                {
                    break;
                }
            }

            if (run.Elapsed > options.Timeout)
            {
                throw new TimeoutException($"{NoopJob.Runs} of {options.Jobs} jobs ran within {options.Timeout}");
            }

            await Task.Delay(NoopJob.Runs < options.Jobs ? 5 : 1).ConfigureAwait(false);
        }

        run.Stop();
        await worker.StopAsync().ConfigureAwait(false);
        return new RunResult(options.Jobs, enqueue.Elapsed, run.Elapsed, NoopJob.Runs);
    }

    private static IHost BuildHost(bool remote, BenchOptions options, string queue, bool runJobs)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (remote)
        {
            // RemoteSluiceClient over gRPC to a running 'sluice serve' (its default store: SQLite, fsync on).
            var address = new Uri(options.Url ?? throw new ArgumentException("--url is required for sluice-grpc"));
            builder.Services.AddSluiceClient(o => o with { Address = address });
        }
        else
        {
            // The embedded default: the SQLite store with fsync on.
            builder.Services.AddSluice(b => b.UseSqlite(Path.Combine(options.Directory, "sluice.db")));
        }

        builder.Services.AddSluiceWorker(w =>
        {
            w.JsonContext = BenchJson.Default;
            w.Options.RunJobs = runJobs;
            w.AddJob<Noop, NoopHandler>(o => o.Queue = queue);
            w.ConfigureQueue(queue, new WorkerQueueOptions { Concurrency = options.Workers });
        });
        return builder.Build();
    }
}
