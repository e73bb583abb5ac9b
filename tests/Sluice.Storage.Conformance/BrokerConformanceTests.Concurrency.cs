namespace Sluice.Storage.Conformance;

public abstract partial class BrokerConformanceTests
{
    [Fact]
    public async Task Publish_ConcurrentPublishers_EveryMessageStoredOnceWithUniqueIdsAndSequences()
    {
        await CreateQueueAsync("jobs");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            var mine = new List<PublishResult>();
            for (var i = 0; i < 25; i++)
            {
                mine.Add(await Broker.PublishAsync("jobs", Message($"p{p}-{i:D2}")));
            }

            return mine;
        })));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(100, all.Select(r => r.MessageId).Distinct().Count());
        Assert.Equal(100, all.Select(r => r.SequenceNumber).Distinct().Count());
        Assert.All(results, mine => Assert.True(mine.Zip(mine.Skip(1)).All(pair => pair.First.SequenceNumber < pair.Second.SequenceNumber),
            "one publisher's messages get increasing sequence numbers"));
        Assert.Equal(100, (await StatsAsync("jobs")).Ready);
    }

    [Fact]
    public async Task Receive_ConcurrentReceivers_NeverLeaseTheSameMessageTwice()
    {
        await CreateQueueAsync("jobs");
        for (var batch = 0; batch < 4; batch++)
        {
            await Broker.PublishBatchAsync("jobs", [.. Enumerable.Range(0, 50).Select(i => Message($"m{batch}-{i:D2}"))]);
        }

        var received = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var mine = new List<QueueMessage>();
            while (true)
            {
                var got = await Broker.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = 7 });
                if (got.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(got);
            }
        })));

        var all = received.SelectMany(r => r).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Select(m => m.MessageId).Distinct().Count());
        Assert.All(all, m => Assert.Equal(1, m.ReceiveCount));
        var acks = await Task.WhenAll(all.Chunk(50).Select(chunk => Broker.AckBatchAsync("jobs", [.. chunk.Select(m => m.ReceiptHandle!)]).AsTask()));
        Assert.All(acks.SelectMany(a => a), r => Assert.True(r.Succeeded));
        Assert.Empty(await PeekAsync("jobs"));
    }

    [Fact]
    public async Task Ack_SameHandleConcurrently_ExactlyOneSucceeds()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        var m = await ReceiveOneAsync("jobs");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () => await Broker.AckBatchAsync("jobs", [m.ReceiptHandle!]))));

        Assert.Equal(1, results.Count(r => r[0].Succeeded));
        Assert.All(results.Where(r => !r[0].Succeeded), r => Assert.Equal(ErrorCodes.MessageNotFound, r[0].ErrorCode));
    }

    [Fact]
    public async Task ReceiveLongPoll_DeadLetterQueueWaiter_WokenWhenANackDeadLetters()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await PublishAsync("jobs", "poison");
        var m = await ReceiveOneAsync("jobs");
        var receive = await StartLongPollAsync("dlq", TimeSpan.FromSeconds(20));

        await Broker.NackAsync("jobs", m.ReceiptHandle!, null, "bad");

        var dead = Assert.Single(await CompletesAsync(receive, "the dead-letter queue's waiter gets the dead letter"));
        Assert.Equal(m.MessageId, dead.MessageId);
    }

    [Fact]
    public async Task ReceiveLongPoll_RedriveToWaitingQueue_WakesTheWaiter()
    {
        await CreateQueueWithDeadLettersAsync(1);
        await DeadLetterAsync("jobs", 1);
        var receive = await StartLongPollAsync("jobs", TimeSpan.FromSeconds(20));

        var redrive = await Broker.StartRedriveAsync("dlq");

        Assert.Equal("m00", Text(Assert.Single(await CompletesAsync(receive, "the source queue's waiter gets the redriven message"))));
        await Broker.WaitForRedriveAsync(redrive.Id).AsTask().WaitAsync(RealTimeout);
    }

    [Fact]
    public async Task AckBatch_EmptyOrTooLarge_ThrowsInvalidArgument()
    {
        await CreateQueueAsync("jobs");

        await AssertInvalidAsync("receiptHandles", () => Broker.AckBatchAsync("jobs", []).AsTask());
        await AssertInvalidAsync("receiptHandles",
            () => Broker.AckBatchAsync("jobs", [.. Enumerable.Repeat("x", Broker.Options.MaxBatchSize + 1)]).AsTask());
    }
}
