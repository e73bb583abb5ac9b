using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Sluice.Server.Tests.Sqs;

/// <summary>Both wire protocols driven with a raw HttpClient: detection, rendering, and the error catalogue.</summary>
public sealed class SqsProtocolTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>, IDisposable
{
    private static readonly XNamespace Ns = "http://queue.amazonaws.com/doc/2012-11-05/";
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, XElement Root)> QueryAsync(string path, params (string Key, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
        using var response = await _http.PostAsync(path, content);
        Assert.StartsWith("text/xml", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body, string? QueryError)> JsonAsync(string action, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.0");
        using var response = await _http.SendAsync(request);
        Assert.Equal("application/x-amz-json-1.0", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-amzn-RequestId"));
        var error = response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single() : null;
        return (response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!, error);
    }

    private async Task<string> CreateQueueAsync(string name)
    {
        var (status, root) = await QueryAsync("/", ("Action", "CreateQueue"), ("QueueName", name));
        Assert.Equal(HttpStatusCode.OK, status);
        return root.Element(Ns + "CreateQueueResult")!.Element(Ns + "QueueUrl")!.Value;
    }

    private async Task AssertEmptyAsync(string name)
    {
        var stats = await fixture.Server.Broker.GetStatsAsync(name);
        Assert.Equal(0, stats.Ready + stats.InFlight + stats.Delayed);
    }

    private static (string Code, string Type) XmlError(XElement root)
    {
        Assert.Equal("ErrorResponse", root.Name.LocalName);
        var error = root.Element(Ns + "Error")!;
        Assert.False(string.IsNullOrEmpty(root.Element(Ns + "RequestId")?.Value));
        return (error.Element(Ns + "Code")!.Value, error.Element(Ns + "Type")!.Value);
    }

    public static TheoryData<string, string[], string, string> BadRequests => new()
    {
        // name, query fields (k=v, QUEUE = the queue URL), json body ("QUEUE" replaced), expected legacy code
        { "UnknownAction", ["Action=Frobnicate"], "Frobnicate|{}", "InvalidAction" },
        { "MissingQueueUrl", ["Action=SendMessage", "MessageBody=x"], "SendMessage|{\"MessageBody\":\"x\"}", "MissingParameter" },
        { "MissingQueueName", ["Action=CreateQueue"], "CreateQueue|{}", "MissingParameter" },
        { "WrongType", ["Action=ReceiveMessage", "QueueUrl=QUEUE", "MaxNumberOfMessages=abc"], "ReceiveMessage|{\"QueueUrl\":\"QUEUE\",\"MaxNumberOfMessages\":\"abc\"}", "InvalidParameterValue" },
        { "OutOfRange", ["Action=ReceiveMessage", "QueueUrl=QUEUE", "MaxNumberOfMessages=11"], "ReceiveMessage|{\"QueueUrl\":\"QUEUE\",\"MaxNumberOfMessages\":11}", "InvalidParameterValue" },
        { "EmptyBatch", ["Action=SendMessageBatch", "QueueUrl=QUEUE"], "SendMessageBatch|{\"QueueUrl\":\"QUEUE\",\"Entries\":[]}", "AWS.SimpleQueueService.EmptyBatchRequest" },
        { "TooManyEntries", [.. Batch(11, distinct: true)], "SendMessageBatch|" + JsonBatch(11, distinct: true), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest" },
        { "DuplicateIds", [.. Batch(2, distinct: false)], "SendMessageBatch|" + JsonBatch(2, distinct: false), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct" },
        { "BadEntryId", ["Action=DeleteMessageBatch", "QueueUrl=QUEUE", "DeleteMessageBatchRequestEntry.1.Id=a b", "DeleteMessageBatchRequestEntry.1.ReceiptHandle=h"], "DeleteMessageBatch|{\"QueueUrl\":\"QUEUE\",\"Entries\":[{\"Id\":\"a b\",\"ReceiptHandle\":\"h\"}]}", "AWS.SimpleQueueService.InvalidBatchEntryId" },
        { "OversizedBody", ["Action=SendMessage", "QueueUrl=QUEUE", "MessageBody=" + new string('x', 1_048_577)], "SendMessage|{\"QueueUrl\":\"QUEUE\",\"MessageBody\":\"" + new string('x', 1_048_577) + "\"}", "InvalidParameterValue" },
        { "InvalidCharacters", ["Action=SendMessage", "QueueUrl=QUEUE", "MessageBody=a\u0000b"], "SendMessage|{\"QueueUrl\":\"QUEUE\",\"MessageBody\":\"a\\u0000b\"}", "InvalidMessageContents" },
        { "UnknownQueue", ["Action=SendMessage", "QueueUrl=http://elsewhere/000000000000/no-such-queue", "MessageBody=x"], "SendMessage|{\"QueueUrl\":\"http://elsewhere/000000000000/no-such-queue\",\"MessageBody\":\"x\"}", "AWS.SimpleQueueService.NonExistentQueue" },
        { "UnknownAttribute", ["Action=GetQueueAttributes", "QueueUrl=QUEUE", "AttributeName.1=Bogus"], "GetQueueAttributes|{\"QueueUrl\":\"QUEUE\",\"AttributeNames\":[\"Bogus\"]}", "InvalidAttributeName" },
        { "BadHandle", ["Action=DeleteMessage", "QueueUrl=QUEUE", "ReceiptHandle=garbage"], "DeleteMessage|{\"QueueUrl\":\"QUEUE\",\"ReceiptHandle\":\"garbage\"}", "ReceiptHandleIsInvalid" },
    };

    private static IEnumerable<string> Batch(int count, bool distinct)
    {
        yield return "Action=SendMessageBatch";
        yield return "QueueUrl=QUEUE";
        for (var i = 1; i <= count; i++)
        {
            yield return $"SendMessageBatchRequestEntry.{i}.Id=" + (distinct ? $"e{i}" : "same");
            yield return $"SendMessageBatchRequestEntry.{i}.MessageBody=m{i}";
        }
    }

    private static string JsonBatch(int count, bool distinct) =>
        new JsonObject
        {
            ["QueueUrl"] = "QUEUE",
            ["Entries"] = new JsonArray([.. Enumerable.Range(1, count).Select(i => (JsonNode?)new JsonObject { ["Id"] = distinct ? $"e{i}" : "same", ["MessageBody"] = $"m{i}" })]),
        }.ToJsonString();

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_QueryProtocol_ErrorCodeAndNoStateChange(string scenario, string[] fields, string json, string code)
    {
        _ = json;
        var name = SqsServerFixture.NewName(scenario);
        var url = await CreateQueueAsync(name);
        var queues = (await fixture.Server.Broker.ListQueuesAsync()).Count;
        var (status, root) = await QueryAsync("/", [.. fields.Select(f => f.Split('=', 2)).Select(kv => (kv[0], kv[1].Replace("QUEUE", url, StringComparison.Ordinal)))]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var (actual, type) = XmlError(root);
        Assert.Equal(code, actual);
        Assert.Equal("Sender", type);
        await AssertEmptyAsync(name);
        Assert.Equal(queues, (await fixture.Server.Broker.ListQueuesAsync()).Count);
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_JsonProtocol_QueryErrorHeaderAndNoStateChange(string scenario, string[] fields, string json, string code)
    {
        _ = fields;
        var name = SqsServerFixture.NewName(scenario);
        var url = await CreateQueueAsync(name);
        var queues = (await fixture.Server.Broker.ListQueuesAsync()).Count;
        var parts = json.Split('|', 2);
        var (status, body, error) = await JsonAsync(parts[0], (JsonObject)JsonNode.Parse(parts[1].Replace("QUEUE", url, StringComparison.Ordinal))!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"{code};Sender", error);
        Assert.StartsWith("com.amazonaws.sqs#", body["__type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(body["message"]!.GetValue<string>()));
        await AssertEmptyAsync(name);
        Assert.Equal(queues, (await fixture.Server.Broker.ListQueuesAsync()).Count);
    }

    [Fact]
    public async Task UnknownQueue_JsonProtocol_QueueDoesNotExistShape()
    {
        var (_, body, error) = await JsonAsync("GetQueueUrl", new JsonObject { ["QueueName"] = "no-such-queue" });
        Assert.Equal("com.amazonaws.sqs#QueueDoesNotExist", body["__type"]!.GetValue<string>());
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue;Sender", error);
    }

    [Fact]
    public async Task SendReceive_QueryProtocolOnQueuePath_CrLfBodyAndMd5RoundTrip()
    {
        var name = SqsServerFixture.NewName();
        await CreateQueueAsync(name);
        var path = $"/000000000000/{name}";
        const string body = "a\r\nb\rc\n";
        var (status, sent) = await QueryAsync(path, ("Action", "SendMessage"), ("MessageBody", body),
            ("MessageAttribute.1.Name", "k"), ("MessageAttribute.1.Value.DataType", "String"), ("MessageAttribute.1.Value.StringValue", "v"));
        Assert.Equal(HttpStatusCode.OK, status);
        var result = sent.Element(Ns + "SendMessageResult")!;
        Assert.Equal("1ab0a8fb5b3a0e5b9f0ec4bcf0a2d9ed".Length, result.Element(Ns + "MD5OfMessageBody")!.Value.Length);

        var (_, received) = await QueryAsync(path, ("Action", "ReceiveMessage"), ("AttributeName.1", "All"), ("MessageAttributeName.1", "All"), ("WaitTimeSeconds", "0"));
        var message = received.Element(Ns + "ReceiveMessageResult")!.Element(Ns + "Message")!;
        Assert.Equal(body, message.Element(Ns + "Body")!.Value);
        Assert.Equal(result.Element(Ns + "MD5OfMessageBody")!.Value, message.Element(Ns + "MD5OfBody")!.Value);
        Assert.Equal(result.Element(Ns + "MD5OfMessageAttributes")!.Value, message.Element(Ns + "MD5OfMessageAttributes")!.Value);
        Assert.Contains(message.Elements(Ns + "Attribute"), a => a.Element(Ns + "Name")!.Value == "ApproximateReceiveCount" && a.Element(Ns + "Value")!.Value == "1");
        var attribute = message.Element(Ns + "MessageAttribute")!;
        Assert.Equal("k", attribute.Element(Ns + "Name")!.Value);
        Assert.Equal("v", attribute.Element(Ns + "Value")!.Element(Ns + "StringValue")!.Value);
        Assert.Equal("String", attribute.Element(Ns + "Value")!.Element(Ns + "DataType")!.Value);
        Assert.False(string.IsNullOrEmpty(received.Element(Ns + "ResponseMetadata")!.Element(Ns + "RequestId")!.Value));

        var handle = message.Element(Ns + "ReceiptHandle")!.Value;
        var (deleted, _) = await QueryAsync("/", ("Action", "DeleteMessage"), ("QueueUrl", $"http://any-host:1234/000000000000/{name}"), ("ReceiptHandle", handle));
        Assert.Equal(HttpStatusCode.OK, deleted);
        await AssertEmptyAsync(name);
    }

    [Fact]
    public async Task ListQueues_QueryGet_RepeatedQueueUrlElements()
    {
        var prefix = SqsServerFixture.NewName("get");
        await CreateQueueAsync(prefix + "-1");
        await CreateQueueAsync(prefix + "-2");
        using var response = await _http.GetAsync($"/?Action=ListQueues&QueueNamePrefix={prefix}");
        var root = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("ListQueuesResponse", root.Name.LocalName);
        Assert.Equal(2, root.Element(Ns + "ListQueuesResult")!.Elements(Ns + "QueueUrl").Count());
    }

    [Fact]
    public async Task SendMessageBatch_QueryProtocol_ResultAndErrorEntries()
    {
        var name = SqsServerFixture.NewName();
        var url = await CreateQueueAsync(name);
        var (status, root) = await QueryAsync("/", ("Action", "SendMessageBatch"), ("QueueUrl", url),
            ("SendMessageBatchRequestEntry.1.Id", "ok"), ("SendMessageBatchRequestEntry.1.MessageBody", "fine"),
            ("SendMessageBatchRequestEntry.2.Id", "bad"), ("SendMessageBatchRequestEntry.2.MessageBody", "fine"), ("SendMessageBatchRequestEntry.2.DelaySeconds", "901"));
        Assert.Equal(HttpStatusCode.OK, status);
        var result = root.Element(Ns + "SendMessageBatchResult")!;
        Assert.Equal("ok", result.Element(Ns + "SendMessageBatchResultEntry")!.Element(Ns + "Id")!.Value);
        var failed = result.Element(Ns + "BatchResultErrorEntry")!;
        Assert.Equal("bad", failed.Element(Ns + "Id")!.Value);
        Assert.Equal("InvalidParameterValue", failed.Element(Ns + "Code")!.Value);
        Assert.Equal("true", failed.Element(Ns + "SenderFault")!.Value);
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task ReceiveMessage_FifoAttemptIdRetried_SameHandle()
    {
        var name = SqsServerFixture.NewName() + ".fifo";
        var (created, _) = await QueryAsync("/", ("Action", "CreateQueue"), ("QueueName", name), ("Attribute.1.Name", "FifoQueue"), ("Attribute.1.Value", "true"));
        Assert.Equal(HttpStatusCode.OK, created);
        var url = $"http://localhost/000000000000/{name}";
        var (sent, _, _) = await JsonAsync("SendMessage", new JsonObject { ["QueueUrl"] = url, ["MessageBody"] = "m", ["MessageGroupId"] = "g", ["MessageDeduplicationId"] = "d" });
        Assert.Equal(HttpStatusCode.OK, sent);
        var request = new JsonObject { ["QueueUrl"] = url, ["ReceiveRequestAttemptId"] = "attempt-1", ["VisibilityTimeout"] = 60 };
        var (_, first, _) = await JsonAsync("ReceiveMessage", request);
        var (_, second, _) = await JsonAsync("ReceiveMessage", (JsonObject)request.DeepClone());
        Assert.Equal(first["Messages"]![0]!["ReceiptHandle"]!.GetValue<string>(), second["Messages"]![0]!["ReceiptHandle"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListQueueTags_QueryProtocol_FlattenedTagElements()
    {
        var name = SqsServerFixture.NewName();
        var (created, _) = await QueryAsync("/", ("Action", "CreateQueue"), ("QueueName", name), ("Tag.1.Key", "team"), ("Tag.1.Value", "core"));
        Assert.Equal(HttpStatusCode.OK, created);
        var (_, root) = await QueryAsync($"/000000000000/{name}", ("Action", "ListQueueTags"));
        var tag = root.Element(Ns + "ListQueueTagsResult")!.Element(Ns + "Tag")!;
        Assert.Equal("team", tag.Element(Ns + "Key")!.Value);
        Assert.Equal("core", tag.Element(Ns + "Value")!.Value);
    }

    [Fact]
    public async Task NonSqsRequests_FallThroughToRestApi()
    {
        Assert.Equal("ok", await _http.GetStringAsync("/healthz"));
        using var response = await _http.GetAsync("/v1/queues/definitely-missing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
