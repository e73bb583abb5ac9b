namespace Sluice.Storage.Conformance;

/// <summary>Appends, ids, ranges, trims and deletes (XADD, XRANGE, XREVRANGE, XLEN, XTRIM, XDEL, XSETID).</summary>
public abstract partial class StreamConformanceTests
{
    [Fact]
    public async Task StreamAppend_AutoId_UsesClockMillisecondsThenSequence()
    {
        Assert.Equal(Id(StartMs, 0), await AddAsync("s"));
        Assert.Equal(Id(StartMs, 1), await AddAsync("s"));
        Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(Id(StartMs + 5, 0), await AddAsync("s"));
        Assert.Equal(3, await Broker.StreamLengthAsync("s"));
    }

    [Fact]
    public async Task StreamAppend_LastIdAheadOfClock_IncrementsLastId()
    {
        await AddAtAsync("s", Id(StartMs + 1000, 5));
        Assert.Equal(Id(StartMs + 1000, 6), await AddAsync("s"));
    }

    [Fact]
    public async Task StreamAppend_ExplicitIdEqualOrSmallerThanTop_FailsAndChangesNothing()
    {
        await AddAtAsync("s", Id(5, 1));
        await AddAtAsync("s", Id(6, 0));
        await Broker.StreamDeleteEntriesAsync("s", [Id(6, 0)]);
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => AddAtAsync("s", Id(6, 0)));
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => AddAtAsync("s", Id(5, 9)));
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => AddAtAsync("s", Id(0, 0)));
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => AddAtAsync("new", Id(0, 0)));
        Assert.False(await Broker.StreamExistsAsync("new"));
        Assert.Equal([Id(5, 1)], (await AllAsync("s")).Select(e => e.Id));
        Assert.Equal(Id(6, 1), await AddAtAsync("s", Id(6, 1)));
    }

    [Fact]
    public async Task StreamAppend_MillisecondsWithAutoSequence_PicksNextSequence()
    {
        var auto = (ulong ms) => Broker.StreamAppendAsync("s", Fields("f", "v"), new StreamAppendOptions { IdMode = StreamIdMode.AutoSequence, Id = Id(ms, 0) }).AsTask();
        Assert.Equal(Id(0, 1), await auto(0));
        Assert.Equal(Id(0, 2), await auto(0));
        Assert.Equal(Id(7, 0), await auto(7));
        Assert.Equal(Id(7, 1), await auto(7));
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => auto(6));
    }

    [Fact]
    public async Task StreamAppend_AfterLargestPossibleId_IsExhausted()
    {
        await AddAtAsync("s", StreamEntryId.MaxValue);
        await AssertErrorAsync(ErrorCodes.StreamIdExhausted, () => AddAsync("s"));
    }

    [Fact]
    public async Task StreamAppend_NoMakeStream_ReturnsNullAndCreatesNothing()
    {
        var id = await Broker.StreamAppendAsync("s", Fields("f", "v"), new StreamAppendOptions { NoMakeStream = true });
        Assert.Null(id);
        Assert.False(await Broker.StreamExistsAsync("s"));
        await AddAsync("s");
        Assert.NotNull(await Broker.StreamAppendAsync("s", Fields("f", "v"), new StreamAppendOptions { NoMakeStream = true }));
    }

    [Fact]
    public async Task StreamAppend_BadInput_IsRefused()
    {
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamAppendAsync("s", []).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidStreamName, () => Broker.StreamAppendAsync("", Fields("f", "v")).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidStreamName, () => Broker.StreamAppendAsync(new string('s', 1025), Fields("f", "v")).AsTask());
        Assert.Empty(await Broker.ListStreamsAsync());
    }

    [Fact]
    public async Task StreamAppend_BinaryFields_RoundTripExactly()
    {
        byte[] name = [0, 255, 10, 13], value = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        var id = (await Broker.StreamAppendAsync("s", [new StreamField(name, value), new StreamField(Array.Empty<byte>(), Array.Empty<byte>())]))!.Value;
        var entry = Assert.Single(await AllAsync("s"));
        Assert.Equal(id, entry.Id);
        Assert.Equal(name, entry.Fields![0].Name.ToArray());
        Assert.Equal(value, entry.Fields[0].Value.ToArray());
        Assert.Equal(0, entry.Fields[1].Name.Length);
        Assert.Equal(0, entry.Fields[1].Value.Length);
    }

    [Fact]
    public async Task StreamRange_BoundsCountAndReverse_FollowRedis()
    {
        await AddManyAsync("s", 5);
        Assert.Equal([Id(2, 1), Id(3, 1), Id(4, 1)], (await Broker.StreamRangeAsync("s", Id(2, 0), Id(4, 1))).Select(e => e.Id));
        Assert.Equal([Id(2, 1), Id(3, 1)], (await Broker.StreamRangeAsync("s", Id(2, 0), Id(4, 1), count: 2)).Select(e => e.Id));
        Assert.Equal([Id(4, 1), Id(3, 1)], (await Broker.StreamRangeAsync("s", Id(2, 0), Id(4, 1), count: 2, reverse: true)).Select(e => e.Id));
        Assert.Empty(await Broker.StreamRangeAsync("s", StreamEntryId.MinValue, StreamEntryId.MaxValue, count: 0));
        Assert.Empty(await Broker.StreamRangeAsync("s", Id(4, 0), Id(2, 0)));
        Assert.Empty(await Broker.StreamRangeAsync("missing", StreamEntryId.MinValue, StreamEntryId.MaxValue));
        Assert.Equal(["n", "3"], Texts((await Broker.StreamRangeAsync("s", Id(3, 1), Id(3, 1)))[0]));
    }

    [Fact]
    public async Task StreamTrim_ExactMaxLengthAndMinId_RemoveOldest()
    {
        await AddManyAsync("s", 10);
        Assert.Equal(3, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(7)));
        Assert.Equal(Id(4, 1), (await AllAsync("s"))[0].Id);
        Assert.Equal(2, await Broker.StreamTrimAsync("s", StreamTrim.ToMinId(Id(6, 0))));
        Assert.Equal(Id(6, 1), (await AllAsync("s"))[0].Id);
        Assert.Equal(0, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(100)));
        Assert.Equal(5, await Broker.StreamLengthAsync("s"));
        var info = await Broker.GetStreamInfoAsync("s");
        Assert.Equal(Id(6, 1), info.RecordedFirstEntryId);
        Assert.Equal(10, info.EntriesAdded);
        Assert.Equal(StreamEntryId.MinValue, info.MaxDeletedEntryId);
        Assert.Equal(0, await Broker.StreamTrimAsync("missing", StreamTrim.MaxLength(0)));
    }

    [Fact]
    public async Task StreamTrim_Approximate_RemovesWholeBlocksUpToLimit()
    {
        await AddManyAsync("s", 250);
        Assert.Equal(100, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(120, approximate: true)));
        Assert.Equal(150, await Broker.StreamLengthAsync("s"));
        Assert.Equal(0, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(100, approximate: true)));
        Assert.Equal(100, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(0, approximate: true, limit: 120)));
        Assert.Equal(0, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(0, approximate: true, limit: 49)));
        Assert.Equal(50, await Broker.StreamLengthAsync("s"));
        Assert.Equal(50, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(0)));
    }

    [Theory]
    [InlineData(150, 0, 150)]
    [InlineData(50, 0, 50)]
    [InlineData(150, 10, 100)]
    [InlineData(150, 20, 100)]
    [InlineData(250, 49, 200)]
    [InlineData(250, 50, 200)]
    [InlineData(250, 51, 100)]
    public async Task StreamTrim_ApproximateCoveringTheNewestBlock_RemovesItWholeAsRedis(int entries, long threshold, long removed)
    {
        // Redis removes a node, the newest partly filled one included, whenever the trim covers all of it.
        await AddManyAsync("s", entries);
        Assert.Equal(removed, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(threshold, approximate: true)));
        Assert.Equal(entries - removed, await Broker.StreamLengthAsync("s"));
    }

    [Fact]
    public async Task StreamTrim_ApproximateCoveringEveryEntry_RemovesAllByMinIdAndByUnlimitedLimit()
    {
        await AddManyAsync("s", 150);
        Assert.Equal(100, await Broker.StreamTrimAsync("s", StreamTrim.ToMinId(Id(150, 1), approximate: true)));
        Assert.Equal(50, await Broker.StreamTrimAsync("s", StreamTrim.ToMinId(Id(151, 0), approximate: true)));
        Assert.Equal(0, await Broker.StreamLengthAsync("s"));
        await AddManyAsync("t", 50);
        Assert.Equal(50, await Broker.StreamTrimAsync("t", StreamTrim.MaxLength(0, approximate: true, limit: 0)));
    }

    [Fact]
    public async Task StreamTrim_ApproximateAfterExactTrim_RemovesTheRestOfTheThinnedBlock()
    {
        // Blocks hold the entries added 1-100, 101-200, ... (Redis's nodes): an exact trim to 555 of 1,000 leaves 55
        // entries of the block 401-500, which a ~ trim then removes whole (Redis's "XTRIM with MAXLEN option basic test").
        await AddManyAsync("s", 1000);
        Assert.Equal(445, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(555)));
        Assert.Equal(55, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(444, approximate: true)));
        Assert.Equal(Id(501, 1), (await AllAsync("s"))[0].Id);
        Assert.Equal(100, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(400, approximate: true)));
        Assert.Equal(0, await Broker.StreamTrimAsync("s", StreamTrim.MaxLength(301, approximate: true)));
        Assert.Equal(0, await Broker.StreamTrimAsync("s", StreamTrim.ToMinId(Id(700, 1), approximate: true)));
        Assert.Equal(100, await Broker.StreamTrimAsync("s", StreamTrim.ToMinId(Id(701, 1), approximate: true)));
        Assert.Equal(300, await Broker.StreamLengthAsync("s"));
    }

    [Fact]
    public async Task StreamTrim_LimitWithoutApproximate_IsInvalidAndChangesNothing()
    {
        await AddManyAsync("s", 3);
        var ex = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamTrimAsync("s", StreamTrim.MaxLength(0) with { Limit = 10 }).AsTask());
        Assert.Equal("limit", ex.Field);
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamTrimAsync("s", StreamTrim.MaxLength(-1)).AsTask());
        Assert.Equal(3, await Broker.StreamLengthAsync("s"));
    }

    [Fact]
    public async Task StreamAppend_WithTrim_TrimsAfterAppending()
    {
        await AddManyAsync("s", 5);
        await Broker.StreamAppendAsync("s", Fields("f", "v"), new StreamAppendOptions { IdMode = StreamIdMode.Explicit, Id = Id(9, 0), Trim = StreamTrim.MaxLength(2) });
        Assert.Equal([Id(5, 1), Id(9, 0)], (await AllAsync("s")).Select(e => e.Id));
    }

    [Fact]
    public async Task StreamDeleteEntries_ThenRange_SkipsDeletedAndRecordsMaxDeleted()
    {
        await AddManyAsync("s", 4);
        Assert.Equal(2, await Broker.StreamDeleteEntriesAsync("s", [Id(1, 1), Id(3, 1), Id(9, 9)]));
        Assert.Equal([Id(2, 1), Id(4, 1)], (await AllAsync("s")).Select(e => e.Id));
        var info = await Broker.GetStreamInfoAsync("s");
        Assert.Equal(2, info.Length);
        Assert.Equal(Id(3, 1), info.MaxDeletedEntryId);
        Assert.Equal(Id(2, 1), info.RecordedFirstEntryId);
        Assert.Equal(Id(4, 1), info.LastGeneratedId);
        Assert.Equal(0, await Broker.StreamDeleteEntriesAsync("missing", [Id(1, 1)]));
    }

    [Fact]
    public async Task StreamDeleteEntries_Everything_KeepsAnEmptyStreamWithItsLastId()
    {
        await AddManyAsync("s", 2);
        await Broker.StreamDeleteEntriesAsync("s", [Id(1, 1), Id(2, 1)]);
        Assert.True(await Broker.StreamExistsAsync("s"));
        var info = await Broker.GetStreamInfoAsync("s");
        Assert.Equal(0, info.Length);
        Assert.Null(info.FirstEntry);
        Assert.Equal(Id(2, 1), info.LastGeneratedId);
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => AddAtAsync("s", Id(2, 1)));
    }

    [Fact]
    public async Task StreamInfo_ReportsEntriesAndCounters()
    {
        await AddAtAsync("s", Id(1, 0), "a", "1");
        await AddAtAsync("s", Id(2, 0), "b", "22");
        var info = await Broker.GetStreamInfoAsync("s");
        Assert.Equal(2, info.Length);
        Assert.Equal(5, info.Bytes);
        Assert.Equal(Id(1, 0), info.FirstEntry!.Id);
        Assert.Equal(["b", "22"], Texts(info.LastEntry!));
        Assert.Equal(2, info.EntriesAdded);
        Assert.Equal(0, info.Groups);
        Assert.Equal(StartTime, info.CreatedAt);
        await AssertErrorAsync(ErrorCodes.StreamNotFound, () => Broker.GetStreamInfoAsync("missing").AsTask());
    }

    [Fact]
    public async Task StreamSetId_OnAnEmptiedStream_MayGoBelowTheLastAndDeletedIds()
    {
        await AddManyAsync("s", 2);
        await Broker.StreamDeleteEntriesAsync("s", [Id(1, 1), Id(2, 1)]);
        await Broker.StreamSetIdAsync("s", new StreamSetIdOptions(StreamEntryId.MinValue));
        var info = await Broker.GetStreamInfoAsync("s");
        Assert.Equal(StreamEntryId.MinValue, info.LastGeneratedId);
        Assert.Equal(Id(2, 1), info.MaxDeletedEntryId);
        Assert.Equal(Id(1, 5), await AddAtAsync("s", Id(1, 5)));
    }

    [Fact]
    public async Task StreamSetId_FollowsRedisChecks()
    {
        await AddManyAsync("s", 3);
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => Broker.StreamSetIdAsync("s", new StreamSetIdOptions(Id(2, 0))).AsTask());
        await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.StreamSetIdAsync("s", new StreamSetIdOptions(Id(9, 0), EntriesAdded: 2)).AsTask());
        await AssertErrorAsync(ErrorCodes.StreamNotFound, () => Broker.StreamSetIdAsync("missing", new StreamSetIdOptions(Id(9, 0))).AsTask());
        await Broker.StreamSetIdAsync("s", new StreamSetIdOptions(Id(9, 0), EntriesAdded: 50, MaxDeletedId: Id(8, 0)));
        var info = await Broker.GetStreamInfoAsync("s");
        Assert.Equal(Id(9, 0), info.LastGeneratedId);
        Assert.Equal(50, info.EntriesAdded);
        Assert.Equal(Id(8, 0), info.MaxDeletedEntryId);
        await AssertErrorAsync(ErrorCodes.StreamIdTooSmall, () => AddAtAsync("s", Id(9, 0)));
        Assert.Equal(Id(9, 1), await AddAtAsync("s", Id(9, 1)));
    }

    [Fact]
    public async Task DeleteStream_RemovesEntriesAndGroups()
    {
        await AddManyAsync("s", 2);
        await Broker.StreamCreateGroupAsync("s", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue });
        await ReadNewAsync("s", "g", "c");
        Assert.True(await Broker.DeleteStreamAsync("s"));
        Assert.False(await Broker.DeleteStreamAsync("s"));
        Assert.False(await Broker.StreamExistsAsync("s"));
        Assert.Equal(0, await Broker.StreamLengthAsync("s"));
        await AddAtAsync("s", Id(1, 1));
        Assert.Empty(await Broker.GetStreamGroupsAsync("s"));
    }

    [Fact]
    public async Task RenameStream_MovesEverythingAndRenameNxKeepsAnExistingDestination()
    {
        await AddManyAsync("a", 2);
        await Broker.StreamCreateGroupAsync("a", "g", new StreamGroupOptions { LastDeliveredId = StreamEntryId.MinValue });
        await ReadNewAsync("a", "g", "c", count: 1);
        await AddAsync("b");
        Assert.False(await Broker.RenameStreamAsync("a", "b", replace: false));
        Assert.True(await Broker.StreamExistsAsync("a"));
        Assert.True(await Broker.RenameStreamAsync("a", "b"));
        Assert.Equal(["b"], await Broker.ListStreamsAsync());
        Assert.Equal(2, await Broker.StreamLengthAsync("b"));
        Assert.Equal(1, (await Broker.StreamPendingSummaryAsync("b", "g")).Count);
        Assert.Single(await ReadNewAsync("b", "g", "c"));
        await AssertErrorAsync(ErrorCodes.StreamNotFound, () => Broker.RenameStreamAsync("a", "c").AsTask());
    }
}
