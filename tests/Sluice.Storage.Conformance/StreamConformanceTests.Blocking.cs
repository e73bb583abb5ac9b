namespace Sluice.Storage.Conformance;

/// <summary>Blocking reads (XREAD/XREADGROUP BLOCK) and retention.</summary>
public abstract partial class StreamConformanceTests
{
    [Fact]
    public async Task StreamRead_Blocked_IsWokenByAnAppendFromAnotherCaller()
    {
        await AddAsync("s");
        var read = await StartBlockedAsync(() => Broker.StreamReadAsync([StreamPosition.New("s"), StreamPosition.New("t")], new StreamReadOptions { Block = TimeSpan.FromMinutes(1) }).AsTask(), finite: true);
        var id = await Task.Run(() => AddAsync("t", "k", "v"));
        var result = Assert.Single(await CompletesAsync(read, "the append wakes the reader"));
        Assert.Equal("t", result.Stream);
        Assert.Equal(id, Assert.Single(result.Entries).Id);
        Assert.Equal(0, Broker.BlockedStreamReaders);
    }

    [Fact]
    public async Task StreamReadGroup_Blocked_IsWokenByAnAppendAndDeliversIt()
    {
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        var read = await StartBlockedAsync(() => Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        var id = await Task.Run(() => AddAsync("s"));
        var result = Assert.Single(await CompletesAsync(read, "the append wakes the group reader"));
        Assert.Equal(id, Assert.Single(result.Entries).Id);
        Assert.Equal(1, (await Broker.StreamPendingSummaryAsync("s", "g")).Count);
    }

    [Fact]
    public async Task StreamRead_Blocked_TimesOutOnTheFakeClock()
    {
        var read = await StartBlockedAsync(() => Broker.StreamReadAsync([StreamPosition.New("s")], new StreamReadOptions { Block = TimeSpan.FromSeconds(5) }).AsTask(), finite: true);
        Advance(TimeSpan.FromSeconds(4));
        Assert.False(read.IsCompleted);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await CompletesAsync(read, "the block timeout passes"));
    }

    [Fact]
    public async Task StreamRead_Blocked_EndsOnCancellation()
    {
        using var cts = new CancellationTokenSource();
        var read = await StartBlockedAsync(() => Broker.StreamReadAsync([StreamPosition.New("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }, cts.Token).AsTask(), finite: false);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(RealTimeout));
        Assert.Equal(0, Broker.BlockedStreamReaders);
    }

    [Fact]
    public async Task StreamReadGroup_BlockedWhenGroupIsDestroyed_WakesWithGroupNotFound()
    {
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        var read = await StartBlockedAsync(() => Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        await Broker.StreamDeleteGroupAsync("s", "g");
        var ex = await Assert.ThrowsAsync<SluiceException>(() => read.WaitAsync(RealTimeout));
        Assert.Equal(ErrorCodes.StreamGroupNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task StreamReadGroup_BlockedWhenStreamIsDeleted_WakesWithStreamNotFound()
    {
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        var read = await StartBlockedAsync(() => Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        await Broker.DeleteStreamAsync("s");
        var ex = await Assert.ThrowsAsync<SluiceException>(() => read.WaitAsync(RealTimeout));
        Assert.Equal(ErrorCodes.StreamNotFound, ex.ErrorCode);
        Assert.Equal(0, Broker.BlockedStreamReaders);
    }

    [Fact]
    public async Task StreamReadGroup_BlockedWhenRenamedOverByAStreamWithoutTheGroup_WakesWithGroupNotFound()
    {
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        var read = await StartBlockedAsync(() => Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask(), finite: false);
        await AddAsync("t");
        await Broker.RenameStreamAsync("t", "s");
        var ex = await Assert.ThrowsAsync<SluiceException>(() => read.WaitAsync(RealTimeout));
        Assert.Equal(ErrorCodes.StreamGroupNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task StreamReadGroup_SeveralStreamsOneWithoutTheGroup_FailsAndDeliversNothing()
    {
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        await AddAsync("s");
        await AddAsync("t");
        foreach (var missing in new[] { "t", "nostream" })
        {
            var ex = await AssertErrorAsync(ErrorCodes.StreamGroupNotFound, () => Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s"), StreamPosition.Undelivered(missing)]).AsTask());
            Assert.Contains($"'{missing}'", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await Broker.StreamPendingSummaryAsync("s", "g")).Count);
        Assert.Single(Assert.Single(await Broker.StreamReadGroupAsync("g", "c", [StreamPosition.Undelivered("s")])).Entries);
    }

    [Fact]
    public async Task StreamReadGroup_WithExplicitId_NeverBlocks()
    {
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { MakeStream = true });
        var results = await Broker.StreamReadGroupAsync("g", "c", [StreamPosition.After("s", default)], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan });
        Assert.Empty(Assert.Single(results).Entries);
    }

    [Fact]
    public async Task StreamRetention_CountAndBytes_ApplyOnAppend()
    {
        await Broker.SetStreamRetentionAsync("s", new StreamRetention { MaxLength = 3 });
        await AddManyAsync("s", 5);
        Assert.Equal([Id(3, 1), Id(4, 1), Id(5, 1)], (await AllAsync("s")).Select(e => e.Id));
        await Broker.SetStreamRetentionAsync("b", new StreamRetention { MaxBytes = 10 });
        await AddAtAsync("b", Id(1, 0), "aa", "aaa");
        await AddAtAsync("b", Id(2, 0), "bb", "bbb");
        await AddAtAsync("b", Id(3, 0), "cc", "ccc");
        Assert.Equal([Id(2, 0), Id(3, 0)], (await AllAsync("b")).Select(e => e.Id));
        Assert.Equal(10, (await Broker.GetStreamInfoAsync("b")).Bytes);
        Assert.Equal(3, (await Broker.GetStreamInfoAsync("s")).Retention.MaxLength);
    }

    [Fact]
    public async Task StreamRetention_Age_IsAppliedBySweepOnTheFakeClock()
    {
        await Broker.SetStreamRetentionAsync("s", new StreamRetention { MaxAge = TimeSpan.FromMinutes(10) });
        await AddAsync("s");
        Advance(TimeSpan.FromMinutes(6));
        var young = await AddAsync("s");
        Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await Broker.SweepAsync());
        Assert.Equal([young], (await AllAsync("s")).Select(e => e.Id));
        Assert.Equal(0, await Broker.SweepAsync());
    }
}
