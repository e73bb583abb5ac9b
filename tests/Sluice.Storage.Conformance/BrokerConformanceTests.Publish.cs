using System.Text;

namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Publish_OneMessage_ReceivedWithItsIdBodyAndSystemAttributes()
    {
        await CreateQueueAsync("jobs");

        var result = await Broker.PublishAsync("jobs", Message("hello"));

        Assert.False(result.Duplicate);
        Assert.NotEqual(Guid.Empty, result.MessageId);
        Assert.Equal(7, result.MessageId.Version);
        var m = await ReceiveOneAsync("jobs");
        Assert.Equal(result.MessageId, m.MessageId);
        Assert.Equal("hello", Text(m));
        Assert.Empty(m.Attributes);
        Assert.Equal(0, m.Priority);
        Assert.Equal(StartTime, m.SentAt);
        Assert.Null(m.DeduplicationId);
        Assert.Null(m.DeadLetter);
    }

    [Fact]
    public async Task Publish_SeveralMessages_IdsAreUniqueAndTimeOrdered()
    {
        await CreateQueueAsync("jobs");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await PublishAsync("jobs", $"m{i}"));
            Advance(TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.OrderBy(id => id.ToString("N"), StringComparer.Ordinal), ids);
    }

    [Fact]
    public async Task PublishBatch_SeveralMessages_AllStoredInOrder()
    {
        await CreateQueueAsync("jobs");

        var results = await Broker.PublishBatchAsync("jobs", [Message("a"), Message("b"), Message("c")]);

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.False(r.Duplicate));
        Assert.Equal(3, results.Select(r => r.MessageId).Distinct().Count());
        var received = await ReceiveAsync("jobs", 10);
        Assert.Equal(["a", "b", "c"], received.Select(Text));
        Assert.Equal(results.Select(r => r.MessageId), received.Select(m => m.MessageId));
    }

    [Fact]
    public async Task PublishBatch_OneOversizedBody_StoresNothing()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxMessageSize = 10 });

        var ex = await AssertErrorAsync(ErrorCodes.MessageTooLarge,
            () => Broker.PublishBatchAsync("jobs", [Message("small"), Message("eleven byte"), Message("ok")]).AsTask());

        Assert.Equal("messages[1].body", ex.Field);
        Assert.Empty(await PeekAsync("jobs"));
        Assert.Equal(0, (await StatsAsync("jobs")).Ready);
    }

    [Fact]
    public async Task Publish_BodyOfExactlyMaxMessageSize_Accepted()
    {
        await CreateQueueAsync("jobs", new QueueOptions { MaxMessageSize = 10 });

        await PublishAsync("jobs", "ten bytes!");

        Assert.Equal("ten bytes!", Text(await ReceiveOneAsync("jobs")));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(-1)]
    public async Task PublishBatch_OneBadPriority_StoresNothing(int priority)
    {
        await CreateQueueAsync("jobs");

        await AssertInvalidAsync("messages[1].priority",
            () => Broker.PublishBatchAsync("jobs", [Message("a"), Message("b", priority), Message("c")]).AsTask());

        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task PublishBatch_EmptyOrTooLarge_ThrowsInvalidArgument()
    {
        await CreateQueueAsync("jobs");

        await AssertInvalidAsync("messages", () => Broker.PublishBatchAsync("jobs", []).AsTask());
        await AssertInvalidAsync("messages",
            () => Broker.PublishBatchAsync("jobs", [.. Enumerable.Range(0, Broker.Options.MaxBatchSize + 1).Select(i => Message($"m{i}"))]).AsTask());

        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Publish_BinaryBody_RoundTripsEveryByte()
    {
        await CreateQueueAsync("jobs");
        var body = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Encoding.UTF8.GetBytes("\0tail\uFFFD")).ToArray();

        await Broker.PublishAsync("jobs", new OutgoingMessage(body));

        var m = await ReceiveOneAsync("jobs");
        Assert.Equal(body, m.Body.ToArray());
        Assert.Equal(body, Assert.Single(await PeekAsync("jobs")).Body.ToArray());
    }

    [Fact]
    public async Task Publish_EmptyBody_RoundTripsAsEmpty()
    {
        await CreateQueueAsync("jobs");

        await Broker.PublishAsync("jobs", new OutgoingMessage(ReadOnlyMemory<byte>.Empty));

        Assert.Equal(0, (await ReceiveOneAsync("jobs")).Body.Length);
    }

    [Fact]
    public async Task Publish_Attributes_RoundTripEveryType()
    {
        await CreateQueueAsync("jobs");
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["text"] = MessageAttributeValue.FromString("héllo wörld"),
            ["emptyText"] = MessageAttributeValue.FromString(""),
            ["number"] = MessageAttributeValue.FromNumber("-12.50e3"),
            ["bytes"] = MessageAttributeValue.FromBinary(new byte[] { 0, 1, 254, 255 }),
            ["json"] = new("String.json", "{\"a\":1}"),
            ["trace.parent"] = MessageAttributeValue.FromString("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        };

        await Broker.PublishAsync("jobs", new OutgoingMessage(Encoding.UTF8.GetBytes("x")) { Attributes = attributes });

        foreach (var m in new[] { Assert.Single(await PeekAsync("jobs")), await ReceiveOneAsync("jobs") })
        {
            Assert.Equal(attributes.Count, m.Attributes.Count);
            foreach (var (name, value) in attributes)
            {
                Assert.True(m.Attributes.TryGetValue(name, out var actual), $"attribute '{name}' is missing");
                Assert.Equal(value, actual);
            }
        }
    }

    [Fact]
    public async Task Publish_InvalidAttributes_ThrowsInvalidArgumentAndStoresNothing()
    {
        await CreateQueueAsync("jobs");
        var tooMany = Enumerable.Range(0, Validation.MaxAttributes + 1).ToDictionary(i => $"a{i}", _ => MessageAttributeValue.FromString("v"));

        await AssertErrorAsync(ErrorCodes.InvalidArgument,
            () => Broker.PublishAsync("jobs", new OutgoingMessage(new byte[1]) { Attributes = tooMany }).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.PublishAsync("jobs", new OutgoingMessage(new byte[1])
        {
            Attributes = new Dictionary<string, MessageAttributeValue> { ["n"] = MessageAttributeValue.FromNumber("twelve") },
        }).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.PublishAsync("jobs", new OutgoingMessage(new byte[1])
        {
            Attributes = new Dictionary<string, MessageAttributeValue> { ["x"] = new("Date", "2026") },
        }).AsTask());

        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Receive_MixedPriorities_HighestFirstThenPublishOrder()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "p0-first", 0);
        await PublishAsync("jobs", "p5-first", 5);
        await PublishAsync("jobs", "p9", 9);
        await PublishAsync("jobs", "p5-second", 5);
        await PublishAsync("jobs", "p0-second", 0);
        await PublishAsync("jobs", "p5-third", 5);

        var batch = await ReceiveAsync("jobs", 2);
        var rest = await ReceiveAsync("jobs", 10);

        Assert.Equal(["p9", "p5-first"], batch.Select(Text));
        Assert.Equal(["p5-second", "p5-third", "p0-first", "p0-second"], rest.Select(Text));
        Assert.Equal([9, 5], batch.Select(m => m.Priority));
    }

    [Fact]
    public async Task Receive_ManyMessagesSamePriority_DeliveredInPublishOrder()
    {
        await CreateQueueAsync("jobs");
        var bodies = Enumerable.Range(0, 50).Select(i => $"m{i:D2}").ToList();
        foreach (var chunk in bodies.Chunk(7))
        {
            await Broker.PublishBatchAsync("jobs", [.. chunk.Select(b => Message(b))]);
        }

        var received = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            received.AddRange((await ReceiveAsync("jobs", 5)).Select(Text));
        }

        Assert.Equal(bodies, received);
    }

    [Fact]
    public async Task Publish_WithDelay_InvisibleUntilTheDelayPassed()
    {
        await CreateQueueAsync("jobs");

        await PublishAsync("jobs", "later", delay: TimeSpan.FromSeconds(10));

        await AssertNothingToReceiveAsync("jobs");
        var peeked = Assert.Single(await PeekAsync("jobs"));
        Assert.Equal(MessageState.Delayed, peeked.State);
        Assert.Equal(StartTime + TimeSpan.FromSeconds(10), peeked.VisibleAt);
        var stats = await StatsAsync("jobs");
        Assert.Equal((0, 1), (stats.Ready, stats.Delayed));
        Advance(TimeSpan.FromSeconds(9));
        await AssertNothingToReceiveAsync("jobs");
        Advance(TimeSpan.FromSeconds(1));
        var m = await ReceiveOneAsync("jobs");
        Assert.Equal("later", Text(m));
        Assert.Equal(StartTime, m.SentAt);
    }

    [Fact]
    public async Task Publish_QueueDeliveryDelay_AppliesWhenTheMessageHasNoDelay()
    {
        await CreateQueueAsync("jobs", new QueueOptions { DeliveryDelay = TimeSpan.FromSeconds(30) });

        await PublishAsync("jobs", "default delay");
        await PublishAsync("jobs", "explicit zero", delay: TimeSpan.Zero);

        Assert.Equal("explicit zero", Text(await ReceiveOneAsync("jobs")));
        await AssertNothingToReceiveAsync("jobs");
        Advance(TimeSpan.FromSeconds(29));
        await AssertNothingToReceiveAsync("jobs");
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("default delay", Text(await ReceiveOneAsync("jobs")));
    }

    [Fact]
    public async Task Publish_DelayedHighPriority_DoesNotBlockReadyLowerPriority()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "urgent but later", 9, TimeSpan.FromMinutes(1));
        await PublishAsync("jobs", "now", 0);

        Assert.Equal("now", Text(await ReceiveOneAsync("jobs")));
        Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("urgent but later", Text(await ReceiveOneAsync("jobs")));
    }

    [Fact]
    public async Task Publish_DelayOutOfRange_ThrowsInvalidArgument()
    {
        await CreateQueueAsync("jobs");

        await AssertInvalidAsync("message.delay", () => PublishAsync("jobs", "x", delay: TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1)));
        await AssertInvalidAsync("message.delay", () => PublishAsync("jobs", "x", delay: TimeSpan.FromSeconds(-1)));

        Assert.Empty(await PeekAsync("jobs"));
    }
}
