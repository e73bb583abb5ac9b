namespace Sluice.Storage.Sqlite.Tests;

/// <summary>What survives a close and reopen of the database file, and how the writer groups operations.</summary>
public sealed class SqliteDurabilityTests : SqliteStoreTestBase
{
    [Fact]
    public async Task Reopen_MixedStates_KeepsReadyDelayedInFlightLeasesAndReceiveCounts()
    {
        await Store.CreateQueueAsync("q", new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(1) });
        await Store.PublishAsync("q", [Msg("leased", 5), Msg("ready"), Msg("delayed", delay: TimeSpan.FromMinutes(10))]);
        var leased = await ReceiveOneAsync("q", TimeSpan.FromSeconds(60));
        Time.Advance(TimeSpan.FromSeconds(20));

        await ReopenAsync();

        var counts = await Store.GetCountsAsync("q");
        Assert.Equal((1, 1, 1), (counts.Ready, counts.InFlight, counts.Delayed));
        Assert.Equal(new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(1) }, (await Store.GetQueueAsync("q"))!.Options);
        var ready = await ReceiveOneAsync("q");
        Assert.Equal("ready", Text(ready));
        Assert.Empty((await Store.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30))).Messages);
        Time.Advance(TimeSpan.FromSeconds(40));
        var again = await ReceiveOneAsync("q");
        Assert.Equal(leased.MessageId, again.MessageId);
        Assert.Equal(2, again.ReceiveCount);
        Assert.Equal(leased.FirstReceivedAt, again.FirstReceivedAt);
        var stale = await Store.AckAsync("q", [leased.ReceiptHandle!]);
        Assert.Equal(ErrorCodes.ReceiptHandleStale, stale[0].ErrorCode);
    }

    [Fact]
    public async Task Reopen_InFlightLease_HandleStillAcks()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a")]);
        var m = await ReceiveOneAsync("q");

        await ReopenAsync();
        var result = await Store.AckAsync("q", [m.ReceiptHandle!]);

        Assert.True(result[0].Succeeded);
        Assert.Equal(0, (await Store.GetCountsAsync("q")).Total);
    }

    [Fact]
    public async Task Reopen_DeadLettersAndDedupIds_AreKept()
    {
        await Store.CreateQueueAsync("dlq", new QueueOptions());
        await Store.CreateQueueAsync("q", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1, DeduplicationWindow = TimeSpan.FromMinutes(5) });
        var published = await Store.PublishAsync("q", [Msg("a", dedup: "order-1"), Msg("attrs")]);
        var m = await ReceiveOneAsync("q");
        await Store.NackAsync("q", m.ReceiptHandle!, TimeSpan.Zero, "handler failed");

        await ReopenAsync();

        var duplicate = await Store.PublishAsync("q", [Msg("a again", dedup: "order-1")]);
        Assert.Equal(published[0] with { Duplicate = true }, duplicate[0]);
        var dead = Assert.Single(await Store.PeekAsync("dlq", 10));
        Assert.Equal(published[0].MessageId, dead.MessageId);
        Assert.Equal("order-1", dead.DeduplicationId);
        Assert.Equal(new DeadLetterInfo("q", DeadLetterInfo.MaxReceiveCountReason, 1, "handler failed", Time.GetUtcNow()), dead.DeadLetter);
        Assert.Equal(1, (await Store.GetCountsAsync("q")).DeadLettered);
    }

    [Fact]
    public async Task Reopen_Attributes_RoundTrip()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["s"] = MessageAttributeValue.FromString("text é"),
            ["n"] = MessageAttributeValue.FromNumber("42.5"),
            ["b"] = MessageAttributeValue.FromBinary(new byte[] { 0, 1, 255 }),
            ["custom"] = new("String.json", "{}"),
        };
        await Store.PublishAsync("q", [Msg("a") with { Attributes = attributes }]);

        await ReopenAsync();
        var m = await ReceiveOneAsync("q");

        Assert.Equal(attributes.OrderBy(a => a.Key), m.Attributes.OrderBy(a => a.Key));
    }

    [Fact]
    public async Task Reopen_AfterAck_MessageDoesNotComeBack()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a"), Msg("b")]);
        var m = await ReceiveOneAsync("q", TimeSpan.FromSeconds(10));
        await Store.AckAsync("q", [m.ReceiptHandle!]);

        await ReopenAsync();
        Time.Advance(TimeSpan.FromMinutes(1));
        var result = await Store.ReceiveAsync("q", 10, TimeSpan.FromSeconds(10));

        Assert.Equal(["b"], result.Messages.Select(Text));
    }

    [Fact]
    public async Task Reopen_Counters_ReloadedSoOverflowStillEnforced()
    {
        await Store.CreateQueueAsync("q", new QueueOptions { MaxLength = 2 });
        await Store.PublishAsync("q", [Msg("a"), Msg("b")]);

        await ReopenAsync();
        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.PublishAsync("q", [Msg("c")]));

        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
    }

    [Fact]
    public async Task Publish_QueueFullInsideConcurrentGroup_FailsAloneWhileOthersCommit()
    {
        await Store.CreateQueueAsync("bounded", new QueueOptions { MaxLength = 10 });
        await Store.CreateQueueAsync("open", new QueueOptions());

        // 8 batches of 3 into a queue holding 10 (3 fit), interleaved with 40 publishes elsewhere, all queued at once.
        var bounded = Enumerable.Range(0, 8).Select(i => Store.PublishAsync("bounded", [Msg($"{i}a"), Msg($"{i}b"), Msg($"{i}c")]).AsTask()).ToList();
        var open = Enumerable.Range(0, 40).Select(i => Store.PublishAsync("open", [Msg($"o{i}")]).AsTask()).ToList();
        await Task.WhenAll(open);
        var outcomes = new List<bool>();
        foreach (var t in bounded)
        {
            try
            {
                await t;
                outcomes.Add(true);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueFull)
            {
                outcomes.Add(false);
            }
        }

        Assert.Equal(3, outcomes.Count(ok => ok));
        Assert.Equal(9, (await Store.GetCountsAsync("bounded")).Total);
        var stored = (await Store.PeekAsync("bounded", 100)).Select(Text).ToList();
        Assert.All(stored.GroupBy(s => s[0]), batch => Assert.Equal(3, batch.Count()));

        await ReopenAsync();

        Assert.Equal(9, (await Store.GetCountsAsync("bounded")).Total);
        Assert.Equal(40, (await Store.GetCountsAsync("open")).Total);
        await Store.PublishAsync("bounded", [Msg("last")]);
        await Assert.ThrowsAsync<SluiceException>(async () => await Store.PublishAsync("bounded", [Msg("over")]));
    }

    [Fact]
    public async Task Ack_FailingEntriesInGroup_DoNotAffectOtherOperations()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await Store.PublishAsync("q", [Msg("a"), Msg("b")]);
        var received = (await Store.ReceiveAsync("q", 2, TimeSpan.FromSeconds(30))).Messages;

        var good = Store.AckAsync("q", [received[0].ReceiptHandle!]).AsTask();
        var bad = Store.NackAsync("q", "AAAAAAAAAAAAAAAA", TimeSpan.Zero, null).AsTask();
        var missing = Store.PublishAsync("missing", [Msg("x")]).AsTask();
        var other = Store.ExtendLeaseAsync("q", received[1].ReceiptHandle!, TimeSpan.FromMinutes(5)).AsTask();

        Assert.True((await good)[0].Succeeded);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, (await Assert.ThrowsAsync<SluiceException>(() => bad)).ErrorCode);
        Assert.Equal(ErrorCodes.QueueNotFound, (await Assert.ThrowsAsync<SluiceException>(() => missing)).ErrorCode);
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromMinutes(5), await other);
        await ReopenAsync();
        var left = Assert.Single(await Store.PeekAsync("q", 10));
        Assert.Equal(MessageState.InFlight, left.State);
    }

    [Fact]
    public async Task Publish_ManyConcurrent_AllPresentAfterReopen()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());

        var tasks = Enumerable.Range(0, 2000).Select(i => Task.Run(async () => (await Store.PublishAsync("q", [Msg($"m{i}")]))[0].MessageId)).ToList();
        var ids = await Task.WhenAll(tasks);
        await ReopenAsync();

        Assert.Equal(2000, ids.Distinct().Count());
        Assert.Equal(2000, (await Store.GetCountsAsync("q")).Ready);
        var all = new HashSet<Guid>();
        while (true)
        {
            var batch = await Store.ReceiveAsync("q", 500, TimeSpan.FromMinutes(1));
            if (batch.Messages.Count == 0)
            {
                break;
            }

            all.UnionWith(batch.Messages.Select(m => m.MessageId));
        }

        Assert.True(all.SetEquals(ids));
    }

    [Fact]
    public async Task Open_RelaxedMode_Works()
    {
        await Store.DisposeAsync();
        await using var relaxed = await OpenAsync(new SqliteStoreOptions { Path = DatabasePath, Fsync = false, MaxOperationsPerCommit = 1 });
        await relaxed.CreateQueueAsync("q", new QueueOptions());

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => relaxed.PublishAsync("q", [Msg($"{i}")]).AsTask()));

        Assert.Equal(20, results.Length);
        Assert.Equal(20, (await relaxed.GetCountsAsync("q")).Total);
    }

    [Fact]
    public async Task Publish_DropHeadFailsHalfway_RollsBackDropsAndCounters()
    {
        await Store.CreateQueueAsync("q", new QueueOptions { MaxLength = 3, OverflowPolicy = OverflowPolicy.DropHead });
        await Store.PublishAsync("q", [Msg("a"), Msg("b"), Msg("c")]);
        await Store.ReceiveAsync("q", 2, TimeSpan.FromMinutes(1));

        // Needs two ready messages to drop, finds only "c": the publish fails and "c" must come back.
        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await Store.PublishAsync("q", [Msg("d"), Msg("e")]));
        await Store.PublishAsync("q", [Msg("f")]);

        Assert.Equal(ErrorCodes.QueueFull, ex.ErrorCode);
        Assert.Equal(["f", "a", "b"], (await Store.PeekAsync("q", 10)).Select(Text));
        await ReopenAsync();
        Assert.Equal(3, (await Store.GetCountsAsync("q")).Total);
    }
}

