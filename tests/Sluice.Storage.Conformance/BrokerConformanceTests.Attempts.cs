namespace Sluice.Storage.Conformance;

/// <summary>
/// FIFO receive attempts are remembered in the store, not in a broker: a retry through another broker (another node)
/// is recognised, and a client's change through any broker ends the attempt.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    private static ReceiveOptions AttemptOptions(string attemptId = "attempt-1") =>
        new() { MaxMessages = 10, ReceiveRequestAttemptId = attemptId, VisibilityTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Receive_AttemptRetriedThroughAnotherBroker_ReturnsSameMessagesAndHandlesWithLeasesRestarted()
    {
        var peer = await StartPeerAsync();
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("a2", "a"), FifoMessage("b1", "b")]);
        var first = await Broker.ReceiveAsync("orders.fifo", AttemptOptions());
        Advance(TimeSpan.FromSeconds(10));

        var retry = await peer.ReceiveAsync("orders.fifo", AttemptOptions());

        Assert.Equal(first.Select(m => (m.MessageId, m.ReceiptHandle, Text(m), m.ReceiveCount)), retry.Select(m => (m.MessageId, m.ReceiptHandle, Text(m), m.ReceiveCount)));
        Assert.All(retry, m => Assert.Equal(Now + TimeSpan.FromSeconds(30), m.VisibleAt));
        Assert.All(await PeekAsync("orders.fifo"), m => Assert.Equal((MessageState.InFlight, 1, Now + TimeSpan.FromSeconds(30)), (m.State, m.ReceiveCount, m.VisibleAt)));

        // Retried again, through the first broker: the record follows the restarted leases.
        Advance(TimeSpan.FromSeconds(10));
        var again = await Broker.ReceiveAsync("orders.fifo", AttemptOptions());
        Assert.Equal(first.Select(m => m.ReceiptHandle), again.Select(m => m.ReceiptHandle));
        Assert.Equal(3, (await Broker.AckBatchAsync("orders.fifo", [.. again.Select(m => m.ReceiptHandle!)])).Count(r => r.Succeeded));
    }

    [Theory]
    [InlineData(LeaseChange.Ack)]
    [InlineData(LeaseChange.AckBatch)]
    [InlineData(LeaseChange.Nack)]
    [InlineData(LeaseChange.Extend)]
    public async Task Receive_AttemptRetriedAfterAClientChangedOneOfItsMessagesThroughAnotherBroker_ThrowsInvalidArgument(LeaseChange change)
    {
        var peer = await StartPeerAsync();
        await CreateFifoQueueAsync();
        await Broker.PublishBatchAsync("orders.fifo", [FifoMessage("a1", "a"), FifoMessage("b1", "b")]);
        var first = await Broker.ReceiveAsync("orders.fifo", AttemptOptions());
        var handle = first[1].ReceiptHandle!;
        switch (change)
        {
            case LeaseChange.Ack: await peer.AckAsync("orders.fifo", handle); break;
            case LeaseChange.AckBatch: await peer.AckBatchAsync("orders.fifo", [handle]); break;
            case LeaseChange.Nack: await peer.NackAsync("orders.fifo", handle, TimeSpan.FromSeconds(5)); break;
            default: await peer.ExtendLeaseAsync("orders.fifo", handle, TimeSpan.FromSeconds(20)); break;
        }

        Advance(TimeSpan.FromSeconds(1));

        var ex = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.ReceiveAsync("orders.fifo", AttemptOptions()).AsTask());

        Assert.Equal("receiveRequestAttemptId", ex.Field);
        Assert.Contains("attempt-1", ex.Message, StringComparison.Ordinal);
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => peer.ReceiveAsync("orders.fifo", AttemptOptions()).AsTask());
    }

    [Fact]
    public async Task Receive_AttemptRetriedThroughAnotherBrokerAfterTheLeaseExpired_IsAFreshReceive()
    {
        var peer = await StartPeerAsync();
        await CreateFifoQueueAsync();
        await Broker.PublishAsync("orders.fifo", FifoMessage("a1", "a"));
        var first = Assert.Single(await Broker.ReceiveAsync("orders.fifo", AttemptOptions()));
        Advance(TimeSpan.FromSeconds(31));

        var retry = Assert.Single(await peer.ReceiveAsync("orders.fifo", AttemptOptions()));

        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.NotEqual(first.ReceiptHandle, retry.ReceiptHandle);
        Assert.Equal(2, retry.ReceiveCount);
        await AssertErrorAsync(ErrorCodes.ReceiptHandleStale, () => Broker.AckAsync("orders.fifo", first.ReceiptHandle!).AsTask());
    }

    [Fact]
    public async Task Receive_AttemptRetriedAfterAPurge_IsAFreshReceive()
    {
        await CreateFifoQueueAsync();
        await Broker.PublishAsync("orders.fifo", FifoMessage("a1", "a"));
        await Broker.ReceiveAsync("orders.fifo", AttemptOptions());
        await Broker.PurgeAsync("orders.fifo");
        await Broker.PublishAsync("orders.fifo", FifoMessage("a2", "a"));

        var retry = Assert.Single(await Broker.ReceiveAsync("orders.fifo", AttemptOptions()));

        Assert.Equal("a2", Text(retry));
    }

    [Fact]
    public async Task Receive_AttemptRecordsAfterFiveMinutes_AreGoneAndTheRetryIsFresh()
    {
        await CreateFifoQueueAsync(new QueueOptions { Fifo = true, VisibilityTimeout = TimeSpan.FromMinutes(10) });
        await Broker.PublishAsync("orders.fifo", FifoMessage("a1", "a"));
        var first = Assert.Single(await Broker.ReceiveAsync("orders.fifo", AttemptOptions() with { VisibilityTimeout = TimeSpan.FromMinutes(10) }));
        Advance(TimeSpan.FromMinutes(5));
        await Broker.PublishAsync("orders.fifo", FifoMessage("b1", "b"));

        var retry = Assert.Single(await Broker.ReceiveAsync("orders.fifo", AttemptOptions()));

        Assert.Equal("b1", Text(retry));
        Assert.NotEqual(first.ReceiptHandle, retry.ReceiptHandle);
    }

    [Fact]
    public async Task KeyValueList_AfterReceiveAttempts_HidesTheBrokersOwnRecords()
    {
        if (!Broker.SupportsKeyValues)
        {
            Assert.Fail("every store implements key-value records");
        }

        await CreateFifoQueueAsync();
        await Broker.PublishAsync("orders.fifo", FifoMessage("a1", "a"));
        await Broker.ReceiveAsync("orders.fifo", AttemptOptions());
        await Broker.KeyValueSetAsync("#before", "1"u8.ToArray());
        await Broker.KeyValueSetAsync("$after", "2"u8.ToArray());
        await Broker.KeyValueSetAsync("z", "3"u8.ToArray());

        var all = await Broker.KeyValueListAsync();
        var dollar = await Broker.KeyValueListAsync("$");
        var paged = new List<string>();
        for (string? after = null; ;)
        {
            var page = await Broker.KeyValueListAsync(after: after, limit: 1);
            paged.AddRange(page.Records.Select(r => r.Key));
            if ((after = page.NextAfter) is null)
            {
                break;
            }
        }

        Assert.Equal(["#before", "$after", "z"], all.Records.Select(r => r.Key));
        Assert.Null(all.NextAfter);
        Assert.Equal(["$after"], dollar.Records.Select(r => r.Key));
        Assert.Equal(["#before", "$after", "z"], paged);
        await AssertInvalidAsync("key", () => Broker.KeyValueGetAsync(KeyValueRules.AttemptsPrefix + "orders.fifo/attempt-1").AsTask());
    }
}
