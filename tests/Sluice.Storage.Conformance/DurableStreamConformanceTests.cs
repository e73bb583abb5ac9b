namespace Sluice.Storage.Conformance;

/// <summary>
/// The stream suite for durable stores: everything in <see cref="StreamConformanceTests"/> plus restart tests.
/// <see cref="StreamConformanceTests.CreateStore"/> must reopen the same data on every call within one test.
/// </summary>
public abstract class DurableStreamConformanceTests : StreamConformanceTests
{
    [Fact]
    public async Task Restart_GroupPendingDeliveryCountsAndLastDeliveredId_Survive()
    {
        await AddManyAsync("s", 4);
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue, MaxDeliveries = 5, DeadLetterStream = "dl" });
        await ReadNewAsync("s", "g", "alice", count: 3);
        await ReadPendingAsync("s", "g", "alice");
        await Broker.StreamAckAsync("s", "g", [Id(2, 1)]);
        Advance(TimeSpan.FromSeconds(8));

        await RestartAsync();

        var rows = await PendingAsync("s", "g");
        Assert.Equal([Id(1, 1), Id(3, 1)], rows.Select(r => r.Id));
        Assert.All(rows, r => Assert.Equal(2, r.DeliveryCount));
        Assert.All(rows, r => Assert.Equal(TimeSpan.FromSeconds(8), r.Idle));
        Assert.All(rows, r => Assert.Equal("alice", r.Consumer));
        var group = Assert.Single(await Broker.GetStreamGroupsAsync("s"));
        Assert.Equal(Id(3, 1), group.LastDeliveredId);
        Assert.Equal(3, group.EntriesRead);
        Assert.Equal(1, group.Lag);
        Assert.Equal(5, group.MaxDeliveries);
        Assert.Equal("dl", group.DeadLetterStream);
        Assert.Equal([Id(4, 1)], (await ReadNewAsync("s", "g", "bob")).Select(e => e.Id));
        Assert.Equal(["alice", "bob"], (await Broker.GetStreamConsumersAsync("s", "g")).Select(c => c.Name));
    }

    [Fact]
    public async Task Restart_StreamEntriesAndCounters_Survive()
    {
        await AddAtAsync("s", Id(1, 0), "a", "1");
        await AddAtAsync("s", Id(2, 0), "b", "2");
        await AddAtAsync("s", Id(3, 0), "c", "3");
        await Broker.StreamDeleteEntriesAsync("s", [Id(2, 0)]);
        await Broker.SetStreamRetentionAsync("s", new StreamRetention { MaxLength = 100, MaxAge = TimeSpan.FromDays(1) });
        await Broker.StreamCreateConsumerAsync("s", await CreateEmptyGroupAsync("s"), "idle");

        await RestartAsync();

        var info = await Broker.GetStreamInfoAsync("s");
        Assert.Equal(2, info.Length);
        Assert.Equal(Id(3, 0), info.LastGeneratedId);
        Assert.Equal(Id(2, 0), info.MaxDeletedEntryId);
        Assert.Equal(3, info.EntriesAdded);
        Assert.Equal(Id(1, 0), info.RecordedFirstEntryId);
        Assert.Equal(100, info.Retention.MaxLength);
        Assert.Equal(TimeSpan.FromDays(1), info.Retention.MaxAge);
        Assert.Equal(["c", "3"], Texts(info.LastEntry!));
        Assert.Equal(["idle"], (await Broker.GetStreamConsumersAsync("s", "g")).Select(c => c.Name));
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => AddAtAsync("s", Id(3, 0)));
    }

    private async Task<string> CreateEmptyGroupAsync(string stream)
    {
        await Broker.StreamCreateGroupAsync(stream, "g");
        return "g";
    }
}
