namespace Sluice.Storage.Conformance;

/// <summary>
/// Calls made without awaiting the earlier ones (what the RESP face does with a connection's pipelined commands) take
/// effect in the order they were made: each sees every earlier one, none sees a later one, and a failing call leaves
/// the others alone.
/// </summary>
public abstract partial class StreamConformanceTests
{
    [Fact]
    public async Task StreamCalls_IssuedWithoutAwaiting_TakeEffectInIssueOrder()
    {
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true, LastDeliveredId = StreamEntryId.MinValue });

        var appends = new List<Task<StreamEntryId?>>();
        for (var i = 1; i <= 20; i++)
            appends.Add(Broker.StreamAppendAsync("s", Fields("n", $"{i}"), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = Id(1, (ulong)i) }).AsTask());
        var length = Broker.StreamLengthAsync("s").AsTask();
        var tooSmall = Broker.StreamAppendAsync("s", Fields("n", "x"), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = Id(1, 3) }).AsTask();
        var range = Broker.StreamRangeAsync("s", StreamEntryId.MinValue, StreamEntryId.MaxValue).AsTask();
        var delivered = Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")], new StreamReadOptions { Count = 100 }).AsTask();
        var acked = Broker.StreamAckAsync("s", "g", [Id(1, 1), Id(1, 2)]).AsTask();
        var pending = Broker.StreamPendingSummaryAsync("s", "g").AsTask();
        var later = Broker.StreamAppendAsync("s", Fields("n", "21"), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = Id(1, 21) }).AsTask();
        var lengthAfter = Broker.StreamLengthAsync("s").AsTask();

        for (var i = 0; i < appends.Count; i++)
            Assert.Equal(Id(1, (ulong)(i + 1)), await appends[i]);
        Assert.Equal(20, await length);
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => tooSmall);
        Assert.Equal(20, (await range).Count);
        var read = Assert.Single(await delivered);
        Assert.Equal(20, read.Entries.Count);
        Assert.Equal(2, await acked);
        Assert.Equal(18, (await pending).Count);
        Assert.Equal(Id(1, 21), await later);
        Assert.Equal(21, await lengthAfter);
    }

    [Fact]
    public async Task StreamRead_SeveralStreamsThenAppendIssuedBehind_DoesNotSeeTheAppend()
    {
        await AddAtAsync("a", Id(1, 1));
        await AddAtAsync("b", Id(1, 1));
        await Broker.StreamCreateGroupAsync("a", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue });
        await Broker.StreamCreateGroupAsync("b", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue });

        var read = Broker.StreamReadAsync([StreamPosition.After("a", StreamEntryId.MinValue), StreamPosition.After("b", StreamEntryId.MinValue)]).AsTask();
        var group = Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("a"), StreamPosition.Undelivered("b")]).AsTask();
        var behind = Broker.StreamAppendAsync("b", Fields("f", "v"), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = Id(1, 2) }).AsTask();

        Assert.Equal([1, 1], (await read).Select(r => r.Entries.Count));
        Assert.Equal([1, 1], (await group).Select(r => r.Entries.Count));
        Assert.Equal(Id(1, 2), await behind);
    }

    [Fact]
    public async Task StreamRead_DollarWithoutBlock_ReturnsNothing()
    {
        await AddAsync("s");
        Assert.Empty(await Broker.StreamReadAsync([StreamPosition.New("s")]));
    }
}
