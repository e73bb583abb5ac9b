using Google.Protobuf;
using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;

namespace Sluice.Faces.Grpc.Tests;

/// <summary>The gRPC face driven by the generated client over a real HTTP/2 connection.</summary>
public sealed class GrpcFaceTests(GrpcFixture fixture) : IClassFixture<GrpcFixture>
{
    private static Sluice.Grpc.V1.OutgoingMessage Text(string body) => new() { Body = ByteString.CopyFromUtf8(body) };

    private async Task<string> CreateQueueAsync(Sluice.Grpc.V1.QueueOptions? options = null)
    {
        var name = GrpcFixture.NewName();
        await fixture.Queues.CreateQueueAsync(new CreateQueueRequest { Name = name, Options = options });
        return name;
    }

    private static void AssertError(RpcException error, StatusCode status, string code, string? field = null, bool transient = false)
    {
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(code, error.Trailers.GetValue(GrpcErrorTrailers.Code));
        if (field is not null)
        {
            Assert.Equal(field, error.Trailers.GetValue(GrpcErrorTrailers.Field));
        }

        Assert.Equal(transient ? "true" : "false", error.Trailers.GetValue(GrpcErrorTrailers.Transient));
    }

    [Fact]
    public async Task QueueAdministration_CreateGetListUpdatePurgeStatsDelete_RoundTrips()
    {
        var name = GrpcFixture.NewName();
        var created = await fixture.Queues.CreateQueueAsync(new CreateQueueRequest
        {
            Name = name,
            Options = new Sluice.Grpc.V1.QueueOptions { VisibilityTimeoutMs = 45_000, Tags = { ["team"] = "a" } },
        });
        Assert.Equal(name, created.Name);
        Assert.Equal(45_000, created.Options.VisibilityTimeoutMs);
        Assert.Equal(1024 * 1024, created.Options.MaxMessageSize);
        Assert.Equal("a", created.Options.Tags["team"]);

        var got = await fixture.Queues.GetQueueAsync(new GetQueueRequest { Name = name });
        Assert.Equal(created, got);
        var list = await fixture.Queues.ListQueuesAsync(new ListQueuesRequest());
        Assert.Contains(list.Queues, q => q.Name == name);

        var updated = await fixture.Queues.UpdateQueueAsync(new UpdateQueueRequest { Name = name, Options = new Sluice.Grpc.V1.QueueOptions { MaxLength = 5 } });
        Assert.Equal(5, updated.Options.MaxLength);
        Assert.Equal(30_000, updated.Options.VisibilityTimeoutMs);

        await fixture.Messages.PublishAsync(new PublishRequest { Queue = name, Messages = { Text("a"), Text("b") } });
        var stats = await fixture.Queues.GetQueueStatsAsync(new GetQueueStatsRequest { Name = name });
        Assert.Equal(2, stats.Ready);
        Assert.Equal(2, (await fixture.Queues.PurgeQueueAsync(new PurgeQueueRequest { Name = name })).Purged);

        await fixture.Queues.DeleteQueueAsync(new DeleteQueueRequest { Name = name });
        var missing = await Assert.ThrowsAsync<RpcException>(() => fixture.Queues.GetQueueAsync(new GetQueueRequest { Name = name }).ResponseAsync);
        AssertError(missing, StatusCode.NotFound, ErrorCodes.QueueNotFound);
    }

    [Fact]
    public async Task PublishReceive_StringAndBinaryAttributes_EachKeepsOnlyItsOwnValue()
    {
        // A String attribute has no binary value (and a Binary one no string value) however it travels: published over
        // gRPC, stored, and received over gRPC. An absent proto field must not come back as an empty value.
        var queue = await CreateQueueAsync();
        await fixture.Messages.PublishAsync(new PublishRequest
        {
            Queue = queue,
            Messages =
            {
                new Sluice.Grpc.V1.OutgoingMessage
                {
                    Body = ByteString.CopyFromUtf8("one"),
                    Attributes =
                    {
                        ["kind"] = new AttributeValue { DataType = "String", StringValue = "x" },
                        ["blob"] = new AttributeValue { DataType = "Binary", BinaryValue = ByteString.CopyFrom(1, 2) },
                    },
                },
            },
        });

        var stored = Assert.Single(await fixture.Broker.PeekAsync(queue)).Attributes;
        Assert.Null(stored["kind"].BinaryValue);
        Assert.Null(stored["blob"].StringValue);
        Assert.Equal([1, 2], stored["blob"].BinaryValue!.Value.ToArray());

        var received = Assert.Single((await fixture.Messages.ReceiveAsync(new ReceiveRequest { Queue = queue, MaxMessages = 1 })).Messages).Attributes;
        Assert.False(received["kind"].HasBinaryValue);
        Assert.False(received["blob"].HasStringValue);
        Assert.Null(GrpcConvert.FromProto(received["kind"]).BinaryValue);
    }

    [Fact]
    public async Task PublishReceiveAck_Batch_DeliversInOrderAndDeletes()
    {
        var queue = await CreateQueueAsync();
        var published = await fixture.Messages.PublishAsync(new PublishRequest
        {
            Queue = queue,
            Messages =
            {
                new Sluice.Grpc.V1.OutgoingMessage
                {
                    Body = ByteString.CopyFromUtf8("one"),
                    Attributes = { ["kind"] = new AttributeValue { DataType = "String", StringValue = "x" } },
                    DeduplicationId = "d1",
                },
                Text("two"),
            },
        });
        Assert.Equal(2, published.Results.Count);
        Assert.True(Guid.TryParse(published.Results[0].MessageId, out _));

        var received = await fixture.Messages.ReceiveAsync(new ReceiveRequest { Queue = queue, MaxMessages = 10, VisibilityTimeoutMs = 60_000 });
        Assert.Equal(["one", "two"], received.Messages.Select(m => m.Body.ToStringUtf8()));
        var first = received.Messages[0];
        Assert.Equal(published.Results[0].MessageId, first.MessageId);
        Assert.Equal("x", first.Attributes["kind"].StringValue);
        Assert.Equal("d1", first.DeduplicationId);
        Assert.Equal(Sluice.Grpc.V1.MessageState.InFlight, first.State);
        Assert.Equal(1, first.ReceiveCount);

        var acked = await fixture.Messages.AckAsync(new AckRequest { Queue = queue, ReceiptHandles = { first.ReceiptHandle, "not-a-handle" } });
        Assert.Equal("", acked.Results[0].ErrorCode);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, acked.Results[1].ErrorCode);

        var stats = await fixture.Broker.GetStatsAsync(queue);
        Assert.Equal(1, stats.InFlight);
        Assert.Equal(0, stats.Ready);
    }

    [Fact]
    public async Task NackExtendPeek_Batches_ResultPerItem()
    {
        var queue = await CreateQueueAsync();
        await fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { Text("a"), Text("b") } });
        var received = (await fixture.Messages.ReceiveAsync(new ReceiveRequest { Queue = queue, MaxMessages = 2 })).Messages;

        var extended = await fixture.Messages.ExtendLeaseAsync(new ExtendLeaseRequest
        {
            Queue = queue,
            Items =
            {
                new ExtendLeaseItem { ReceiptHandle = received[0].ReceiptHandle, VisibilityTimeoutMs = 120_000 },
                new ExtendLeaseItem { ReceiptHandle = "bogus", VisibilityTimeoutMs = 1_000 },
            },
        });
        Assert.Equal("", extended.Results[0].Result.ErrorCode);
        Assert.True(extended.Results[0].VisibleAtUnixMs > received[0].VisibleAtUnixMs);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, extended.Results[1].Result.ErrorCode);

        var nacked = await fixture.Messages.NackAsync(new NackRequest
        {
            Queue = queue,
            Items = { new NackItem { ReceiptHandle = received[0].ReceiptHandle, Error = "boom" }, new NackItem { ReceiptHandle = received[1].ReceiptHandle } },
        });
        Assert.All(nacked.Results, r => Assert.Equal("", r.ErrorCode));

        var peeked = await fixture.Messages.PeekAsync(new PeekRequest { Queue = queue });
        Assert.Equal(2, peeked.Messages.Count);
        Assert.All(peeked.Messages, m => Assert.False(m.HasReceiptHandle));
        Assert.All(peeked.Messages, m => Assert.Equal(Sluice.Grpc.V1.MessageState.Ready, m.State));
    }

    [Fact]
    public async Task CreateQueue_VisibilityTimeoutOutOfRange_InvalidArgumentNamingFieldAndNoQueue()
    {
        var name = GrpcFixture.NewName();
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Queues.CreateQueueAsync(new CreateQueueRequest
        {
            Name = name,
            Options = new Sluice.Grpc.V1.QueueOptions { VisibilityTimeoutMs = 13L * 3600 * 1000 },
        }).ResponseAsync);
        AssertError(error, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "options.visibility_timeout_ms");
        Assert.Null(await fixture.Broker.FindQueueAsync(name));
    }

    [Fact]
    public async Task Publish_OneBadMessage_InvalidArgumentNamingItAndNothingStored()
    {
        var queue = await CreateQueueAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Messages.PublishAsync(new PublishRequest
        {
            Queue = queue,
            Messages = { Text("ok"), new Sluice.Grpc.V1.OutgoingMessage { Body = ByteString.CopyFromUtf8("late"), DelayMs = 15L * 24 * 3600 * 1000 } },
        }).ResponseAsync);
        AssertError(error, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "messages[1].delay_ms");
        Assert.Equal(0, (await fixture.Broker.GetStatsAsync(queue)).Ready + (await fixture.Broker.GetStatsAsync(queue)).Delayed);
    }

    [Fact]
    public async Task EmptyLists_InvalidArgumentNamingFieldRuleAndCount()
    {
        var queue = await CreateQueueAsync();

        var publish = await Assert.ThrowsAsync<RpcException>(() => fixture.Messages.PublishAsync(new PublishRequest { Queue = queue }).ResponseAsync);
        var ack = await Assert.ThrowsAsync<RpcException>(() => fixture.Messages.AckAsync(new AckRequest { Queue = queue }).ResponseAsync);
        var nack = await Assert.ThrowsAsync<RpcException>(() => fixture.Messages.NackAsync(new NackRequest { Queue = queue }).ResponseAsync);
        var streamAck = await Assert.ThrowsAsync<RpcException>(() => fixture.Streams.AckAsync(new StreamAckRequest { Stream = "s-" + queue, Group = "g" }).ResponseAsync);

        AssertError(publish, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "messages");
        Assert.Equal("messages must hold between 1 and 100 entries; got 0", publish.Status.Detail);
        AssertError(ack, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "receipt_handles");
        Assert.Equal("receipt_handles must hold between 1 and 100 entries; got 0", ack.Status.Detail);
        AssertError(nack, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "items");
        Assert.Equal("items must hold between 1 and 100 entries; got 0", nack.Status.Detail);
        AssertError(streamAck, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "ids");
        Assert.Equal("ids must hold at least 1 entry; got 0", streamAck.Status.Detail);
    }

    [Fact]
    public async Task Publish_MissingQueueField_InvalidArgumentNamingQueue()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Messages.PublishAsync(new PublishRequest { Messages = { Text("x") } }).ResponseAsync);
        AssertError(error, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "queue");
    }

    [Fact]
    public async Task Publish_QueueFull_ResourceExhaustedAndTransient()
    {
        var queue = await CreateQueueAsync(new Sluice.Grpc.V1.QueueOptions { MaxLength = 1 });
        await fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { Text("1") } });
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { Text("2") } }).ResponseAsync);
        AssertError(error, StatusCode.ResourceExhausted, ErrorCodes.QueueFull, transient: true);
    }

    [Fact]
    public async Task Publish_RequestLargerThanMaxMessageSize_ResourceExhaustedAndNothingStored()
    {
        var queue = await CreateQueueAsync();
        var big = new Sluice.Grpc.V1.OutgoingMessage { Body = ByteString.CopyFrom(new byte[65 * 1024]) };
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { big } }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0, (await fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task PublishStream_ThreeTaggedBatchesOneBad_AnswersEachInOrderAndKeepsGoing()
    {
        var queue = await CreateQueueAsync();
        using var call = fixture.Messages.PublishStream();
        await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 7, Queue = queue, Messages = { Text("a"), Text("b") } });
        await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 8, Queue = GrpcFixture.NewName("missing"), Messages = { Text("c") } });
        await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 9, Queue = queue, Messages = { Text("d") } });
        await call.RequestStream.CompleteAsync();

        var answers = new List<PublishStreamResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer);
        }

        Assert.Equal([7UL, 8UL, 9UL], answers.Select(a => a.Tag));
        Assert.Equal(2, answers[0].Results.Count);
        Assert.Null(answers[0].Error);
        Assert.Equal(ErrorCodes.QueueNotFound, answers[1].Error.Code);
        Assert.Empty(answers[1].Results);
        Assert.Single(answers[2].Results);
        Assert.Equal(3, (await fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task Consume_Grant3Publish10_Exactly3ArriveUntilMoreCreditIsGranted()
    {
        var queue = await CreateQueueAsync();
        using var call = fixture.Messages.Consume();
        await call.RequestStream.WriteAsync(new ConsumeRequest { Start = new ConsumeStart { Queue = queue, Credit = 3, VisibilityTimeoutMs = 60_000 } });
        await fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { Enumerable.Range(0, 10).Select(i => Text($"m{i}")) } });

        var received = new List<Sluice.Grpc.V1.QueueMessage>();
        while (received.Count < 3)
        {
            Assert.True(await call.ResponseStream.MoveNext());
            received.AddRange(call.ResponseStream.Current.Messages);
        }

        Assert.Equal(3, received.Count);
        // With its credit spent the server leases nothing more: exactly the 3 delivered are in flight.
        var stats = await fixture.Broker.GetStatsAsync(queue);
        Assert.Equal(3, stats.InFlight);
        Assert.Equal(7, stats.Ready);

        await call.RequestStream.WriteAsync(new ConsumeRequest { Credit = 2 });
        while (received.Count < 5)
        {
            Assert.True(await call.ResponseStream.MoveNext());
            received.AddRange(call.ResponseStream.Current.Messages);
        }

        Assert.Equal(5, received.Count);
        stats = await fixture.Broker.GetStatsAsync(queue);
        Assert.Equal(5, stats.InFlight);
        Assert.Equal(5, received.Select(m => m.MessageId).Distinct().Count());

        // Half-closing ends the call normally.
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task Consume_GrantBeyondCap_InvalidArgumentNamingCredit()
    {
        var queue = await CreateQueueAsync();
        using var call = fixture.Messages.Consume();
        await call.RequestStream.WriteAsync(new ConsumeRequest { Start = new ConsumeStart { Queue = queue, Credit = 40 } });
        await call.RequestStream.WriteAsync(new ConsumeRequest { Credit = 11 });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        AssertError(error, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "credit");
    }

    [Fact]
    public async Task Consume_MissingQueue_NotFound()
    {
        using var call = fixture.Messages.Consume();
        await call.RequestStream.WriteAsync(new ConsumeRequest { Start = new ConsumeStart { Queue = GrpcFixture.NewName("missing"), Credit = 1 } });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        AssertError(error, StatusCode.NotFound, ErrorCodes.QueueNotFound);
    }

    [Fact]
    public async Task Consume_QueueDeletedWhileWaiting_CallEndsWithQueueNotFound()
    {
        var queue = await CreateQueueAsync();
        using var call = fixture.Messages.Consume();
        await call.RequestStream.WriteAsync(new ConsumeRequest { Start = new ConsumeStart { Queue = queue, Credit = 5 } });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (fixture.Broker.GetWaitingReceiverCount(queue) == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for the consume to wait on the queue");
            await Task.Yield();
        }

        await fixture.Broker.DeleteQueueAsync(queue);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        AssertError(error, StatusCode.NotFound, ErrorCodes.QueueNotFound);
    }

    [Fact]
    public async Task Redrive_StartAndGet_ReportsProgress()
    {
        var dlq = await CreateQueueAsync();
        await CreateQueueAsync(new Sluice.Grpc.V1.QueueOptions { DeadLetterQueue = dlq, MaxReceiveCount = 1 });
        var started = await fixture.Queues.StartRedriveAsync(new StartRedriveRequest { DeadLetterQueue = dlq, MaxPerSecond = 10 });
        Assert.Equal(dlq, started.DeadLetterQueue);
        Assert.Equal(10, started.MaxPerSecond);
        var status = await fixture.Queues.GetRedriveAsync(new GetRedriveRequest { Id = started.Id });
        Assert.Equal(started.Id, status.Id);

        var missing = await Assert.ThrowsAsync<RpcException>(() => fixture.Queues.GetRedriveAsync(new GetRedriveRequest { Id = "nope" }).ResponseAsync);
        AssertError(missing, StatusCode.NotFound, ErrorCodes.RedriveNotFound);
    }

    [Fact]
    public async Task Topics_SubscribePublishList_CopiesIntoMatchingQueues()
    {
        var topic = GrpcFixture.NewName("t");
        var orders = await CreateQueueAsync();
        var other = await CreateQueueAsync();
        var created = await fixture.Topics.CreateTopicAsync(new CreateTopicRequest { Name = topic });
        Assert.Equal(topic, created.Name);
        await fixture.Topics.SubscribeAsync(new SubscribeRequest { Topic = topic, Queue = orders, Options = new Sluice.Grpc.V1.SubscriptionOptions { RoutingKeyPattern = "orders.*" } });
        await fixture.Topics.SubscribeAsync(new SubscribeRequest { Topic = topic, Queue = other, Options = new Sluice.Grpc.V1.SubscriptionOptions { RoutingKeyPattern = "other.#" } });

        var published = await fixture.Topics.PublishToTopicAsync(new PublishToTopicRequest
        {
            Topic = topic,
            Messages = { new Sluice.Grpc.V1.TopicMessage { Message = Text("o1"), RoutingKey = "orders.eu" } },
        });
        Assert.Equal(1, published.Results[0].Queues);
        Assert.Equal(1, (await fixture.Broker.GetStatsAsync(orders)).Ready);
        Assert.Equal(0, (await fixture.Broker.GetStatsAsync(other)).Ready);

        var subscriptions = await fixture.Topics.ListSubscriptionsAsync(new ListSubscriptionsRequest { Topic = topic });
        Assert.Equal(2, subscriptions.Subscriptions.Count);
        Assert.Equal(1, (await fixture.Topics.GetTopicAsync(new GetTopicRequest { Name = topic })).Published);
        Assert.Contains((await fixture.Topics.ListTopicsAsync(new ListTopicsRequest())).Topics, t => t.Name == topic);

        await fixture.Topics.UnsubscribeAsync(new UnsubscribeRequest { Topic = topic, Queue = other });
        await fixture.Topics.DeleteTopicAsync(new DeleteTopicRequest { Name = topic });
        var missing = await Assert.ThrowsAsync<RpcException>(() => fixture.Topics.GetTopicAsync(new GetTopicRequest { Name = topic }).ResponseAsync);
        AssertError(missing, StatusCode.NotFound, ErrorCodes.TopicNotFound);
    }

    [Fact]
    public async Task Streams_AppendRangeGroupReadAckInfoDelete_RoundTrips()
    {
        var stream = GrpcFixture.NewName("s");
        var field = new Sluice.Grpc.V1.StreamField { Name = ByteString.CopyFromUtf8("k"), Value = ByteString.CopyFromUtf8("v") };
        var first = await fixture.Streams.AppendAsync(new StreamAppendRequest { Stream = stream, Fields = { field } });
        await fixture.Streams.AppendAsync(new StreamAppendRequest { Stream = stream, Fields = { field } });

        var range = await fixture.Streams.RangeAsync(new StreamRangeRequest { Stream = stream });
        Assert.Equal(2, range.Entries.Count);
        Assert.Equal(first.Id, range.Entries[0].Id);
        Assert.Equal("v", range.Entries[0].Fields[0].Value.ToStringUtf8());

        await fixture.Streams.CreateGroupAsync(new StreamCreateGroupRequest { Stream = stream, Group = "g", LastDeliveredId = new Sluice.Grpc.V1.StreamEntryId() });
        var duplicate = await Assert.ThrowsAsync<RpcException>(() => fixture.Streams.CreateGroupAsync(new StreamCreateGroupRequest { Stream = stream, Group = "g" }).ResponseAsync);
        AssertError(duplicate, StatusCode.AlreadyExists, ErrorCodes.StreamGroupExists);

        var read = await fixture.Streams.ReadGroupAsync(new StreamReadGroupRequest
        {
            Group = "g",
            Consumer = "c",
            Positions = { new Sluice.Grpc.V1.StreamPosition { Stream = stream, Kind = Sluice.Grpc.V1.StreamPositionKind.Undelivered } },
        });
        Assert.Equal(2, read.Results[0].Entries.Count);
        var acked = await fixture.Streams.AckAsync(new StreamAckRequest { Stream = stream, Group = "g", Ids = { read.Results[0].Entries.Select(e => e.Id) } });
        Assert.Equal(2, acked.Acked);

        var info = await fixture.Streams.GetInfoAsync(new StreamGetInfoRequest { Stream = stream });
        Assert.Equal(2, info.Length);
        Assert.Equal(1, info.Groups);
        Assert.Contains(stream, (await fixture.Streams.ListAsync(new StreamListRequest())).Streams);
        Assert.True((await fixture.Streams.DeleteGroupAsync(new StreamDeleteGroupRequest { Stream = stream, Group = "g" })).Deleted);
        Assert.True((await fixture.Streams.DeleteAsync(new StreamDeleteRequest { Stream = stream })).Deleted);
        Assert.False((await fixture.Streams.DeleteAsync(new StreamDeleteRequest { Stream = stream })).Deleted);
    }

    [Fact]
    public async Task StreamsReadGroup_UndefinedPositionKind_InvalidArgumentNamingField()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Streams.ReadGroupAsync(new StreamReadGroupRequest
        {
            Group = "g",
            Consumer = "c",
            Positions = { new Sluice.Grpc.V1.StreamPosition { Stream = "s", Kind = (Sluice.Grpc.V1.StreamPositionKind)42 } },
        }).ResponseAsync);
        AssertError(error, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "positions[0].kind");
    }

    [Fact]
    public async Task DeadLetter_LeasedMessage_MovedWithItsErrorAndAResultPerItem()
    {
        var dlq = await CreateQueueAsync();
        var queue = await CreateQueueAsync(new Sluice.Grpc.V1.QueueOptions { DeadLetterQueue = dlq, MaxReceiveCount = 5 });
        await fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { Text("poison") } });
        var received = (await fixture.Messages.ReceiveAsync(new ReceiveRequest { Queue = queue })).Messages[0];

        var result = await fixture.Messages.DeadLetterAsync(new DeadLetterRequest
        {
            Queue = queue,
            Items = { new DeadLetterItem { ReceiptHandle = received.ReceiptHandle, Error = "bad input" }, new DeadLetterItem { ReceiptHandle = "bogus" } },
        });
        Assert.Equal("", result.Results[0].ErrorCode);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, result.Results[1].ErrorCode);
        var dead = (await fixture.Messages.PeekAsync(new PeekRequest { Queue = dlq })).Messages.Single();
        Assert.Equal("bad input", dead.DeadLetter.LastError);
        Assert.Equal(queue, dead.DeadLetter.SourceQueue);
    }

    [Fact]
    public async Task KeyValue_SetGetCompareAndSetListDelete_RoundTrips()
    {
        var key = GrpcFixture.NewName("kv");
        var kv = new Sluice.Grpc.V1.KeyValue.KeyValueClient(fixture.Channel);
        var first = await kv.SetAsync(new KeyValueSetRequest { Key = key, Value = ByteString.CopyFromUtf8("v1"), ExpectedVersion = 0 });
        Assert.True(first.Version > 0); // versions are store-wide: the broker's own records (the receipt handle key) take some
        var got = await kv.GetAsync(new KeyValueGetRequest { Key = key });
        Assert.True(got.Found);
        Assert.Equal("v1", got.Record.Value.ToStringUtf8());

        var conflict = await Assert.ThrowsAsync<RpcException>(() => kv.SetAsync(new KeyValueSetRequest { Key = key, Value = ByteString.CopyFromUtf8("v2"), ExpectedVersion = 7 }).ResponseAsync);
        AssertError(conflict, StatusCode.FailedPrecondition, ErrorCodes.VersionConflict);
        Assert.Equal("v1", (await kv.GetAsync(new KeyValueGetRequest { Key = key })).Record.Value.ToStringUtf8());

        var badTtl = await Assert.ThrowsAsync<RpcException>(() => kv.SetAsync(new KeyValueSetRequest { Key = key, Value = ByteString.Empty, TimeToLiveMs = -5 }).ResponseAsync);
        AssertError(badTtl, StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "time_to_live_ms");

        var list = await kv.ListAsync(new KeyValueListRequest { Prefix = key });
        Assert.Equal(key, list.Records.Single().Key);
        Assert.True((await kv.DeleteAsync(new KeyValueDeleteRequest { Key = key, ExpectedVersion = first.Version })).Deleted);
        Assert.False((await kv.GetAsync(new KeyValueGetRequest { Key = key })).Found);
    }

    [Fact]
    public async Task DeadLetterGroups_TwoCauses_TwoGroupsAndADryRunChangesNothing()
    {
        var dlq = await CreateQueueAsync();
        var queue = await CreateQueueAsync(new Sluice.Grpc.V1.QueueOptions { DeadLetterQueue = dlq, MaxReceiveCount = 5 });
        await fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { Text("a"), Text("b"), Text("c") } });
        var received = (await fixture.Messages.ReceiveAsync(new ReceiveRequest { Queue = queue, MaxMessages = 3 })).Messages;
        await fixture.Messages.DeadLetterAsync(new DeadLetterRequest
        {
            Queue = queue,
            Items =
            {
                new DeadLetterItem { ReceiptHandle = received[0].ReceiptHandle, Error = "System.TimeoutException: order 17 timed out" },
                new DeadLetterItem { ReceiptHandle = received[1].ReceiptHandle, Error = "System.TimeoutException: order 942 timed out" },
                new DeadLetterItem { ReceiptHandle = received[2].ReceiptHandle, Error = "System.FormatException: bad date" },
            },
        });

        var deadLetters = new Sluice.Grpc.V1.DeadLetters.DeadLettersClient(fixture.Channel);
        var groups = await deadLetters.ListGroupsAsync(new ListDeadLetterGroupsRequest { Queue = dlq });
        Assert.Equal([2L, 1L], groups.Groups.Select(g => g.Count));
        Assert.Equal(queue, groups.Groups[0].SourceQueues.Single().Queue);

        var dryRun = await deadLetters.DeleteGroupAsync(new DeleteDeadLetterGroupRequest { Queue = dlq, GroupId = groups.Groups[0].GroupId, DryRun = true });
        Assert.True(dryRun.DryRun);
        Assert.Equal(2, dryRun.Affected);
        Assert.Equal(3, (await fixture.Broker.GetStatsAsync(dlq)).Ready);

        var deleted = await deadLetters.DeleteGroupAsync(new DeleteDeadLetterGroupRequest { Queue = dlq, GroupId = groups.Groups[0].GroupId });
        Assert.Equal(2, deleted.Affected);
        Assert.Equal(1, (await fixture.Broker.GetStatsAsync(dlq)).Ready);
    }

    [Fact]
    public void ErrorTable_EveryErrorCode_HasAStatus()
    {
        var codes = typeof(ErrorCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToList();
        Assert.All(codes, code => Assert.True(GrpcErrors.Table.ContainsKey(code), $"{code} has no gRPC status"));
    }

    [Theory]
    [InlineData("visibilityTimeout", "visibility_timeout_ms")]
    [InlineData("message.delay", "messages[0].delay_ms")]
    [InlineData("messages[3].messageGroupId", "messages[3].message_group_id")]
    [InlineData("waitTime", "wait_ms")]
    [InlineData("options.visibility_timeout_ms", "options.visibility_timeout_ms")]
    [InlineData("deadLetterQueue", "dead_letter_queue")]
    public void ProtoField_BrokerName_ProtoName(string broker, string proto) => Assert.Equal(proto, GrpcErrors.ProtoField(broker));
}
