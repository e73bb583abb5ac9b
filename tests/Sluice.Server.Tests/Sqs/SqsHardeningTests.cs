using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Sluice.Server.Tests.Sqs;

/// <summary>Regression tests for hostile or unusual input on both wire protocols, sent as raw HTTP.</summary>
public sealed class SqsHardeningTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>, IDisposable
{
    private static readonly XNamespace Ns = "http://queue.amazonaws.com/doc/2012-11-05/";
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    /// <summary>Posts a raw form body (already encoded) and parses the XML answer.</summary>
    private async Task<(HttpStatusCode Status, XElement Root)> PostFormAsync(string path, string form)
    {
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await _http.PostAsync(path, content);
        Assert.StartsWith("text/xml", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body, string? QueryError)> JsonAsync(string action, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        request.Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.0");
        using var response = await _http.SendAsync(request);
        Assert.Equal("application/x-amz-json-1.0", response.Content.Headers.ContentType?.MediaType);
        var error = response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single() : null;
        return (response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!, error);
    }

    private async Task<(HttpStatusCode Status, string Body, string? QueryError)> JsonBytesAsync(string action, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.0");
        using var response = await _http.SendAsync(request);
        var error = response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single() : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), error);
    }

    private async Task<string> CreateQueueAsync(string? name = null)
    {
        name ??= SqsServerFixture.NewName();
        var (status, _) = await PostFormAsync("/", "Action=CreateQueue&QueueName=" + name);
        Assert.Equal(HttpStatusCode.OK, status);
        return name;
    }

    private string Url(string name) => $"{fixture.Address.TrimEnd('/')}/000000000000/{name}";

    private static string Code(XElement root)
    {
        Assert.Equal("ErrorResponse", root.Name.LocalName);
        return root.Element(Ns + "Error")!.Element(Ns + "Code")!.Value;
    }

    [Fact]
    public async Task Query_KeyWith30000Dots_MalformedQueryStringAndServerAlive()
    {
        var form = "Action=ListQueues&" + string.Concat(Enumerable.Repeat("a.", 30000)) + "=1";
        var (status, root) = await PostFormAsync("/", form);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MalformedQueryString", Code(root));
        var (ok, _) = await PostFormAsync("/", "Action=ListQueues");
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Theory]
    [InlineData("%ED%A0%80")] // a UTF-8-encoded lone surrogate
    [InlineData("%FF")]       // not UTF-8
    [InlineData("%ZZ")]       // not an escape
    [InlineData("abc%4")]     // cut short
    public async Task Query_BadPercentEncoding_MalformedQueryStringAndNothingStored(string body)
    {
        var (_, created) = await PostFormAsync("/", "Action=CreateQueue&QueueName=pct");
        Assert.NotNull(created);
        var (status, root) = await PostFormAsync("/", "Action=SendMessage&QueueUrl=http%3A%2F%2F127.0.0.1%2F000000000000%2Fpct&MessageBody=" + body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MalformedQueryString", Code(root));
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync("pct")).Ready);
    }

    [Fact]
    public async Task Query_TooManyFieldsOrLongKey_MalformedQueryString()
    {
        var many = "Action=ListQueues&" + string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=1"));
        var (status, root) = await PostFormAsync("/", many);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MalformedQueryString", Code(root));
        var (longStatus, longRoot) = await PostFormAsync("/", "Action=ListQueues&" + new string('k', 300) + "=1");
        Assert.Equal(HttpStatusCode.BadRequest, longStatus);
        Assert.Equal("MalformedQueryString", Code(longRoot));
    }

    public static TheoryData<string, string, string> PoisonJson => new()
    {
        // action, body ("QUEUE" = the queue URL), expected legacy code
        { "SendMessage", """{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"a":{"DataType":"String.\u0001","StringValue":"v"}}}""", "InvalidParameterValue" },
        { "SendMessage", """{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"a":{"DataType":"Number.x y","StringValue":"1"}}}""", "InvalidParameterValue" },
        { "SendMessage", """{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"a":{"DataType":"String","StringValue":"a\u0001b"}}}""", "InvalidMessageContents" },
        { "SendMessage", """{"QueueUrl":"QUEUE","MessageBody":"x","MessageGroupId":"g\u0001"}""", "InvalidParameterValue" },
        { "SendMessage", """{"QueueUrl":"QUEUE","MessageBody":"x","MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"t\u0001"}}}""", "InvalidMessageContents" },
        { "TagQueue", """{"QueueUrl":"QUEUE","Tags":{"k":"v\u0001"}}""", "InvalidParameterValue" },
        { "TagQueue", """{"QueueUrl":"QUEUE","Tags":{"k\u0001":"v"}}""", "InvalidParameterValue" },
        { "SetQueueAttributes", """{"QueueUrl":"QUEUE","Attributes":{"Policy":"p\u0001"}}""", "InvalidAttributeValue" },
        { "CreateQueue", """{"QueueName":"NEWQUEUE","Attributes":{"Policy":"p\u0001"}}""", "InvalidAttributeValue" },
        { "CreateQueue", """{"QueueName":"NEWQUEUE","tags":{"k":"\uffff"}}""", "InvalidParameterValue" },
        { "ReceiveMessage", """{"QueueUrl":"QUEUE","ReceiveRequestAttemptId":"a\u0001"}""", "InvalidParameterValue" },
    };

    [Theory]
    [MemberData(nameof(PoisonJson))]
    public async Task PoisonCharacters_Json_RefusedAndQueryClientReadsEverything(string action, string body, string code)
    {
        var name = await CreateQueueAsync();
        var created = SqsServerFixture.NewName("new");
        var (status, _, error) = await JsonAsync(action, body.Replace("NEWQUEUE", created, StringComparison.Ordinal).Replace("QUEUE", Url(name), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"{code};Sender", error);
        Assert.DoesNotContain(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == created);

        // Everything about the queue is readable by an XML parser (XDocument.Parse throws otherwise).
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync("/", $"Action=ReceiveMessage&QueueUrl={Uri.EscapeDataString(Url(name))}&AttributeName.1=All&MessageAttributeName.1=All")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync("/", $"Action=GetQueueAttributes&QueueUrl={Uri.EscapeDataString(Url(name))}&AttributeName.1=All")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync("/", $"Action=ListQueueTags&QueueUrl={Uri.EscapeDataString(Url(name))}")).Status);
    }

    [Theory]
    [InlineData("Action=GetQueueUrl&QueueName=a%01b", "AWS.SimpleQueueService.NonExistentQueue")]
    [InlineData("Action=CreateQueue&QueueName=a%01b", "InvalidParameterValue")]
    [InlineData("Action=SendMessage&QueueUrl=QUEUE&MessageBody=x&MessageGroupId=g%01%EF%BF%BF", "InvalidParameterValue")]
    [InlineData("Action=GetQueueAttributes&QueueUrl=QUEUE&AttributeName.1=x%01y", "InvalidAttributeName")]
    [InlineData("Action=Frob%01nicate", "InvalidAction")]
    public async Task PoisonEchoedInError_Query_ParseableXml(string form, string code)
    {
        var name = await CreateQueueAsync();
        var (status, root) = await PostFormAsync("/", form.Replace("QUEUE", Uri.EscapeDataString(Url(name)), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, Code(root));
    }

    [Fact]
    public void Safe_ReplacesCharactersXmlCannotCarry()
    {
        Assert.Equal("a\uFFFDb\uFFFDc\r\n\t😇", Sluice.Faces.Sqs.SqsXml.Safe("a\u0001b\uD800c\r\n\t😇"));
    }

    [Theory]
    [InlineData("Action=ReceiveMessage&QueueUrl=QUEUE&AttributeName=&MessageAttributeName=&MessageSystemAttributeName=")]
    [InlineData("Action=ReceiveMessage&QueueUrl=QUEUE&AttributeNames=&MessageAttributeNames=")]
    [InlineData("Action=GetQueueAttributes&QueueUrl=QUEUE&AttributeName=")]
    [InlineData("Action=GetQueueAttributes&QueueUrl=QUEUE&AttributeNames=")]
    [InlineData("Action=SetQueueAttributes&QueueUrl=QUEUE&Attribute=")]
    [InlineData("Action=CreateQueue&QueueName=NAME&Attribute=&Tag=")]
    public async Task EmptyListAsBareName_Query_TreatedAsEmpty(string form)
    {
        var name = await CreateQueueAsync();
        var (status, root) = await PostFormAsync("/", form.Replace("QUEUE", Uri.EscapeDataString(Url(name)), StringComparison.Ordinal).Replace("NAME", name, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotEqual("ErrorResponse", root.Name.LocalName);
    }

    [Theory]
    [InlineData("Action=SendMessageBatch&QueueUrl=QUEUE&SendMessageBatchRequestEntry=")]
    [InlineData("Action=SendMessageBatch&QueueUrl=QUEUE&Entries=")]
    [InlineData("Action=SendMessageBatch&QueueUrl=QUEUE")]
    [InlineData("Action=DeleteMessageBatch&QueueUrl=QUEUE&DeleteMessageBatchRequestEntry=")]
    [InlineData("Action=ChangeMessageVisibilityBatch&QueueUrl=QUEUE&ChangeMessageVisibilityBatchRequestEntry=")]
    public async Task EmptyBatch_Query_EmptyBatchRequest(string form)
    {
        var name = await CreateQueueAsync();
        var (status, root) = await PostFormAsync("/", form.Replace("QUEUE", Uri.EscapeDataString(Url(name)), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("AWS.SimpleQueueService.EmptyBatchRequest", Code(root));
    }

    [Fact]
    public async Task UntagQueue_EmptyTagKeys_Query_MissingParameterNotTypeError()
    {
        var name = await CreateQueueAsync();
        var (status, root) = await PostFormAsync("/", $"Action=UntagQueue&QueueUrl={Uri.EscapeDataString(Url(name))}&TagKeys=");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MissingParameter", Code(root));
    }

    public static TheoryData<string, string> LoneSurrogates => new()
    {
        { """{"QueueUrl":"QUEUE","MessageBody":"a\ud800b"}""", "InvalidMessageContents" },
        { """{"QueueUrl":"QUEUE","MessageBody":"a\udc00"}""", "InvalidMessageContents" },
        { """{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"a":{"DataType":"String","StringValue":"\ud800"}}}""", "InvalidMessageContents" },
        { """{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"a\ud800":{"DataType":"String","StringValue":"v"}}}""", "InvalidParameterValue" },
        { """{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"a":{"DataType":"String\ud800","StringValue":"v"}}}""", "InvalidParameterValue" },
        { """{"QueueUrl\ud800":"QUEUE","MessageBody":"x"}""", "InvalidParameterValue" },
    };

    [Theory]
    [MemberData(nameof(LoneSurrogates))]
    public async Task LoneSurrogateEscape_Json_400NotInternalError(string body, string code)
    {
        var name = await CreateQueueAsync();
        var (status, text, error) = await JsonBytesAsync("SendMessage", Encoding.UTF8.GetBytes(body.Replace("QUEUE", Url(name), StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"{code};Sender", error);
        Assert.NotNull(JsonNode.Parse(text));
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Theory]
    [InlineData("{\"QueueUrl\":\"QUEUE\",\"MessageBody\":\"a", "b\"}")]
    [InlineData("{\"QueueUrl\":\"QUEUE\",\"MessageBody\":\"x\",\"MessageAttributes\":{\"a", "\":{\"DataType\":\"String\",\"StringValue\":\"v\"}}}")]
    [InlineData("{\"QueueUrl\":\"QUEUE\",\"MessageBody\":\"x\",\"MessageAttributes\":{\"a\":{\"DataType\":\"String\",\"StringValue\":\"", "\"}}}")]
    public async Task InvalidUtf8_Json_400NotInternalError(string before, string after)
    {
        var name = await CreateQueueAsync();
        byte[] body = [.. Encoding.UTF8.GetBytes(before.Replace("QUEUE", Url(name), StringComparison.Ordinal)), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes(after)];
        var (status, text, error) = await JsonBytesAsync("SendMessage", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.EndsWith(";Sender", error, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(text));
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Theory]
    [InlineData("AmazonSQSx.ListQueues", "application/x-amz-json-1.0")]
    [InlineData("AmazonSQS", "application/x-amz-json-1.0")]
    [InlineData("AmazonSQS.", "application/json")]
    [InlineData("AmazonSQSv2.ListQueues", "application/json")]
    [InlineData(null, "application/x-amz-json-1.0")]
    public async Task MalformedJsonRequest_JsonInvalidActionNotRest404(string? target, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queues");
        if (target is not null)
        {
            request.Headers.Add("X-Amz-Target", target);
        }

        request.Content = new StringContent("{}", Encoding.UTF8);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/x-amz-json-1.0", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("InvalidAction;Sender", response.Headers.GetValues("x-amzn-query-error").Single());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("com.amazonaws.sqs#InvalidAction", body["__type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/", "")]
    [InlineData("/", "QueueName=q&Version=2012-11-05")]
    [InlineData("/000000000000/q", "MessageBody=x")]
    public async Task FormPostWithoutAction_QueryMissingAction(string path, string form)
    {
        var (status, root) = await PostFormAsync(path, form);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MissingAction", Code(root));
    }

    [Fact]
    public async Task RestApi_StillServedNextToSqs()
    {
        var name = SqsServerFixture.NewName("rest");
        using var create = new StringContent($$"""{"name":"{{name}}"}""", Encoding.UTF8, "application/json");
        using var created = await _http.PostAsync("/v1/queues", create);
        Assert.True(created.IsSuccessStatusCode, created.StatusCode.ToString());
        using var missing = await _http.GetAsync("/v1/queues/definitely-missing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("1E+100", true)]
    [InlineData("1E+127", false)]
    [InlineData("123456789012345678901234567890123456789", false)]
    [InlineData("abc", false)]
    public async Task NumberAttribute_BothProtocols_SqsRange(string number, bool accepted)
    {
        var name = await CreateQueueAsync();
        var (status, _, error) = await JsonAsync("SendMessage", new JsonObject
        {
            ["QueueUrl"] = Url(name),
            ["MessageBody"] = "x",
            ["MessageAttributes"] = new JsonObject { ["n"] = new JsonObject { ["DataType"] = "Number", ["StringValue"] = number } },
        }.ToJsonString());
        Assert.Equal(accepted ? HttpStatusCode.OK : HttpStatusCode.BadRequest, status);
        Assert.Equal(accepted ? null : "InvalidParameterValue;Sender", error);

        var (queryStatus, root) = await PostFormAsync("/", $"Action=SendMessage&QueueUrl={Uri.EscapeDataString(Url(name))}&MessageBody=x" +
            $"&MessageAttribute.1.Name=n&MessageAttribute.1.Value.DataType=Number&MessageAttribute.1.Value.StringValue={Uri.EscapeDataString(number)}");
        Assert.Equal(accepted ? HttpStatusCode.OK : HttpStatusCode.BadRequest, queryStatus);
        if (!accepted)
        {
            Assert.Equal("InvalidParameterValue", Code(root));
        }

        Assert.Equal(accepted ? 2 : 0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Theory]
    [InlineData("http://elsewhere/111111111111/NAME")]
    [InlineData("/111111111111/NAME")]
    [InlineData("111111111111/NAME")]
    public async Task QueueUrlOfAnotherAccount_Json_NonExistentQueue(string url)
    {
        var name = await CreateQueueAsync();
        var (status, _, error) = await JsonAsync("SendMessage", new JsonObject { ["QueueUrl"] = url.Replace("NAME", name, StringComparison.Ordinal), ["MessageBody"] = "x" }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue;Sender", error);
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task QueuePathOfAnotherAccount_Query_NonExistentQueue()
    {
        var name = await CreateQueueAsync();
        var (status, root) = await PostFormAsync($"/111111111111/{name}", "Action=SendMessage&MessageBody=x");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", Code(root));
        var (ok, _) = await PostFormAsync($"/000000000000/{name}", "Action=SendMessage&MessageBody=x");
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Fact]
    public async Task GetQueueUrl_OtherOwnerAccount_NonExistentQueue()
    {
        var name = await CreateQueueAsync();
        var (status, _, error) = await JsonAsync("GetQueueUrl", new JsonObject { ["QueueName"] = name, ["QueueOwnerAWSAccountId"] = "111111111111" }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue;Sender", error);
        var (same, _, _) = await JsonAsync("GetQueueUrl", new JsonObject { ["QueueName"] = name, ["QueueOwnerAWSAccountId"] = "000000000000" }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, same);
    }

    [Fact]
    public async Task Post_QueryStringActionConflictsWithBody_RefusedAndQueueKept()
    {
        var name = await CreateQueueAsync();
        var (status, root) = await PostFormAsync($"/?Action=GetQueueUrl&QueueName={name}", $"Action=DeleteQueue&QueueUrl={Uri.EscapeDataString(Url(name))}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MalformedQueryString", Code(root));
        Assert.Contains(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Fact]
    public async Task Post_ParametersOnlyInQueryString_NotRead()
    {
        var name = await CreateQueueAsync();
        var (status, root) = await PostFormAsync($"/?Action=DeleteQueue&QueueUrl={Uri.EscapeDataString(Url(name))}", "Version=2012-11-05");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MissingAction", Code(root));
        Assert.Contains(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Fact]
    public async Task SendMessageBatch_NonStringBody_FailsThatEntryOnly()
    {
        var name = await CreateQueueAsync();
        var (status, body, _) = await JsonAsync("SendMessageBatch", new JsonObject
        {
            ["QueueUrl"] = Url(name),
            ["Entries"] = new JsonArray(
                new JsonObject { ["Id"] = "ok", ["MessageBody"] = "fine" },
                new JsonObject { ["Id"] = "obj", ["MessageBody"] = new JsonObject { ["a"] = 1 } },
                new JsonObject { ["Id"] = "arr", ["MessageBody"] = new JsonArray(1, 2) }),
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body["Successful"]![0]!["Id"]!.GetValue<string>());
        var failed = body["Failed"]!.AsArray().Select(f => f!["Id"]!.GetValue<string>()).Order().ToArray();
        Assert.Equal(["arr", "obj"], failed);
        Assert.All(body["Failed"]!.AsArray(), f => Assert.Equal("InvalidParameterValue", f!["Code"]!.GetValue<string>()));
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task DeleteMessageBatch_NonStringHandle_FailsThatEntryOnly()
    {
        var name = await CreateQueueAsync();
        var (status, body, _) = await JsonAsync("DeleteMessageBatch", new JsonObject
        {
            ["QueueUrl"] = Url(name),
            ["Entries"] = new JsonArray(new JsonObject { ["Id"] = "obj", ["ReceiptHandle"] = new JsonObject() }),
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("obj", body["Failed"]![0]!["Id"]!.GetValue<string>());
    }
}
