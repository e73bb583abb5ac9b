using System.Diagnostics;
using System.Text;

namespace Sluice.Storage.Conformance;

/// <summary>
/// The topic conformance suite every <see cref="ITopicStore"/> passes, driven through the public <see cref="Broker"/>
/// topic API on a fake clock: fan-out, routing-key patterns and filter policies, atomicity, counters, subscriptions'
/// life, and copies keeping their queue's rules. A store's test project subclasses it and implements
/// <see cref="CreateStore"/>; durable stores subclass <see cref="DurableTopicConformanceTests"/>, which adds restart
/// tests. xUnit builds a new instance per test.
/// </summary>
public abstract class TopicConformanceTests : IAsyncLifetime
{
    /// <summary>The fake clock's start: a fixed instant, so failures reproduce.</summary>
    protected static readonly DateTimeOffset StartTime = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private Broker? _broker;

    /// <summary>The fake clock shared by the broker and the store.</summary>
    protected ConformanceTimeProvider Time { get; } = new(StartTime);

    /// <summary>The broker under test (rebuilt by <see cref="RestartAsync"/>).</summary>
    protected Broker Broker => _broker ?? throw new InvalidOperationException("the broker is not started");

    /// <summary>Builds the store under test (it must implement <see cref="ITopicStore"/>); a durable store reopens the same data on every call within a test.</summary>
    protected abstract IQueueStore CreateStore(TimeProvider time);

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _broker = await StartBrokerAsync();

    /// <summary>Disposes the broker and the store. A subclass that overrides it calls the base first.</summary>
    public virtual Task DisposeAsync() => StopBrokerAsync();

    /// <summary>Disposes the broker (and the store) and starts a new one over a new store from <see cref="CreateStore"/>.</summary>
    protected async Task RestartAsync()
    {
        await StopBrokerAsync();
        _broker = await StartBrokerAsync();
    }

    private async Task StopBrokerAsync()
    {
        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync();
        }
    }

    private async Task<Broker> StartBrokerAsync()
    {
        var broker = new Broker(CreateStore(Time), new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, Time);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>A topic message with a UTF-8 body.</summary>
    protected static TopicMessage Msg(string body, string? routingKey = null, string? group = null, string? deduplicationId = null,
        params (string Name, MessageAttributeValue Value)[] attributes) =>
        new(new OutgoingMessage(Encoding.UTF8.GetBytes(body))
        {
            MessageGroupId = group,
            DeduplicationId = deduplicationId,
            Attributes = attributes.Length == 0 ? null : attributes.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal),
        }, routingKey);

    /// <summary>Bodies of a queue's messages in delivery order (peek).</summary>
    protected async Task<string[]> BodiesAsync(string queue) =>
        [.. (await Broker.PeekAsync(queue, 100)).Select(m => Encoding.UTF8.GetString(m.Body.Span))];

    /// <summary>Creates queues with default options.</summary>
    protected async Task QueuesAsync(params string[] names)
    {
        foreach (var name in names)
        {
            await Broker.CreateQueueAsync(name);
        }
    }

    private async Task<SluiceException> FailsAsync(Func<Task> action) => await Assert.ThrowsAsync<SluiceException>(action);

    [Fact]
    public async Task Publish_ThreeSubscriptions_EveryQueueGetsACopyWithTheSameId()
    {
        await QueuesAsync("a", "b", "c");
        await Broker.CreateTopicAsync("orders");
        foreach (var q in new[] { "a", "b", "c" })
        {
            await Broker.SubscribeAsync("orders", q);
        }

        var results = await Broker.PublishToTopicAsync("orders", [Msg("one"), Msg("two")]);

        Assert.All(results, r => Assert.Equal(3, r.Queues));
        foreach (var q in new[] { "a", "b", "c" })
        {
            var peeked = await Broker.PeekAsync(q, 10);
            Assert.Equal(["one", "two"], peeked.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
            Assert.Equal(results.Select(r => r.MessageId), peeked.Select(m => m.MessageId));
        }

        var topic = await Broker.GetTopicAsync("orders");
        Assert.Equal(new TopicCounters(2, 0, 6), topic.Counters);
        Assert.Equal(3, topic.SubscriptionCount);
    }

    [Fact]
    public async Task Publish_RoutingKeyPatterns_RouteEachMessageToTheMatchingQueues()
    {
        await QueuesAsync("eu", "all-orders", "everything", "paid");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "eu", new SubscriptionOptions { RoutingKeyPattern = "orders.eu" });
        await Broker.SubscribeAsync("t", "all-orders", new SubscriptionOptions { RoutingKeyPattern = "orders.#" });
        await Broker.SubscribeAsync("t", "everything");
        await Broker.SubscribeAsync("t", "paid", new SubscriptionOptions { RoutingKeyPattern = "*.*.paid" });

        var results = await Broker.PublishToTopicAsync("t", [Msg("1", "orders.eu"), Msg("2", "orders.us.paid"), Msg("3", "invoices"), Msg("4")]);

        Assert.Equal([3, 3, 1, 1], results.Select(r => r.Queues));
        Assert.Equal(["1"], await BodiesAsync("eu"));
        Assert.Equal(["1", "2"], await BodiesAsync("all-orders"));
        Assert.Equal(["1", "2", "3", "4"], await BodiesAsync("everything"));
        Assert.Equal(["2"], await BodiesAsync("paid"));
    }

    [Fact]
    public async Task Publish_FilterPolicies_RouteByAttributes()
    {
        await QueuesAsync("eu-big", "no-trace");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "eu-big", new SubscriptionOptions { FilterPolicy = """{"region": [{"prefix": "eu-"}], "total": [{"numeric": [">=", 100]}]}""" });
        await Broker.SubscribeAsync("t", "no-trace", new SubscriptionOptions { RoutingKeyPattern = "orders.*", FilterPolicy = """{"trace": [{"exists": false}]}""" });

        var results = await Broker.PublishToTopicAsync("t",
        [
            Msg("big-eu", "orders.eu", attributes: [("region", MessageAttributeValue.FromString("eu-west")), ("total", MessageAttributeValue.FromNumber("150"))]),
            Msg("small-eu", "orders.eu", attributes: [("region", MessageAttributeValue.FromString("eu-west")), ("total", MessageAttributeValue.FromNumber("5"))]),
            Msg("traced", "orders.us", attributes: [("trace", MessageAttributeValue.FromString("abc"))]),
            Msg("wrong-key", "invoices.us"),
        ]);

        Assert.Equal([2, 1, 0, 0], results.Select(r => r.Queues));
        Assert.Equal(["big-eu"], await BodiesAsync("eu-big"));
        Assert.Equal(["big-eu", "small-eu"], await BodiesAsync("no-trace"));
        Assert.Equal(new TopicCounters(4, 2, 3), (await Broker.GetTopicAsync("t")).Counters);
    }

    [Fact]
    public async Task Publish_NoSubscriptions_IsAcceptedAndCountedAsUnrouted()
    {
        await Broker.CreateTopicAsync("t");

        var results = await Broker.PublishToTopicAsync("t", [Msg("a"), Msg("b")]);

        Assert.All(results, r => Assert.Equal(0, r.Queues));
        Assert.NotEqual(results[0].MessageId, results[1].MessageId);
        Assert.Equal(new TopicCounters(2, 2, 0), (await Broker.GetTopicAsync("t")).Counters);
    }

    [Fact]
    public async Task Publish_OneQueueFullUnderReject_PublishesNothingAnywhere()
    {
        await Broker.CreateQueueAsync("roomy");
        await Broker.CreateQueueAsync("small", new QueueOptions { MaxLength = 1 });
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "roomy");
        await Broker.SubscribeAsync("t", "small");
        await Broker.PublishToTopicAsync("t", [Msg("first")]);

        var ex = await FailsAsync(() => Broker.PublishToTopicAsync("t", [Msg("second")]).AsTask());

        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Equal(["first"], await BodiesAsync("roomy"));
        Assert.Equal(["first"], await BodiesAsync("small"));
        Assert.Equal(new TopicCounters(1, 0, 2), (await Broker.GetTopicAsync("t")).Counters);
    }

    [Theory]
    [InlineData("xa", "xb")]
    [InlineData("yb", "ya")]
    public async Task Publish_OneSubscriptionQueueIsAnothersOverflowDeadLetterQueue_EveryCopyJudgedAgainstTheQueuesBefore(string source, string dlq)
    {
        // The dead-letter queue sorts after the source in one case and before it in the other: the outcome is the same.
        await Broker.CreateQueueAsync(dlq, new QueueOptions { MaxLength = 1 });
        await Broker.CreateQueueAsync(source, new QueueOptions { MaxLength = 1, OverflowPolicy = OverflowPolicy.DeadLetterHead, DeadLetterQueue = dlq });
        await Broker.PublishAsync(source, new OutgoingMessage(Encoding.UTF8.GetBytes("pre")));
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", source);
        await Broker.SubscribeAsync("t", dlq);

        var result = Assert.Single(await Broker.PublishToTopicAsync("t", [Msg("hello")]));

        // The dead-letter queue had room for the copy before this publish; the overflow move into it ignores its limit.
        Assert.Equal(2, result.Queues);
        Assert.Equal(["hello"], await BodiesAsync(source));
        Assert.Equal(["hello", "pre"], (await BodiesAsync(dlq)).Order(StringComparer.Ordinal));
        Assert.Equal(new TopicCounters(1, 0, 2), (await Broker.GetTopicAsync("t")).Counters);
    }

    [Fact]
    public async Task Publish_FifoSubscriptionAndNoMessageGroup_PublishesNothingAnywhere()
    {
        await Broker.CreateQueueAsync("plain");
        await Broker.CreateQueueAsync("ordered.fifo", new QueueOptions { Fifo = true, ContentBasedDeduplication = true });
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "plain");
        await Broker.SubscribeAsync("t", "ordered.fifo");

        var ex = await FailsAsync(() => Broker.PublishToTopicAsync("t", [Msg("grouped", group: "g"), Msg("loose")]).AsTask());

        Assert.Equal(ErrorCodes.InvalidArgument, ex.ErrorCode);
        Assert.Contains("ordered.fifo", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await BodiesAsync("plain"));
        Assert.Empty(await BodiesAsync("ordered.fifo"));
        Assert.Equal(new TopicCounters(0, 0, 0), (await Broker.GetTopicAsync("t")).Counters);

        // With a group on every message it goes through, in order, under content-based deduplication.
        var ok = await Broker.PublishToTopicAsync("t", [Msg("x", group: "g"), Msg("y", group: "g")]);
        Assert.Equal([2, 2], ok.Select(r => r.Queues));
        Assert.Equal(["x", "y"], await BodiesAsync("ordered.fifo"));
    }

    [Fact]
    public async Task Publish_DeduplicationId_IsRememberedPerQueue()
    {
        await QueuesAsync("a", "b");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "a");
        var first = await Broker.PublishToTopicAsync("t", [Msg("one", deduplicationId: "d1")]);
        await Broker.SubscribeAsync("t", "b");

        var again = await Broker.PublishToTopicAsync("t", [Msg("one again", deduplicationId: "d1")]);

        // Queue a saw d1 already (a duplicate, not counted); queue b had not.
        Assert.Equal(1, again[0].Queues);
        Assert.Equal(["one"], await BodiesAsync("a"));
        Assert.Equal(["one again"], await BodiesAsync("b"));
        Assert.Equal(new TopicCounters(2, 0, 2), (await Broker.GetTopicAsync("t")).Counters);

        // The retry reports the original id, and the copy new in b carries it too: every copy of a message has one id.
        Assert.True(again[0].Duplicate);
        Assert.False(first[0].Duplicate);
        Assert.Equal(first[0].MessageId, again[0].MessageId);
        Assert.Equal(first[0].MessageId, Assert.Single(await Broker.PeekAsync("b", 10)).MessageId);
    }

    [Fact]
    public async Task Publish_RetryWithTheSameDeduplicationId_ReportsTheOriginalIdAndDuplicate()
    {
        await QueuesAsync("d1", "d2");
        await Broker.CreateTopicAsync("dd");
        await Broker.SubscribeAsync("dd", "d1");
        await Broker.SubscribeAsync("dd", "d2");
        var first = Assert.Single(await Broker.PublishToTopicAsync("dd", [Msg("dup", deduplicationId: "X")]));

        var again = await Broker.PublishToTopicAsync("dd", [Msg("dup", deduplicationId: "X"), Msg("fresh", deduplicationId: "Y")]);

        Assert.Equal(new TopicPublishResult(first.MessageId, 0) { Duplicate = true }, again[0]);
        Assert.Equal(2, again[1].Queues);
        Assert.False(again[1].Duplicate);
        Assert.NotEqual(first.MessageId, again[1].MessageId);
        foreach (var q in new[] { "d1", "d2" })
        {
            Assert.Equal([first.MessageId, again[1].MessageId], (await Broker.PeekAsync(q, 10)).Select(m => m.MessageId));
        }

        Assert.Equal(new TopicCounters(3, 0, 4), (await Broker.GetTopicAsync("dd")).Counters);
    }

    [Fact]
    public async Task Publish_CopyDeadLetters_IntoItsSubscriptionQueuesDeadLetterQueue()
    {
        await Broker.CreateQueueAsync("a-dlq");
        await Broker.CreateQueueAsync("a", new QueueOptions { MaxReceiveCount = 1, DeadLetterQueue = "a-dlq" });
        await Broker.CreateQueueAsync("b");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "a");
        await Broker.SubscribeAsync("t", "b");
        var id = (await Broker.PublishToTopicAsync("t", [Msg("job")]))[0].MessageId;

        var received = Assert.Single(await Broker.ReceiveAsync("a", new ReceiveOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) }));
        await Broker.NackAsync("a", received.ReceiptHandle!, error: "boom");

        var dead = Assert.Single(await Broker.PeekAsync("a-dlq", 10));
        Assert.Equal(id, dead.MessageId);
        Assert.Equal("job", Encoding.UTF8.GetString(dead.Body.Span));
        Assert.Equal("a", dead.DeadLetter!.SourceQueue);
        Assert.Empty(await BodiesAsync("a"));
        Assert.Equal(["job"], await BodiesAsync("b"));
    }

    [Fact]
    public async Task Publish_CopiesKeepTheirQueuesDelayAndPriority()
    {
        await Broker.CreateQueueAsync("slow", new QueueOptions { DeliveryDelay = TimeSpan.FromSeconds(30) });
        await Broker.CreateQueueAsync("fast");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "slow");
        await Broker.SubscribeAsync("t", "fast");
        await Broker.PublishToTopicAsync("t", [Msg("low"), new TopicMessage(new OutgoingMessage(Encoding.UTF8.GetBytes("high")) { Priority = 9 })]);

        Assert.Empty(await Broker.ReceiveAsync("slow"));
        Assert.Equal(["high", "low"], (await Broker.ReceiveAsync("fast", new ReceiveOptions { MaxMessages = 10 })).Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, (await Broker.ReceiveAsync("slow", new ReceiveOptions { MaxMessages = 10 })).Count);
    }

    [Fact]
    public async Task Publish_AckOneCopy_TheOtherKeepsItsBody()
    {
        await QueuesAsync("a", "b");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "a");
        await Broker.SubscribeAsync("t", "b");
        await Broker.PublishToTopicAsync("t", [Msg("shared body")]);

        var a = Assert.Single(await Broker.ReceiveAsync("a"));
        await Broker.AckAsync("a", a.ReceiptHandle!);

        var b = Assert.Single(await Broker.ReceiveAsync("b"));
        Assert.Equal("shared body", Encoding.UTF8.GetString(b.Body.Span));
        await Broker.AckAsync("b", b.ReceiptHandle!);
        Assert.Equal(0, (await Broker.GetStatsAsync("b")).Ready);
    }

    [Fact]
    public async Task Publish_WakesAReceiverWaitingOnASubscriptionQueue()
    {
        await QueuesAsync("a");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "a");
        var waiting = Broker.ReceiveAsync("a", new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        var watch = Stopwatch.StartNew();
        while (Broker.GetWaitingReceiverCount("a") == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the receiver never started waiting (10 s, real time)");
            await Task.Delay(1);
        }

        await Broker.PublishToTopicAsync("t", [Msg("wake")]);

        var got = Assert.Single(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("wake", Encoding.UTF8.GetString(got.Body.Span));
    }

    [Fact]
    public async Task Subscribe_PastTheLimit_IsRefusedAndChangesNothing()
    {
        await Broker.CreateTopicAsync("t");
        for (var i = 0; i <= TopicRules.MaxSubscriptionsPerTopic; i++)
        {
            await Broker.CreateQueueAsync($"q{i}");
        }

        for (var i = 0; i < TopicRules.MaxSubscriptionsPerTopic; i++)
        {
            await Broker.SubscribeAsync("t", $"q{i}");
        }

        var e = await Assert.ThrowsAsync<SluiceException>(() => Broker.SubscribeAsync("t", $"q{TopicRules.MaxSubscriptionsPerTopic}").AsTask());
        Assert.Equal(ErrorCodes.SubscriptionLimitExceeded, e.ErrorCode);
        Assert.Equal(TopicRules.MaxSubscriptionsPerTopic, (await Broker.ListSubscriptionsAsync("t")).Count);

        // Subscribing an already subscribed queue again with equal options still answers the subscription.
        Assert.Equal("q0", (await Broker.SubscribeAsync("t", "q0")).Queue);
    }

    [Fact]
    public async Task Subscribe_Again_EqualOptionsReturnTheSubscription_OtherOptionsConflict()
    {
        await QueuesAsync("a");
        await Broker.CreateTopicAsync("t");
        var options = new SubscriptionOptions { RoutingKeyPattern = "orders.#", FilterPolicy = """{"r": ["eu"]}""" };
        var first = await Broker.SubscribeAsync("t", "a", options);

        var again = await Broker.SubscribeAsync("t", "a", options with { FilterPolicy = """{ "r" : [ "eu" ] }""" });
        var ex = await FailsAsync(() => Broker.SubscribeAsync("t", "a", options with { RoutingKeyPattern = "orders.*" }).AsTask());

        Assert.Equal(first, again);
        Assert.Equal("""{"r":["eu"]}""", first.Options.FilterPolicy);
        Assert.Equal(ErrorCodes.SubscriptionAlreadyExists, ex.ErrorCode);
        Assert.Equal(first, Assert.Single(await Broker.ListSubscriptionsAsync("t")));
    }

    [Fact]
    public async Task Subscribe_PolicyOfNonAsciiWithinTheLimitAsSent_IsStoredUnescapedAndRoutes()
    {
        await QueuesAsync("q");
        await Broker.CreateTopicAsync("t");
        var emoji = string.Concat(Enumerable.Repeat("😀", 4_000));
        var policy = $$"""{"mood":["{{emoji}}"]}""";

        var subscription = await Broker.SubscribeAsync("t", "q", new SubscriptionOptions { FilterPolicy = policy });

        Assert.Equal(policy, subscription.Options.FilterPolicy);
        Assert.Equal(policy, Assert.Single(await Broker.ListSubscriptionsAsync("t")).Options.FilterPolicy);
        var result = await Broker.PublishToTopicAsync("t", [Msg("happy", attributes: ("mood", MessageAttributeValue.FromString(emoji)))]);
        Assert.Equal(1, result[0].Queues);
    }

    [Fact]
    public async Task Subscribe_AgainWithTheSamePolicySpelledDifferently_ReturnsTheSubscription()
    {
        await QueuesAsync("q");
        await Broker.CreateTopicAsync("t");
        var first = await Broker.SubscribeAsync("t", "q", new SubscriptionOptions { FilterPolicy = """{"b":["x"],"a":[1e9]}""" });

        var again = await Broker.SubscribeAsync("t", "q", new SubscriptionOptions { FilterPolicy = """{ "a": [1000000000.0], "b": ["x"] }""" });

        Assert.Equal(first, again);
        Assert.Equal("""{"a":[1000000000],"b":["x"]}""", again.Options.FilterPolicy);
    }

    [Fact]
    public async Task Subscribe_MissingQueueOrTopicOrBadFilter_IsRefusedAndChangesNothing()
    {
        await QueuesAsync("a");
        await Broker.CreateTopicAsync("t");

        Assert.Equal(ErrorCodes.QueueNotFound, (await FailsAsync(() => Broker.SubscribeAsync("t", "nope").AsTask())).ErrorCode);
        Assert.Equal(ErrorCodes.TopicNotFound, (await FailsAsync(() => Broker.SubscribeAsync("nope", "a").AsTask())).ErrorCode);
        var bad = await FailsAsync(() => Broker.SubscribeAsync("t", "a", new SubscriptionOptions { RoutingKeyPattern = "orders*" }).AsTask());
        Assert.Equal("routingKeyPattern", bad.Field);
        var badPolicy = await FailsAsync(() => Broker.SubscribeAsync("t", "a", new SubscriptionOptions { FilterPolicy = """{"r": "eu"}""" }).AsTask());
        Assert.Equal("filterPolicy.r", badPolicy.Field);
        Assert.Equal(ErrorCodes.InvalidTopicName, (await FailsAsync(() => Broker.CreateTopicAsync("bad name").AsTask())).ErrorCode);

        Assert.Empty(await Broker.ListSubscriptionsAsync("t"));
        Assert.Equal(["t"], (await Broker.ListTopicsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task Unsubscribe_StopsDelivery_AndKeepsCopiesAlreadyDelivered()
    {
        await QueuesAsync("a", "b");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "a");
        await Broker.SubscribeAsync("t", "b");
        await Broker.PublishToTopicAsync("t", [Msg("before")]);

        await Broker.UnsubscribeAsync("t", "a");
        await Broker.PublishToTopicAsync("t", [Msg("after")]);

        Assert.Equal(["before"], await BodiesAsync("a"));
        Assert.Equal(["before", "after"], await BodiesAsync("b"));
        Assert.Equal(ErrorCodes.SubscriptionNotFound, (await FailsAsync(() => Broker.UnsubscribeAsync("t", "a").AsTask())).ErrorCode);
        Assert.Equal(ErrorCodes.SubscriptionNotFound, (await FailsAsync(() => Broker.GetSubscriptionAsync("t", "a").AsTask())).ErrorCode);
        Assert.Equal("b", (await Broker.GetSubscriptionAsync("t", "b")).Queue);
    }

    [Fact]
    public async Task DeleteQueue_RemovesItsSubscriptions()
    {
        await QueuesAsync("a", "b");
        await Broker.CreateTopicAsync("t1");
        await Broker.CreateTopicAsync("t2");
        await Broker.SubscribeAsync("t1", "a");
        await Broker.SubscribeAsync("t1", "b");
        await Broker.SubscribeAsync("t2", "a");

        await Broker.DeleteQueueAsync("a");

        Assert.Equal(["b"], (await Broker.ListSubscriptionsAsync("t1")).Select(s => s.Queue));
        Assert.Empty(await Broker.ListSubscriptionsAsync("t2"));
        Assert.Equal(1, (await Broker.PublishToTopicAsync("t1", [Msg("x")]))[0].Queues);

        // A new queue of the same name is not subscribed.
        await QueuesAsync("a");
        Assert.Equal(0, (await Broker.PublishToTopicAsync("t2", [Msg("y")]))[0].Queues);
        Assert.Empty(await BodiesAsync("a"));
    }

    [Fact]
    public async Task DeleteTopic_RemovesSubscriptionsButKeepsQueuesAndTheirMessages()
    {
        await QueuesAsync("a");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "a");
        await Broker.PublishToTopicAsync("t", [Msg("kept")]);

        await Broker.DeleteTopicAsync("t");

        Assert.Equal(ErrorCodes.TopicNotFound, (await FailsAsync(() => Broker.GetTopicAsync("t").AsTask())).ErrorCode);
        Assert.Equal(ErrorCodes.TopicNotFound, (await FailsAsync(() => Broker.PublishToTopicAsync("t", [Msg("x")]).AsTask())).ErrorCode);
        Assert.Equal(ErrorCodes.TopicNotFound, (await FailsAsync(() => Broker.DeleteTopicAsync("t").AsTask())).ErrorCode);
        Assert.Equal(["kept"], await BodiesAsync("a"));

        // A new topic of the same name starts empty.
        var again = await Broker.CreateTopicAsync("t");
        Assert.Equal(new TopicCounters(0, 0, 0), again.Counters);
        Assert.Equal(0, again.SubscriptionCount);
    }

    [Fact]
    public async Task CreateTopic_Twice_ReturnsTheSameTopic_ListIsOrderedByName()
    {
        var first = await Broker.CreateTopicAsync("b");
        await Broker.CreateTopicAsync("a");

        Assert.Equal(first, await Broker.CreateTopicAsync("b"));
        Assert.Equal(["a", "b"], (await Broker.ListTopicsAsync()).Select(t => t.Name));
        Assert.Equal(StartTime, first.CreatedAt);
    }

    [Fact]
    public async Task Publish_BadRoutingKeyOrBatch_IsRefusedBeforeTheStore()
    {
        await Broker.CreateTopicAsync("t");

        Assert.Equal("routingKey", (await FailsAsync(() => Broker.PublishToTopicAsync("t", [Msg("x", "orders.*")]).AsTask())).Field);
        Assert.Equal(ErrorCodes.InvalidArgument, (await FailsAsync(() => Broker.PublishToTopicAsync("t", []).AsTask())).ErrorCode);
        Assert.Equal(new TopicCounters(0, 0, 0), (await Broker.GetTopicAsync("t")).Counters);
    }

    [Fact]
    public async Task Publish_TooLargeForOneSubscriptionQueue_PublishesNothing()
    {
        await Broker.CreateQueueAsync("big");
        await Broker.CreateQueueAsync("tiny", new QueueOptions { MaxMessageSize = 4 });
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "big");
        await Broker.SubscribeAsync("t", "tiny");

        var ex = await FailsAsync(() => Broker.PublishToTopicAsync("t", [Msg("too long")]).AsTask());

        Assert.Equal(ErrorCodes.MessageTooLarge, ex.ErrorCode);
        Assert.Empty(await BodiesAsync("big"));
    }
}

/// <summary>
/// The topic suite for durable stores: everything in <see cref="TopicConformanceTests"/> plus restart tests.
/// <see cref="TopicConformanceTests.CreateStore"/> must reopen the same data on every call within one test.
/// </summary>
public abstract class DurableTopicConformanceTests : TopicConformanceTests
{
    [Fact]
    public async Task Restart_TopicsSubscriptionsCountersAndSharedBodies_Survive()
    {
        await QueuesAsync("a", "b");
        await Broker.CreateTopicAsync("t");
        await Broker.CreateTopicAsync("empty");
        var sa = await Broker.SubscribeAsync("t", "a", new SubscriptionOptions { RoutingKeyPattern = "orders.#", FilterPolicy = """{"r": [{"prefix": "eu"}]}""" });
        var sb = await Broker.SubscribeAsync("t", "b");
        var eu = MessageAttributeValue.FromString("eu-west");
        await Broker.PublishToTopicAsync("t", [Msg("both", "orders.x", attributes: [("r", eu)]), Msg("b only", "invoices")]);
        await Broker.PublishToTopicAsync("empty", [Msg("nobody")]);

        await RestartAsync();

        Assert.Equal(["empty", "t"], (await Broker.ListTopicsAsync()).Select(t => t.Name));
        var t = await Broker.GetTopicAsync("t");
        Assert.Equal(new TopicCounters(2, 0, 3), t.Counters);
        Assert.Equal(new TopicCounters(1, 1, 0), (await Broker.GetTopicAsync("empty")).Counters);
        Assert.Equal(StartTime, t.CreatedAt);
        Assert.Equal([sa, sb], await Broker.ListSubscriptionsAsync("t"));
        Assert.Equal(["both"], await BodiesAsync("a"));
        Assert.Equal(["both", "b only"], await BodiesAsync("b"));

        // The filters still route after the restart.
        var again = await Broker.PublishToTopicAsync("t", [Msg("eu", "orders.y", attributes: [("r", eu)]), Msg("us", "orders.y")]);
        Assert.Equal([2, 1], again.Select(r => r.Queues));

        // Ack one copy of the shared body, restart, and the other copy still reads it.
        var a = Assert.Single(await Broker.ReceiveAsync("a"));
        await Broker.AckAsync("a", a.ReceiptHandle!);
        await RestartAsync();
        Assert.Equal(["both", "b only", "eu", "us"], await BodiesAsync("b"));
    }

    [Fact]
    public async Task Restart_DeletedQueuesSubscriptionsStayDeleted()
    {
        await QueuesAsync("a", "b");
        await Broker.CreateTopicAsync("t");
        await Broker.SubscribeAsync("t", "a");
        await Broker.SubscribeAsync("t", "b");
        await Broker.DeleteQueueAsync("a");

        await RestartAsync();

        Assert.Equal(["b"], (await Broker.ListSubscriptionsAsync("t")).Select(s => s.Queue));
        Assert.Equal(1, (await Broker.GetTopicAsync("t")).SubscriptionCount);
    }
}
