using System.Globalization;
using System.Text;

namespace CompareBench;

/// <summary>
/// The table of a whole run: for each peer and workload the median over its runs of each number (msgs/s, latency
/// percentiles, RSS), whether the peer fsyncs before confirming, and Sluice's ratio to each peer.
/// </summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Peer name → (table label, fsync before confirm?).</summary>
    private static readonly Dictionary<string, (string Label, string Fsync)> Known = new()
    {
        ["rabbitmq-classic"] = ("RabbitMQ classic v1 (durable, persistent, confirms)", "no"),
        ["rabbitmq-classic-v2"] = ("RabbitMQ classic v2 (durable, persistent, confirms)", "no"),
        ["rabbitmq-quorum"] = ("RabbitMQ quorum, one node (persistent, confirms)", "yes"),
        ["nats-js"] = ("NATS JetStream, file storage", "no (2.9 cannot fsync each write)"),
        ["redis-always"] = ("Redis streams, `appendfsync always`", "yes"),
        ["redis-everysec"] = ("Redis streams, `appendfsync everysec`", "no (up to 1 s lost)"),
        ["sluice-grpc"] = ("Sluice serve, gRPC (Sluice.Client)", "yes"),
        ["sluice-embedded"] = ("Sluice embedded (in-process Broker)", "yes"),
        ["sluice-log"] = ("Sluice serve, one node, embedded default store (log)", "yes"),
        ["sluice-pg-1node"] = ("Sluice serve on PostgreSQL, 1 node", "yes (WAL, synchronous_commit on)"),
        ["sluice-pg-2nodes"] = ("Sluice serve on PostgreSQL, 2 nodes", "yes (WAL, synchronous_commit on)"),
        ["sluice-pg-3nodes"] = ("Sluice serve on PostgreSQL, 3 nodes", "yes (WAL, synchronous_commit on)"),
        ["sql-skiplocked"] = ("Plain SQL queue on the same PostgreSQL (pgmq-style SKIP LOCKED, Npgsql)", "yes (WAL, synchronous_commit on)"),
    };

    /// <param name="lines">Result lines (<c>peer=... workload=... rate=...</c>); other lines are ignored.</param>
    /// <param name="peerOrder">The peers' order (space-separated names), or null for the order they first appear.</param>
    /// <param name="ratioTo">Space-separated peers: for each, a table of every other peer's W1 and W2 msgs/s divided by its own (the cluster benchmark's ratios).</param>
    public static string Render(IEnumerable<string> lines, string? peerOrder, string? ratioTo = null)
    {
        var rows = lines.Where(l => l.StartsWith("peer=", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]))
            .ToList();
        var peers = (peerOrder?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [.. rows.Select(r => r["peer"]).Distinct()])
            .Where(p => p != "sluice-embedded").ToList();

        double? Median(string peer, string workload, string field)
        {
            var values = rows.Where(r => r["peer"] == peer && r["workload"] == workload && r.ContainsKey(field))
                .Select(r => double.Parse(r[field], Inv)).Where(v => !double.IsNaN(v)).Order().ToArray();
            if (values.Length == 0)
            {
                return null;
            }

            return values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
        }

        int Runs(string peer, string workload) => rows.Count(r => r["peer"] == peer && r["workload"] == workload);
        bool Incomplete(string peer, string workload) => rows.Any(r => r["peer"] == peer && r["workload"] == workload && r.GetValueOrDefault("complete") == "0");
        string Rate(string peer, string workload) => Median(peer, workload, "rate") is { } v ? v.ToString("N0", Inv) + (Incomplete(peer, workload) ? " (not drained)" : "") : "–";
        string Ms(double? v) => v is { } x ? (x < 10 ? x.ToString("F2", Inv) : x.ToString("N0", Inv)) : "–";
        string Lat(string peer, string workload, string name) =>
            $"{Ms(Median(peer, workload, name + "_p50_ms"))} / {Ms(Median(peer, workload, name + "_p99_ms"))} / {Ms(Median(peer, workload, name + "_p999_ms"))}";
        string Label(string peer) => Known.TryGetValue(peer, out var k) ? k.Label : peer;
        string Fsync(string peer) => Known.TryGetValue(peer, out var k) ? k.Fsync : "?";

        var sb = new StringBuilder();
        sb.AppendLine("| peer | fsync before confirm? | W1 msgs/s | W1 p50 / p99 / p99.9 ms | W2 msgs/s | W2 p50 / p99 / p99.9 ms | W3 p50 / p99 / p99.9 ms | W3 confirm p50 ms | W4 publish / receive msgs/s | W4 peak RSS MB | W4 stats ms |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var peer in peers)
        {
            var w4 = Median(peer, "W4", "rate") is null ? "–" : $"{Median(peer, "W4", "publish_rate")?.ToString("N0", Inv)} / {Rate(peer, "W4")}";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {Label(peer)} | {Fsync(peer)} | {Rate(peer, "W1")} | {Lat(peer, "W1", "e2e")} | {Rate(peer, "W2")} | {Lat(peer, "W2", "e2e")} | {Lat(peer, "W3", "e2e")} | {Ms(Median(peer, "W3", "confirm_p50_ms"))} | {w4} | {Median(peer, "W4", "rss_mb")?.ToString("N0", Inv) ?? "–"} | {Ms(Median(peer, "W4", "stats_ms"))} |");
        }

        var runs = peers.SelectMany(p => new[] { "W1", "W2", "W3" }.Select(w => Runs(p, w))).DefaultIfEmpty(0).Max();
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Medians of {runs} run(s) per cell (W4: its own count); latency is end to end (send timestamp in the body to the consumer's callback) unless marked confirm (publish to its confirm).");

        const string sluice = "sluice-grpc";
        if (peers.Contains(sluice))
        {
            sb.AppendLine();
            sb.AppendLine("| Sluice (gRPC) / peer | W1 msgs/s | W2 msgs/s | W3 p99 (peer's / Sluice's: above 1 = Sluice lower) | W4 receive msgs/s |");
            sb.AppendLine("|---|---|---|---|---|");
            string Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? (x / y).ToString("F2", Inv) + "×" : "–";
            foreach (var peer in peers.Where(p => p != sluice))
            {
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {Label(peer)} | {Ratio(Median(sluice, "W1", "rate"), Median(peer, "W1", "rate"))} | {Ratio(Median(sluice, "W2", "rate"), Median(peer, "W2", "rate"))} | {Ratio(Median(peer, "W3", "e2e_p99_ms"), Median(sluice, "W3", "e2e_p99_ms"))} | {Ratio(Median(sluice, "W4", "rate"), Median(peer, "W4", "rate"))} |");
            }
        }

        foreach (var baseline in ratioTo?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [])
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"| peer / {Label(baseline)} | W1 msgs/s | W2 msgs/s |");
            sb.AppendLine("|---|---|---|");
            string Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? (x / y).ToString("F2", Inv) + "×" : "–";
            foreach (var peer in peers.Where(p => p != baseline))
            {
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {Label(peer)} | {Ratio(Median(peer, "W1", "rate"), Median(baseline, "W1", "rate"))} | {Ratio(Median(peer, "W2", "rate"), Median(baseline, "W2", "rate"))} |");
            }
        }

        var w5 = rows.Where(r => r["workload"].StartsWith("W5", StringComparison.Ordinal)).Select(r => r["workload"]).Distinct().Order(StringComparer.Ordinal).ToList();
        if (w5.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| W5 embedded (Sluice, in-process Broker) | store | fsync | callers | msgs/s | allocated bytes / msg |");
            sb.AppendLine("|---|---|---|---|---|---|");
            foreach (var w in w5)
            {
                var first = rows.First(r => r["workload"] == w);
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| publish + receive + ack, batch {first.GetValueOrDefault("batch")} | {first.GetValueOrDefault("store")} | {(first.GetValueOrDefault("fsync") == "1" ? "on" : "off")} | {first.GetValueOrDefault("callers")} | {Median("sluice-embedded", w, "rate")?.ToString("N0", Inv)} | {Median("sluice-embedded", w, "alloc_per_msg")?.ToString("N0", Inv)} |");
            }
        }

        return sb.ToString();
    }
}
