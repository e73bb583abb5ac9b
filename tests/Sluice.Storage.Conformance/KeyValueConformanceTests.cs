using System.Text;

namespace Sluice.Storage.Conformance;

/// <summary>
/// The key-value conformance suite every <see cref="IKeyValueStore"/> passes, driven through the public
/// <see cref="Broker"/> API on a fake clock: versions, compare-and-set (and racing writers), deletes, expiry and the
/// sweep, listing by prefix with paging, and argument rules. A store's test project subclasses it and implements
/// <see cref="CreateStore"/>; durable stores subclass <see cref="DurableKeyValueConformanceTests"/>, which adds restart
/// tests. xUnit builds a new instance per test.
/// </summary>
public abstract class KeyValueConformanceTests : IAsyncLifetime
{
    /// <summary>The fake clock's start: a fixed instant, so failures reproduce.</summary>
    protected static readonly DateTimeOffset StartTime = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private Broker? _broker;

    /// <summary>The fake clock shared by the broker and the store.</summary>
    protected ConformanceTimeProvider Time { get; } = new(StartTime);

    /// <summary>The broker under test (rebuilt by <see cref="RestartAsync"/>).</summary>
    protected Broker Broker => _broker ?? throw new InvalidOperationException("the broker is not started");

    /// <summary>Builds the store under test (it must implement <see cref="IKeyValueStore"/>); a durable store reopens the same data on every call within a test.</summary>
    protected abstract IQueueStore CreateStore(TimeProvider time);

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _broker = await StartBrokerAsync();

    /// <summary>Disposes the broker and the store. A subclass that overrides it calls the base first.</summary>
    public virtual Task DisposeAsync() => StopBrokerAsync();

    /// <summary>Disposes the broker (and the store) and starts a new one over a new store from <see cref="CreateStore"/>.</summary>
    protected async Task RestartAsync()
    {
        await StopBrokerAsync();
        _broker = await StartBrokerAsync();
    }

    private async Task StopBrokerAsync()
    {
        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync();
        }
    }

    private async Task<Broker> StartBrokerAsync()
    {
        var broker = new Broker(CreateStore(Time), new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, Time);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>UTF-8 bytes of a text.</summary>
    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A record's value as UTF-8 text.</summary>
    protected static string Text(KeyValueRecord? record) => Encoding.UTF8.GetString(Assert.IsType<KeyValueRecord>(record).Value.Span);

    /// <summary>Asserts that <paramref name="action"/> fails with <paramref name="code"/>.</summary>
    protected static Task<SluiceException> AssertErrorAsync(string code, Func<Task> action) => ConformanceWaits.ErrorAsync(code, action);

    /// <summary>Writes with a condition (and no time-to-live).</summary>
    protected Task<KeyValueRecord> SetAsync(string key, string value, long? expected = null, TimeSpan? ttl = null) =>
        Broker.KeyValueSetAsync(key, Bytes(value), new KeyValueWriteOptions { ExpectedVersion = expected, TimeToLive = ttl }).AsTask();

    [Fact]
    public async Task KeyValueSet_NewKey_GetReadsValueVersionAndNoExpiry()
    {
        var written = await SetAsync("jobs/1", "queued");

        Assert.True(written.Version > 0);
        Assert.Null(written.ExpiresAt);
        var read = await Broker.KeyValueGetAsync("jobs/1");
        Assert.Equal("queued", Text(read));
        Assert.Equal(written.Version, read!.Version);
        Assert.Equal("jobs/1", read.Key);
    }

    [Fact]
    public async Task KeyValueGet_MissingKey_ReturnsNull() => Assert.Null(await Broker.KeyValueGetAsync("nothing"));

    [Fact]
    public async Task KeyValueSet_EveryWrite_IncreasesVersion()
    {
        var first = await SetAsync("a", "1");
        var other = await SetAsync("b", "1");
        var second = await SetAsync("a", "2");

        Assert.True(other.Version > first.Version);
        Assert.True(second.Version > other.Version);
        Assert.Equal(second.Version, (await Broker.KeyValueGetAsync("a"))!.Version);
    }

    [Fact]
    public async Task KeyValueSet_EmptyAndLargestValues_RoundTrip()
    {
        await Broker.KeyValueSetAsync("empty", ReadOnlyMemory<byte>.Empty);
        var largest = Enumerable.Range(0, KeyValueRules.MaxValueSize).Select(i => (byte)i).ToArray();
        await Broker.KeyValueSetAsync("largest", largest);

        Assert.Equal(0, (await Broker.KeyValueGetAsync("empty"))!.Value.Length);
        Assert.Equal(largest, (await Broker.KeyValueGetAsync("largest"))!.Value.ToArray());
    }

    [Fact]
    public async Task KeyValueSet_ExpectedZeroOnMissingKey_Creates()
    {
        var created = await SetAsync("cron/a", "x", expected: 0);

        Assert.Equal(created.Version, (await Broker.KeyValueGetAsync("cron/a"))!.Version);
    }

    [Fact]
    public async Task KeyValueSet_ExpectedZeroOnExistingKey_ConflictsAndChangesNothing()
    {
        var existing = await SetAsync("cron/a", "first");

        var e = await AssertErrorAsync(ErrorCodes.VersionConflict, () => SetAsync("cron/a", "second", expected: 0));

        Assert.Equal("expectedVersion", e.Field);
        Assert.False(e.IsTransient);
        Assert.Contains("cron/a", e.Message, StringComparison.Ordinal);
        var read = await Broker.KeyValueGetAsync("cron/a");
        Assert.Equal("first", Text(read));
        Assert.Equal(existing.Version, read!.Version);
    }

    [Fact]
    public async Task KeyValueSet_ExpectedVersionMatches_Writes()
    {
        var first = await SetAsync("k", "1");

        var second = await SetAsync("k", "2", expected: first.Version);

        Assert.True(second.Version > first.Version);
        Assert.Equal("2", Text(await Broker.KeyValueGetAsync("k")));
    }

    [Fact]
    public async Task KeyValueSet_StaleVersion_ConflictsAndChangesNothing()
    {
        var first = await SetAsync("k", "1");
        var second = await SetAsync("k", "2");

        var e = await AssertErrorAsync(ErrorCodes.VersionConflict, () => SetAsync("k", "3", expected: first.Version));

        Assert.Contains($"version {second.Version}", e.Message, StringComparison.Ordinal);
        var read = await Broker.KeyValueGetAsync("k");
        Assert.Equal("2", Text(read));
        Assert.Equal(second.Version, read!.Version);
    }

    [Fact]
    public async Task KeyValueSet_ExpectedVersionOnMissingKey_Conflicts()
    {
        await AssertErrorAsync(ErrorCodes.VersionConflict, () => SetAsync("k", "1", expected: 5));

        Assert.Null(await Broker.KeyValueGetAsync("k"));
    }

    [Fact]
    public async Task KeyValueDelete_Unconditional_DeletesThenReportsNothing()
    {
        await SetAsync("k", "1");

        Assert.True(await Broker.KeyValueDeleteAsync("k"));
        Assert.Null(await Broker.KeyValueGetAsync("k"));
        Assert.False(await Broker.KeyValueDeleteAsync("k"));
    }

    [Fact]
    public async Task KeyValueDelete_ExpectedVersion_DeletesOnlyThatVersion()
    {
        var first = await SetAsync("k", "1");
        var second = await SetAsync("k", "2");

        await AssertErrorAsync(ErrorCodes.VersionConflict, () => Broker.KeyValueDeleteAsync("k", first.Version).AsTask());
        Assert.Equal("2", Text(await Broker.KeyValueGetAsync("k")));

        Assert.True(await Broker.KeyValueDeleteAsync("k", second.Version));
        Assert.Null(await Broker.KeyValueGetAsync("k"));
        await AssertErrorAsync(ErrorCodes.VersionConflict, () => Broker.KeyValueDeleteAsync("k", second.Version).AsTask());
    }

    [Fact]
    public async Task KeyValueSet_AfterDeleteAndRecreate_OldVersionNeverMatches()
    {
        var old = await SetAsync("k", "1");
        await Broker.KeyValueDeleteAsync("k");
        var recreated = await SetAsync("k", "again", expected: 0);

        Assert.True(recreated.Version > old.Version);
        await AssertErrorAsync(ErrorCodes.VersionConflict, () => SetAsync("k", "stale writer", expected: old.Version));
        Assert.Equal("again", Text(await Broker.KeyValueGetAsync("k")));
    }

    [Fact]
    public async Task KeyValueSet_TimeToLive_RecordInvisibleOnceExpired()
    {
        var written = await SetAsync("status", "running", ttl: TimeSpan.FromSeconds(30));
        Assert.Equal(StartTime.AddSeconds(30), written.ExpiresAt);

        Time.Advance(TimeSpan.FromSeconds(29.999));
        Assert.Equal("running", Text(await Broker.KeyValueGetAsync("status")));

        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await Broker.KeyValueGetAsync("status"));
        Assert.Empty((await Broker.KeyValueListAsync()).Records);
        Assert.False(await Broker.KeyValueDeleteAsync("status"));
    }

    [Fact]
    public async Task KeyValueSet_OverExpiredRecord_CountsAsMissing()
    {
        var expired = await SetAsync("lock", "a", ttl: TimeSpan.FromSeconds(1));
        Time.Advance(TimeSpan.FromSeconds(1));

        await AssertErrorAsync(ErrorCodes.VersionConflict, () => SetAsync("lock", "b", expected: expired.Version));
        var taken = await SetAsync("lock", "b", expected: 0);

        Assert.True(taken.Version > expired.Version);
        Assert.Null(taken.ExpiresAt);
        Assert.Equal("b", Text(await Broker.KeyValueGetAsync("lock")));
    }

    [Fact]
    public async Task KeyValueSet_WithoutTimeToLive_RemovesEarlierExpiry()
    {
        await SetAsync("k", "1", ttl: TimeSpan.FromSeconds(10));
        await SetAsync("k", "2");

        Time.Advance(TimeSpan.FromDays(1));

        Assert.Equal("2", Text(await Broker.KeyValueGetAsync("k")));
    }

    [Fact]
    public async Task Sweep_ExpiredRecords_DeletedLiveOnesKept()
    {
        await SetAsync("short/1", "x", ttl: TimeSpan.FromSeconds(5));
        await SetAsync("short/2", "x", ttl: TimeSpan.FromSeconds(5));
        await SetAsync("long", "x", ttl: TimeSpan.FromHours(1));
        await SetAsync("forever", "x");
        Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(2, await Broker.SweepAsync());
        Assert.Equal(0, await Broker.SweepAsync());
        Assert.Equal(["forever", "long"], (await Broker.KeyValueListAsync()).Records.Select(r => r.Key));
    }

    [Fact]
    public async Task KeyValueList_Prefix_ReturnsOnlyMatchingKeysInOrder()
    {
        foreach (var key in new[] { "jobs/2", "cron/b", "jobs/10", "jobs", "jobs/1", "jobz", "cron/a" })
        {
            await SetAsync(key, key);
        }

        var page = await Broker.KeyValueListAsync("jobs/");

        Assert.Equal(["jobs/1", "jobs/10", "jobs/2"], page.Records.Select(r => r.Key));
        Assert.Equal(["jobs/1", "jobs/10", "jobs/2"], page.Records.Select(Text));
        Assert.Null(page.NextAfter);
        Assert.Equal(7, (await Broker.KeyValueListAsync()).Records.Count);
        Assert.Empty((await Broker.KeyValueListAsync("other")).Records);
    }

    [Fact]
    public async Task KeyValueList_Pages_VisitEveryKeyOnce()
    {
        var keys = Enumerable.Range(0, 25).Select(i => $"p/{i:D2}").ToArray();
        foreach (var key in keys.Reverse())
        {
            await SetAsync(key, "v");
        }

        await SetAsync("q/after", "v");

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await Broker.KeyValueListAsync("p/", after, limit: 10);
            seen.AddRange(page.Records.Select(r => r.Key));
            after = page.NextAfter;
            pages++;
        }
        while (after is not null);

        Assert.Equal(keys, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task KeyValueList_ExactlyFullPage_HasNoNextPage()
    {
        await SetAsync("a", "v");
        await SetAsync("b", "v");

        var page = await Broker.KeyValueListAsync(limit: 2);

        Assert.Equal(2, page.Records.Count);
        Assert.Null(page.NextAfter);
    }

    [Fact]
    public async Task KeyValueList_NonAsciiKeys_InCodePointOrder()
    {
        // U+FFFD sorts before U+1F600 (a surrogate pair) by code point and UTF-8 bytes, after it by UTF-16 code units.
        string[] keys = ["k/\U0001F600", "k/\uFFFD", "k/z", "k/\u00e9"];
        foreach (var key in keys)
        {
            await SetAsync(key, "v");
        }

        var page = await Broker.KeyValueListAsync("k/");

        Assert.Equal(["k/z", "k/\u00e9", "k/\uFFFD", "k/\U0001F600"], page.Records.Select(r => r.Key));
        var second = await Broker.KeyValueListAsync("k/", after: "k/\uFFFD");
        Assert.Equal(["k/\U0001F600"], second.Records.Select(r => r.Key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("nul\0")]
    public async Task KeyValueSet_InvalidKey_InvalidArgumentNamingKey(string key)
    {
        var e = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => SetAsync(key, "v"));

        Assert.Equal("key", e.Field);
    }

    [Fact]
    public async Task KeyValueSet_UnpairedSurrogateInKey_InvalidArgument()
    {
        // Built at run time: an attribute argument cannot hold an unpaired surrogate (metadata stores UTF-8).
        var key = "a" + (char)0xD800 + "b";

        var e = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => SetAsync(key, "v"));

        Assert.Equal("key", e.Field);
        Assert.Contains("surrogate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyValueSet_KeyLengthLimit_256Accepted257Refused()
    {
        await SetAsync(new string('k', KeyValueRules.MaxKeyLength), "v");

        var e = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => SetAsync(new string('k', KeyValueRules.MaxKeyLength + 1), "v"));
        Assert.Equal("key", e.Field);
        Assert.Contains("257", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyValueSet_ValueTooLarge_InvalidArgumentAndNothingStored()
    {
        var e = await AssertErrorAsync(ErrorCodes.InvalidArgument,
            () => Broker.KeyValueSetAsync("big", new byte[KeyValueRules.MaxValueSize + 1]).AsTask());

        Assert.Equal("value", e.Field);
        Assert.Contains("65536", e.Message, StringComparison.Ordinal);
        Assert.Null(await Broker.KeyValueGetAsync("big"));
    }

    [Fact]
    public async Task KeyValue_OutOfRangeArguments_InvalidArgumentNamingTheField()
    {
        Assert.Equal("timeToLive", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => SetAsync("k", "v", ttl: TimeSpan.Zero))).Field);
        Assert.Equal("timeToLive", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => SetAsync("k", "v", ttl: TimeSpan.FromDays(366)))).Field);
        Assert.Equal("expectedVersion", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => SetAsync("k", "v", expected: -1))).Field);
        Assert.Equal("expectedVersion", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueDeleteAsync("k", 0).AsTask())).Field);
        Assert.Equal("limit", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueListAsync(limit: 0).AsTask())).Field);
        Assert.Equal("limit", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueListAsync(limit: 1001).AsTask())).Field);
        Assert.Equal("prefix", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueListAsync("a\nb").AsTask())).Field);
        Assert.Equal("after", (await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueListAsync(after: "").AsTask())).Field);
        Assert.Null(await Broker.KeyValueGetAsync("k"));
    }

    [Fact]
    public async Task KeyValueSet_RacingCompareAndSet_ExactlyOneWriterWins()
    {
        const int writers = 16;
        var start = await SetAsync("counter", "0");

        var attempts = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            try
            {
                return (Writer: i, Record: (KeyValueRecord?)await SetAsync("counter", $"writer {i}", expected: start.Version));
            }
            catch (SluiceException e) when (e.ErrorCode == ErrorCodes.VersionConflict)
            {
                return (Writer: i, Record: null);
            }
        })).ToArray();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r.Record is not null);
        var read = await Broker.KeyValueGetAsync("counter");
        Assert.Equal($"writer {winner.Writer}", Text(read));
        Assert.Equal(winner.Record!.Version, read!.Version);
    }

    [Fact]
    public async Task KeyValueSet_RacingCreators_ExactlyOneCreates()
    {
        const int writers = 16;

        var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            try
            {
                await SetAsync("cron/nightly", $"writer {i}", expected: 0);
                return true;
            }
            catch (SluiceException e) when (e.ErrorCode == ErrorCodes.VersionConflict)
            {
                return false;
            }
        })));

        Assert.Single(results, won => won);
    }
}

/// <summary>The key-value suite plus restart tests, for stores that keep their data across a restart.</summary>
public abstract class DurableKeyValueConformanceTests : KeyValueConformanceTests
{
    [Fact]
    public async Task Restart_RecordsVersionsAndExpiries_Survive()
    {
        var kept = await SetAsync("kept", "value");
        var expiring = await SetAsync("expiring", "soon", ttl: TimeSpan.FromMinutes(5));

        await RestartAsync();

        var read = await Broker.KeyValueGetAsync("kept");
        Assert.Equal("value", Text(read));
        Assert.Equal(kept.Version, read!.Version);
        var soon = await Broker.KeyValueGetAsync("expiring");
        Assert.Equal("soon", Text(soon));
        Assert.Equal((expiring.Version, expiring.ExpiresAt), (soon!.Version, soon.ExpiresAt));
        await SetAsync("kept", "changed", expected: kept.Version);

        Time.Advance(TimeSpan.FromMinutes(5));
        await RestartAsync();
        Assert.Null(await Broker.KeyValueGetAsync("expiring"));
    }

    [Fact]
    public async Task Restart_AfterDeletingNewestRecord_VersionsKeepIncreasing()
    {
        await SetAsync("a", "1");
        var newest = await SetAsync("b", "1");
        await Broker.KeyValueDeleteAsync("b");

        await RestartAsync();
        var next = await SetAsync("b", "2", expected: 0);

        Assert.True(next.Version > newest.Version);
    }

    [Fact]
    public async Task EveryCall_ReservedPrefix_ThrowsInvalidArgumentNamingTheRule()
    {
        const string key = KeyValueRules.ReservedPrefix + "mine";

        var set = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueSetAsync(key, Bytes("v")).AsTask());
        var get = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueGetAsync(key).AsTask());
        var delete = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueDeleteAsync(key).AsTask());
        var list = await AssertErrorAsync(ErrorCodes.InvalidArgument, () => Broker.KeyValueListAsync(KeyValueRules.AttemptsPrefix).AsTask());

        Assert.Equal(["key", "key", "key", "prefix"], new[] { set, get, delete, list }.Select(e => e.Field));
        Assert.Contains("'$sluice/', which is reserved", set.Message, StringComparison.Ordinal);
        Assert.Empty((await Broker.KeyValueListAsync()).Records);
    }
}
