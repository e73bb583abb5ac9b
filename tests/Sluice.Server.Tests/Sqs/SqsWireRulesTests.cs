using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Sluice.Server.Tests.Sqs;

/// <summary>
/// Wire rules of the SQS face, per protocol (raw HTTP): which broker queues are SQS queues, the Query form's maps,
/// lists and repeats, unreadable JSON bodies, CreateQueue's defaults, SQS's texts.
/// </summary>
public sealed class SqsWireRulesTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    private SqsWireClient Sqs => new(_http);

    private async Task<string> CreateAsync(Wire wire, string name, JsonObject? attributes = null)
    {
        var input = new JsonObject { ["QueueName"] = name };
        if (attributes is not null)
        {
            input["Attributes"] = attributes;
        }

        var reply = await Sqs.CallAsync(wire, "CreateQueue", input);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.QueueUrl();
    }

    private async Task<Dictionary<string, string>> AttributesAsync(Wire wire, string url)
    {
        var reply = await Sqs.CallAsync(wire, "GetQueueAttributes", new JsonObject { ["QueueUrl"] = url, ["AttributeNames"] = new JsonArray("All") });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Attributes();
    }

    private static void AssertError(SqsReply reply, string code, string? message = null)
    {
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(code, reply.Code);
        if (message is not null)
        {
            Assert.Equal(message, reply.Message);
        }
    }

    // 1. A broker queue "<default region>:name" is no SQS queue.

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task ListQueues_RestQueueNamedWithDefaultRegionPrefix_NotListedAndNamesNoQueue(Wire wire)
    {
        var plain = SqsServerFixture.NewName("sneaky");
        using (var created = await _http.PostAsJsonAsync("/v1/queues", new { name = "us-east-1:" + plain }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var listed = await Sqs.CallAsync(wire, "ListQueues", new JsonObject { ["QueueNamePrefix"] = "sneaky" });
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.DoesNotContain(listed.QueueUrls(), u => u.Contains(plain, StringComparison.Ordinal));

        AssertError(await Sqs.CallAsync(wire, "GetQueueUrl", new JsonObject { ["QueueName"] = plain }), "AWS.SimpleQueueService.NonExistentQueue");
        var url = $"{fixture.Server.HttpAddress.ToString().TrimEnd('/')}/000000000000/{plain}";
        AssertError(await Sqs.CallAsync(wire, "SendMessage", new JsonObject { ["QueueUrl"] = url, ["MessageBody"] = "x" }), "AWS.SimpleQueueService.NonExistentQueue");
        var regionUrl = $"{fixture.Server.HttpAddress.ToString().TrimEnd('/')}/us-east-1/000000000000/{plain}";
        AssertError(await Sqs.CallAsync(wire, "SendMessage", new JsonObject { ["QueueUrl"] = regionUrl, ["MessageBody"] = "x" }), "AWS.SimpleQueueService.NonExistentQueue");
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync("us-east-1:" + plain)).Ready);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task ListDeadLetterSourceQueues_SourceNamedWithDefaultRegionPrefix_NotListed(Wire wire)
    {
        var dlq = SqsServerFixture.NewName("dlq");
        var dlqUrl = await CreateAsync(wire, dlq);
        var hidden = "us-east-1:" + SqsServerFixture.NewName("src");
        await fixture.Server.Broker.CreateQueueAsync(hidden, new QueueOptions { DeadLetterQueue = dlq, MaxReceiveCount = 3 });
        var visible = await CreateAsync(wire, SqsServerFixture.NewName("src"),
            new JsonObject { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:{{dlq}}","maxReceiveCount":3}""" });

        var reply = await Sqs.CallAsync(wire, "ListDeadLetterSourceQueues", new JsonObject { ["QueueUrl"] = dlqUrl });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal([visible], reply.QueueUrls());
    }

    // 2. Query form: unindexed map entries, repeated list items, refused repeats.

    [Fact]
    public async Task CreateQueue_UnindexedAttributeAndTag_Query_Applied()
    {
        var name = SqsServerFixture.NewName();
        var reply = await Sqs.PostFormAsync(("Action", "CreateQueue"), ("QueueName", name),
            ("Attribute.Name", "VisibilityTimeout"), ("Attribute.Value", "99"), ("Tag.Key", "t"), ("Tag.Value", "v"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("99", (await AttributesAsync(Wire.Query, reply.QueueUrl()))["VisibilityTimeout"]);
        var tags = (await Sqs.CallAsync(Wire.Query, "ListQueueTags", new JsonObject { ["QueueUrl"] = reply.QueueUrl() })).Tags();
        Assert.Equal("v", Assert.Single(tags, t => t.Key == "t").Value);
    }

    [Fact]
    public async Task SetQueueAttributes_UnindexedAttribute_Query_Applied()
    {
        var url = await CreateAsync(Wire.Query, SqsServerFixture.NewName());

        var reply = await Sqs.PostFormAsync(("Action", "SetQueueAttributes"), ("QueueUrl", url), ("Attribute.Name", "DelaySeconds"), ("Attribute.Value", "3"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("3", (await AttributesAsync(Wire.Query, url))["DelaySeconds"]);
    }

    [Fact]
    public async Task GetQueueAttributes_RepeatedUnindexedAttributeName_Query_KeepsEvery()
    {
        var url = await CreateAsync(Wire.Query, SqsServerFixture.NewName());

        var reply = await Sqs.PostFormAsync(("Action", "GetQueueAttributes"), ("QueueUrl", url), ("AttributeName", "VisibilityTimeout"), ("AttributeName", "DelaySeconds"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["DelaySeconds", "VisibilityTimeout"], reply.Attributes().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CreateQueue_IndexedAndUnindexedAttributes_Query_BothTaken()
    {
        var name = SqsServerFixture.NewName();
        var reply = await Sqs.PostFormAsync(("Action", "CreateQueue"), ("QueueName", name),
            ("Attribute.Name", "VisibilityTimeout"), ("Attribute.Value", "77"), ("Attribute.1.Name", "DelaySeconds"), ("Attribute.1.Value", "4"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var attributes = await AttributesAsync(Wire.Query, reply.QueueUrl());
        Assert.Equal("77", attributes["VisibilityTimeout"]);
        Assert.Equal("4", attributes["DelaySeconds"]);
    }

    [Fact]
    public async Task CreateQueue_SameAttributeIndexedAndUnindexed_Query_MalformedAndNoQueue()
    {
        var name = SqsServerFixture.NewName();
        var reply = await Sqs.PostFormAsync(("Action", "CreateQueue"), ("QueueName", name),
            ("Attribute.Name", "VisibilityTimeout"), ("Attribute.Value", "77"), ("Attribute.1.Name", "VisibilityTimeout"), ("Attribute.1.Value", "5"));

        AssertError(reply, "MalformedQueryString",
            "The map parameter Attribute gives the Name 'VisibilityTimeout' more than once: give each Name once.");
        Assert.DoesNotContain(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Theory]
    [InlineData("QueueName", "The parameter QueueName is given 2 times: give it once (only list items may repeat).")]
    [InlineData("Attribute.1.Value", "The parameter Attribute.1.Value is given 2 times: give it once (only list items may repeat).")]
    public async Task CreateQueue_RepeatedScalar_Query_MalformedAndNoQueue(string repeated, string message)
    {
        var name = SqsServerFixture.NewName();
        var fields = new List<(string, string)> { ("Action", "CreateQueue"), ("QueueName", name), ("Attribute.1.Name", "DelaySeconds"), ("Attribute.1.Value", "1") };
        fields.Add((repeated, repeated == "QueueName" ? name + "x" : "2"));

        AssertError(await Sqs.PostFormAsync([.. fields]), "MalformedQueryString", message);
        Assert.DoesNotContain(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name.StartsWith(name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateQueue_MapEntryWithoutValue_Query_Malformed()
    {
        var reply = await Sqs.PostFormAsync(("Action", "CreateQueue"), ("QueueName", SqsServerFixture.NewName()), ("Attribute.1.Name", "DelaySeconds"));

        AssertError(reply, "MalformedQueryString", "The map entry Attribute.1 has no Attribute.1.Value: give each entry's Name and Value.");
    }

    // 3. JSON bodies that cannot be read.

    [Fact]
    public async Task SendMessage_DuplicateJsonMember_SerializationExceptionAndNothingSent()
    {
        var url = await CreateAsync(Wire.Json, SqsServerFixture.NewName());

        var reply = await Sqs.PostJsonAsync("SendMessage", $$"""{"QueueUrl":"{{url}}","MessageBody":"a","MessageBody":"b"}""");

        AssertError(reply, "SerializationException", "The request body gives the member 'MessageBody' more than once in one object: give each member once.");
        Assert.Equal("com.amazon.coral.service#SerializationException", reply.Type);
        var received = await Sqs.CallAsync(Wire.Json, "ReceiveMessage", new JsonObject { ["QueueUrl"] = url });
        Assert.Null(received.Json!["Messages"]);
    }

    [Theory]
    [InlineData("{\"QueueNamePrefix\":}", "The request body is malformed JSON at line 1, byte 20: send one JSON object.")]
    [InlineData("{}}", "The request body is malformed JSON at line 1, byte 3: send one JSON object.")]
    [InlineData("{\n\"a\":1,\n", "The request body is malformed JSON at line 3, byte 1: send one JSON object.")]
    public async Task ListQueues_MalformedJson_SerializationExceptionWithPosition(string body, string message)
    {
        var reply = await Sqs.PostJsonAsync("ListQueues", body);

        AssertError(reply, "SerializationException", message);
        Assert.Equal("com.amazon.coral.service#SerializationException", reply.Type);
    }

    // 4. CreateQueue compares against the queue's effective attributes, SQS's defaults included.

    public static TheoryData<Wire, string, string> DefaultAttributes()
    {
        var data = new TheoryData<Wire, string, string>();
        foreach (var wire in new[] { Wire.Json, Wire.Query })
        {
            data.Add(wire, "SqsManagedSseEnabled", "true");
            data.Add(wire, "KmsDataKeyReusePeriodSeconds", "300");
            data.Add(wire, "KmsMasterKeyId", "");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DefaultAttributes))]
    public async Task CreateQueue_RepeatGivingSqsDefault_ReturnsUrl(Wire wire, string attribute, string value)
    {
        var name = SqsServerFixture.NewName();
        var url = await CreateAsync(wire, name);

        Assert.Equal(url, await CreateAsync(wire, name, new JsonObject { [attribute] = value }));
        Assert.Equal(url, await CreateAsync(wire, name, new JsonObject { [attribute] = value, ["VisibilityTimeout"] = "30" }));
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task CreateQueue_RepeatWithSameSseAttributes_ReturnsUrlAndRealDifferenceFails(Wire wire)
    {
        var name = SqsServerFixture.NewName();
        var sse = new JsonObject { ["SqsManagedSseEnabled"] = "true" };
        var url = await CreateAsync(wire, name, sse);
        Assert.Equal("true", (await AttributesAsync(wire, url))["SqsManagedSseEnabled"]);
        Assert.Equal(url, await CreateAsync(wire, name, new JsonObject { ["SqsManagedSseEnabled"] = "true" }));
        Assert.Equal(url, await CreateAsync(wire, name));

        var off = await Sqs.CallAsync(wire, "CreateQueue", new JsonObject { ["QueueName"] = name, ["Attributes"] = new JsonObject { ["SqsManagedSseEnabled"] = "false" } });
        AssertError(off, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s) SqsManagedSseEnabled");
        var kms = await Sqs.CallAsync(wire, "CreateQueue", new JsonObject { ["QueueName"] = name, ["Attributes"] = new JsonObject { ["KmsMasterKeyId"] = "alias/aws/sqs" } });
        AssertError(kms, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s) KmsMasterKeyId");
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task CreateQueue_RepeatWithKmsKey_ReturnsUrl(Wire wire)
    {
        var name = SqsServerFixture.NewName();
        var kms = new JsonObject { ["KmsMasterKeyId"] = "alias/aws/sqs", ["KmsDataKeyReusePeriodSeconds"] = "300" };
        var url = await CreateAsync(wire, name, kms);
        var attributes = await AttributesAsync(wire, url);
        Assert.Equal("false", attributes["SqsManagedSseEnabled"]);

        Assert.Equal(url, await CreateAsync(wire, name, new JsonObject { ["KmsMasterKeyId"] = "alias/aws/sqs", ["SqsManagedSseEnabled"] = "false" }));
        var other = await Sqs.CallAsync(wire, "CreateQueue", new JsonObject { ["QueueName"] = name, ["Attributes"] = new JsonObject { ["KmsDataKeyReusePeriodSeconds"] = "600" } });
        AssertError(other, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s) KmsDataKeyReusePeriodSeconds");
    }

    // 5. SQS's texts, or a clear text naming the rule.

    [Theory]
    [InlineData(Wire.Json, "AWS.trace")]
    [InlineData(Wire.Query, "amazon.x")]
    public async Task SendMessage_ReservedAttributeNamePrefix_SqsText(Wire wire, string attribute)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());

        var reply = await Sqs.CallAsync(wire, "SendMessage", new JsonObject
        {
            ["QueueUrl"] = url,
            ["MessageBody"] = "x",
            ["MessageAttributes"] = new JsonObject { [attribute] = new JsonObject { ["DataType"] = "String", ["StringValue"] = "v" } },
        });

        AssertError(reply, "InvalidParameterValue",
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use.");
    }

    [Theory]
    [InlineData(Wire.Json, "SendMessage")]
    [InlineData(Wire.Query, "SendMessage")]
    [InlineData(Wire.Json, "SendMessageBatch")]
    public async Task SendMessage_NumberAttributeNotANumber_TextNamesRule(Wire wire, string action)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        var attributes = new JsonObject { ["n"] = new JsonObject { ["DataType"] = "Number", ["StringValue"] = "abc" } };
        var message = "The message attribute 'n' has type 'Number' but its value 'abc' is not a number: use an optional sign, digits, an optional fraction and exponent (1E+100), at most 38 significant digits, magnitude 10^-128 to 10^+126.";

        if (action == "SendMessage")
        {
            AssertError(await Sqs.CallAsync(wire, action, new JsonObject { ["QueueUrl"] = url, ["MessageBody"] = "x", ["MessageAttributes"] = attributes }),
                "InvalidParameterValue", message);
        }
        else
        {
            var reply = await Sqs.CallAsync(wire, action, new JsonObject
            {
                ["QueueUrl"] = url,
                ["Entries"] = new JsonArray(new JsonObject { ["Id"] = "a", ["MessageBody"] = "x", ["MessageAttributes"] = attributes }),
            });
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(message, reply.Json!["Failed"]![0]!["Message"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task AddPermission_ActionSqsDoesNotHave_TextNamesRule(Wire wire)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());

        var reply = await Sqs.CallAsync(wire, "AddPermission", new JsonObject
        {
            ["QueueUrl"] = url,
            ["Label"] = "l",
            ["AWSAccountIds"] = new JsonArray("111122223333"),
            ["Actions"] = new JsonArray("Fly"),
        });

        AssertError(reply, "InvalidParameterValue",
            "Value SQS:Fly for parameter ActionName is invalid. Reason: Fly is not an SQS action: grant *, SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility, GetQueueAttributes, GetQueueUrl, ListDeadLetterSourceQueues, PurgeQueue.");
    }
}

/// <summary>After the default region changes, the old default region's queues are that region's, the new one's prefixed queues are no SQS queues.</summary>
public sealed class SqsDefaultRegionChangeTests(WestSqsServerFixture fixture) : IClassFixture<WestSqsServerFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task ListQueues_DefaultRegionChanged_PlainNamesAreNewDefaultAndPrefixedOnesHidden(Wire wire)
    {
        var suffix = Guid.NewGuid().ToString("N");
        await fixture.Server.Broker.CreateQueueAsync("plain-" + suffix);
        await fixture.Server.Broker.CreateQueueAsync("us-west-2:hidden-" + suffix);
        await fixture.Server.Broker.CreateQueueAsync("us-east-1:east-" + suffix);
        var sqs = new SqsWireClient(_http);
        var root = fixture.Server.HttpAddress.ToString().TrimEnd('/');

        var west = (await sqs.CallAsync(wire, "ListQueues", new JsonObject())).QueueUrls().Where(u => u.EndsWith(suffix, StringComparison.Ordinal));
        var east = (await sqs.CallAsync(wire, "ListQueues", new JsonObject(), region: "us-east-1")).QueueUrls().Where(u => u.EndsWith(suffix, StringComparison.Ordinal));

        Assert.Equal([$"{root}/000000000000/plain-{suffix}"], west);
        Assert.Equal([$"{root}/us-east-1/000000000000/east-{suffix}"], east);
        var hidden = await sqs.CallAsync(wire, "GetQueueUrl", new JsonObject { ["QueueName"] = "hidden-" + suffix });
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", hidden.Code);
    }
}
