using System.Globalization;
using JobsBench;

// One measurement per process (so peers do not share a JIT, GC heap or static state); bench/jobs/run.sh runs them
// interleaved and takes the medians. Prints one line of key=value pairs.
if (args is ["--list-peers"])
{
    // The peers this build can measure (run.sh runs them all by default).
    Console.WriteLine("hangfire-sqlite hangfire-memory hangfire-postgres sluice-embedded sluice-grpc grpc-messages");
    return;
}

var options = BenchOptions.Parse(args);
Directory.CreateDirectory(options.Directory);
var result = options.Peer switch
{
    "hangfire-sqlite" => await HangfirePeer.RunAsync("sqlite", options),
    "hangfire-memory" => await HangfirePeer.RunAsync("memory", options),
    "hangfire-postgres" => await HangfirePeer.RunAsync("postgres", options),
    "sluice-embedded" => await SluicePeer.RunAsync(remote: false, options),
    "sluice-grpc" => await SluicePeer.RunAsync(remote: true, options),
    "grpc-messages" => await GrpcMessagesPeer.RunAsync(options),
    _ => throw new ArgumentException($"unknown --peer '{options.Peer}'"),
};
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"peer={options.Peer} jobs={result.Jobs} workers={options.Workers} enqueue_s={result.Enqueue.TotalSeconds:F3} enqueue_per_s={result.Jobs / result.Enqueue.TotalSeconds:F0} " +
    $"run_s={result.Run.TotalSeconds:F3} per_s={result.Jobs / result.Run.TotalSeconds:F0} executions={result.Executions}"));
// Hangfire's server leaves background threads (and the SQLite storage a static connection) behind: end the process.
Environment.Exit(0);

namespace JobsBench
{
    /// <summary>One measurement: jobs (or messages) done, the untimed-for-rate enqueue phase, and the timed run.</summary>
    internal sealed record RunResult(long Jobs, TimeSpan Enqueue, TimeSpan Run, long Executions);

    internal sealed record BenchOptions(string Peer, int Jobs, int Workers, string Directory, string? Postgres, string? Url, string Name, TimeSpan Timeout)
    {
        public static BenchOptions Parse(string[] args)
        {
            string? peer = null, directory = null, postgres = null, url = null, name = null;
            int jobs = 20_000, workers = 10, timeout = 600;
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--peer": peer = value; break;
                    case "--jobs": jobs = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--workers": workers = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--dir": directory = value; break;
                    case "--pg": postgres = value; break;
                    case "--url": url = value; break;
                    case "--name": name = value; break;
                    case "--timeout": timeout = int.Parse(value, CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }

                i++;
            }

            return new BenchOptions(
                peer ?? throw new ArgumentException("--peer is required"), jobs, workers,
                directory ?? Path.Combine(Path.GetTempPath(), "jobs-bench-" + Guid.NewGuid().ToString("N")), postgres, url,
                name ?? "bench",
                TimeSpan.FromSeconds(timeout));
        }
    }
}
