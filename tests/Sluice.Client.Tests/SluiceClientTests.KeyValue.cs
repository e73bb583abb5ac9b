using System.Text;

namespace Sluice.Client.Tests;

/// <summary>Key-value records through the SDK (every store behaviour is in the storage conformance suite; these cases check the SDK carries them).</summary>
public abstract partial class SluiceClientTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string TextOf(KeyValueRecord? record) => Encoding.UTF8.GetString(Assert.IsType<KeyValueRecord>(record).Value.Span);

    [Fact]
    public async Task KeyValueSet_ThenGet_ReturnsValueAndVersion()
    {
        var key = NewName("kv/") + "/status";

        var written = await Client.KeyValueSetAsync(key, Utf8("running"), new KeyValueWriteOptions { ExpectedVersion = 0, TimeToLive = TimeSpan.FromHours(1) });
        var read = await Client.KeyValueGetAsync(key);

        Assert.Equal("running", TextOf(read));
        Assert.Equal(written.Version, read!.Version);
        Assert.Equal(written.ExpiresAt, read.ExpiresAt);
        Assert.NotNull(read.ExpiresAt);
        Assert.Null(await Client.KeyValueGetAsync(NewName("kv/missing")));
    }

    [Fact]
    public async Task KeyValueSet_StaleVersion_VersionConflictAndNothingChanged()
    {
        var key = NewName("kv/");
        var first = await Client.KeyValueSetAsync(key, Utf8("1"));
        var second = await Client.KeyValueSetAsync(key, Utf8("2"), new KeyValueWriteOptions { ExpectedVersion = first.Version });

        var e = await Assert.ThrowsAsync<SluiceException>(() => Client.KeyValueSetAsync(key, Utf8("3"), new KeyValueWriteOptions { ExpectedVersion = first.Version }).AsTask());

        Assert.Equal(ErrorCodes.VersionConflict, e.ErrorCode);
        Assert.False(e.IsTransient);
        var read = await Client.KeyValueGetAsync(key);
        Assert.Equal("2", TextOf(read));
        Assert.Equal(second.Version, read!.Version);
    }

    [Fact]
    public async Task KeyValueSet_ValueTooLarge_InvalidArgumentNamingValue()
    {
        var e = await Assert.ThrowsAsync<SluiceException>(() => Client.KeyValueSetAsync(NewName("kv/"), new byte[64 * 1024 + 1]).AsTask());

        Assert.Equal(ErrorCodes.InvalidArgument, e.ErrorCode);
        Assert.Equal("value", e.Field);
    }

    [Fact]
    public async Task KeyValueDelete_AtVersion_DeletesOnce()
    {
        var key = NewName("kv/");
        var written = await Client.KeyValueSetAsync(key, Utf8("x"));

        Assert.True(await Client.KeyValueDeleteAsync(key, written.Version));
        Assert.False(await Client.KeyValueDeleteAsync(key));
        Assert.Null(await Client.KeyValueGetAsync(key));
    }

    [Fact]
    public async Task KeyValueList_ByPrefix_PagesInKeyOrder()
    {
        var prefix = NewName("kv/") + "/";
        foreach (var n in new[] { 3, 1, 2 })
        {
            await Client.KeyValueSetAsync($"{prefix}{n}", Utf8($"v{n}"));
        }

        var first = await Client.KeyValueListAsync(prefix, limit: 2);
        var second = await Client.KeyValueListAsync(prefix, first.NextAfter, limit: 2);

        Assert.Equal([$"{prefix}1", $"{prefix}2"], first.Records.Select(r => r.Key));
        Assert.Equal($"{prefix}2", first.NextAfter);
        Assert.Equal(["v3"], second.Records.Select(TextOf));
        Assert.Null(second.NextAfter);
    }
}
