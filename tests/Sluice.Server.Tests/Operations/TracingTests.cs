using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Sluice.Server.Tests.Operations;

/// <summary>
/// A publish and its consumption form one trace: the producer's W3C traceparent (REST header) or AWSTraceHeader (SQS
/// system attribute) travels in the message, and each delivery's receive span is the child of the publish span.
/// </summary>
public sealed class TracingTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;
    private readonly string _queue = OperationsServers.NewName("t");

    public TracingTests()
    {
        // Records only this test's spans (by queue name), so tests running beside it see no listener's effects.
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SluiceDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> o) =>
                o.Name.Contains(" " + _queue, StringComparison.Ordinal) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Rest_PublishWithTraceparent_ReceiveAndAckJoinTheTrace()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options());
        await using var _ = server;
        using var __ = client;
        await SendAsync(client, "/v1/queues", $$"""{"name":"{{_queue}}"}""");
        var traceId = ActivityTraceId.CreateRandom();
        var producerSpan = ActivitySpanId.CreateRandom();

        await SendAsync(client, $"/v1/queues/{_queue}/messages", """{"body":"traced"}""", $"00-{traceId}-{producerSpan}-01");
        var received = await SendAsync(client, $"/v1/queues/{_queue}/messages/receive", """{"maxMessages":1}""");
        var message = received.GetProperty("messages")[0];
        await SendAsync(client, $"/v1/queues/{_queue}/messages/ack", $$"""{"receiptHandle":"{{message.GetProperty("receiptHandle").GetString()}}"}""");

        var publish = Assert.Single(_spans, s => s.OperationName == "publish " + _queue);
        var receive = Assert.Single(_spans, s => s.OperationName == "receive " + _queue);
        Assert.Single(_spans, s => s.OperationName == "ack " + _queue);
        Assert.Equal(traceId, publish.TraceId);
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Equal(traceId, receive.TraceId);
        Assert.Equal(publish.SpanId, receive.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, receive.Kind);
        Assert.Equal(_queue, receive.GetTagItem(SluiceDiagnostics.DestinationTag));

        // The message carries the publish span's context to any consumer (REST shows it as an attribute).
        var carried = message.GetProperty("attributes").GetProperty(TraceContext.TraceParent).GetProperty("stringValue").GetString();
        Assert.Equal($"00-{traceId}-{publish.SpanId}-01", carried);
    }

    [Fact]
    public async Task Rest_NackedMessage_RedeliveryStaysInTheTrace()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options());
        await using var _ = server;
        using var __ = client;
        await SendAsync(client, "/v1/queues", $$"""{"name":"{{_queue}}"}""");
        var traceId = ActivityTraceId.CreateRandom();
        await SendAsync(client, $"/v1/queues/{_queue}/messages", """{"body":"retry me"}""", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var first = (await SendAsync(client, $"/v1/queues/{_queue}/messages/receive", """{"maxMessages":1}""")).GetProperty("messages")[0];
        await SendAsync(client, $"/v1/queues/{_queue}/messages/nack", $$"""{"receiptHandle":"{{first.GetProperty("receiptHandle").GetString()}}"}""");
        var second = (await SendAsync(client, $"/v1/queues/{_queue}/messages/receive", """{"maxMessages":1}""")).GetProperty("messages")[0];

        Assert.Equal(2, second.GetProperty("receiveCount").GetInt32());
        var publish = Assert.Single(_spans, s => s.OperationName == "publish " + _queue);
        var receives = _spans.Where(s => s.OperationName == "receive " + _queue).ToList();
        Assert.Equal(2, receives.Count);
        Assert.All(receives, r => Assert.Equal((traceId, publish.SpanId), (r.TraceId, r.ParentSpanId)));
        Assert.Single(_spans, s => s.OperationName == "nack " + _queue && s.TraceId != default);
    }

    [Fact]
    public async Task Rest_DeadLetteredMessage_DeliveryFromTheDeadLetterQueueStaysInTheTrace()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options());
        await using var _ = server;
        using var __ = client;
        var dlq = _queue + "-dlq";
        await SendAsync(client, "/v1/queues", $$"""{"name":"{{dlq}}"}""");
        await SendAsync(client, "/v1/queues", $$"""{"name":"{{_queue}}","maxReceiveCount":1,"deadLetterQueue":"{{dlq}}"}""");
        var traceId = ActivityTraceId.CreateRandom();
        await SendAsync(client, $"/v1/queues/{_queue}/messages", """{"body":"poison"}""", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        // The first delivery is nacked; the second receive exceeds maxReceiveCount and moves the message.
        var first = (await SendAsync(client, $"/v1/queues/{_queue}/messages/receive", """{"maxMessages":1}""")).GetProperty("messages")[0];
        await SendAsync(client, $"/v1/queues/{_queue}/messages/nack", $$"""{"receiptHandle":"{{first.GetProperty("receiptHandle").GetString()}}","error":"boom"}""");
        Assert.Equal(0, (await SendAsync(client, $"/v1/queues/{_queue}/messages/receive", """{"maxMessages":1}""")).GetProperty("messages").GetArrayLength());
        var dead = (await SendAsync(client, $"/v1/queues/{dlq}/messages/receive", """{"maxMessages":1}""")).GetProperty("messages")[0];

        Assert.Equal("poison", dead.GetProperty("body").GetString());
        var publish = Assert.Single(_spans, s => s.OperationName == "publish " + _queue);
        var fromDeadLetters = Assert.Single(_spans, s => s.OperationName == "receive " + dlq);
        Assert.Equal((traceId, publish.SpanId), (fromDeadLetters.TraceId, fromDeadLetters.ParentSpanId));
    }

    [Fact]
    public async Task Sqs_AwsTraceHeader_RoundTripsAndParentsTheSpans()
    {
        var (server, http) = await OperationsServers.StartAsync(OperationsServers.Options());
        await using var _ = server;
        http.Dispose();
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("AKIDSLUICETEST", "secret"),
            new AmazonSQSConfig { ServiceURL = server.HttpAddress.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var url = (await sqs.CreateQueueAsync(_queue)).QueueUrl;
        const string header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

        await sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url,
            MessageBody = "traced over sqs",
            MessageSystemAttributes = new Dictionary<string, MessageSystemAttributeValue>
            {
                ["AWSTraceHeader"] = new() { DataType = "String", StringValue = header },
            },
        });
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = url,
            MessageSystemAttributeNames = ["AWSTraceHeader"],
            MessageAttributeNames = ["All"],
        });

        var message = Assert.Single(received.Messages);
        Assert.Equal(header, message.Attributes["AWSTraceHeader"]);
        Assert.True(message.MessageAttributes is null || message.MessageAttributes.Count == 0, "trace context is not shown as a message attribute on the SQS face");
        var publish = Assert.Single(_spans, s => s.OperationName == "publish " + _queue);
        var receive = Assert.Single(_spans, s => s.OperationName == "receive " + _queue);
        Assert.Equal("5759e988bd862e3fe1be46a994272793", publish.TraceId.ToHexString());
        Assert.Equal("53995c3f42cd8ad8", publish.ParentSpanId.ToHexString());
        Assert.Equal(publish.TraceId, receive.TraceId);
        Assert.Equal(publish.SpanId, receive.ParentSpanId);
    }

    [Fact]
    public async Task RestToSqs_Traceparent_IsReadAsAwsTraceHeader()
    {
        var (server, client) = await OperationsServers.StartAsync(OperationsServers.Options());
        await using var _ = server;
        using var __ = client;
        await SendAsync(client, "/v1/queues", $$"""{"name":"{{_queue}}"}""");
        var traceId = ActivityTraceId.CreateRandom();
        await SendAsync(client, $"/v1/queues/{_queue}/messages", """{"body":"from rest"}""", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("AKIDSLUICETEST", "secret"),
            new AmazonSQSConfig { ServiceURL = server.HttpAddress.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var url = (await sqs.GetQueueUrlAsync(_queue)).QueueUrl;

        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MessageSystemAttributeNames = ["AWSTraceHeader"] });

        var publish = Assert.Single(_spans, s => s.OperationName == "publish " + _queue);
        var hex = traceId.ToHexString();
        Assert.Equal($"Root=1-{hex[..8]}-{hex[8..]};Parent={publish.SpanId};Sampled=1", Assert.Single(received.Messages).Attributes["AWSTraceHeader"]);
    }

    [Theory]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", true)]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:1|68fd508a:5", true)]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793", false)]
    [InlineData("Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", false)]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279g;Parent=53995c3f42cd8ad8", false)]
    [InlineData("garbage", false)]
    public void AwsTraceHeader_ParsesAndFormatsAsAwsDocuments(string header, bool valid)
    {
        Assert.Equal(valid, TraceContext.TryParseAwsTraceHeader(header, out var context));
        if (valid)
        {
            Assert.Equal("5759e988bd862e3fe1be46a994272793", context.TraceId.ToHexString());
            Assert.Equal("53995c3f42cd8ad8", context.SpanId.ToHexString());
            var sampled = header.Contains("Sampled=1", StringComparison.Ordinal);
            Assert.Equal($"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled={(sampled ? 1 : 0)}", TraceContext.ToAwsTraceHeader(context));
        }
    }

    private static async Task<JsonElement> SendAsync(HttpClient client, string path, string json, string? traceparent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (traceparent is not null)
        {
            request.Headers.Add("traceparent", traceparent);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return response.StatusCode == HttpStatusCode.NoContent || text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
