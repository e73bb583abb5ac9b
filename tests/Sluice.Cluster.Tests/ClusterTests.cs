using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sluice.Storage.Postgres.Tests;

namespace Sluice.Cluster.Tests;

/// <summary>
/// Cluster mode end to end (issue 10): real <c>sluice serve</c> processes on one PostgreSQL database, driven over REST
/// from every node; nodes killed with kill -9 and PostgreSQL stopped under load.
/// </summary>
[Collection(SharedPostgresServer.Name)]
public sealed class ClusterTests(PostgresServer postgres)
{
    [Fact]
    public async Task Serve_DatabaseMissing_ExitsOneQuotingPostgresReason()
    {
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(postgres.AdminConnectionString) { Database = "sluice_missing_" + Guid.NewGuid().ToString("N") }.ConnectionString;
        var directory = Directory.CreateTempSubdirectory("sluice-cluster-missing-").FullName;
        try
        {
            var (exit, output) = await Sluice.Cli.Tests.ServerProcess.RunUntilExitAsync(Path.Combine(directory, "data"), "--store", "postgres", "--connection-string", connectionString);

            Assert.Equal(1, exit);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith("error: setting Sluice:ConnectionString (flag --connection-string): the PostgreSQL database sluice_missing_", line, StringComparison.Ordinal);
            Assert.Contains("does not exist (SQLSTATE 3D000)", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task KillDashNine_OneOfThreeNodesUnderLoad_DeliversEveryConfirmedPublishAndNoAckedMessageAgain()
    {
        await using var cluster = await Cluster.StartAsync(postgres, 3);
        var nodes = cluster.Nodes;
        const string queue = "work";
        const int perProducer = 150;
        // A short lease, so the killed node's leases expire within the test.
        await nodes[0].CreateQueueAsync(queue, new JsonObject { ["visibilityTimeoutSeconds"] = 2 });
        var load = new Load(nodes, queue);
        load.Start(perProducer);

        await Eventually.HoldsAsync(() => Task.FromResult(load.Confirmed.Count >= perProducer), TimeSpan.FromSeconds(60), "a third of the publishes confirmed");

        // Leases held through node-1 when it dies: their consumer dies with it and never acks.
        var victim = nodes[1];
        IReadOnlyList<(string Body, string Handle)> held = [];
        await Eventually.HoldsAsync(async () => (held = await victim.ReceiveAsync(queue, 10, 1)).Count > 0, TimeSpan.FromSeconds(30), "messages leased on node-1");
        await victim.KillAsync();

        await load.FinishAsync(perProducer * 3, TimeSpan.FromSeconds(60));

        Assert.Empty(load.Unexpected);
        Assert.Empty(load.DeliveredAfterAck);
        Assert.Equal(perProducer * 3, load.Confirmed.Count);
        Assert.All(load.Confirmed.Keys, body => Assert.True(load.Acked.ContainsKey(body), $"{body} was confirmed but never delivered and acked"));
        Assert.All(held, m => Assert.True(load.Acked.ContainsKey(m.Body), $"{m.Body}, leased on the killed node, was not delivered elsewhere"));
        var stats = await nodes[2].GetAsync($"/v1/queues/{queue}/stats");
        Assert.Equal(0, stats["ready"]!.GetValue<long>() + stats["inFlight"]!.GetValue<long>() + stats["delayed"]!.GetValue<long>());
    }

    [Fact]
    public async Task Publish_OnNodeA_WakesLongPollOnNodeBWithin100Milliseconds()
    {
        await using var cluster = await Cluster.StartAsync(postgres, 2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        const string queue = "wake";
        await a.CreateQueueAsync(queue);
        var latencies = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var poll = b.ReceiveAsync(queue, 1, waitSeconds: 2);
            await Eventually.HoldsAsync(async () => (await b.GetAsync($"/v1/queues/{queue}/stats"))["waitingReceivers"]!.GetValue<int>() >= 1,
                TimeSpan.FromSeconds(10), "the long poll waits on node B");
            var clock = Stopwatch.StartNew();
            await a.PublishAsync(queue, $"m{i}");
            var got = await poll;
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            if (got.Count == 1)
            {
                await b.AckAsync(queue, [got[0].Handle]);
            }
            else
            {
                // The poll ended empty: take the message away before the next try.
                var left = await a.ReceiveAsync(queue, 1, 0);
                await a.AckAsync(queue, [.. left.Select(m => m.Handle)]);
            }
        }

        latencies.Sort();
        var median = (latencies[4] + latencies[5]) / 2;
        Assert.True(median < 100, $"the median wake-up took {median:0} ms (publish on A to receive on B; tries: {string.Join(", ", latencies.Select(l => l.ToString("0")))} ms)");
    }

    [Fact]
    public async Task FifoGroup_ConsumedAlternatelyFromTwoNodes_KeepsItsOrder()
    {
        await using var cluster = await Cluster.StartAsync(postgres, 2);
        var nodes = cluster.Nodes;
        const string queue = "orders.fifo";
        await nodes[0].CreateQueueAsync(queue, new JsonObject { ["fifo"] = true });
        var published = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var body = $"order-{i:00}";
            await nodes[i % 2].PublishAsync(queue, body, new JsonObject { ["messageGroupId"] = "customer-7", ["deduplicationId"] = body });
            published.Add(body);
        }

        var consumed = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var (node, other) = (nodes[i % 2], nodes[(i + 1) % 2]);
            var got = Assert.Single(await node.ReceiveAsync(queue, 1, 0));
            // While the group has a message in flight on one node, the other node gets none of its later messages.
            Assert.Empty(await other.ReceiveAsync(queue, 10, 0));
            Assert.Single(await node.AckAsync(queue, [got.Handle]));
            consumed.Add(got.Body);
        }

        Assert.Equal(published, consumed);
        Assert.Empty(await nodes[0].ReceiveAsync(queue, 10, 0));
    }

    [Fact]
    public async Task PostgresStoppedFiveSecondsUnderLoad_ClientsGetTransientErrorsAndServiceResumesLosingNothing()
    {
        await using var cluster = await Cluster.StartAsync(postgres, 3);
        var nodes = cluster.Nodes;
        const string queue = "outage";
        await nodes[0].CreateQueueAsync(queue, new JsonObject { ["visibilityTimeoutSeconds"] = 5 });
        var load = new Load(nodes, queue);
        load.Start(perProducer: int.MaxValue);
        await Eventually.HoldsAsync(() => Task.FromResult(load.Confirmed.Count >= 60), TimeSpan.FromSeconds(60), "publishes confirmed before the outage");

        var outage = Stopwatch.StartNew();
        await postgres.StopAsync();
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(load.Transient >= 3), TimeSpan.FromSeconds(10), "clients told the store is unavailable");
            // The outage lasts 5 s (its length is the scenario, not a synchronisation).
            await Task.Delay(TimeSpan.FromSeconds(5) - outage.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        }
        finally
        {
            await postgres.StartAgainAsync();
        }

        // Service resumes by itself on every node (nothing restarted): each confirms new publishes.
        var back = DateTime.UtcNow;
        await Eventually.HoldsAsync(() => Task.FromResult(nodes.All(n => load.LastConfirmed(n) > back)), TimeSpan.FromSeconds(30),
            "every node confirms publishes again after PostgreSQL is back");
        var target = load.Confirmed.Count + 60;
        await Eventually.HoldsAsync(() => Task.FromResult(load.Confirmed.Count >= target), TimeSpan.FromSeconds(30), "more publishes confirmed after the outage");
        await load.FinishAsync(expected: null, TimeSpan.FromSeconds(60));

        Assert.True(load.Transient > 0);
        Assert.Empty(load.Unexpected);
        Assert.Empty(load.DeliveredAfterAck);
        Assert.All(load.Confirmed.Keys, body => Assert.True(load.Acked.ContainsKey(body), $"{body} was confirmed but never delivered and acked"));
    }

    [Fact]
    public async Task ClusterRoute_OnEveryNode_ListsTheLiveNodesAndDropsAKilledOneWithinItsTimeToLive()
    {
        await using var cluster = await Cluster.StartAsync(postgres, 3);
        var nodes = cluster.Nodes;
        foreach (var node in nodes)
        {
            await Eventually.HoldsAsync(async () => (await ListedAsync(node)).SequenceEqual(["node-0", "node-1", "node-2"]),
                TimeSpan.FromSeconds(10), $"{node.Id} lists the three nodes");
            var answer = await node.GetAsync("/v1/cluster");
            Assert.Equal("postgres", answer["store"]!.GetValue<string>());
            Assert.Equal(node.Id, answer["answeredBy"]!.GetValue<string>());
            var self = Assert.Single(answer["nodes"]!.AsArray(), n => n!["self"]!.GetValue<bool>())!;
            Assert.Equal(node.Id, self["nodeId"]!.GetValue<string>());
            Assert.Equal(node.Process.Address.GetLeftPart(UriPartial.Authority), self["urls"]![0]!.GetValue<string>());
            Assert.Equal(Environment.MachineName, self["hostName"]!.GetValue<string>());
        }

        var (exit, text) = await Cli.RunAsync("cluster", "--url", nodes[2].Process.Address.ToString(), "--json");
        Assert.True(exit == 0, text);
        Assert.Equal(["node-0", "node-1", "node-2"], NodeIds(JsonNode.Parse(text)!));

        // Stats come from the shared database: a queue made on node-0 and filled on node-1 shows on node-2.
        await nodes[0].CreateQueueAsync("shared");
        for (var i = 0; i < 3; i++)
        {
            await nodes[1].PublishAsync("shared", $"s{i}");
        }

        var all = await nodes[2].GetAsync("/v1/stats");
        var shared = Assert.Single(all["queues"]!.AsArray(), q => q!["queue"]!.GetValue<string>() == "shared")!;
        Assert.Equal(3, shared["ready"]!.GetValue<long>());

        await nodes[1].KillAsync();
        var gone = Stopwatch.StartNew();
        var timeToLive = Cluster.Heartbeat * 3;
        foreach (var node in new[] { nodes[0], nodes[2] })
        {
            await Eventually.HoldsAsync(async () => (await ListedAsync(node)).SequenceEqual(["node-0", "node-2"]),
                timeToLive + TimeSpan.FromSeconds(2), $"{node.Id} drops the killed node-1");
        }

        Assert.True(gone.Elapsed < timeToLive + TimeSpan.FromSeconds(2), $"node-1 left the listing {gone.Elapsed.TotalSeconds:0.0} s after kill -9");
    }

    [Fact]
    public async Task CleanStop_SigtermLeavesTheListingBeforeTheRecordWouldExpire()
    {
        await using var cluster = await Cluster.StartAsync(postgres, 2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        await Eventually.HoldsAsync(async () => (await ListedAsync(a)).SequenceEqual(["node-0", "node-1"]), TimeSpan.FromSeconds(10), "node-0 lists both nodes");
        var record = Assert.Single((await a.GetAsync("/v1/cluster"))["nodes"]!.AsArray(), n => n!["nodeId"]!.GetValue<string>() == "node-1")!;
        var expiresAt = record["expiresAt"]!.GetValue<DateTimeOffset>();

        using (var term = Process.Start("kill", ["-TERM", record["processId"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await Eventually.HoldsAsync(async () => (await ListedAsync(a)).SequenceEqual(["node-0"]), TimeSpan.FromSeconds(10), "node-1 leaves after SIGTERM");
        // Gone before its record could have expired: the stopping node deleted it.
        Assert.True(DateTimeOffset.UtcNow < expiresAt, $"node-1 left at {DateTimeOffset.UtcNow:O}, not before its record's expiry {expiresAt:O}");
    }

    /// <summary>The node ids a node lists; none while it answers 503 unavailable (it has not registered yet).</summary>
    private static async Task<IEnumerable<string>> ListedAsync(Node node)
    {
        try
        {
            return NodeIds(await node.GetAsync("/v1/cluster"));
        }
        catch (RestError e) when (e.IsUnavailable)
        {
            return [];
        }
    }

    private static IEnumerable<string> NodeIds(JsonNode cluster) => cluster["nodes"]!.AsArray().Select(n => n!["nodeId"]!.GetValue<string>());
}
