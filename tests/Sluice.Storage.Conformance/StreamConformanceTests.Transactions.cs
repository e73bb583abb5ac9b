namespace Sluice.Storage.Conformance;

/// <summary>
/// The broker's stream transaction (what EXEC and the REST batch append use): while its body runs no other caller's
/// stream operation takes effect; calls inside it run at once; a failing body releases the gate; stream versions
/// (WATCH) change with every write, of any caller; a batch append is all or nothing.
/// </summary>
public abstract partial class StreamConformanceTests
{
    /// <summary>Starts <paramref name="call"/> in a flow of its own (outside any transaction of the caller's flow).</summary>
    private static Task<T> Elsewhere<T>(Func<Task<T>> call)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(call);
        }
    }

    [Fact]
    public async Task RunStreamTransaction_AnotherCallerAppends_ItsAppendComesAfterTheBody()
    {
        Task<StreamEntryId?>? other = null;
        var result = await Broker.RunStreamTransactionAsync(async ct =>
        {
            await AddAtAsync("s", Id(1, 1));
            other = Elsewhere(() => Broker.StreamAppendAsync("s", Fields("by", "other")).AsTask());
            // The other append cannot take effect while the body runs: the body's second entry still goes right after its first.
            await AddAtAsync("s", Id(1, 2));
            Assert.Equal(2, await Broker.StreamLengthAsync("s", ct));
            return 42;
        });

        Assert.Equal(42, result);
        var appended = await CompletesAsync(other!, "the other append ends after the transaction");
        Assert.Equal([Id(1, 1), Id(1, 2), appended!.Value], (await AllAsync("s")).Select(e => e.Id));
    }

    [Fact]
    public async Task RunStreamTransaction_Nested_RunsInTheOuterTransaction()
    {
        var inner = await CompletesAsync(Broker.RunStreamTransactionAsync(async outer =>
            await Broker.RunStreamTransactionAsync(async ct =>
            {
                await AddAtAsync("s", Id(1, 1));
                return await Broker.StreamLengthAsync("s", ct);
            }, outer)).AsTask(), "a nested transaction runs at once");

        Assert.Equal(1, inner);
    }

    [Fact]
    public async Task RunStreamTransaction_BodyThrows_GateReleasedAndEarlierCallsKept()
    {
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => Broker.RunStreamTransactionAsync<int>(async _ =>
        {
            await AddAtAsync("s", Id(1, 1));
            await AddAtAsync("s", Id(1, 1)); // refused: no rollback of the first
            return 0;
        }).AsTask());

        var after = await CompletesAsync(Elsewhere(() => Broker.StreamAppendAsync("s", Fields("f", "v")).AsTask()), "an append after a failed transaction runs");
        Assert.NotNull(after);
        Assert.Equal(2, await Broker.StreamLengthAsync("s"));
    }

    [Fact]
    public async Task RunStreamTransaction_BlockingReadInside_ReturnsAtOnce()
    {
        await AddAsync("s");
        var read = await CompletesAsync(Broker.RunStreamTransactionAsync(async ct =>
            await Broker.StreamReadAsync([StreamPosition.New("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }, ct)).AsTask(),
            "a blocking read inside a transaction does not wait");

        Assert.Empty(read);
    }

    [Fact]
    public async Task StreamVersion_WritesChangeIt_ReadsGroupChangesAndOtherStreamsDoNot()
    {
        // Redis 7.0's rule (what WATCH sees): XADD, XTRIM/XDEL that remove something, creating or deleting the stream.
        var start = Broker.GetStreamVersion("s");
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue, MakeStream = true });
        var created = Broker.GetStreamVersion("s");
        Assert.NotEqual(start, created);
        await AddAtAsync("s", Id(1, 1));
        await AddAtAsync("s", Id(1, 2));
        var appended = Broker.GetStreamVersion("s");
        Assert.NotEqual(created, appended);

        await Broker.StreamLengthAsync("s");
        await AllAsync("s");
        await AddAsync("other");
        await Broker.StreamTrimAsync("s", new StreamTrim { Threshold = 10 });
        await Broker.StreamDeleteEntriesAsync("s", [Id(9, 9)]);
        await Broker.StreamCreateGroupAsync("s", "g2", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue, MakeStream = true });
        await ReadNewAsync("s", "g", "c");
        await Broker.StreamAckAsync("s", "g", [Id(1, 1)]);
        await Broker.StreamSetGroupIdAsync("s", "g", StreamEntryId.MinValue);
        await Broker.StreamDeleteGroupAsync("s", "g2");
        Assert.Equal(appended, Broker.GetStreamVersion("s"));

        await Broker.StreamDeleteEntriesAsync("s", [Id(1, 1)]);
        var deleted = Broker.GetStreamVersion("s");
        Assert.NotEqual(appended, deleted);
        await Broker.DeleteStreamAsync("s");
        Assert.NotEqual(deleted, Broker.GetStreamVersion("s"));
    }

    [Fact]
    public async Task StreamAppendAll_LaterIdNotAboveAnEarlierOne_AppendsNothing()
    {
        await AddAtAsync("s", Id(5, 5));
        Advance(TimeSpan.FromMilliseconds(1));

        // The first entry's id (generated from the clock) is far above 6-1, so the second is refused before anything is appended.
        var ex = await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => Broker.StreamAppendAllAsync("s",
        [
            new StreamAppendItem(Fields("n", "1")),
            new StreamAppendItem(Fields("n", "2"), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = Id(6, 1) }),
        ]).AsTask());

        Assert.Equal("entries[1].id", ex.Field);
        Assert.Equal([Id(5, 5)], (await AllAsync("s")).Select(e => e.Id));
        Assert.Equal(Id(5, 5), (await Broker.GetStreamInfoAsync("s")).LastEntry!.Id);
    }

    [Fact]
    public async Task StreamAppendAll_ValidBatch_AppendsInOrderWithTheIdsItReturns()
    {
        await AddAtAsync("s", Id(5, 5));

        var ids = await Broker.StreamAppendAllAsync("s",
        [
            new StreamAppendItem(Fields("n", "1"), new StreamAppendOptions { IdMode = StreamIdMode.AutoSequence, Id = Id(5, 0) }),
            new StreamAppendItem(Fields("n", "2")),
            new StreamAppendItem(Fields("n", "3"), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = StreamEntryId.MaxValue }),
        ]);

        Assert.Equal(Id(5, 6), ids![0]);
        Assert.Equal(Id(StartMs, 0), ids[1]);
        Assert.Equal(StreamEntryId.MaxValue, ids[2]);
        Assert.Equal([Id(5, 5), .. ids], (await AllAsync("s")).Select(e => e.Id));
    }

    [Fact]
    public async Task StreamAppendAll_NoMakeStreamOnAMissingStream_ReturnsNullAndCreatesNothing()
    {
        var ids = await Broker.StreamAppendAllAsync("missing",
            [new StreamAppendItem(Fields("f", "v"), new StreamAppendOptions { NoMakeStream = true })]);

        Assert.Null(ids);
        Assert.False(await Broker.StreamExistsAsync("missing"));
    }
}
