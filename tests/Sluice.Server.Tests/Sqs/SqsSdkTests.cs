using System.Net;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Sluice.Server.Tests.Sqs;

/// <summary>The real AWSSDK.SQS client (JSON 1.0, verifies MD5s) against a real server on the memory store.</summary>
public sealed class SqsSdkTests(SqsServerFixture fixture) : SqsSdkTestsBase(fixture), IClassFixture<SqsServerFixture>;

/// <summary>The same tests on the durable SQLite store.</summary>
public sealed class SqsSdkSqliteTests(SqliteSqsServerFixture fixture) : SqsSdkTestsBase(fixture), IClassFixture<SqliteSqsServerFixture>;

/// <summary>The real AWSSDK.SQS client (JSON 1.0, verifies MD5s) against a real server; subclassed per store.</summary>
public abstract class SqsSdkTestsBase(SqsServerFixture fixture)
{
    protected SqsServerFixture Fixture => fixture;

    private static async Task<string> CreateAsync(AmazonSQSClient sqs, string name, Dictionary<string, string>? attributes = null)
    {
        var created = await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes });
        return created.QueueUrl;
    }

    [Fact]
    public async Task QueueLifecycle_CreateGetListDelete_Works()
    {
        using var sqs = fixture.Client();
        var prefix = SqsServerFixture.NewName("life");
        var url = await CreateAsync(sqs, prefix + "-a");
        await CreateAsync(sqs, prefix + "-b");
        Assert.Equal($"{fixture.Address}000000000000/{prefix}-a", url);
        Assert.Equal(url, (await sqs.GetQueueUrlAsync(prefix + "-a")).QueueUrl);
        Assert.Equal(url, await CreateAsync(sqs, prefix + "-a"));

        var listed = await sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = prefix });
        Assert.Equal(2, listed.QueueUrls.Count);
        var page = await sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = prefix, MaxResults = 1 });
        Assert.Single(page.QueueUrls);
        Assert.NotNull(page.NextToken);
        var next = await sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = prefix, MaxResults = 1, NextToken = page.NextToken });
        Assert.EndsWith("-b", Assert.Single(next.QueueUrls));
        Assert.Null(next.NextToken);

        await sqs.DeleteQueueAsync(url);
        var error = await Assert.ThrowsAsync<QueueDoesNotExistException>(() => sqs.GetQueueUrlAsync(prefix + "-a"));
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", error.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task CreateQueue_SameNameDifferentAttributes_QueueNameExists()
    {
        using var sqs = fixture.Client();
        var name = SqsServerFixture.NewName();
        await CreateAsync(sqs, name, new() { ["VisibilityTimeout"] = "40" });
        await CreateAsync(sqs, name, new() { ["VisibilityTimeout"] = "40" });
        var error = await Assert.ThrowsAsync<QueueNameExistsException>(() => CreateAsync(sqs, name, new() { ["VisibilityTimeout"] = "41" }));
        Assert.Equal("QueueAlreadyExists", error.ErrorCode);
    }

    [Fact]
    public async Task QueueAttributes_SetAndGet_RoundTripIncludingRedrivePolicy()
    {
        using var sqs = fixture.Client();
        var dlqUrl = await CreateAsync(sqs, SqsServerFixture.NewName("dlq"));
        var dlqArn = (await sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"])).Attributes["QueueArn"];
        Assert.StartsWith("arn:aws:sqs:us-east-1:000000000000:dlq-", dlqArn, StringComparison.Ordinal);
        var url = await CreateAsync(sqs, SqsServerFixture.NewName(), new()
        {
            ["DelaySeconds"] = "5",
            ["MaximumMessageSize"] = "2048",
            ["MessageRetentionPeriod"] = "120",
            ["ReceiveMessageWaitTimeSeconds"] = "3",
            ["VisibilityTimeout"] = "45",
            ["Policy"] = "{}",
            ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":4}""",
        });
        await sqs.SetQueueAttributesAsync(url, new() { ["VisibilityTimeout"] = "50", ["KmsMasterKeyId"] = "alias/aws/sqs" });

        var attributes = (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("5", attributes["DelaySeconds"]);
        Assert.Equal("2048", attributes["MaximumMessageSize"]);
        Assert.Equal("120", attributes["MessageRetentionPeriod"]);
        Assert.Equal("3", attributes["ReceiveMessageWaitTimeSeconds"]);
        Assert.Equal("50", attributes["VisibilityTimeout"]);
        Assert.Equal("alias/aws/sqs", attributes["KmsMasterKeyId"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesDelayed"]);
        Assert.True(long.Parse(attributes["CreatedTimestamp"], System.Globalization.CultureInfo.InvariantCulture) > 1_600_000_000);
        Assert.False(attributes.ContainsKey("FifoQueue"));
        Assert.Equal($$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":4}""", attributes["RedrivePolicy"]);

        var sources = await sqs.ListDeadLetterSourceQueuesAsync(new ListDeadLetterSourceQueuesRequest { QueueUrl = dlqUrl });
        Assert.Equal(url, Assert.Single(sources.QueueUrls));

        var range = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.SetQueueAttributesAsync(url, new() { ["VisibilityTimeout"] = "43201" }));
        Assert.Equal("InvalidAttributeValue", range.ErrorCode);
        var fifoOnly = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.SetQueueAttributesAsync(url, new() { ["ContentBasedDeduplication"] = "true" }));
        Assert.Equal("InvalidAttributeName", fifoOnly.ErrorCode);
        Assert.Equal("50", (await sqs.GetQueueAttributesAsync(url, ["VisibilityTimeout"])).Attributes["VisibilityTimeout"]);
    }

    [Fact]
    public async Task RedriveAllowPolicy_DenyAll_SourceRefused()
    {
        using var sqs = fixture.Client();
        var dlqUrl = await CreateAsync(sqs, SqsServerFixture.NewName("dlq"), new() { ["RedriveAllowPolicy"] = """{"redrivePermission":"denyAll"}""" });
        var dlqArn = (await sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"])).Attributes["QueueArn"];
        var error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => CreateAsync(sqs, SqsServerFixture.NewName(), new()
        {
            ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":2}""",
        }));
        Assert.Equal("InvalidAttributeValue", error.ErrorCode);
    }

    [Fact]
    public async Task SendReceiveDelete_WithAttributes_Md5sVerifiedBySdk()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        var sent = await sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url,
            MessageBody = "hello",
            MessageAttributes = new()
            {
                ["order.id"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "String", StringValue = "42" },
                ["order.total"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "Number.float", StringValue = "9.5" },
                ["blob"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "Binary", BinaryValue = new MemoryStream([1, 2, 3]) },
            },
            MessageSystemAttributes = new()
            {
                ["AWSTraceHeader"] = new MessageSystemAttributeValue { DataType = "String", StringValue = "Root=1-5759e988-bd862e3fe1be46a994272793" },
            },
        });
        Assert.Equal("5d41402abc4b2a76b9719d911017c592", sent.MD5OfMessageBody);
        Assert.NotNull(sent.MD5OfMessageAttributes);
        Assert.NotNull(sent.MD5OfMessageSystemAttributes);

        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = url,
            MessageAttributeNames = ["order.*"],
            MessageSystemAttributeNames = ["All"],
        });
        var message = Assert.Single(received.Messages);
        Assert.Equal(sent.MessageId, message.MessageId);
        Assert.Equal("hello", message.Body);
        Assert.Equal(["order.id", "order.total"], message.MessageAttributes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1", message.Attributes["ApproximateReceiveCount"]);
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793", message.Attributes["AWSTraceHeader"]);
        Assert.True(message.Attributes.ContainsKey("SentTimestamp"));
        Assert.True(message.Attributes.ContainsKey("ApproximateFirstReceiveTimestamp"));

        await sqs.DeleteMessageAsync(url, message.ReceiptHandle);
        await sqs.DeleteMessageAsync(url, message.ReceiptHandle);
        var attributes = (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
        var invalid = await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => sqs.DeleteMessageAsync(url, "not-a-handle"));
        Assert.Equal("ReceiptHandleIsInvalid", invalid.ErrorCode);
    }

    [Fact]
    public async Task Batches_SendReceiveDelete_PerEntryFailuresWith200()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        var sent = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
        {
            QueueUrl = url,
            Entries =
            [
                new() { Id = "a", MessageBody = "one", MessageAttributes = new() { ["k"] = new() { DataType = "String", StringValue = "v" } } },
                new() { Id = "b", MessageBody = "two", DelaySeconds = 0 },
                new() { Id = "bad", MessageBody = "x\u0001y" },
            ],
        });
        Assert.Equal(["a", "b"], sent.Successful.Select(s => s.Id).Order(StringComparer.Ordinal));
        var failure = Assert.Single(sent.Failed);
        Assert.Equal("bad", failure.Id);
        Assert.Equal("InvalidMessageContents", failure.Code);
        Assert.True(failure.SenderFault);

        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, MessageAttributeNames = ["All"] });
        Assert.Equal(2, received.Messages.Count);
        var deleted = await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
        {
            QueueUrl = url,
            Entries = [.. received.Messages.Select((m, i) => new DeleteMessageBatchRequestEntry($"d{i}", m.ReceiptHandle)),
                new DeleteMessageBatchRequestEntry("junk", "not-a-handle")],
        });
        Assert.Equal(2, deleted.Successful.Count);
        Assert.Equal("ReceiptHandleIsInvalid", Assert.Single(deleted.Failed).Code);
        Assert.Equal("0", (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes["ApproximateNumberOfMessagesNotVisible"]);
    }

    [Theory]
    [InlineData("line1\r\nline2\r\n")]
    [InlineData("ünïcödé ✓ 😇 日本語")]
    [InlineData("tab\tcr\ronly")]
    public async Task SendReceive_SpecialBodies_RoundTripWithMatchingMd5(string body)
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        await sqs.SendMessageAsync(url, body);
        var message = Assert.Single((await sqs.ReceiveMessageAsync(url)).Messages);
        Assert.Equal(body, message.Body);
    }

    [Fact]
    public async Task ChangeMessageVisibility_ZeroThenBatch_MessageVisibleAgainAndStaleHandleIgnored()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        await sqs.SendMessageAsync(url, "m");
        var first = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, VisibilityTimeout = 600 })).Messages);
        Assert.Empty((await sqs.ReceiveMessageAsync(url)).Messages ?? []);
        await sqs.ChangeMessageVisibilityAsync(url, first.ReceiptHandle, 0);
        var second = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, VisibilityTimeout = 600, MessageSystemAttributeNames = ["ApproximateReceiveCount"] })).Messages);
        Assert.Equal("2", second.Attributes["ApproximateReceiveCount"]);

        // The first handle is stale now: SQS answers 200 and nothing changes.
        await sqs.ChangeMessageVisibilityAsync(url, first.ReceiptHandle, 0);
        await sqs.DeleteMessageAsync(url, first.ReceiptHandle);
        Assert.Equal("1", (await sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessagesNotVisible"])).Attributes["ApproximateNumberOfMessagesNotVisible"]);

        var batch = await sqs.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
        {
            QueueUrl = url,
            Entries = [new() { Id = "x", ReceiptHandle = second.ReceiptHandle, VisibilityTimeout = 0 }, new() { Id = "y", ReceiptHandle = "bogus", VisibilityTimeout = 0 }],
        });
        Assert.Equal("x", Assert.Single(batch.Successful).Id);
        Assert.Equal("ReceiptHandleIsInvalid", Assert.Single(batch.Failed).Code);
        Assert.Single((await sqs.ReceiveMessageAsync(url)).Messages);
    }

    [Fact]
    public async Task Fifo_OrderDedupAndSequenceNumbers()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName() + ".fifo", new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" });
        var sequences = new List<decimal>();
        string? firstId = null;
        foreach (var body in new[] { "1", "2", "3" })
        {
            var sent = await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = body, MessageGroupId = "g" });
            firstId ??= sent.MessageId;
            sequences.Add(decimal.Parse(sent.SequenceNumber, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.True(sequences[0] < sequences[1] && sequences[1] < sequences[2]);
        var duplicate = await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "1", MessageGroupId = "g" });
        Assert.Equal(firstId, duplicate.MessageId);
        var explicitDedup = await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "4", MessageGroupId = "g", MessageDeduplicationId = "d4" });
        var again = await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "other", MessageGroupId = "g", MessageDeduplicationId = "d4" });
        Assert.Equal(explicitDedup.MessageId, again.MessageId);

        var first = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 2, MessageSystemAttributeNames = ["All"] });
        Assert.Equal(["1", "2"], first.Messages.Select(m => m.Body));
        Assert.Equal("g", first.Messages[0].Attributes["MessageGroupId"]);
        Assert.Equal(sequences[0].ToString(System.Globalization.CultureInfo.InvariantCulture), first.Messages[0].Attributes["SequenceNumber"]);
        Assert.Empty((await sqs.ReceiveMessageAsync(url)).Messages ?? []);
        foreach (var m in first.Messages)
        {
            await sqs.DeleteMessageAsync(url, m.ReceiptHandle);
        }

        var rest = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 });
        Assert.Equal(["3", "4"], rest.Messages.Select(m => m.Body));

        var missingGroup = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.SendMessageAsync(url, "x"));
        Assert.Equal("MissingParameter", missingGroup.ErrorCode);
        var delay = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "x", MessageGroupId = "g", DelaySeconds = 5 }));
        Assert.Equal("InvalidParameterValue", delay.ErrorCode);
    }

    [Fact]
    public async Task DeadLetter_AfterMaxReceiveCount_ListedAndMovedBackBySourceTask()
    {
        using var sqs = fixture.Client();
        var dlqUrl = await CreateAsync(sqs, SqsServerFixture.NewName("dlq"));
        var dlqArn = (await sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"])).Attributes["QueueArn"];
        var url = await CreateAsync(sqs, SqsServerFixture.NewName("src"), new()
        {
            ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":"1"}""",
        });
        await sqs.SendMessageAsync(url, "poison");
        var leased = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, VisibilityTimeout = 600 })).Messages);
        await sqs.ChangeMessageVisibilityAsync(url, leased.ReceiptHandle, 0);
        Assert.Empty((await sqs.ReceiveMessageAsync(url)).Messages ?? []);

        var dead = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = dlqUrl, VisibilityTimeout = 0, MessageSystemAttributeNames = ["DeadLetterQueueSourceArn"] })).Messages);
        Assert.Equal("poison", dead.Body);
        Assert.EndsWith(url[(url.LastIndexOf('/') + 1)..], dead.Attributes["DeadLetterQueueSourceArn"], StringComparison.Ordinal);
        Assert.Equal(url, Assert.Single((await sqs.ListDeadLetterSourceQueuesAsync(new ListDeadLetterSourceQueuesRequest { QueueUrl = dlqUrl })).QueueUrls));

        var task = await sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = dlqArn, MaxNumberOfMessagesPerSecond = 100 });
        Assert.False(string.IsNullOrEmpty(task.TaskHandle));
        await fixture.Server.Broker.WaitForRedriveAsync(task.TaskHandle);
        var tasks = await sqs.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest { SourceArn = dlqArn, MaxResults = 10 });
        var status = Assert.Single(tasks.Results);
        Assert.Equal("COMPLETED", status.Status);
        Assert.Equal(1, status.ApproximateNumberOfMessagesMoved);
        Assert.Equal("poison", Assert.Single((await sqs.ReceiveMessageAsync(url)).Messages).Body);

        var unknown = await Assert.ThrowsAsync<ResourceNotFoundException>(() => sqs.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest { TaskHandle = "nope" }));
        Assert.Equal("ResourceNotFoundException", unknown.ErrorCode);
        var notDlq = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = dlqArn.Replace(":dlq-", ":src-", StringComparison.Ordinal) }));
        Assert.Equal("ResourceNotFoundException", notDlq.ErrorCode);
    }

    [Fact]
    public async Task DeleteQueue_DeadLetterQueueStillNamed_DeletedAndSourceDetached()
    {
        using var sqs = fixture.Client();
        var dlqUrl = await CreateAsync(sqs, SqsServerFixture.NewName("dlq"));
        var dlqArn = (await sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"])).Attributes["QueueArn"];
        var url = await CreateAsync(sqs, SqsServerFixture.NewName(), new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":3}""" });
        await sqs.DeleteQueueAsync(dlqUrl);
        Assert.False((await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes.ContainsKey("RedrivePolicy"));
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => sqs.GetQueueAttributesAsync(dlqUrl, ["All"]));
    }

    [Fact]
    public async Task Tags_TagListUntag_RoundTrip()
    {
        using var sqs = fixture.Client();
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = SqsServerFixture.NewName(), Tags = new() { ["team"] = "core" } })).QueueUrl;
        await sqs.TagQueueAsync(new TagQueueRequest { QueueUrl = url, Tags = new() { ["env"] = "test" } });
        var tags = (await sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags;
        Assert.Equal("core", tags["team"]);
        Assert.Equal("test", tags["env"]);
        await sqs.UntagQueueAsync(new UntagQueueRequest { QueueUrl = url, TagKeys = ["team"] });
        Assert.Equal(["env"], (await sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags.Keys);
    }

    [Fact]
    public async Task Permissions_AddRemove_StoredAsPolicy()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        await sqs.AddPermissionAsync(new AddPermissionRequest { QueueUrl = url, Label = "p1", AWSAccountIds = ["111122223333"], Actions = ["SendMessage"] });
        Assert.Contains("\"Sid\":\"p1\"", (await sqs.GetQueueAttributesAsync(url, ["Policy"])).Attributes["Policy"], StringComparison.Ordinal);
        await sqs.RemovePermissionAsync(url, "p1");
        Assert.False((await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes.ContainsKey("Policy"));
    }

    [Fact]
    public async Task AddPermission_EightActions_OverLimitException()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        var error = await Assert.ThrowsAsync<OverLimitException>(() => sqs.AddPermissionAsync(new AddPermissionRequest
        {
            QueueUrl = url,
            Label = "all",
            AWSAccountIds = ["111122223333"],
            Actions = ["SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl", "PurgeQueue", "ListDeadLetterSourceQueues"],
        }));
        Assert.Equal("8 Actions were found, maximum allowed is 7.", error.Message);
    }

    [Fact]
    public async Task CreateQueue_ExistingNameDifferentTags_QueueNameExists()
    {
        using var sqs = fixture.Client();
        var name = SqsServerFixture.NewName();
        await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Tags = new() { ["team"] = "a" } });
        await Assert.ThrowsAsync<QueueNameExistsException>(() => sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Tags = new() { ["team"] = "b" } }));
        var url = (await sqs.GetQueueUrlAsync(name)).QueueUrl;
        Assert.Equal("a", (await sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags["team"]);
    }

    [Fact]
    public async Task ReceiveMessage_PrefixFilter_ReturnsAttributesStartingWithPrefix()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        await sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url,
            MessageBody = "x",
            MessageAttributes = new()
            {
                ["CustomA"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "String", StringValue = "1" },
                ["Other"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "String", StringValue = "2" },
            },
        });
        var message = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MessageAttributeNames = ["Custom.*"] })).Messages);
        Assert.Equal(["CustomA"], message.MessageAttributes.Keys);
    }

    [Fact]
    public async Task Queues_ClientsOfTwoRegions_SeeOnlyTheirOwn()
    {
        using var west1 = fixture.Client(region: "us-west-1");
        using var west2 = fixture.Client(region: "us-west-2");
        var name = SqsServerFixture.NewName("regional");
        var url = await CreateAsync(west1, name);

        Assert.Equal([url], (await west1.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = name })).QueueUrls);
        Assert.Empty((await west2.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = name })).QueueUrls ?? []);
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => west2.GetQueueUrlAsync(name));
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => west2.SendMessageAsync(url, "x"));
        Assert.Equal($"arn:aws:sqs:us-west-1:000000000000:{name}", (await west1.GetQueueAttributesAsync(url, ["QueueArn"])).QueueARN);
        await west1.SendMessageAsync(url, "x");
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync($"us-west-1:{name}")).Ready);
    }

    [Fact]
    public async Task PurgeQueue_VisibleAndInFlight_AllGone()
    {
        using var sqs = fixture.Client();
        var url = await CreateAsync(sqs, SqsServerFixture.NewName());
        await sqs.SendMessageAsync(url, "a");
        await sqs.SendMessageAsync(url, "b");
        await sqs.ReceiveMessageAsync(url);
        await sqs.PurgeQueueAsync(url);
        var attributes = (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
    }

    [Fact]
    public async Task ReceiveMessage_LongPoll_ReturnsWhenMessageArrives()
    {
        using var sqs = fixture.Client();
        var name = SqsServerFixture.NewName();
        var url = await CreateAsync(sqs, name, new() { ["ReceiveMessageWaitTimeSeconds"] = "20" });
        var receive = sqs.ReceiveMessageAsync(url);
        await WaitUntilAsync(() => fixture.Server.Broker.GetWaitingReceiverCount(name) == 1);
        await sqs.SendMessageAsync(url, "wake");
        var message = Assert.Single((await receive).Messages);
        Assert.Equal("wake", message.Body);
    }

    /// <summary>Waits for a condition the test cannot be signalled about (a receiver parked in the broker).</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!condition())
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }
}
