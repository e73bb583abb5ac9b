using System.Net;
using System.Text;
using System.Text.Json;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Operations;

/// <summary>/metrics after a known workload, parsed by a strict Prometheus text-format parser.</summary>
public sealed class MetricsEndpointTests
{
    private const string Queue = "messaging_destination_name";

    [Fact]
    public async Task Metrics_AfterKnownWorkload_ReportsCountersDepthAndHistograms()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options());
        await using var _ = server;
        using var __ = client;
        var q = OperationsServers.NewName("m");
        await PostAsync(client, "/v1/queues", $$"""{"name":"{{q}}"}""", HttpStatusCode.Created);
        for (var i = 0; i < 5; i++)
        {
            await PostAsync(client, $"/v1/queues/{q}/messages", $$"""{"body":"m{{i}}"}""");
        }

        var received = await PostAsync(client, $"/v1/queues/{q}/messages/receive", """{"maxMessages":2,"visibilityTimeoutSeconds":300}""");
        var handles = received.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("receiptHandle").GetString()!).ToArray();
        Assert.Equal(2, handles.Length);
        await PostAsync(client, $"/v1/queues/{q}/messages/ack", $$"""{"receiptHandle":"{{handles[0]}}"}""");
        await PostAsync(client, $"/v1/queues/{q}/messages/nack", $$"""{"receiptHandle":"{{handles[1]}}","delaySeconds":600}""");

        using var response = await client.GetAsync(SluiceServer.MetricsPath);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = PrometheusText.Parse(text);

        Assert.Equal(5, samples.Value("sluice_messages_published_total", (Queue, q)));
        Assert.Equal(2, samples.Value("sluice_messages_received_total", (Queue, q)));
        Assert.Equal(1, samples.Value("sluice_messages_acked_total", (Queue, q)));
        Assert.Equal(1, samples.Value("sluice_messages_nacked_total", (Queue, q)));

        // 5 published, 1 acked, 1 nacked with a delay: 3 ready, 0 in flight, 1 delayed.
        Assert.Equal(3, samples.Value("sluice_queue_depth", (Queue, q), ("sluice_message_state", "ready")));
        Assert.Equal(0, samples.Value("sluice_queue_depth", (Queue, q), ("sluice_message_state", "in_flight")));
        Assert.Equal(1, samples.Value("sluice_queue_depth", (Queue, q), ("sluice_message_state", "delayed")));
        Assert.True(samples.Value("sluice_queue_oldest_age_seconds", (Queue, q)) >= 0);

        // Histograms: one publish-to-confirm observation per publish, one time-in-queue observation per first delivery.
        Assert.Equal(5, samples.Value("sluice_publish_duration_seconds_count", (Queue, q)));
        Assert.Equal(5, samples.Value("sluice_publish_duration_seconds_bucket", (Queue, q), ("le", "+Inf")));
        Assert.True(samples.Find("sluice_publish_duration_seconds_bucket", (Queue, q)).Count() > 2, "the publish histogram has buckets");
        Assert.Equal(2, samples.Value("sluice_messages_time_in_queue_seconds_count", (Queue, q)));
    }

    [Fact]
    public async Task Metrics_LogStore_ReportsGroupCommitSizeAndFsyncTime()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options(SluiceServerOptions.LogStore));
        await using var _ = server;
        using var __ = client;
        var q = OperationsServers.NewName("c");
        await PostAsync(client, "/v1/queues", $$"""{"name":"{{q}}"}""", HttpStatusCode.Created);
        await PostAsync(client, $"/v1/queues/{q}/messages", """{"body":"durable"}""");

        var samples = PrometheusText.Parse(await client.GetStringAsync(SluiceServer.MetricsPath));

        // The meter is process-wide (other tests' log stores commit too): at least this server's commits are counted.
        Assert.True(samples.Find("sluice_store_commit_records_count").Sum(s => s.Value) >= 1);
        Assert.True(samples.Find("sluice_store_commit_size_bytes_count").Sum(s => s.Value) >= 1);
        Assert.True(samples.Find("sluice_store_commit_size_bytes_sum").Sum(s => s.Value) > 0);
        Assert.True(samples.Find("sluice_store_fsync_duration_seconds_count").Sum(s => s.Value) >= 1);
        Assert.Equal(1, samples.Value("sluice_queue_depth", (Queue, q), ("sluice_message_state", "ready")));
    }

    [Fact]
    public async Task Metrics_Disabled_AnswersNotFound()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options() with { Telemetry = new TelemetryOptions { Metrics = false } });
        await using var _ = server;
        using var __ = client;

        using var response = await client.GetAsync(SluiceServer.MetricsPath);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void Parser_RejectsMalformedExposition()
    {
        Assert.Throws<FormatException>(() => PrometheusText.Parse("a{b=\"c} 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("1a 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("a one\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n"));
        var ok = PrometheusText.Parse("# HELP a x\n# TYPE a counter\na_total{q=\"x\\\"y\"} 3 1700000000000\n");
        Assert.Equal("x\"y", Assert.Single(ok).Labels["q"]);
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, string json, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected || (expected == HttpStatusCode.OK && response.StatusCode == HttpStatusCode.NoContent),
            $"{path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
