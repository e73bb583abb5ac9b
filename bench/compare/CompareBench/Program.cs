using System.Globalization;
using CompareBench;
using CompareBench.Peers;

// compare-bench (bench/compare/run.sh starts the peers, then calls this):
//   compare-bench --targets FILE [--workloads "W1 W2 W3 W4"] [--runs 3] [--w4-runs 1] [--messages N] [--seconds S]
//                 [--w3-messages N] [--rate R] [--w4-messages N] [--w4-seconds S] [--warmup N] [--drain-seconds D]
//       every workload on every peer of FILE (lines "name endpoint server-pid"), interleaved: for each run, for each
//       workload, every peer once, the order rotated by one each run; one result line per measurement.
//   compare-bench --embedded --batch B [--callers C] [--seconds S] [--run K]          (W5, one measurement)
//   compare-bench --report RESULTS [--peers "a b ..."] [--ratio-to "a b ..."]       (the table of medians and ratios)
var options = RunOptions.Parse(args);
if (options.Report is { } report)
{
    Console.Write(Report.Render(File.ReadAllLines(report), options.Peers, options.RatioTo));
    return 0;
}

if (options.Embedded)
{
    var fields = await Embedded.RunAsync(options);
    Console.WriteLine(Line("sluice-embedded", $"W5-b{options.Batch}-c{options.Callers}", options.Run, fields));
    return 0;
}

var targets = File.ReadAllLines(options.Targets ?? throw new ArgumentException("--targets, --embedded or --report is required"))
    .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length == 3).ToArray();
var failures = 0;
for (var run = 1; run <= options.Runs; run++)
{
    foreach (var workload in options.Workloads.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    {
        if (workload == "W4" && run > options.W4Runs)
        {
            continue;
        }

        for (var i = 0; i < targets.Length; i++)
        {
            var target = targets[(i + run - 1) % targets.Length];
            var measurement = options.For(workload, run, int.Parse(target[2], CultureInfo.InvariantCulture));
            try
            {
                await using var peer = Peer.Create(target[0], target[1]);
                var fields = await new Workloads(peer, measurement).RunAsync();
                Console.WriteLine(Line(target[0], workload, run, fields));
            }
            catch (Exception ex)
            {
                failures++;
                Console.WriteLine($"# {target[0]} {workload} run {run} failed: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
                Console.Error.WriteLine(ex);
            }
        }
    }
}

return failures == 0 ? 0 : 1;

static string Line(string peer, string workload, int run, Dictionary<string, string> fields) =>
    $"peer={peer} workload={workload} run={run} " + string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}"));

namespace CompareBench
{
    /// <summary>Command-line options; defaults as in bench/compare/README.md.</summary>
    internal sealed record RunOptions
    {
        public string? Targets { get; init; }
        public string Workloads { get; init; } = "W1 W2 W3 W4";
        public int Runs { get; init; } = 3;
        public int W4Runs { get; init; } = 1;
        public string Workload { get; init; } = "W1";
        public int Messages { get; init; } = 200_000;
        public double Seconds { get; init; } = 5;
        public int W3Messages { get; init; } = 5_000;
        public int W4Messages { get; init; } = 100_000;
        public double W4Seconds { get; init; } = 10;
        public double DrainSeconds { get; init; } = 30;
        public int Rate { get; init; } = 1_000;
        public int ServerPid { get; init; }
        public int Warmup { get; init; } = 1_000;
        public int Run { get; init; } = 1;
        public bool Embedded { get; init; }
        public int Batch { get; init; } = 32;
        public int Callers { get; init; } = 16;
        public string? Report { get; init; }
        public string? Peers { get; init; }
        public string? RatioTo { get; init; }

        /// <summary>The options of one measurement: <paramref name="workload"/>'s message count and time limit.</summary>
        public RunOptions For(string workload, int run, int serverPid) => this with
        {
            Workload = workload,
            Run = run,
            ServerPid = serverPid,
            Messages = workload switch { "W3" => W3Messages, "W4" => W4Messages, _ => Messages },
            Seconds = workload switch { "W3" => 3_600, "W4" => W4Seconds, _ => Seconds },
        };

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
                    "--targets" => o with { Targets = v },
                    "--workloads" => o with { Workloads = v.ToUpperInvariant() },
                    "--runs" => o with { Runs = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--w4-runs" => o with { W4Runs = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--w3-messages" => o with { W3Messages = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--w4-messages" => o with { W4Messages = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--w4-seconds" => o with { W4Seconds = double.Parse(v, CultureInfo.InvariantCulture) },
                    "--messages" => o with { Messages = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--seconds" => o with { Seconds = double.Parse(v, CultureInfo.InvariantCulture) },
                    "--drain-seconds" => o with { DrainSeconds = double.Parse(v, CultureInfo.InvariantCulture) },
                    "--rate" => o with { Rate = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--warmup" => o with { Warmup = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--run" => o with { Run = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--batch" => o with { Batch = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--callers" => o with { Callers = int.Parse(v, CultureInfo.InvariantCulture) },
                    "--report" => o with { Report = v },
                    "--peers" => o with { Peers = v },
                    "--ratio-to" => o with { RatioTo = v },
                    _ => throw new ArgumentException($"unknown option {args[i - 1]}"),
                };
            }

            return o;
        }
    }
}
