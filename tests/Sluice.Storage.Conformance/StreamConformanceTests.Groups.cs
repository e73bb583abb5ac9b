namespace Sluice.Storage.Conformance;

/// <summary>Consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XINFO GROUPS/CONSUMERS).</summary>
public abstract partial class StreamConformanceTests
{
    private Task CreateGroupAsync(string stream, string group, StreamEntryId? from = null, bool makeStream = false, long? entriesRead = null) =>
        Broker.StreamCreateGroupAsync(stream, group, new StreamGroupOptions { LastDeliveredId = from, MakeStream = makeStream, EntriesRead = entriesRead }).AsTask();

    [Fact]
    public async Task StreamCreateGroup_Dollar_DeliversOnlyNewEntries()
    {
        await AddManyAsync("s", 2);
        await CreateGroupAsync("s", "g");
        Assert.Empty(await ReadNewAsync("s", "g", "c"));
        await AddAtAsync("s", Id(3, 0));
        Assert.Equal([Id(3, 0)], (await ReadNewAsync("s", "g", "c")).Select(e => e.Id));
    }

    [Fact]
    public async Task StreamCreateGroup_MissingStreamAndDuplicates_FollowRedis()
    {
        await AssertErrorAsync(ErrorCodes.StreamNotFound, () => CreateGroupAsync("s", "g"));
        Assert.False(await Broker.StreamExistsAsync("s"));
        await CreateGroupAsync("s", "g", makeStream: true);
        Assert.True(await Broker.StreamExistsAsync("s"));
        Assert.Equal(0, await Broker.StreamLengthAsync("s"));
        await AssertErrorAsync(ErrorCodes.StreamGroupExists, () => CreateGroupAsync("s", "g", makeStream: true));
        Assert.Equal(["g"], (await Broker.GetStreamGroupsAsync("s")).Select(g => g.Name));
    }

    [Fact]
    public async Task StreamReadGroup_Undelivered_AdvancesGroupAndRecordsPending()
    {
        await AddManyAsync("s", 3);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        Assert.Equal([Id(1, 1), Id(2, 1)], (await ReadNewAsync("s", "g", "alice", count: 2)).Select(e => e.Id));
        Assert.Equal([Id(3, 1)], (await ReadNewAsync("s", "g", "bob")).Select(e => e.Id));
        Assert.Empty(await ReadNewAsync("s", "g", "bob"));
        var summary = await Broker.StreamPendingSummaryAsync("s", "g");
        Assert.Equal(3, summary.Count);
        Assert.Equal(Id(1, 1), summary.Smallest);
        Assert.Equal(Id(3, 1), summary.Largest);
        Assert.Equal([new StreamConsumerPending("alice", 2), new StreamConsumerPending("bob", 1)], summary.Consumers);
        var group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Equal(Id(3, 1), group.LastDeliveredId);
        Assert.Equal(3, group.Pending);
        Assert.Equal(2, group.Consumers);
        Assert.Equal(3, group.EntriesRead);
        Assert.Equal(0, group.Lag);
    }

    [Fact]
    public async Task StreamReadGroup_ExplicitId_RereadsOnlyOwnPendingAndCountsDeliveries()
    {
        await AddManyAsync("s", 3);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        await ReadNewAsync("s", "g", "alice", count: 2);
        await ReadNewAsync("s", "g", "bob");
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal([Id(1, 1), Id(2, 1)], (await ReadPendingAsync("s", "g", "alice")).Select(e => e.Id));
        Assert.Equal([Id(2, 1)], (await ReadPendingAsync("s", "g", "alice", Id(1, 1))).Select(e => e.Id));
        Assert.Empty(await ReadPendingAsync("s", "g", "carol"));
        var rows = await PendingAsync("s", "g");
        Assert.Equal([2L, 3L, 1L], rows.Select(r => r.DeliveryCount));
        Assert.Equal(TimeSpan.Zero, rows[0].Idle);
        Assert.Equal(TimeSpan.FromSeconds(3), rows[2].Idle);
    }

    [Fact]
    public async Task StreamReadGroup_ExplicitIdOfDeletedEntry_ReturnsIdWithoutFields()
    {
        await AddManyAsync("s", 2);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        await ReadNewAsync("s", "g", "c");
        await Broker.StreamDeleteEntriesAsync("s", [Id(1, 1)]);
        var entries = await ReadPendingAsync("s", "g", "c");
        Assert.Equal([Id(1, 1), Id(2, 1)], entries.Select(e => e.Id));
        Assert.Null(entries[0].Fields);
        Assert.NotNull(entries[1].Fields);
        Assert.Equal(2, (await Broker.StreamPendingSummaryAsync("s", "g")).Count);
    }

    [Fact]
    public async Task StreamReadGroup_NoAck_DeliversWithoutPending()
    {
        await AddManyAsync("s", 2);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        Assert.Equal(2, (await ReadNewAsync("s", "g", "c", noAck: true)).Count);
        Assert.Equal(0, (await Broker.StreamPendingSummaryAsync("s", "g")).Count);
        Assert.Equal(Id(2, 1), Assert.Single(await Broker.GetStreamGroupsAsync("s")).LastDeliveredId);
    }

    [Fact]
    public async Task StreamReadGroup_MissingGroupOrStream_IsGroupNotFound()
    {
        await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => ReadNewAsync("missing", "g", "c"));
        await AddAsync("s");
        await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => ReadNewAsync("s", "g", "c"));
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamReadGroupAsync("g", "c", [StreamPosition.New("s")]).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamReadAsync([StreamPosition.Undelivered("s")]).AsTask());
    }

    [Fact]
    public async Task StreamRead_SeveralStreams_ReturnsOnlyThoseWithEntriesAfterTheirIds()
    {
        await AddManyAsync("a", 3);
        await AddManyAsync("b", 1);
        var results = await Broker.StreamReadAsync([StreamPosition.After("a", Id(1, 1)), StreamPosition.After("b", Id(1, 1)), StreamPosition.After("c", default)], new StreamReadOptions { Count = 1 });
        var a = Assert.Single(results);
        Assert.Equal("a", a.Stream);
        Assert.Equal([Id(2, 1)], a.Entries.Select(e => e.Id));
        Assert.Empty(await Broker.StreamReadAsync([StreamPosition.New("a")]));
    }

    [Fact]
    public async Task StreamAck_RemovesPendingAndCountsOnlyPendingIds()
    {
        await AddManyAsync("s", 3);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        await ReadNewAsync("s", "g", "c");
        Assert.Equal(2, await Broker.StreamAckAsync("s", "g", [Id(1, 1), Id(2, 1), Id(2, 1), Id(9, 9)]));
        Assert.Equal(0, await Broker.StreamAckAsync("s", "g", [Id(1, 1)]));
        Assert.Equal([Id(3, 1)], (await PendingAsync("s", "g")).Select(r => r.Id));
        Assert.Equal(0, await Broker.StreamAckAsync("s", "other", [Id(3, 1)]));
        Assert.Equal(0, await Broker.StreamAckAsync("missing", "g", [Id(3, 1)]));
    }

    [Fact]
    public async Task StreamPending_Extended_FiltersByRangeConsumerIdleAndCount()
    {
        await AddManyAsync("s", 4);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        await ReadNewAsync("s", "g", "alice", count: 2);
        Advance(TimeSpan.FromSeconds(10));
        await ReadNewAsync("s", "g", "bob");
        var q = new StreamPendingQuery { Count = 10 };
        Assert.Equal(4, (await Broker.StreamPendingAsync("s", "g", q)).Count);
        Assert.Equal([Id(2, 1), Id(3, 1)], (await Broker.StreamPendingAsync("s", "g", q with { Start = Id(2, 0), End = Id(3, 1) })).Select(r => r.Id));
        Assert.Equal([Id(3, 1), Id(4, 1)], (await Broker.StreamPendingAsync("s", "g", q with { Consumer = "bob" })).Select(r => r.Id));
        var idle = await Broker.StreamPendingAsync("s", "g", q with { MinIdle = TimeSpan.FromSeconds(5) });
        Assert.Equal([Id(1, 1), Id(2, 1)], idle.Select(r => r.Id));
        Assert.All(idle, r => Assert.Equal("alice", r.Consumer));
        Assert.Equal(TimeSpan.FromSeconds(10), idle[0].Idle);
        Assert.Single(await Broker.StreamPendingAsync("s", "g", q with { Count = 1 }));
        Assert.Empty(await Broker.StreamPendingAsync("s", "g", q with { Count = 0 }));
        await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => Broker.StreamPendingAsync("s", "nope", q).AsTask());
    }

    [Fact]
    public async Task StreamSetGroupId_WithEntriesRead_RewindsAndSetsLag()
    {
        await AddManyAsync("s", 5);
        await CreateGroupAsync("s", "g");
        var group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Equal(Id(5, 1), group.LastDeliveredId);
        Assert.Null(group.EntriesRead);
        Assert.Equal(0, group.Lag);
        await Broker.StreamSetGroupIdAsync("s", "g", Id(2, 1), entriesRead: 2);
        group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Equal(Id(2, 1), group.LastDeliveredId);
        Assert.Equal(2, group.EntriesRead);
        Assert.Equal(3, group.Lag);
        Assert.Equal([Id(3, 1), Id(4, 1), Id(5, 1)], (await ReadNewAsync("s", "g", "c")).Select(e => e.Id));
        group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Equal(5, group.EntriesRead);
        Assert.Equal(0, group.Lag);
        await Broker.StreamSetGroupIdAsync("s", "g", null);
        Assert.Null(Assert.Single(await Broker.GetStreamGroupsAsync("s")).EntriesRead);
        await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => Broker.StreamSetGroupIdAsync("s", "nope", null).AsTask());
        await AssertErrorAsync(ErrorCodes.StreamNotFound, () => Broker.StreamSetGroupIdAsync("missing", "g", null).AsTask());
    }

    [Fact]
    public async Task StreamGroupLag_WithDeletedEntryAhead_IsUnknown()
    {
        await AddManyAsync("s", 4);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        Assert.Equal(4, Assert.Single(await Broker.GetStreamGroupsAsync("s")).Lag);
        await ReadNewAsync("s", "g", "c", count: 1);
        await Broker.StreamDeleteEntriesAsync("s", [Id(3, 1)]);
        var group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Null(group.Lag);
        await ReadNewAsync("s", "g", "c");
        group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Equal(4, group.EntriesRead);
        Assert.Equal(0, group.Lag);
    }

    [Fact]
    public async Task StreamConsumers_CreateDeleteAndIdleTimes_FollowRedis()
    {
        await AddManyAsync("s", 3);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        Assert.True(await Broker.StreamCreateConsumerAsync("s", "g", "idle"));
        Assert.False(await Broker.StreamCreateConsumerAsync("s", "g", "idle"));
        await ReadNewAsync("s", "g", "worker", count: 2);
        Advance(TimeSpan.FromSeconds(4));
        await ReadNewAsync("s", "g", "worker", count: 0 + 1);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await ReadNewAsync("s", "g", "worker"));
        var consumers = await Broker.GetStreamConsumersAsync("s", "g");
        Assert.Equal(["idle", "worker"], consumers.Select(c => c.Name));
        Assert.Equal(0, consumers[0].Pending);
        Assert.Null(consumers[0].Inactive);
        Assert.Equal(TimeSpan.FromSeconds(5), consumers[0].Idle);
        Assert.Equal(3, consumers[1].Pending);
        Assert.Equal(TimeSpan.Zero, consumers[1].Idle);
        Assert.Equal(TimeSpan.FromSeconds(1), consumers[1].Inactive);
        Assert.Equal(3, await Broker.StreamDeleteConsumerAsync("s", "g", "worker"));
        Assert.Equal(0, await Broker.StreamDeleteConsumerAsync("s", "g", "worker"));
        Assert.Equal(0, (await Broker.StreamPendingSummaryAsync("s", "g")).Count);
        Assert.Equal(["idle"], (await Broker.GetStreamConsumersAsync("s", "g")).Select(c => c.Name));
        await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => Broker.StreamCreateConsumerAsync("s", "nope", "c").AsTask());
        await AssertErrorAsync(ErrorCodes.StreamNotFound, () => Broker.StreamDeleteConsumerAsync("missing", "g", "c").AsTask());
    }

    [Fact]
    public async Task StreamDeleteGroup_RemovesGroupAndItsPending()
    {
        await AddManyAsync("s", 2);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        await ReadNewAsync("s", "g", "c");
        Assert.True(await Broker.StreamDeleteGroupAsync("s", "g"));
        Assert.False(await Broker.StreamDeleteGroupAsync("s", "g"));
        await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => Broker.StreamPendingSummaryAsync("s", "g").AsTask());
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        Assert.Equal(0, (await Broker.StreamPendingSummaryAsync("s", "g")).Count);
        await AssertErrorAsync(ErrorCodes.StreamNotFound, () => Broker.StreamDeleteGroupAsync("missing", "g").AsTask());
    }

    [Fact]
    public async Task StreamFullInfo_ListsEntriesGroupsPendingAndConsumers()
    {
        await AddManyAsync("s", 3);
        await CreateGroupAsync("s", "g", StreamEntryId.MinValue);
        await ReadNewAsync("s", "g", "c", count: 2);
        var full = await Broker.GetStreamFullInfoAsync("s", count: 2);
        Assert.Equal(3, full.Stream.Length);
        Assert.Equal([Id(1, 1), Id(2, 1)], full.Entries.Select(e => e.Id));
        var group = Assert.Single(full.Groups);
        Assert.Equal(2, group.Group.Pending);
        Assert.Equal([Id(1, 1), Id(2, 1)], group.Pending.Select(p => p.Id));
        var consumer = Assert.Single(group.Consumers);
        Assert.Equal("c", consumer.Consumer.Name);
        Assert.Equal(2, consumer.Pending.Count);
        Assert.Equal(3, (await Broker.GetStreamFullInfoAsync("s", count: 0)).Entries.Count);
    }
}
