using System.Text;
using System.Text.Json.Serialization;

namespace Sluice.Client.Tests;

/// <summary>
/// The SDK behaviours a user relies on, run against every <see cref="ISluiceClient"/>: in-process over each store
/// (<see cref="InMemoryClientTests"/>, <see cref="SqliteClientTests"/>) and remote against a real server process.
/// </summary>
/// <remarks>
/// <para><b>How to subclass</b> (e.g. the remote client against a <c>sluice serve</c> process):</para>
/// <list type="number">
/// <item>Override <see cref="CreateClientAsync"/>: return a client of the backend under test built with the given
/// options (their auto-batching settings matter to the batching cases). One server may serve the whole class (an
/// xunit class fixture): every case names its queues, topics and streams with <see cref="NewName"/>, so cases never
/// share state. <see cref="DisposeAsync"/> disposes the client.</item>
/// <item>Time. Cases whose meaning depends on time passing (lease expiry and fencing, extending a lease, a nack's
/// delay) use short durations (1-3 seconds) and let them pass inside a long-poll receive through
/// <see cref="WhileTimePassesAsync"/>. The default implementation does nothing special: against a real server the
/// receive simply waits that long in real time, returning as soon as a message becomes visible or empty at the end of
/// its wait. No case asserts how long anything took, so these cases run remote as they are, nothing is skipped. The
/// in-process subclasses override it to advance a fake clock once the receive is waiting.</item>
/// <item>Override <see cref="ClientOptions"/> to change the client's settings for every case (default
/// <see cref="SluiceClientOptions"/> defaults).</item>
/// </list>
/// </remarks>
public abstract partial class SluiceClientTests : IAsyncLifetime
{
    /// <summary>The longest a case waits in real time for something that should happen at once.</summary>
    protected static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(30);

    private static readonly byte[] Hello = "hello"u8.ToArray();

    /// <summary>The client under test.</summary>
    protected ISluiceClient Client { get; private set; } = null!;

    /// <summary>Settings of the client under test.</summary>
    protected virtual SluiceClientOptions ClientOptions => new();

    /// <summary>Creates the client under test (a fresh or shared backend; names are unique per case).</summary>
    protected abstract ValueTask<ISluiceClient> CreateClientAsync(SluiceClientOptions options);

    /// <summary>
    /// Runs <paramref name="receive"/> (a long-poll receive on <paramref name="queue"/> whose wait time is
    /// <paramref name="duration"/>) while <paramref name="duration"/> passes. Default: real time passes by itself.
    /// </summary>
    protected virtual Task<IReadOnlyList<QueueMessage>> WhileTimePassesAsync(string queue, TimeSpan duration, Func<Task<IReadOnlyList<QueueMessage>>> receive) => receive();

    /// <summary>A name unique to this case (valid for queues, topics and streams).</summary>
    protected static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public async Task InitializeAsync() => Client = await CreateClientAsync(ClientOptions);

    public virtual async Task DisposeAsync() => await Client.DisposeAsync();

    private static OutgoingMessage Text(string body) => new(Encoding.UTF8.GetBytes(body));

    private static string TextOf(QueueMessage message) => Encoding.UTF8.GetString(message.Body.Span);

    private async Task<string> NewQueueAsync(QueueOptions? options = null, string prefix = "q")
    {
        var name = NewName(prefix) + (options?.Fifo == true ? ".fifo" : "");
        await Client.CreateQueueAsync(name, options);
        return name;
    }

    /// <summary>Receives while <paramref name="duration"/> passes: whatever becomes visible within it, or empty at its end.</summary>
    private Task<IReadOnlyList<QueueMessage>> ReceiveWhileAsync(string queue, TimeSpan duration, TimeSpan? visibilityTimeout = null) =>
        WhileTimePassesAsync(queue, duration, () => Client.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = 10, WaitTime = duration, VisibilityTimeout = visibilityTimeout }).AsTask());

    private static async Task<SluiceException> ThrowsCodeAsync(string code, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<SluiceException>(action);
        Assert.Equal(code, error.ErrorCode);
        return error;
    }

    // ---- Publish, receive, settle ----

    [Fact]
    public async Task PublishReceiveAck_OneMessage_DeliveredOnceThenGone()
    {
        var queue = await NewQueueAsync();
        var published = await Client.PublishAsync(queue, new OutgoingMessage(Hello) { Attributes = new Dictionary<string, MessageAttributeValue> { ["kind"] = MessageAttributeValue.FromString("greeting") } });

        var received = Assert.Single(await Client.ReceiveAsync(queue));
        Assert.Equal(published.MessageId, received.MessageId);
        Assert.Equal("hello", TextOf(received));
        Assert.Equal("greeting", received.Attributes["kind"].StringValue);
        Assert.Equal(1, received.ReceiveCount);

        await Client.AckAsync(queue, received.ReceiptHandle!);
        Assert.Empty(await Client.PeekAsync(queue));
    }

    [Fact]
    public async Task Nack_WithDelay_RedeliveredOnlyAfterTheDelay()
    {
        var queue = await NewQueueAsync();
        await Client.PublishAsync(queue, new OutgoingMessage(Hello));
        var first = Assert.Single(await Client.ReceiveAsync(queue));

        await Client.NackAsync(queue, first.ReceiptHandle!, TimeSpan.FromSeconds(1));

        Assert.Empty(await Client.ReceiveAsync(queue, new ReceiveOptions { WaitTime = TimeSpan.Zero }));
        var again = Assert.Single(await ReceiveWhileAsync(queue, TimeSpan.FromSeconds(3)));
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(2, again.ReceiveCount);
    }

    [Fact]
    public async Task Nack_WithError_ErrorKeptWhenDeadLettered()
    {
        var dlq = await NewQueueAsync(prefix: "dlq");
        var queue = await NewQueueAsync(new QueueOptions { MaxReceiveCount = 1, DeadLetterQueue = dlq });
        var published = await Client.PublishAsync(queue, new OutgoingMessage(Hello));
        var delivery = Assert.Single(await Client.ReceiveAsync(queue));

        await Client.NackAsync(queue, delivery.ReceiptHandle!, lastError: "TimeoutException: the mail server did not answer");

        Assert.Empty(await Client.ReceiveAsync(queue, new ReceiveOptions { WaitTime = TimeSpan.Zero }));
        var dead = Assert.Single(await Client.PeekAsync(dlq));
        Assert.Equal(published.MessageId, dead.MessageId);
        Assert.Equal(queue, dead.DeadLetter!.SourceQueue);
        Assert.Equal("TimeoutException: the mail server did not answer", dead.DeadLetter.LastError);
    }

    [Fact]
    public async Task ExtendLease_BeforeItExpires_MessageNotRedelivered()
    {
        var queue = await NewQueueAsync();
        await Client.PublishAsync(queue, new OutgoingMessage(Hello));
        var delivery = Assert.Single(await Client.ReceiveAsync(queue, new ReceiveOptions { VisibilityTimeout = TimeSpan.FromSeconds(1) }));

        var until = await Client.ExtendLeaseAsync(queue, delivery.ReceiptHandle!, TimeSpan.FromMinutes(5));

        Assert.True(until > delivery.VisibleAt);
        Assert.Empty(await ReceiveWhileAsync(queue, TimeSpan.FromSeconds(3)));
        await Client.AckAsync(queue, delivery.ReceiptHandle!);
    }

    [Fact]
    public async Task Lease_Expired_RedeliveredAndTheStaleHandleRefused()
    {
        var queue = await NewQueueAsync();
        await Client.PublishAsync(queue, new OutgoingMessage(Hello));
        var first = Assert.Single(await Client.ReceiveAsync(queue, new ReceiveOptions { VisibilityTimeout = TimeSpan.FromSeconds(1) }));

        var second = Assert.Single(await ReceiveWhileAsync(queue, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(5)));

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.ReceiveCount);
        await ThrowsCodeAsync(ErrorCodes.ReceiptHandleStale, () => Client.AckAsync(queue, first.ReceiptHandle!).AsTask());
        await ThrowsCodeAsync(ErrorCodes.ReceiptHandleStale, () => Client.ExtendLeaseAsync(queue, first.ReceiptHandle!, TimeSpan.FromMinutes(1)).AsTask());
        await Client.AckAsync(queue, second.ReceiptHandle!);
        Assert.Empty(await Client.PeekAsync(queue));
    }

    // ---- Publishing: batches, auto-batching, order, dedup, back-pressure ----

    [Fact]
    public async Task PublishBatch_OneMessageTooLarge_NothingPublished()
    {
        var queue = await NewQueueAsync(new QueueOptions { MaxMessageSize = 1024 });

        await ThrowsCodeAsync(ErrorCodes.MessageTooLarge, () => Client.PublishBatchAsync(queue, [Text("a"), new OutgoingMessage(new byte[2048]), Text("c")]).AsTask());

        Assert.Empty(await Client.PeekAsync(queue));
    }

    [Fact]
    public async Task PublishBatch_ThreeMessages_ResultsInInputOrder()
    {
        var queue = await NewQueueAsync();

        var results = await Client.PublishBatchAsync(queue, [Text("a"), Text("b"), Text("c")]);

        var received = await Client.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = 10 });
        Assert.Equal(results.Select(r => r.MessageId), received.OrderBy(m => m.SequenceNumber).Select(m => m.MessageId));
        Assert.Equal(["a", "b", "c"], received.OrderBy(m => m.SequenceNumber).Select(TextOf));
    }

    [Fact]
    public async Task Publish_ManyConcurrentCallers_EachGetsItsOwnMessageId()
    {
        var queue = await NewQueueAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Client.PublishAsync(queue, Text($"m{i}")).AsTask()));

        Assert.Equal(300, results.Select(r => r.MessageId).Distinct().Count());
        var bodies = new Dictionary<Guid, string>();
        while (bodies.Count < 300)
        {
            var batch = await Client.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = 100 });
            Assert.NotEmpty(batch);
            foreach (var m in batch)
            {
                bodies.Add(m.MessageId, TextOf(m));
            }
        }

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal($"m{i}", bodies[results[i].MessageId]);
        }
    }

    [Fact]
    public async Task Publish_ConcurrentCallersOneTooLarge_OnlyThatCallerFails()
    {
        var queue = await NewQueueAsync(new QueueOptions { MaxMessageSize = 1024 });

        var calls = Enumerable.Range(0, 20).Select(i => Client.PublishAsync(queue, i == 7 ? new OutgoingMessage(new byte[2048]) : Text($"m{i}")).AsTask()).ToList();
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(calls));

        var failed = Assert.Single(calls, c => c.IsFaulted);
        Assert.Same(calls[7], failed);
        Assert.Equal(ErrorCodes.MessageTooLarge, Assert.IsType<SluiceException>(failed.Exception!.InnerException).ErrorCode);
        Assert.Equal(19, (await Client.GetQueueStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task Publish_FifoGroupSequentially_ReceivedInPublishOrder()
    {
        var queue = await NewQueueAsync(new QueueOptions { Fifo = true });
        for (var i = 0; i < 5; i++)
        {
            await Client.PublishAsync(queue, Text($"m{i}") with { MessageGroupId = "customer-1", DeduplicationId = $"d{i}" });
        }

        var order = new List<string>();
        while (order.Count < 5)
        {
            var delivery = Assert.Single(await Client.ReceiveAsync(queue));
            order.Add(TextOf(delivery));
            await Client.AckAsync(queue, delivery.ReceiptHandle!);
        }

        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], order);
    }

    [Fact]
    public async Task Publish_SameDeduplicationId_ReturnsTheOriginalId()
    {
        var queue = await NewQueueAsync();

        var first = await Client.PublishAsync(queue, Text("order 42") with { DeduplicationId = "order-42" });
        var again = await Client.PublishAsync(queue, Text("order 42 again") with { DeduplicationId = "order-42" });

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal("order 42", TextOf(Assert.Single(await Client.PeekAsync(queue))));
    }

    [Fact]
    public async Task Publish_OverflowRejectWhenFull_QueueFullAndNothingLost()
    {
        var queue = await NewQueueAsync(new QueueOptions { MaxLength = 5, OverflowPolicy = OverflowPolicy.Reject });

        var calls = Enumerable.Range(0, 8).Select(i => Client.PublishAsync(queue, Text($"m{i}")).AsTask()).ToList();
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(calls));

        var stored = calls.Where(c => c.IsCompletedSuccessfully).Select(c => c.Result.MessageId).ToHashSet();
        var refused = calls.Where(c => c.IsFaulted).Select(c => Assert.IsType<SluiceException>(c.Exception!.InnerException)).ToList();
        Assert.Equal(5, stored.Count);
        Assert.Equal(3, refused.Count);
        Assert.All(refused, e => Assert.Equal(ErrorCodes.QueueFull, e.ErrorCode));
        Assert.All(refused, e => Assert.True(e.IsTransient));
        var received = await Client.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = 10 });
        Assert.Equal(stored, received.Select(m => m.MessageId).ToHashSet());
    }

    // ---- Consume ----

    [Fact]
    public async Task Consume_Prefetch_NeverMoreUnsettledThanTheCredit()
    {
        var queue = await NewQueueAsync();
        await Client.PublishBatchAsync(queue, [.. Enumerable.Range(0, 5).Select(i => Text($"m{i}"))]);
        using var stop = new CancellationTokenSource();
        // Not 'await using': disposing while a MoveNextAsync is pending throws, which would hide a failed assertion.
        var consumer = Client.ConsumeAsync(queue, new ConsumeOptions { Prefetch = 2 }, stop.Token).GetAsyncEnumerator();

        Assert.True(await consumer.MoveNextAsync().AsTask().WaitAsync(RealTimeout));
        var first = consumer.Current;
        Assert.True(await consumer.MoveNextAsync().AsTask().WaitAsync(RealTimeout));
        var third = consumer.MoveNextAsync().AsTask();

        var stats = await Client.GetQueueStatsAsync(queue);
        Assert.Equal(2, stats.InFlight);
        Assert.Equal(3, stats.Ready);
        Assert.False(third.IsCompleted, "a third message was delivered while two were unsettled with a prefetch of 2");

        await Client.AckAsync(queue, first.ReceiptHandle!);
        Assert.True(await third.WaitAsync(RealTimeout));
        stats = await Client.GetQueueStatsAsync(queue);
        Assert.Equal(2, stats.InFlight);
        Assert.Equal(2, stats.Ready);

        var thirdMessage = consumer.Current;
        var fourth = consumer.MoveNextAsync().AsTask();
        await Client.NackAsync(queue, thirdMessage.ReceiptHandle!, TimeSpan.FromMinutes(10));
        Assert.True(await fourth.WaitAsync(RealTimeout));
        await stop.CancelAsync();
        await consumer.DisposeAsync();
    }

    [Fact]
    public async Task Consume_SettlingAnExpiredLease_RefusedButTheCreditComesBack()
    {
        var queue = await NewQueueAsync();
        await Client.PublishAsync(queue, Text("m0"));
        using var stop = new CancellationTokenSource();
        var consumer = Client.ConsumeAsync(queue, new ConsumeOptions { Prefetch = 1, VisibilityTimeout = TimeSpan.FromSeconds(1) }, stop.Token).GetAsyncEnumerator();
        Assert.True(await consumer.MoveNextAsync().AsTask().WaitAsync(RealTimeout));
        var late = consumer.Current;
        var next = consumer.MoveNextAsync().AsTask();

        var redelivered = Assert.Single(await ReceiveWhileAsync(queue, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(5)));
        Assert.Equal(late.MessageId, redelivered.MessageId);
        await Client.PublishAsync(queue, Text("m1"));
        Assert.Equal(1, (await Client.GetQueueStatsAsync(queue)).Ready);
        Assert.False(next.IsCompleted, "a second message was delivered while the first was unsettled with a prefetch of 1");
        await ThrowsCodeAsync(ErrorCodes.ReceiptHandleStale, () => Client.AckAsync(queue, late.ReceiptHandle!).AsTask());

        Assert.True(await next.WaitAsync(RealTimeout));
        Assert.Equal("m1", TextOf(consumer.Current));
        await stop.CancelAsync();
        await consumer.DisposeAsync();
    }

    [Fact]
    public async Task Consume_Cancelled_EndsWithoutAnError()
    {
        var queue = await NewQueueAsync();
        using var stop = new CancellationTokenSource();
        var delivered = new List<QueueMessage>();
        var firstSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = Task.Run(async () =>
        {
            await foreach (var message in Client.ConsumeAsync(queue, cancellationToken: stop.Token))
            {
                delivered.Add(message);
                await Client.AckAsync(queue, message.ReceiptHandle!);
                firstSettled.TrySetResult();
            }
        });
        await Client.PublishAsync(queue, new OutgoingMessage(Hello));
        await firstSettled.Task.WaitAsync(RealTimeout);
        Assert.False(loop.IsCompleted, "the consume loop ended before it was cancelled");

        await stop.CancelAsync();

        await loop.WaitAsync(RealTimeout);
        Assert.Single(delivered);
    }

    [Fact]
    public async Task Consume_MissingQueue_ThrowsQueueNotFound()
    {
        await ThrowsCodeAsync(ErrorCodes.QueueNotFound, async () =>
        {
            await foreach (var _ in Client.ConsumeAsync(NewName("missing")))
            {
            }
        });
    }

    // ---- Typed messages ----

    [Fact]
    public async Task TypedPublishReceive_RecordValue_RoundTrips()
    {
        var queue = await NewQueueAsync();
        var order = new OrderPlaced("o-42", 19.99m, ["book", "pen"]);

        var published = await Client.PublishAsync(queue, order, TestJson.Default.OrderPlaced, new PublishOptions { Priority = 3 });

        var received = Assert.Single(await Client.ReceiveAsync(queue, TestJson.Default.OrderPlaced));
        Assert.True(received.HasValue);
        Assert.Equal(order.Id, received.Value.Id);
        Assert.Equal(order.Total, received.Value.Total);
        Assert.Equal(order.Items, received.Value.Items);
        Assert.Equal(published.MessageId, received.Message.MessageId);
        Assert.Equal(3, received.Message.Priority);
    }

    [Fact]
    public async Task TypedReceive_BodyNotJson_DeliveredWithAClearError()
    {
        var queue = await NewQueueAsync();
        await Client.PublishAsync(queue, Text("not json"));

        var received = Assert.Single(await Client.ReceiveAsync(queue, TestJson.Default.OrderPlaced));

        Assert.False(received.HasValue);
        Assert.Equal(ErrorCodes.InvalidArgument, received.Error.ErrorCode);
        Assert.Equal("body", received.Error.Field);
        Assert.Contains(received.Message.MessageId.ToString(), received.Error.Message, StringComparison.Ordinal);
        var thrown = Assert.Throws<SluiceException>(() => received.Value);
        Assert.Same(received.Error, thrown);
        await Client.AckAsync(queue, received.ReceiptHandle!);
    }

    [Fact]
    public async Task TypedConsume_Values_DeliveredDeserialized()
    {
        var queue = await NewQueueAsync();
        await Client.PublishAsync(queue, new OrderPlaced("o-1", 1m, []), TestJson.Default.OrderPlaced);
        using var stop = new CancellationTokenSource(RealTimeout);

        await foreach (var received in Client.ConsumeAsync(queue, TestJson.Default.OrderPlaced, cancellationToken: stop.Token))
        {
            Assert.Equal("o-1", received.Value.Id);
            await Client.AckAsync(queue, received.ReceiptHandle!);
            break;
        }

        Assert.Empty(await Client.PeekAsync(queue));
    }

    // ---- Topics and streams ----

    [Fact]
    public async Task PublishToTopic_TwoSubscribedQueues_EachGetsACopy()
    {
        var topic = NewName("t");
        await Client.CreateTopicAsync(topic);
        var billing = await NewQueueAsync(prefix: "billing");
        var shipping = await NewQueueAsync(prefix: "shipping");
        await Client.SubscribeAsync(topic, billing);
        await Client.SubscribeAsync(topic, shipping, new SubscriptionOptions { RoutingKeyPattern = "orders.*" });

        var results = await Client.PublishToTopicAsync(topic, [new TopicMessage(Text("placed"), "orders.placed"), new TopicMessage(Text("refund"), "refunds.issued")]);

        Assert.Equal([2, 1], results.Select(r => r.Queues));
        Assert.Equal(["placed", "refund"], (await Client.ReceiveAsync(billing, new ReceiveOptions { MaxMessages = 10 })).OrderBy(m => m.SequenceNumber).Select(TextOf));
        Assert.Equal("placed", TextOf(Assert.Single(await Client.ReceiveAsync(shipping, new ReceiveOptions { MaxMessages = 10 }))));
        Assert.Equal(2, (await Client.ListSubscriptionsAsync(topic)).Count);
    }

    [Fact]
    public async Task Stream_AppendReadGroupAck_PendingCleared()
    {
        var stream = NewName("s");
        var first = await Client.StreamAppendAsync(stream, [StreamField.FromText("order", "1")]);
        var second = await Client.StreamAppendAsync(stream, [StreamField.FromText("order", "2")]);
        await Client.StreamCreateGroupAsync(stream, "billing", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue });

        var read = Assert.Single(await Client.StreamReadGroupAsync("billing", "worker-1", [StreamPosition.Undelivered(stream)]));

        Assert.Equal([first!.Value, second!.Value], read.Entries.Select(e => e.Id));
        Assert.Equal(2, await Client.StreamAckAsync(stream, "billing", [first.Value, second.Value]));
        var pending = Assert.Single(await Client.StreamReadGroupAsync("billing", "worker-1", [StreamPosition.After(stream, StreamEntryId.MinValue)]));
        Assert.Empty(pending.Entries);
        Assert.Equal(2, (await Client.GetStreamInfoAsync(stream)).Length);
    }

    // ---- Errors ----

    [Fact]
    public async Task GetQueue_Missing_ErrorCarriesTheStableCode()
    {
        var name = NewName("missing");

        var error = await ThrowsCodeAsync(ErrorCodes.QueueNotFound, () => Client.GetQueueAsync(name).AsTask());

        Assert.False(error.IsTransient);
        Assert.True(error.RequestSent);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ack_HandleOfAnotherQueue_ReceiptHandleInvalid()
    {
        var a = await NewQueueAsync();
        var b = await NewQueueAsync();
        await Client.PublishAsync(a, new OutgoingMessage(Hello));
        var delivery = Assert.Single(await Client.ReceiveAsync(a));

        await ThrowsCodeAsync(ErrorCodes.ReceiptHandleInvalid, () => Client.AckAsync(b, delivery.ReceiptHandle!).AsTask());
    }

    [Fact]
    public async Task Ack_ManyConcurrentWithOneForeignHandle_OnlyThatCallerFailsAndTheRestAreDeleted()
    {
        // Remote acks are auto-batched: concurrent acks share requests, yet each caller gets its own outcome.
        var queue = await NewQueueAsync();
        var other = await NewQueueAsync();
        await Client.PublishBatchAsync(queue, [.. Enumerable.Range(0, 50).Select(i => Text($"m{i}"))]);
        await Client.PublishAsync(other, new OutgoingMessage(Hello));
        var deliveries = await Client.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = 50 });
        Assert.Equal(50, deliveries.Count);
        var foreign = Assert.Single(await Client.ReceiveAsync(other));

        var acks = deliveries.Select(d => Client.AckAsync(queue, d.ReceiptHandle!).AsTask()).ToList();
        acks.Insert(25, Client.AckAsync(queue, foreign.ReceiptHandle!).AsTask());
        await Task.WhenAll(acks.Where((_, i) => i != 25));

        await ThrowsCodeAsync(ErrorCodes.ReceiptHandleInvalid, () => acks[25]);
        var stats = await Client.GetQueueStatsAsync(queue);
        Assert.Equal((0, 0), (stats.Ready, stats.InFlight));
    }
}

public sealed record OrderPlaced(string Id, decimal Total, IReadOnlyList<string> Items);

[JsonSerializable(typeof(OrderPlaced))]
internal sealed partial class TestJson : JsonSerializerContext;
