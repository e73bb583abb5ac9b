namespace Sluice.Storage.Conformance;

/// <summary>XCLAIM, XAUTOCLAIM and the max-deliveries policy.</summary>
public abstract partial class StreamConformanceTests
{
    private async Task PendingForAliceAsync(int entries)
    {
        await AddManyAsync("s", entries);
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue });
        await ReadNewAsync("s", "g", "alice");
    }

    [Fact]
    public async Task StreamClaim_IdleEnough_MovesToConsumerAndCountsDelivery()
    {
        await PendingForAliceAsync(2);
        Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.FromSeconds(10), [Id(1, 1)]));
        Advance(TimeSpan.FromSeconds(5));
        var claimed = await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.FromSeconds(10), [Id(1, 1), Id(7, 7)]);
        Assert.Equal(["n", "1"], Texts(Assert.Single(claimed)));
        var row = Assert.Single(await PendingAsync("s", "g", "bob"));
        Assert.Equal(2, row.DeliveryCount);
        Assert.Equal(TimeSpan.Zero, row.Idle);
        Assert.Empty(await Broker.StreamClaimAsync("s", "g", "carol", TimeSpan.FromSeconds(10), [Id(1, 1)]));
        Assert.Equal([Id(2, 1)], (await PendingAsync("s", "g", "alice")).Select(r => r.Id));
    }

    [Fact]
    public async Task StreamClaim_Options_IdleTimeRetryCountJustIdAndLastId()
    {
        await PendingForAliceAsync(3);
        var idle = await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.Zero, [Id(1, 1)], new StreamClaimOptions { Idle = TimeSpan.FromSeconds(30) });
        Assert.Single(idle);
        var row = Assert.Single(await PendingAsync("s", "g", "bob"));
        Assert.Equal(TimeSpan.FromSeconds(30), row.Idle);
        Assert.Equal(2, row.DeliveryCount);

        await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.Zero, [Id(2, 1)], new StreamClaimOptions { Time = StartTime - TimeSpan.FromSeconds(7), RetryCount = 9 });
        row = (await PendingAsync("s", "g", "bob"))[1];
        Assert.Equal(TimeSpan.FromSeconds(7), row.Idle);
        Assert.Equal(9, row.DeliveryCount);

        var justId = await Broker.StreamClaimAsync("s", "g", "carol", TimeSpan.Zero, [Id(3, 1)], new StreamClaimOptions { JustId = true, LastId = Id(50, 0) });
        Assert.Equal(Id(3, 1), Assert.Single(justId).Id);
        Assert.Null(justId[0].Fields);
        Assert.Equal(1, Assert.Single(await PendingAsync("s", "g", "carol")).DeliveryCount);
        Assert.Equal(Id(50, 0), Assert.Single(await Broker.GetStreamGroupsAsync("s")).LastDeliveredId);
    }

    [Fact]
    public async Task StreamClaim_Force_ClaimsExistingEntriesOutsideThePendingList()
    {
        await AddManyAsync("s", 2);
        await Broker.StreamCreateGroupAsync("s", "g");
        Assert.Empty(await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.Zero, [Id(1, 1)]));
        var forced = await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.FromHours(1), [Id(1, 1), Id(9, 9)], new StreamClaimOptions { Force = true });
        Assert.Equal([Id(1, 1)], forced.Select(e => e.Id));
        Assert.Equal(2, Assert.Single(await PendingAsync("s", "g", "bob")).DeliveryCount);
    }

    [Fact]
    public async Task StreamClaim_DeletedEntry_IsDroppedFromThePendingList()
    {
        await PendingForAliceAsync(2);
        await Broker.StreamDeleteEntriesAsync("s", [Id(1, 1)]);
        Assert.Equal([Id(2, 1)], (await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.Zero, [Id(1, 1), Id(2, 1)])).Select(e => e.Id));
        Assert.Equal([Id(2, 1)], (await PendingAsync("s", "g")).Select(r => r.Id));
        await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => Broker.StreamClaimAsync("s", "nope", "bob", TimeSpan.Zero, [Id(2, 1)]).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.FromSeconds(-1), [Id(2, 1)]).AsTask());
    }

    [Fact]
    public async Task StreamAutoClaim_DeletedEntries_AreReportedAndRemoved()
    {
        await PendingForAliceAsync(4);
        await Broker.StreamDeleteEntriesAsync("s", [Id(2, 1), Id(3, 1)]);
        Advance(TimeSpan.FromSeconds(10));
        var result = await Broker.StreamAutoClaimAsync("s", "g", "bob", TimeSpan.FromSeconds(10), StreamEntryId.MinValue);
        Assert.Equal([Id(1, 1), Id(4, 1)], result.Claimed.Select(e => e.Id));
        Assert.Equal([Id(2, 1), Id(3, 1)], result.Deleted);
        Assert.Equal(StreamEntryId.MinValue, result.Next);
        Assert.Equal([Id(1, 1), Id(4, 1)], (await PendingAsync("s", "g", "bob")).Select(r => r.Id));
        Assert.All(await PendingAsync("s", "g"), r => Assert.Equal(2, r.DeliveryCount));
    }

    [Fact]
    public async Task StreamAutoClaim_Count_ReturnsCursorOfTheNextPendingEntry()
    {
        await PendingForAliceAsync(5);
        var first = await Broker.StreamAutoClaimAsync("s", "g", "bob", TimeSpan.Zero, StreamEntryId.MinValue, count: 2);
        Assert.Equal([Id(1, 1), Id(2, 1)], first.Claimed.Select(e => e.Id));
        Assert.Equal(Id(3, 1), first.Next);
        var second = await Broker.StreamAutoClaimAsync("s", "g", "bob", TimeSpan.Zero, first.Next, count: 10, justId: true);
        Assert.Equal([Id(3, 1), Id(4, 1), Id(5, 1)], second.Claimed.Select(e => e.Id));
        Assert.All(second.Claimed, e => Assert.Null(e.Fields));
        Assert.Equal(StreamEntryId.MinValue, second.Next);
        Assert.Equal([2L, 2L, 1L, 1L, 1L], (await PendingAsync("s", "g")).Select(r => r.DeliveryCount));
        Advance(TimeSpan.FromSeconds(1));
        Assert.Empty((await Broker.StreamAutoClaimAsync("s", "g", "carol", TimeSpan.FromSeconds(5), StreamEntryId.MinValue)).Claimed);
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamAutoClaimAsync("s", "g", "bob", TimeSpan.Zero, default, count: 0).AsTask());
    }

    [Fact]
    public async Task StreamMaxDeliveries_DeliveryBeyondLimit_MovesEntryToDeadLetterStreamWithReason()
    {
        await AddManyAsync("s", 2);
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue, MaxDeliveries = 2, DeadLetterStream = "s-dead" });
        await ReadNewAsync("s", "g", "alice");
        Assert.Equal(2, (await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.Zero, [Id(1, 1), Id(2, 1)])).Count);
        Assert.Empty(await Broker.StreamClaimAsync("s", "g", "carol", TimeSpan.Zero, [Id(1, 1)]));
        Assert.Empty((await Broker.StreamAutoClaimAsync("s", "g", "carol", TimeSpan.Zero, StreamEntryId.MinValue)).Claimed);
        Assert.Equal(0, (await Broker.StreamPendingSummaryAsync("s", "g")).Count);
        var dead = await AllAsync("s-dead");
        Assert.Equal(2, dead.Count);
        Assert.Equal(["n", "1", "sluice-dl-stream", "s", "sluice-dl-id", "1-1", "sluice-dl-group", "g", "sluice-dl-consumer", "bob", "sluice-dl-deliveries", "2"], Texts(dead[0]));
        Assert.Equal(2, await Broker.StreamLengthAsync("s"));
        var group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Equal(2, group.MaxDeliveries);
        Assert.Equal("s-dead", group.DeadLetterStream);
    }

    [Fact]
    public async Task StreamMaxDeliveries_RereadBeyondLimit_DeadLettersAndWakesDeadLetterReaders()
    {
        await AddManyAsync("s", 1);
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue, MaxDeliveries = 1, DeadLetterStream = "dl" });
        await ReadNewAsync("s", "g", "alice");
        var watcher = await StartBlockedAsync(() => Broker.StreamReadAsync([StreamPosition.New("dl")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        Assert.Empty(await ReadPendingAsync("s", "g", "alice"));
        var woken = await CompletesAsync(watcher, "the dead-letter stream's reader wakes");
        Assert.Equal("dl", Assert.Single(woken).Stream);
    }

    [Fact]
    public async Task StreamMaxDeliveries_BadPolicy_IsInvalidAndCreatesNothing()
    {
        await AddAsync("s");
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MaxDeliveries = 3 }).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MaxDeliveries = 0, DeadLetterStream = "d" }).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MaxDeliveries = 3, DeadLetterStream = "s" }).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { DeadLetterStream = "d" }).AsTask());
        Assert.Empty(await Broker.GetStreamGroupsAsync("s"));
    }
}

/// <summary>Edge cases of claims and rewinds.</summary>
public abstract partial class StreamConformanceTests
{
    [Fact]
    public async Task StreamAutoClaim_ExaminesAtMostTenTimesCount_AndResumesFromTheCursor()
    {
        await PendingForAliceAsync(12);
        Advance(TimeSpan.FromSeconds(10));
        var fresh = Enumerable.Range(1, 11).Select(i => Id((ulong)i, 1)).ToList();
        Assert.Equal(11, (await Broker.StreamClaimAsync("s", "g", "bob", TimeSpan.Zero, fresh, new StreamClaimOptions { JustId = true })).Count);
        var first = await Broker.StreamAutoClaimAsync("s", "g", "carol", TimeSpan.FromSeconds(5), StreamEntryId.MinValue, count: 1);
        Assert.Empty(first.Claimed);
        Assert.Equal(Id(11, 1), first.Next);
        var second = await Broker.StreamAutoClaimAsync("s", "g", "carol", TimeSpan.FromSeconds(5), first.Next, count: 1);
        Assert.Equal([Id(12, 1)], second.Claimed.Select(e => e.Id));
        Assert.Equal(StreamEntryId.MinValue, second.Next);
    }

    [Fact]
    public async Task StreamReadGroup_AfterRewind_ReassignsPendingEntryWithCountOne()
    {
        await PendingForAliceAsync(2);
        await ReadPendingAsync("s", "g", "alice");
        await Broker.StreamSetGroupIdAsync("s", "g", StreamEntryId.MinValue);
        Assert.Equal([Id(1, 1), Id(2, 1)], (await ReadNewAsync("s", "g", "bob")).Select(e => e.Id));
        var rows = await PendingAsync("s", "g");
        Assert.All(rows, r => Assert.Equal("bob", r.Consumer));
        Assert.All(rows, r => Assert.Equal(1, r.DeliveryCount));
        Assert.Empty(await ReadPendingAsync("s", "g", "alice"));
    }

    [Fact]
    public async Task StreamTrim_ApproximateMinId_RemovesWholeBlocksBelowTheId()
    {
        await AddManyAsync("s", 250);
        Assert.Equal(100, await Broker.StreamTrimAsync("s", StreamTrim.ToMinId(Id(150, 0), approximate: true)));
        Assert.Equal(Id(101, 1), (await AllAsync("s"))[0].Id);
        Assert.Equal(49, await Broker.StreamTrimAsync("s", StreamTrim.ToMinId(Id(150, 0))));
    }
}
