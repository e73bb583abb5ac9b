namespace Sluice.Storage.Sqlite.Tests;

public sealed class SqliteMessageStoreTests : SqliteStoreTestBase
{
    [Fact]
    public async Task Receive_MixedPriorities_DeliversHighestFirstThenPublishOrder()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a", 0), Msg("b", 5), Msg("c", 5), Msg("d", 9), Msg("e", 0, TimeSpan.FromMinutes(1))]);

        var result = await Store.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30));

        Assert.Equal(["d", "b", "c", "a"], result.Messages.Select(Text));
        Assert.All(result.Messages, m => Assert.Equal(MessageState.InFlight, m.State));
        Assert.All(result.Messages, m => Assert.Equal(1, m.ReceiveCount));
    }

    [Fact]
    public async Task Receive_NothingVisible_ReturnsEarliestNextVisibleAt()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        var now = Time.GetUtcNow();
        await Store.PublishAsync("q", [Msg("late", 9, TimeSpan.FromMinutes(5)), Msg("soon", 0, TimeSpan.FromMinutes(2))]);

        var result = await Store.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30));

        Assert.Empty(result.Messages);
        Assert.Equal(now + TimeSpan.FromMinutes(2), result.NextVisibleAt);
    }

    [Fact]
    public async Task Ack_StaleHandleAfterRedelivery_ReturnsStale()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a")]);
        var first = await ReceiveOneAsync("q", TimeSpan.FromSeconds(10));
        Time.Advance(TimeSpan.FromSeconds(11));
        var second = await ReceiveOneAsync("q", TimeSpan.FromSeconds(10));

        var results = await Store.AckAsync("q", [first.ReceiptHandle!, second.ReceiptHandle!, "garbage"]);

        Assert.Equal(ErrorCodes.ReceiptHandleStale, results[0].ErrorCode);
        Assert.True(results[1].Succeeded);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, results[2].ErrorCode);
        Assert.Equal(0, (await Store.GetCountsAsync("q")).Total);
    }

    [Fact]
    public async Task Nack_AtMaxReceiveCount_MovesToDeadLetterQueueWithInfo()
    {
        await Store.CreateQueueAsync("dlq", new QueueOptions());
        await Store.CreateQueueAsync("q", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 2 });
        await Store.PublishAsync("q", [Msg("a")]);
        var m = await ReceiveOneAsync("q");
        await Store.NackAsync("q", m.ReceiptHandle!, TimeSpan.Zero, "first");
        m = await ReceiveOneAsync("q");
        await Store.NackAsync("q", m.ReceiptHandle!, TimeSpan.Zero, "boom");

        var dead = await ReceiveOneAsync("dlq");

        Assert.Equal(m.MessageId, dead.MessageId);
        Assert.Equal(1, dead.ReceiveCount);
        Assert.Equal(new DeadLetterInfo("q", DeadLetterInfo.MaxReceiveCountReason, 2, "boom", Time.GetUtcNow()), dead.DeadLetter);
        Assert.Equal(1, (await Store.GetCountsAsync("q")).DeadLettered);
        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.NackAsync("q", m.ReceiptHandle!, TimeSpan.Zero, null));
        Assert.Equal(ErrorCodes.MessageNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task Receive_CandidateAtMaxReceiveCount_IsDeadLetteredNotDelivered()
    {
        await Store.CreateQueueAsync("dlq", new QueueOptions());
        await Store.CreateQueueAsync("q", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });
        await Store.PublishAsync("q", [Msg("a"), Msg("b")]);
        await Store.ReceiveAsync("q", 1, TimeSpan.FromSeconds(5));
        Time.Advance(TimeSpan.FromSeconds(6));

        var result = await Store.ReceiveAsync("q", 2, TimeSpan.FromSeconds(5));

        Assert.Equal(["b"], result.Messages.Select(Text));
        var dead = Assert.Single(await Store.PeekAsync("dlq", 10));
        Assert.Equal("a", Text(dead));
        Assert.Equal(DeadLetterInfo.MaxReceiveCountReason, dead.DeadLetter!.Reason);
        Assert.Equal(1, dead.DeadLetter.Attempts);
    }

    [Fact]
    public async Task Nack_NotLeased_ThrowsNotInFlight()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a")]);
        var m = await ReceiveOneAsync("q");
        await Store.NackAsync("q", m.ReceiptHandle!, TimeSpan.FromMinutes(1), null);

        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.ExtendLeaseAsync("q", m.ReceiptHandle!, TimeSpan.FromMinutes(1)));

        Assert.Equal(ErrorCodes.MessageNotInFlight, ex.ErrorCode);
        Assert.Equal(MessageState.Delayed, Assert.Single(await Store.PeekAsync("q", 10)).State);
    }

    [Fact]
    public async Task ExtendLease_Heartbeat_ReturnsNewLeaseEnd()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a")]);
        var m = await ReceiveOneAsync("q", TimeSpan.FromSeconds(10));
        Time.Advance(TimeSpan.FromSeconds(8));

        var until = await Store.ExtendLeaseAsync("q", m.ReceiptHandle!, TimeSpan.FromSeconds(30));
        Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromSeconds(10), until);
        Assert.Empty((await Store.ReceiveAsync("q", 1, TimeSpan.FromSeconds(10))).Messages);
    }

    [Fact]
    public async Task Publish_DuplicateIdWithinWindow_ReturnsOriginalEvenAfterAckAndInSameBatch()
    {
        await Store.CreateQueueAsync("q", new QueueOptions { DeduplicationWindow = TimeSpan.FromMinutes(5) });
        var batch = await Store.PublishAsync("q", [Msg("a", dedup: "x"), Msg("b", dedup: "x")]);
        Assert.False(batch[0].Duplicate);
        Assert.Equal(batch[0] with { Duplicate = true }, batch[1]);
        Assert.True(batch[0].SequenceNumber > 0);
        var m = await ReceiveOneAsync("q");
        await Store.AckAsync("q", [m.ReceiptHandle!]);

        var again = await Store.PublishAsync("q", [Msg("c", dedup: "x")]);
        Time.Advance(TimeSpan.FromMinutes(6));
        var afterWindow = await Store.PublishAsync("q", [Msg("d", dedup: "x")]);

        Assert.Equal(batch[0] with { Duplicate = true }, again[0]);
        Assert.False(afterWindow[0].Duplicate);
        Assert.Equal(1, (await Store.GetCountsAsync("q")).Total);
    }

    [Fact]
    public async Task Publish_RejectOverflow_ThrowsQueueFullAndStoresNothingOfBatch()
    {
        await Store.CreateQueueAsync("q", new QueueOptions { MaxLength = 3 });
        await Store.PublishAsync("q", [Msg("a"), Msg("b")]);

        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.PublishAsync("q", [Msg("c"), Msg("d")]));

        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Equal(2, (await Store.GetCountsAsync("q")).Total);
    }

    [Fact]
    public async Task Publish_DropHeadOverflow_DeletesOldestReady()
    {
        await Store.CreateQueueAsync("q", new QueueOptions { MaxLength = 3, OverflowPolicy = OverflowPolicy.DropHead });
        await Store.PublishAsync("q", [Msg("a"), Msg("b"), Msg("c")]);

        await Store.PublishAsync("q", [Msg("d"), Msg("e")]);

        Assert.Equal(["c", "d", "e"], (await Store.PeekAsync("q", 10)).Select(Text));
    }

    [Fact]
    public async Task Publish_DeadLetterHeadOverflow_MovesOldestWithOverflowReason()
    {
        await Store.CreateQueueAsync("dlq", new QueueOptions { MaxLength = 1 });
        await Store.CreateQueueAsync("q", new QueueOptions { MaxLengthBytes = 2, OverflowPolicy = OverflowPolicy.DeadLetterHead, DeadLetterQueue = "dlq" });
        await Store.PublishAsync("q", [Msg("a"), Msg("b")]);

        await Store.PublishAsync("q", [Msg("c"), Msg("d")]);

        Assert.Equal(["c", "d"], (await Store.PeekAsync("q", 10)).Select(Text));
        var dead = await Store.PeekAsync("dlq", 10);
        Assert.Equal(["a", "b"], dead.Select(Text));
        Assert.All(dead, m => Assert.Equal(DeadLetterInfo.OverflowReason, m.DeadLetter!.Reason));
    }

    [Fact]
    public async Task Redrive_ToSource_MovesOldestFirstAndClearsDeadLetterInfo()
    {
        await Store.CreateQueueAsync("dlq", new QueueOptions());
        await Store.CreateQueueAsync("q", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1 });
        await Store.PublishAsync("q", [Msg("a"), Msg("b"), Msg("c")]);
        foreach (var m in (await Store.ReceiveAsync("q", 3, TimeSpan.FromSeconds(1))).Messages)
        {
            await Store.NackAsync("q", m.ReceiptHandle!, TimeSpan.Zero, "x");
        }

        await Store.PublishAsync("dlq", [Msg("orphan")]);

        var step = await Store.RedriveAsync("dlq", null, 2);

        Assert.Equal(new RedriveStep(2, 2), step);
        var back = await Store.PeekAsync("q", 10);
        Assert.Equal(["a", "b"], back.Select(Text));
        Assert.All(back, m => Assert.Null(m.DeadLetter));
        Assert.All(back, m => Assert.Equal(0, m.ReceiveCount));
        Assert.Equal(new RedriveStep(1, 1), await Store.RedriveAsync("dlq", null, 10));
    }

    [Fact]
    public async Task Sweep_PastRetention_DeletesMessagesAndExpiredDedupIds()
    {
        await Store.CreateQueueAsync("q", new QueueOptions { RetentionPeriod = TimeSpan.FromMinutes(10), DeduplicationWindow = TimeSpan.FromMinutes(1) });
        await Store.PublishAsync("q", [Msg("old", dedup: "x")]);
        Time.Advance(TimeSpan.FromMinutes(5));
        await Store.PublishAsync("q", [Msg("new")]);
        Time.Advance(TimeSpan.FromMinutes(5));

        var deleted = await Store.SweepAsync();

        Assert.Equal(1, deleted);
        Assert.Equal(["new"], (await Store.PeekAsync("q", 10)).Select(Text));
        Assert.False((await Store.PublishAsync("q", [Msg("again", dedup: "x")]))[0].Duplicate);
    }

    [Fact]
    public async Task Peek_MixedStates_ReadyFirstWithoutLeasing()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("leased", 9), Msg("delayed", 9, TimeSpan.FromMinutes(1)), Msg("ready", 0)]);
        await ReceiveOneAsync("q");

        var peeked = await Store.PeekAsync("q", 10);

        Assert.Equal(["ready", "leased", "delayed"], peeked.Select(Text));
        Assert.Equal([MessageState.Ready, MessageState.InFlight, MessageState.Delayed], peeked.Select(m => m.State));
        Assert.All(peeked, m => Assert.Null(m.ReceiptHandle));
        var counts = await Store.GetCountsAsync("q");
        Assert.Equal((1, 1, 1), (counts.Ready, counts.InFlight, counts.Delayed));
        Assert.Equal("leaseddelayedready".Length, counts.Bytes);
    }

    [Fact]
    public async Task CreateQueue_ExistingWithOtherOptions_ThrowsAlreadyExistsAndEqualIsIdempotent()
    {
        var created = await Store.CreateQueueAsync("q", new QueueOptions { MaxLength = 5 });

        var same = await Store.CreateQueueAsync("q", new QueueOptions { MaxLength = 5 });
        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.CreateQueueAsync("q", new QueueOptions { MaxLength = 6 }));

        Assert.Equal(created, same);
        Assert.Equal(ErrorCodes.QueueAlreadyExists, ex.ErrorCode);
        Assert.Contains("'q'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteQueue_WithMessages_RemovesQueueMessagesAndDedupIds()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a", dedup: "x")]);

        await Store.DeleteQueueAsync("q");
        await Store.CreateQueueAsync("q", new QueueOptions());

        Assert.Equal(0, (await Store.GetCountsAsync("q")).Total);
        Assert.False((await Store.PublishAsync("q", [Msg("b", dedup: "x")]))[0].Duplicate);
        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.PublishAsync("nope", [Msg("a")]));
        Assert.Equal(ErrorCodes.QueueNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task Dispose_ThenOperation_ThrowsUnavailable()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.DisposeAsync();

        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.PublishAsync("q", [Msg("a")]));

        Assert.Equal(ErrorCodes.Unavailable, ex.ErrorCode);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task Broker_PublishReceiveAck_WorksOverSqliteStore()
    {
        await using var broker = new Broker(Store, timeProvider: Time);
        await broker.StartAsync();
        await broker.CreateQueueAsync("q");
        await broker.PublishAsync("q", Msg("hello"));

        var received = await broker.ReceiveAsync("q");
        await broker.AckAsync("q", received[0].ReceiptHandle!);

        Assert.Equal("hello", Text(Assert.Single(received)));
        Assert.Equal(0, (await broker.GetStatsAsync("q")).Ready);
    }

    [Fact]
    public async Task Receive_FifoGroupWithMessageInFlight_LaterMessagesOfGroupWait()
    {
        await Store.CreateQueueAsync("jobs.fifo", new QueueOptions { Fifo = true });
        await Store.PublishAsync("jobs.fifo", [Fifo("a1", "a"), Fifo("a2", "a"), Fifo("b1", "b"), Fifo("a3", "a"), Fifo("b2", "b")]);

        var first = await Store.ReceiveAsync("jobs.fifo", 1, TimeSpan.FromSeconds(30));
        var second = await Store.ReceiveAsync("jobs.fifo", 10, TimeSpan.FromSeconds(30));
        var third = await Store.ReceiveAsync("jobs.fifo", 10, TimeSpan.FromSeconds(30));
        await Store.AckAsync("jobs.fifo", [first.Messages[0].ReceiptHandle!]);
        var fourth = await Store.ReceiveAsync("jobs.fifo", 10, TimeSpan.FromSeconds(30));

        Assert.Equal(["a1"], first.Messages.Select(Text));
        Assert.Equal(["b1", "b2"], second.Messages.Select(Text));
        Assert.Empty(third.Messages);
        Assert.Equal(["a2", "a3"], fourth.Messages.Select(Text));
        Assert.All(fourth.Messages, m => Assert.Equal("a", m.MessageGroupId));
    }

    [Fact]
    public async Task Receive_FifoEarlierMessageReadyLater_DeliversGroupInSequenceOrder()
    {
        await Store.CreateQueueAsync("jobs.fifo", new QueueOptions { Fifo = true });
        await Store.PublishAsync("jobs.fifo", [Fifo("a1", "a")]);
        var a1 = Assert.Single((await Store.ReceiveAsync("jobs.fifo", 1, TimeSpan.FromSeconds(30))).Messages);
        await Store.PublishAsync("jobs.fifo", [Fifo("a2", "a"), Fifo("b1", "b")]);
        Time.Advance(TimeSpan.FromSeconds(1));
        await Store.NackAsync("jobs.fifo", a1.ReceiptHandle!, TimeSpan.Zero, null);

        var result = await Store.ReceiveAsync("jobs.fifo", 10, TimeSpan.FromSeconds(30));

        // Every group comes out in sequence order; groups may interleave either way.
        var bodies = result.Messages.Select(Text).ToList();
        Assert.Equal(["a1", "a2"], bodies.Where(b => b.StartsWith('a')));
        Assert.Contains("b1", bodies);
    }

    [Fact]
    public async Task Publish_DedupScopeMessageGroup_SameIdInTwoGroupsIsTwoMessages()
    {
        await Store.CreateQueueAsync("jobs.fifo", new QueueOptions { Fifo = true, DeduplicationScope = DeduplicationScope.MessageGroup });

        var results = await Store.PublishAsync("jobs.fifo", [Fifo("a", "g1", "x"), Fifo("b", "g2", "x"), Fifo("c", "g1", "x")]);

        Assert.False(results[0].Duplicate);
        Assert.False(results[1].Duplicate);
        Assert.Equal(results[0] with { Duplicate = true }, results[2]);
        Assert.True(results[1].SequenceNumber > results[0].SequenceNumber);
        Assert.Equal([results[0].SequenceNumber, results[1].SequenceNumber], (await Store.PeekAsync("jobs.fifo", 10)).Select(m => m.SequenceNumber));
    }

    private static OutgoingMessage Fifo(string body, string group, string? dedup = null) =>
        Msg(body, dedup: dedup ?? body) with { MessageGroupId = group };
}
