namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    /// <summary>Options with every value set away from its default (needs a queue named <c>dlq</c>).</summary>
    protected static QueueOptions FullOptions => new()
    {
        VisibilityTimeout = TimeSpan.FromSeconds(45),
        DeliveryDelay = TimeSpan.FromSeconds(7),
        RetentionPeriod = TimeSpan.FromDays(2),
        MaxMessageSize = 2048,
        MaxReceiveCount = 4,
        DeadLetterQueue = "dlq",
        MaxLength = 500,
        MaxLengthBytes = 100_000,
        OverflowPolicy = OverflowPolicy.DeadLetterHead,
        DeduplicationWindow = TimeSpan.FromMinutes(10),
        DeduplicationScope = DeduplicationScope.MessageGroup,
        ReceiveWaitTime = TimeSpan.FromSeconds(2),
        Tags = new Dictionary<string, string> { ["team"] = "billing", ["cost-centre"] = "42" },
        Properties = new Dictionary<string, string> { ["Policy"] = "{\"Version\":\"2012-10-17\"}" },
    };

    [Fact]
    public async Task CreateQueue_Defaults_StoresDefaultOptionsAndCreationTime()
    {
        var created = await CreateQueueAsync("jobs");

        Assert.Equal("jobs", created.Name);
        Assert.Equal(new QueueOptions(), created.Options);
        Assert.Equal(StartTime, created.CreatedAt);
        var read = await Broker.GetQueueAsync("jobs");
        Assert.Equal(created, read);
    }

    [Fact]
    public async Task CreateQueue_EveryOption_RoundTrips()
    {
        await CreateQueueAsync("dlq");

        var created = await CreateQueueAsync("jobs", FullOptions);

        Assert.Equal(FullOptions, created.Options);
        Assert.Equal(FullOptions, (await Broker.GetQueueAsync("jobs")).Options);
    }

    [Fact]
    public async Task CreateQueue_LongestValidName_Succeeds()
    {
        var name = new string('q', QueueOptions.MaxNameLength);

        await CreateQueueAsync(name);

        Assert.Equal(name, (await Broker.GetQueueAsync(name)).Name);
    }

    [Fact]
    public async Task CreateQueue_SameOptionsAgain_ReturnsExistingQueueUnchanged()
    {
        await CreateQueueAsync("dlq");
        var first = await CreateQueueAsync("jobs", FullOptions);
        await PublishAsync("jobs", "kept");
        Advance(TimeSpan.FromMinutes(1));

        var second = await CreateQueueAsync("jobs", FullOptions);

        Assert.Equal(first, second);
        Assert.Single(await Broker.ListQueuesAsync(), q => q.Name == "jobs");
        Assert.Single(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task CreateQueue_ExistsWithOtherOptions_ThrowsQueueAlreadyExists()
    {
        await CreateQueueAsync("jobs");

        await AssertErrorAsync(ErrorCodes.QueueAlreadyExists,
            () => CreateQueueAsync("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(5) }));

        Assert.Equal(new QueueOptions(), (await Broker.GetQueueAsync("jobs")).Options);
    }

    [Fact]
    public async Task ListQueues_SeveralQueues_OrderedByName()
    {
        await CreateQueueAsync("charlie");
        await CreateQueueAsync("alpha");
        await CreateQueueAsync("bravo-2");
        await CreateQueueAsync("bravo");

        var names = (await Broker.ListQueuesAsync()).Select(q => q.Name).ToList();

        Assert.Equal(["alpha", "bravo", "bravo-2", "charlie"], names);
    }

    [Fact]
    public async Task ListQueues_NoQueues_ReturnsEmpty() => Assert.Empty(await Broker.ListQueuesAsync());

    [Fact]
    public async Task UpdateQueue_NewOptions_ReplacesOptionsAndKeepsMessages()
    {
        await CreateQueueAsync("dlq");
        var created = await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "ready");
        var leased = await ReceiveOneAsync("jobs");
        await PublishAsync("jobs", "also ready");

        var updated = await Broker.UpdateQueueAsync("jobs", FullOptions);

        Assert.Equal(FullOptions, updated.Options);
        Assert.Equal(created.CreatedAt, updated.CreatedAt);
        Assert.Equal(FullOptions, (await Broker.GetQueueAsync("jobs")).Options);
        var stats = await StatsAsync("jobs");
        Assert.Equal(1, stats.Ready);
        Assert.Equal(1, stats.InFlight);
        await Broker.AckAsync("jobs", leased.ReceiptHandle!);
    }

    [Fact]
    public async Task UpdateQueue_UnknownQueue_ThrowsQueueNotFound() =>
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.UpdateQueueAsync("nope", new QueueOptions()).AsTask());

    [Fact]
    public async Task UpdateQueue_InvalidOption_ThrowsInvalidArgumentAndKeepsOptions()
    {
        await CreateQueueAsync("jobs");

        await AssertInvalidAsync("visibilityTimeout",
            () => Broker.UpdateQueueAsync("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromHours(13) }).AsTask());

        Assert.Equal(new QueueOptions(), (await Broker.GetQueueAsync("jobs")).Options);
    }

    [Fact]
    public async Task DeleteQueue_WithMessages_RemovesQueueAndMessages()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b", delay: TimeSpan.FromMinutes(1));
        await PublishAsync("jobs", "c");
        await ReceiveOneAsync("jobs");

        await Broker.DeleteQueueAsync("jobs");

        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.GetQueueAsync("jobs").AsTask());
        Assert.Empty(await Broker.ListQueuesAsync());
        await CreateQueueAsync("jobs");
        Assert.Empty(await PeekAsync("jobs"));
        var stats = await StatsAsync("jobs");
        Assert.Equal((0, 0, 0, 0), (stats.Ready, stats.InFlight, stats.Delayed, stats.Bytes));
        Advance(TimeSpan.FromMinutes(2));
        await AssertNothingToReceiveAsync("jobs");
    }

    [Fact]
    public async Task DeleteQueue_IsAnotherQueuesDeadLetterQueue_ThrowsQueueInUse()
    {
        await CreateQueueAsync("dlq");
        await CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 3 });

        await AssertErrorAsync(ErrorCodes.QueueInUse, () => Broker.DeleteQueueAsync("dlq").AsTask());

        await Broker.GetQueueAsync("dlq");
    }

    [Fact]
    public async Task DeleteQueue_UnknownQueue_ThrowsQueueNotFound() =>
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.DeleteQueueAsync("nope").AsTask());

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    [InlineData(".fifo")]
    [InlineData("jobs.fifo.fifo")]
    [InlineData("slash/ed")]
    [InlineData("ümlaut")]
    [InlineData("toolong")]
    public async Task CreateQueue_InvalidName_ThrowsInvalidQueueName(string name)
    {
        name = name == "toolong" ? new string('q', QueueOptions.MaxNameLength + 1) : name;
        await AssertErrorAsync(ErrorCodes.InvalidQueueName, () => CreateQueueAsync(name));
        await AssertErrorAsync(ErrorCodes.InvalidQueueName, () => Broker.GetQueueAsync(name).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidQueueName, () => Broker.PublishAsync(name, Message("x")).AsTask());

        Assert.Empty(await Broker.ListQueuesAsync());
    }

    [Fact]
    public async Task EveryOperation_UnknownQueue_ThrowsQueueNotFound()
    {
        const string q = "missing";
        var handle = new ReceiptHandle(1, 1, 1).ToString();

        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.GetQueueAsync(q).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.PublishAsync(q, Message("x")).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.PublishBatchAsync(q, [Message("x"), Message("y")]).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.ReceiveAsync(q).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.AckAsync(q, handle).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.AckBatchAsync(q, [handle]).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.NackAsync(q, handle).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.ExtendLeaseAsync(q, handle, TimeSpan.FromSeconds(5)).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.PurgeAsync(q).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.PeekAsync(q).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.GetStatsAsync(q).AsTask());
        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.StartRedriveAsync(q).AsTask());
    }

    [Theory]
    [InlineData("visibilityTimeout")]
    [InlineData("deliveryDelay")]
    [InlineData("retentionPeriod")]
    [InlineData("maxMessageSize")]
    [InlineData("maxReceiveCount")]
    [InlineData("maxLength")]
    [InlineData("maxLengthBytes")]
    [InlineData("overflowPolicy")]
    [InlineData("deduplicationWindow")]
    public async Task CreateQueue_OptionOutOfRange_ThrowsInvalidArgumentNamingField(string field)
    {
        await CreateQueueAsync("dlq");
        var withDlq = new QueueOptions { DeadLetterQueue = "dlq" };
        QueueOptions[] bad = field switch
        {
            "visibilityTimeout" => [new() { VisibilityTimeout = TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1) }, new() { VisibilityTimeout = TimeSpan.FromSeconds(-1) }],
            "deliveryDelay" => [new() { DeliveryDelay = TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1) }, new() { DeliveryDelay = TimeSpan.FromSeconds(-1) }],
            "retentionPeriod" => [new() { RetentionPeriod = TimeSpan.FromSeconds(59) }, new() { RetentionPeriod = TimeSpan.FromDays(366) }],
            "maxMessageSize" => [new() { MaxMessageSize = 0 }, new() { MaxMessageSize = (16 * 1024 * 1024) + 1 }],
            "maxReceiveCount" => [withDlq with { MaxReceiveCount = 0 }, withDlq with { MaxReceiveCount = 1001 }],
            "maxLength" => [new() { MaxLength = 0 }, new() { MaxLength = -1 }],
            "maxLengthBytes" => [new() { MaxLengthBytes = 0 }],
            "overflowPolicy" => [new() { OverflowPolicy = (OverflowPolicy)7 }],
            "deduplicationWindow" => [new() { DeduplicationWindow = TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1) }, new() { DeduplicationWindow = TimeSpan.FromSeconds(-1) }],
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "no case"),
        };

        foreach (var options in bad)
        {
            await AssertInvalidAsync(field, () => CreateQueueAsync("jobs", options));
        }

        await AssertErrorAsync(ErrorCodes.QueueNotFound, () => Broker.GetQueueAsync("jobs").AsTask());
    }

    [Fact]
    public async Task CreateQueue_OptionsAtTheirLimits_Succeeds()
    {
        await CreateQueueAsync("dlq");
        var options = new QueueOptions
        {
            VisibilityTimeout = TimeSpan.FromHours(12),
            DeliveryDelay = TimeSpan.FromDays(14),
            RetentionPeriod = TimeSpan.FromDays(365),
            MaxMessageSize = 16 * 1024 * 1024,
            MaxReceiveCount = 1000,
            DeadLetterQueue = "dlq",
            MaxLength = 1,
            MaxLengthBytes = 1,
            DeduplicationWindow = TimeSpan.Zero,
        };

        var created = await CreateQueueAsync("jobs", options);

        Assert.Equal(options, created.Options);
    }

    [Fact]
    public async Task CreateQueue_DeadLetterQueueMissing_ThrowsQueueNotFoundNamingField()
    {
        var ex = await AssertErrorAsync(ErrorCodes.QueueNotFound,
            () => CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 3 }));

        Assert.Equal("deadLetterQueue", ex.Field);
        Assert.Empty(await Broker.ListQueuesAsync());
    }

    [Fact]
    public async Task CreateQueue_DeadLetterQueueNameInvalid_ThrowsInvalidQueueName()
    {
        var ex = await AssertErrorAsync(ErrorCodes.InvalidQueueName,
            () => CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "bad name" }));

        Assert.Equal("deadLetterQueue", ex.Field);
    }

    [Fact]
    public async Task CreateQueue_OwnDeadLetterQueue_ThrowsInvalidArgument() =>
        await AssertInvalidAsync("deadLetterQueue", () => CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "jobs" }));

    [Fact]
    public async Task CreateQueue_MaxReceiveCountWithoutDeadLetterQueue_ThrowsInvalidArgument() =>
        await AssertInvalidAsync("deadLetterQueue", () => CreateQueueAsync("jobs", new QueueOptions { MaxReceiveCount = 3 }));

    [Fact]
    public async Task CreateQueue_DeadLetterHeadWithoutDeadLetterQueue_ThrowsInvalidArgument() =>
        await AssertInvalidAsync("deadLetterQueue",
            () => CreateQueueAsync("jobs", new QueueOptions { MaxLength = 5, OverflowPolicy = OverflowPolicy.DeadLetterHead }));
}
