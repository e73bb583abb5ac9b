using System.Diagnostics;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;

namespace JobsBench;

/// <summary>The job every peer runs: nothing but counting that it ran.</summary>
public static class NoopJob
{
    private static long s_runs;

    public static long Runs => Interlocked.Read(ref s_runs);

    public static void Run() => Interlocked.Increment(ref s_runs);
}

/// <summary>
/// Hangfire 1.8 with one storage: enqueue N no-op jobs with BackgroundJobClient (32 at once; timed on its own, not part of
/// the jobs/s figure), then start a BackgroundJobServer and time until the storage counts N succeeded jobs.
/// </summary>
internal static class HangfirePeer
{
    public static async Task<RunResult> RunAsync(string storageKind, BenchOptions options)
    {
        JobStorage storage = storageKind switch
        {
            // Defaults of each storage, as a user who adds it gets them.
            "sqlite" => new SQLiteStorage(Path.Combine(options.Directory, "hangfire.db")),
            "memory" => new InMemoryStorage(),
            "postgres" => new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(
                options.Postgres ?? throw new ArgumentException("--pg CONNECTION_STRING is required for hangfire-postgres"),
                new PostgreSqlStorageOptions { SchemaName = options.Name })),
            _ => throw new ArgumentException($"unknown Hangfire storage '{storageKind}'"),
        };
        if (storageKind == "postgres")
        {
            // The schema is created on first use; do it before the clock starts.
            using var connection = storage.GetConnection();
        }

        GlobalConfiguration.Configuration.UseStorage(storage);
        var client = new BackgroundJobClient(storage);

        var enqueue = Stopwatch.StartNew();
        Parallel.For(0, options.Jobs, new ParallelOptions { MaxDegreeOfParallelism = SluicePeer.EnqueueConcurrency }, _ => client.Enqueue(() => NoopJob.Run()));

        enqueue.Stop();

        var monitoring = storage.GetMonitoringApi();
        var serverOptions = new BackgroundJobServerOptions { WorkerCount = options.Workers, Queues = ["default"] };
        var run = Stopwatch.StartNew();
        using (new BackgroundJobServer(serverOptions, storage))
        {
            // Wait on the in-process counter first (free), then on the storage's own count of succeeded jobs: a job is
            // done when Hangfire has recorded it as succeeded, not when its method returned.
            while (NoopJob.Runs < options.Jobs || monitoring.SucceededListCount() < options.Jobs)
            {
                if (run.Elapsed > options.Timeout)
                {
                    throw new TimeoutException($"{NoopJob.Runs} of {options.Jobs} jobs ran and {monitoring.SucceededListCount()} succeeded within {options.Timeout}");
                }

                await Task.Delay(NoopJob.Runs < options.Jobs ? 5 : 1).ConfigureAwait(false);
            }

            run.Stop();
        }

        return new RunResult(options.Jobs, enqueue.Elapsed, run.Elapsed, NoopJob.Runs);
    }
}
