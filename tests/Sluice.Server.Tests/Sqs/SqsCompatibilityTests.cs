using System.Net;
using System.Text.Json.Nodes;
using Sluice.Faces.Sqs;

namespace Sluice.Server.Tests.Sqs;

/// <summary>
/// What real SQS does, on both wire protocols (raw HTTP): CreateQueue comparisons, list parameters, attribute
/// clearing and filters, policy and tag limits, regions, SQS's error texts.
/// </summary>
public sealed class SqsCompatibilityTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    private SqsWireClient Sqs => new(_http);

    private async Task<string> CreateAsync(Wire wire, string name, JsonObject? attributes = null, JsonObject? tags = null, string? region = null)
    {
        var input = new JsonObject { ["QueueName"] = name };
        if (attributes is not null)
        {
            input["Attributes"] = attributes;
        }

        if (tags is not null)
        {
            input["tags"] = tags;
        }

        var reply = await Sqs.CallAsync(wire, "CreateQueue", input, region);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.QueueUrl();
    }

    private async Task<Dictionary<string, string>> AttributesAsync(Wire wire, string url, string? region = null)
    {
        var reply = await Sqs.CallAsync(wire, "GetQueueAttributes", new JsonObject { ["QueueUrl"] = url, ["AttributeNames"] = new JsonArray("All") }, region);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Attributes();
    }

    private static void AssertError(SqsReply reply, string code, string? message = null, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        Assert.Equal(status, reply.Status);
        Assert.Equal(code, reply.Code);
        if (message is not null)
        {
            Assert.Equal(message, reply.Message);
        }
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task CreateQueue_ExistingNameDifferentTags_QueueNameExistsAndTagsKept(Wire wire)
    {
        var name = SqsServerFixture.NewName();
        var url = await CreateAsync(wire, name, tags: new JsonObject { ["team"] = "a" });
        Assert.Equal(url, await CreateAsync(wire, name, tags: new JsonObject { ["team"] = "a" }));

        var reply = await Sqs.CallAsync(wire, "CreateQueue", new JsonObject { ["QueueName"] = name, ["tags"] = new JsonObject { ["team"] = "b" } });

        AssertError(reply, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s) tags");
        var tags = (await Sqs.CallAsync(wire, "ListQueueTags", new JsonObject { ["QueueUrl"] = url })).Tags();
        Assert.Equal("a", Assert.Single(tags).Value);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task CreateQueue_ExistingNameOneDifferentAttribute_NamesOnlyThatAttribute(Wire wire)
    {
        var name = SqsServerFixture.NewName();
        await CreateAsync(wire, name, new JsonObject { ["VisibilityTimeout"] = "40", ["DelaySeconds"] = "5" });

        var reply = await Sqs.CallAsync(wire, "CreateQueue",
            new JsonObject { ["QueueName"] = name, ["Attributes"] = new JsonObject { ["VisibilityTimeout"] = "40", ["DelaySeconds"] = "6" } });

        AssertError(reply, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s) DelaySeconds");
    }

    [Fact]
    public async Task GetQueueAttributes_UnindexedAttributeName_Query_ReturnsAll()
    {
        var url = await CreateAsync(Wire.Query, SqsServerFixture.NewName());
        using var content = new FormUrlEncodedContent([new("Action", "GetQueueAttributes"), new("QueueUrl", url), new("AttributeName", "All")]);
        using var response = await _http.PostAsync("/", content);
        var reply = await Sqs.CallAsync(Wire.Query, "GetQueueAttributes", new JsonObject { ["QueueUrl"] = url, ["AttributeNames"] = new JsonArray("All") });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("<Name>QueueArn</Name>", body, StringComparison.Ordinal);
        Assert.Contains("<Name>VisibilityTimeout</Name>", body, StringComparison.Ordinal);
        Assert.Equal(reply.Attributes().Count, body.Split("<Attribute>").Length - 1);
    }

    [Fact]
    public async Task EveryListParameter_UnindexedForm_Query_TakenAsOneItem()
    {
        var name = SqsServerFixture.NewName();
        var url = await CreateAsync(Wire.Query, name, tags: new JsonObject { ["a"] = "1", ["b"] = "2" });
        await Sqs.CallAsync(Wire.Query, "SendMessage", new JsonObject
        {
            ["QueueUrl"] = url,
            ["MessageBody"] = "x",
            ["MessageAttributes"] = new JsonObject { ["Color"] = new JsonObject { ["DataType"] = "String", ["StringValue"] = "red" } },
        });

        async Task<HttpStatusCode> PostAsync(params (string Key, string Value)[] fields)
        {
            using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
            using var response = await _http.PostAsync("/", content);
            return response.StatusCode;
        }

        // TagKey=a removes tag a only.
        Assert.Equal(HttpStatusCode.OK, await PostAsync(("Action", "UntagQueue"), ("QueueUrl", url), ("TagKey", "a")));
        Assert.Equal(["b"], (await Sqs.CallAsync(Wire.Query, "ListQueueTags", new JsonObject { ["QueueUrl"] = url })).Tags().Keys);

        // AWSAccountId and ActionName unindexed grant one permission.
        Assert.Equal(HttpStatusCode.OK, await PostAsync(("Action", "AddPermission"), ("QueueUrl", url), ("Label", "one"), ("AWSAccountId", "111122223333"), ("ActionName", "SendMessage")));
        var policy = (await AttributesAsync(Wire.Query, url))["Policy"];
        Assert.Contains("SQS:SendMessage", policy, StringComparison.Ordinal);
        Assert.Contains("111122223333", policy, StringComparison.Ordinal);

        // MessageAttributeName=All and AttributeName=All on ReceiveMessage.
        using var content = new FormUrlEncodedContent([new("Action", "ReceiveMessage"), new("QueueUrl", url), new("MessageAttributeName", "All"), new("AttributeName", "All")]);
        using var response = await _http.PostAsync("/", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("<Name>Color</Name>", body, StringComparison.Ordinal);
        Assert.Contains("<Name>SentTimestamp</Name>", body, StringComparison.Ordinal);
    }

    public static TheoryData<Wire, string, string> ClearedAttributes()
    {
        var data = new TheoryData<Wire, string, string>();
        foreach (var wire in new[] { Wire.Json, Wire.Query })
        {
            data.Add(wire, "Policy", """{"Version":"2012-10-17","Statement":[]}""");
            data.Add(wire, "RedriveAllowPolicy", """{"redrivePermission":"allowAll"}""");
            data.Add(wire, "KmsMasterKeyId", "alias/aws/sqs");
            data.Add(wire, "RedrivePolicy", "DLQ");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ClearedAttributes))]
    public async Task SetQueueAttributes_EmptyValue_RemovesAttribute(Wire wire, string attribute, string value)
    {
        var dlqUrl = await CreateAsync(wire, SqsServerFixture.NewName("dlq"));
        var dlqArn = (await AttributesAsync(wire, dlqUrl))["QueueArn"];
        if (value == "DLQ")
        {
            value = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":3}""";
        }

        var url = await CreateAsync(wire, SqsServerFixture.NewName(), new JsonObject { [attribute] = value });
        Assert.True((await AttributesAsync(wire, url)).ContainsKey(attribute));

        var reply = await Sqs.CallAsync(wire, "SetQueueAttributes", new JsonObject { ["QueueUrl"] = url, ["Attributes"] = new JsonObject { [attribute] = "" } });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.False((await AttributesAsync(wire, url)).ContainsKey(attribute));
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task ReceiveMessage_PrefixFilter_ReturnsAttributesStartingWithPrefix(Wire wire)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        static JsonObject S(string v) => new() { ["DataType"] = "String", ["StringValue"] = v };
        var send = await Sqs.CallAsync(wire, "SendMessage", new JsonObject
        {
            ["QueueUrl"] = url,
            ["MessageBody"] = "x",
            ["MessageAttributes"] = new JsonObject { ["CustomA"] = S("1"), ["Custom.B"] = S("2"), ["Other"] = S("3") },
        });
        Assert.Equal(HttpStatusCode.OK, send.Status);

        var reply = await Sqs.CallAsync(wire, "ReceiveMessage", new JsonObject
        {
            ["QueueUrl"] = url,
            ["MessageAttributeNames"] = new JsonArray("Custom.*"),
            ["VisibilityTimeout"] = 0,
        });
        var dotted = await Sqs.CallAsync(wire, "ReceiveMessage", new JsonObject
        {
            ["QueueUrl"] = url,
            ["MessageAttributeNames"] = new JsonArray("Custom..*"),
        });

        Assert.Equal(["Custom.B", "CustomA"], Assert.Single(reply.MessageAttributeNames()));
        Assert.Equal(["Custom.B"], Assert.Single(dotted.MessageAttributeNames()));
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task AddPermission_EightActions_OverLimitAndPolicyUnchanged(Wire wire)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        var actions = new JsonArray("SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl", "PurgeQueue", "ListDeadLetterSourceQueues");

        var reply = await Sqs.CallAsync(wire, "AddPermission", new JsonObject
        {
            ["QueueUrl"] = url,
            ["Label"] = "all",
            ["AWSAccountIds"] = new JsonArray("111122223333"),
            ["Actions"] = actions,
        });

        AssertError(reply, "OverLimit", "8 Actions were found, maximum allowed is 7.");
        Assert.False((await AttributesAsync(wire, url)).ContainsKey("Policy"));
    }

    public static TheoryData<Wire, string, string, string, string> BadPermissions()
    {
        var data = new TheoryData<Wire, string, string, string, string>();
        foreach (var wire in new[] { Wire.Json, Wire.Query })
        {
            // label, account, action, expected message
            data.Add(wire, "has space", "111122223333", "SendMessage",
                "Value has space for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
            data.Add(wire, new string('l', 81), "111122223333", "SendMessage",
                $"Value {new string('l', 81)} for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
            data.Add(wire, "ok", "12345", "SendMessage", "Value 12345 for parameter PrincipalId is invalid. Reason: Unable to verify.");
            data.Add(wire, "ok", "111122223333", "SetQueueAttributes",
                "Value SQS:SetQueueAttributes for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadPermissions))]
    public async Task AddPermission_BadLabelAccountOrAction_InvalidParameterValue(Wire wire, string label, string account, string action, string message)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());

        var reply = await Sqs.CallAsync(wire, "AddPermission", new JsonObject
        {
            ["QueueUrl"] = url,
            ["Label"] = label,
            ["AWSAccountIds"] = new JsonArray(account),
            ["Actions"] = new JsonArray(action),
        });

        AssertError(reply, "InvalidParameterValue", message);
        Assert.False((await AttributesAsync(wire, url)).ContainsKey("Policy"));
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task AddPermission_TwentyFirstStatement_OverLimit(Wire wire)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        JsonObject Grant(int i) => new()
        {
            ["QueueUrl"] = url,
            ["Label"] = $"p{i}",
            ["AWSAccountIds"] = new JsonArray("111122223333"),
            ["Actions"] = new JsonArray("SendMessage"),
        };
        for (var i = 1; i <= 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Sqs.CallAsync(wire, "AddPermission", Grant(i))).Status);
        }

        AssertError(await Sqs.CallAsync(wire, "AddPermission", Grant(21)), "OverLimit", "21 Statements were found, maximum allowed is 20.");
        Assert.DoesNotContain("\"p21\"", (await AttributesAsync(wire, url))["Policy"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task RemovePermission_UnknownLabel_SqsText(Wire wire)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        var reply = await Sqs.CallAsync(wire, "RemovePermission", new JsonObject { ["QueueUrl"] = url, ["Label"] = "nope" });
        AssertError(reply, "InvalidParameterValue", "Value nope for parameter Label is invalid. Reason: can't find label on existing policy.");
    }

    public static TheoryData<Wire, string> OversizedTags()
    {
        var data = new TheoryData<Wire, string>();
        foreach (var wire in new[] { Wire.Json, Wire.Query })
        {
            data.Add(wire, "count");
            data.Add(wire, "key");
            data.Add(wire, "value");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OversizedTags))]
    public async Task TagQueue_OverSqsLimits_InvalidParameterValueAndTagsKept(Wire wire, string limit)
    {
        var name = SqsServerFixture.NewName();
        var url = await CreateAsync(wire, name, tags: new JsonObject { ["keep"] = "me" });
        var tags = new JsonObject();
        var message = limit switch
        {
            "count" => $"Too many tags added for queue {name}.",
            "key" => "Tag keys must be between 1 and 128 characters in length.",
            _ => "Tag values must be between 0 and 256 characters in length.",
        };
        switch (limit)
        {
            case "count":
                for (var i = 0; i < 50; i++)
                {
                    tags[$"k{i}"] = "v";
                }

                break;
            case "key":
                tags[new string('k', 129)] = "v";
                break;
            default:
                tags["k"] = new string('v', 257);
                break;
        }

        var reply = await Sqs.CallAsync(wire, "TagQueue", new JsonObject { ["QueueUrl"] = url, ["Tags"] = tags });

        AssertError(reply, "InvalidParameterValue", message);
        Assert.Equal(["keep"], (await Sqs.CallAsync(wire, "ListQueueTags", new JsonObject { ["QueueUrl"] = url })).Tags().Keys);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task CreateQueue_FiftyOneTags_InvalidParameterValueAndNoQueue(Wire wire)
    {
        var name = SqsServerFixture.NewName();
        var tags = new JsonObject();
        for (var i = 0; i < 51; i++)
        {
            tags[$"k{i}"] = "v";
        }

        AssertError(await Sqs.CallAsync(wire, "CreateQueue", new JsonObject { ["QueueName"] = name, ["tags"] = tags }),
            "InvalidParameterValue", $"Too many tags added for queue {name}.");
        Assert.DoesNotContain(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    public static TheoryData<Wire, string> OversizedPolicies()
    {
        var data = new TheoryData<Wire, string>();
        foreach (var wire in new[] { Wire.Json, Wire.Query })
        {
            data.Add(wire, "bytes");
            data.Add(wire, "actions");
            data.Add(wire, "not-json");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OversizedPolicies))]
    public async Task SetQueueAttributes_PolicyOverSqsQuota_InvalidAttributeValueAndPolicyKept(Wire wire, string kind)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName(), new JsonObject { ["Policy"] = """{"Version":"2012-10-17"}""" });
        var policy = kind switch
        {
            // 300 KiB, as in the report; the quota is 8192 bytes.
            "bytes" => $$"""{"Version":"2012-10-17","Id":"{{new string('x', 300 * 1024)}}"}""",
            "actions" => """{"Statement":[{"Effect":"Allow","Principal":"*","Action":["SQS:A","SQS:B","SQS:C","SQS:D","SQS:E","SQS:F","SQS:G","SQS:H"]}]}""",
            _ => "not json",
        };

        var reply = await Sqs.CallAsync(wire, "SetQueueAttributes", new JsonObject { ["QueueUrl"] = url, ["Attributes"] = new JsonObject { ["Policy"] = policy } });

        AssertError(reply, "InvalidAttributeValue", "Invalid value for the parameter Policy. Reason: " + (kind == "actions"
            ? "8 Actions were found, maximum allowed is 7."
            : "Must be a JSON object of at most 8192 UTF-8 bytes."));
        Assert.Equal("""{"Version":"2012-10-17"}""", (await AttributesAsync(wire, url))["Policy"]);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task SendMessage_ElevenAttributes_SqsText(Wire wire)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        var attributes = new JsonObject();
        for (var i = 0; i < 11; i++)
        {
            attributes[$"a{i}"] = new JsonObject { ["DataType"] = "String", ["StringValue"] = "v" };
        }

        var reply = await Sqs.CallAsync(wire, "SendMessage", new JsonObject { ["QueueUrl"] = url, ["MessageBody"] = "x", ["MessageAttributes"] = attributes });

        AssertError(reply, "InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10].");
    }

    public static TheoryData<Wire, string, string, string, string> SqsTexts()
    {
        var data = new TheoryData<Wire, string, string, string, string>();
        foreach (var wire in new[] { Wire.Json, Wire.Query })
        {
            // action, input (QUEUE = a standard queue's URL, FIFO = a FIFO queue's URL), code, message
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"QUEUE","Attributes":{"VisibilityTimeout":"99999"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter VisibilityTimeout. Reason: Must be an integer between 0 and 43200 seconds (12 hours).");
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"FIFO","Attributes":{"DeduplicationScope":"everywhere"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter DeduplicationScope. Reason: Must be queue or messageGroup.");
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"FIFO","Attributes":{"FifoQueue":"false"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter FifoQueue. Reason: The queue is FIFO (its name ends in .fifo): FifoQueue must be true; a queue's type cannot be changed.");
            data.Add(wire, "ReceiveMessage", """{"QueueUrl":"QUEUE","MaxNumberOfMessages":11}""", "InvalidParameterValue",
                "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
            data.Add(wire, "SendMessage", """{"QueueUrl":"FIFO","MessageBody":"x","MessageGroupId":"g","MessageDeduplicationId":"d","DelaySeconds":5}""", "InvalidParameterValue",
                "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.");
            data.Add(wire, "SendMessage", """{"QueueUrl":"FIFO","MessageBody":"x","MessageGroupId":"a b","MessageDeduplicationId":"d"}""", "InvalidParameterValue",
                "Value a b for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"QUEUE","Attributes":{"KmsMasterKeyId":"k\u0001"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter KmsMasterKeyId. Reason: " + SqsInput.InvalidCharacters);
            data.Add(wire, "CreateQueue", """{"QueueName":"bad name"}""", "InvalidParameterValue",
                "Value bad name for parameter QueueName is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
            data.Add(wire, "SendMessage", """{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"a":{"DataType":"Text","StringValue":"v"}}}""", "InvalidParameterValue",
                "The type of message (user) attribute 'a' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
        }

        return data;
    }

    /// <summary>Every numeric parameter and attribute, out of range or not a number: the message names it and states its range with the unit.</summary>
    public static TheoryData<Wire, string, string, string, string> NumericRanges()
    {
        var data = new TheoryData<Wire, string, string, string, string>();
        foreach (var wire in new[] { Wire.Json, Wire.Query })
        {
            // action, input (QUEUE = a standard queue's URL), code, message
            data.Add(wire, "ReceiveMessage", """{"QueueUrl":"QUEUE","VisibilityTimeout":43201}""", "InvalidParameterValue",
                "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200 seconds (12 hours), if provided.");
            data.Add(wire, "ReceiveMessage", """{"QueueUrl":"QUEUE","VisibilityTimeout":"soon"}""", "InvalidParameterValue",
                "Value soon for parameter VisibilityTimeout is invalid. Reason: Must be an integer between 0 and 43200 seconds (12 hours), if provided.");
            data.Add(wire, "ChangeMessageVisibility", """{"QueueUrl":"QUEUE","ReceiptHandle":"h","VisibilityTimeout":-1}""", "InvalidParameterValue",
                "Value -1 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200 seconds (12 hours), if provided.");
            data.Add(wire, "ReceiveMessage", """{"QueueUrl":"QUEUE","WaitTimeSeconds":21}""", "InvalidParameterValue",
                "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be between 0 and 20 seconds, if provided.");
            data.Add(wire, "ReceiveMessage", """{"QueueUrl":"QUEUE","MaxNumberOfMessages":0}""", "InvalidParameterValue",
                "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
            data.Add(wire, "SendMessage", """{"QueueUrl":"QUEUE","MessageBody":"x","DelaySeconds":901}""", "InvalidParameterValue",
                "Value 901 for parameter DelaySeconds is invalid. Reason: Must be between 0 and 900 seconds (15 minutes), if provided.");
            data.Add(wire, "CreateQueue", """{"QueueName":"NAME","Attributes":{"VisibilityTimeout":"43201"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter VisibilityTimeout. Reason: Must be an integer between 0 and 43200 seconds (12 hours).");
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"QUEUE","Attributes":{"MessageRetentionPeriod":"59"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter MessageRetentionPeriod. Reason: Must be an integer between 60 and 1209600 seconds (14 days).");
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"QUEUE","Attributes":{"DelaySeconds":"1.5"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter DelaySeconds. Reason: Must be an integer between 0 and 900 seconds (15 minutes).");
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"QUEUE","Attributes":{"ReceiveMessageWaitTimeSeconds":"21"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter ReceiveMessageWaitTimeSeconds. Reason: Must be an integer between 0 and 20 seconds.");
            data.Add(wire, "SetQueueAttributes", """{"QueueUrl":"QUEUE","Attributes":{"MaximumMessageSize":"1023"}}""", "InvalidAttributeValue",
                "Invalid value for the parameter MaximumMessageSize. Reason: Must be an integer between 1024 and 1048576 bytes.");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NumericRanges))]
    public async Task Errors_NumericValueOutOfRange_NameTheParameterAndItsRangeAndChangeNothing(Wire wire, string action, string input, string code, string message)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        var before = await AttributesAsync(wire, url);
        var name = SqsServerFixture.NewName();
        var body = (JsonObject)JsonNode.Parse(input.Replace("QUEUE", url, StringComparison.Ordinal).Replace("NAME", name, StringComparison.Ordinal))!;

        AssertError(await Sqs.CallAsync(wire, action, body), code, message);
        Assert.Equal(before, await AttributesAsync(wire, url));
    }

    [Theory]
    [MemberData(nameof(SqsTexts))]
    public async Task Errors_WhereSqsDefinesTheText_AnswerExactlyThatText(Wire wire, string action, string input, string code, string message)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        var fifo = await CreateAsync(wire, SqsServerFixture.NewName() + ".fifo", new JsonObject { ["FifoQueue"] = "true" });
        var body = (JsonObject)JsonNode.Parse(input.Replace("QUEUE", url, StringComparison.Ordinal).Replace("FIFO", fifo, StringComparison.Ordinal))!;

        AssertError(await Sqs.CallAsync(wire, action, body), code, message);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task BatchEntryId_Invalid_SqsTextWithoutExtraSentence(Wire wire)
    {
        var url = await CreateAsync(wire, SqsServerFixture.NewName());
        var input = new JsonObject { ["QueueUrl"] = url, ["Entries"] = new JsonArray(new JsonObject { ["Id"] = "a b", ["ReceiptHandle"] = "h" }) };
        SqsReply reply;
        if (wire == Wire.Json)
        {
            reply = await Sqs.CallAsync(wire, "DeleteMessageBatch", input);
        }
        else
        {
            using var content = new FormUrlEncodedContent([new("Action", "DeleteMessageBatch"), new("QueueUrl", url),
                new("DeleteMessageBatchRequestEntry.1.Id", "a b"), new("DeleteMessageBatchRequestEntry.1.ReceiptHandle", "h")]);
            using var response = await _http.PostAsync("/", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("<Message>A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.</Message>", text, StringComparison.Ordinal);
            return;
        }

        AssertError(reply, "AWS.SimpleQueueService.InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task Queues_CreatedInOneRegion_InvisibleFromAnother(Wire wire)
    {
        var name = SqsServerFixture.NewName("region");
        var west1 = await CreateAsync(wire, name, region: "us-west-1");

        var listed1 = await Sqs.CallAsync(wire, "ListQueues", new JsonObject { ["QueueNamePrefix"] = name }, "us-west-1");
        var listed2 = await Sqs.CallAsync(wire, "ListQueues", new JsonObject { ["QueueNamePrefix"] = name }, "us-west-2");
        var listedDefault = await Sqs.CallAsync(wire, "ListQueues", new JsonObject { ["QueueNamePrefix"] = name });
        var urlFrom2 = await Sqs.CallAsync(wire, "GetQueueUrl", new JsonObject { ["QueueName"] = name }, "us-west-2");
        var sendFrom2 = await Sqs.CallAsync(wire, "SendMessage", new JsonObject { ["QueueUrl"] = west1, ["MessageBody"] = "x" }, "us-west-2");
        var arn = (await AttributesAsync(wire, west1, "us-west-1"))["QueueArn"];

        Assert.Equal([west1], listed1.QueueUrls());
        Assert.Equal($"{fixture.Address}us-west-1/000000000000/{name}", west1);
        Assert.Empty(listed2.QueueUrls());
        Assert.Empty(listedDefault.QueueUrls());
        AssertError(urlFrom2, "AWS.SimpleQueueService.NonExistentQueue");
        AssertError(sendFrom2, "AWS.SimpleQueueService.NonExistentQueue");
        Assert.Equal($"arn:aws:sqs:us-west-1:000000000000:{name}", arn);
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync($"us-west-1:{name}")).Ready);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task Queues_SameNameInTwoRegions_AreDistinctAndDefaultRegionIsPlainName(Wire wire)
    {
        var name = SqsServerFixture.NewName("twin");
        var home = await CreateAsync(wire, name);
        var away = await CreateAsync(wire, name, new JsonObject { ["VisibilityTimeout"] = "99" }, region: "eu-west-1");
        await Sqs.CallAsync(wire, "SendMessage", new JsonObject { ["QueueUrl"] = away, ["MessageBody"] = "away" }, "eu-west-1");

        Assert.Equal($"{fixture.Address}000000000000/{name}", home);
        Assert.Equal("30", (await AttributesAsync(wire, home))["VisibilityTimeout"]);
        Assert.Equal("99", (await AttributesAsync(wire, away, "eu-west-1"))["VisibilityTimeout"]);
        Assert.Equal($"arn:aws:sqs:us-east-1:000000000000:{name}", (await AttributesAsync(wire, home))["QueueArn"]);
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync($"eu-west-1:{name}")).Ready);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task RedrivePolicy_TargetArnOfAnotherRegion_Refused(Wire wire)
    {
        var dlqName = SqsServerFixture.NewName("dlq");
        var dlq = await CreateAsync(wire, dlqName, region: "us-west-1");
        var dlqArn = (await AttributesAsync(wire, dlq, "us-west-1"))["QueueArn"];
        var policy = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":3}""";

        var refused = await Sqs.CallAsync(wire, "CreateQueue", new JsonObject { ["QueueName"] = SqsServerFixture.NewName(), ["Attributes"] = new JsonObject { ["RedrivePolicy"] = policy } });
        var accepted = await Sqs.CallAsync(wire, "CreateQueue", new JsonObject { ["QueueName"] = SqsServerFixture.NewName(), ["Attributes"] = new JsonObject { ["RedrivePolicy"] = policy } }, "us-west-1");

        AssertError(refused, "InvalidAttributeValue", $"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist: {dlqArn}.");
        Assert.Equal(HttpStatusCode.OK, accepted.Status);
        Assert.Equal(policy, (await AttributesAsync(wire, accepted.QueueUrl(), "us-west-1"))["RedrivePolicy"]);
        var sources = await Sqs.CallAsync(wire, "ListDeadLetterSourceQueues", new JsonObject { ["QueueUrl"] = dlq }, "us-west-1");
        Assert.Equal([accepted.QueueUrl()], sources.QueueUrls());
    }

    [Fact]
    public async Task QueuePath_OfAnotherRegion_Query_NonExistentQueue()
    {
        var name = SqsServerFixture.NewName("path");
        await CreateAsync(Wire.Query, name, region: "ap-south-1");

        var ok = await Sqs.CallAsync(Wire.Query, "SendMessage", new JsonObject { ["MessageBody"] = "x" }, "ap-south-1", $"/ap-south-1/000000000000/{name}");
        var other = await Sqs.CallAsync(Wire.Query, "SendMessage", new JsonObject { ["MessageBody"] = "x" }, "us-east-1", $"/ap-south-1/000000000000/{name}");
        var plain = await Sqs.CallAsync(Wire.Query, "SendMessage", new JsonObject { ["MessageBody"] = "x" }, "ap-south-1", $"/000000000000/{name}");

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        AssertError(other, "AWS.SimpleQueueService.NonExistentQueue");
        AssertError(plain, "AWS.SimpleQueueService.NonExistentQueue");
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync($"ap-south-1:{name}")).Ready);
    }
}

/// <summary>A request over the server's body limit is answered in the request's own protocol.</summary>
public sealed class SqsBodyLimitTests(SmallBodySqsServerFixture fixture) : IClassFixture<SmallBodySqsServerFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.Query)]
    public async Task Request_OverBodyLimit_413InProtocolErrorShape(Wire wire)
    {
        var sqs = new SqsWireClient(_http);
        var reply = await sqs.CallAsync(wire, "SendMessage", new JsonObject
        {
            ["QueueUrl"] = "/000000000000/any",
            ["MessageBody"] = new string('x', SmallBodySqsServerFixture.Limit + 1),
        });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal("RequestEntityTooLarge", reply.Code);
        Assert.Contains($"at most {SmallBodySqsServerFixture.Limit} bytes", reply.Message, StringComparison.Ordinal);
    }
}
