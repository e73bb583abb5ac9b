using System.Globalization;
using CompareBench;
using CompareBench.Peers;

// compare-bench: one measurement per process (bench/compare/run.sh starts the peers and interleaves the runs), or the
// report over the result lines of a whole run.
//   compare-bench --peer NAME --endpoint HOST:PORT|URL --workload W1|W2|W3|W4 [--messages N] [--seconds S] [--rate R]
//                 [--drain-seconds D] [--server-pid PID] [--run K]
//   compare-bench --embedded --batch B [--callers C] [--seconds S] [--run K]          (W5)
//   compare-bench --report RESULTS [--peers "a b ..."]
var options = RunOptions.Parse(args);
if (options.Report is { } report)
{
    Console.Write(Report.Render(File.ReadAllLines(report), options.Peers));
    return 0;
}

Dictionary<string, string> fields;
if (options.Embedded)
{
    fields = await Embedded.RunAsync(options);
}
else
{
    await using var peer = Peer.Create(options.Peer, options.Endpoint);
    fields = await new Workloads(peer, options).RunAsync();
}

var name = options.Embedded ? "sluice-embedded" : options.Peer;
var workload = options.Embedded ? $"W5-b{options.Batch}" : options.Workload;
Console.WriteLine($"peer={name} workload={workload} run={options.Run} " + string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}")));
return 0;

namespace CompareBench
{
    /// <summary>Command-line options; defaults as in bench/compare/README.md.</summary>
    internal sealed record RunOptions
    {
        public string Peer { get; init; } = "";
        public string Endpoint { get; init; } = "";
        public string Workload { get; init; } = "W1";
        public int Messages { get; init; } = 200_000;
        public double Seconds { get; init; } = 3;
        public double DrainSeconds { get; init; } = 60;
        public int Rate { get; init; } = 1_000;
        public int ServerPid { get; init; }
        public int Run { get; init; } = 1;
        public bool Embedded { get; init; }
        public int Batch { get; init; } = 32;
        public int Callers { get; init; } = 16;
        public string? Report { get; init; }
        public string? Peers { get; init; }

        /// <summary>A queue name of its own per run (letters, digits, dashes: valid on every peer).</summary>
        public string Queue => $"cmp-{Workload.ToLowerInvariant()}-{Run}-{Environment.ProcessId}";

        public static RunOptions Parse(string[] args)
        {
            var o = new RunOptions();
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--embedded")
                {
                    o = o with { Embedded = true };
                    continue;
                }

                var v = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                o = args[i - 1] switch
                {
                    "--peer" => o with { Peer = v },
                    "--endpoint" => o with { Endpoint = v },
                    "--workload" => o with { Workload = v.ToUpperInvariant() },
                    "--messages" => o with { Messages = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--seconds" => o with { Seconds = double.Parse(v, CultureInfo.InvariantCulture) },
                    "--drain-seconds" => o with { DrainSeconds = double.Parse(v, CultureInfo.InvariantCulture) },
                    "--rate" => o with { Rate = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--server-pid" => o with { ServerPid = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--run" => o with { Run = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--batch" => o with { Batch = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--callers" => o with { Callers = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--report" => o with { Report = v },
                    "--peers" => o with { Peers = v },
                    _ => throw new ArgumentException($"unknown option {args[i - 1]}"),
                };
            }

            return o;
        }
    }
}
