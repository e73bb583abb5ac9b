namespace Sluice.Storage.Sqlite.Tests;

/// <summary>One store per database: a second opener is refused until the first is disposed.</summary>
public sealed class SqliteLockTests : SqliteStoreTestBase
{
    [Fact]
    public async Task Initialize_SecondStoreOnSamePath_IsRefusedAsInUse()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await using var second = new SqliteMessageStore(new SqliteStoreOptions { Path = DatabasePath }, Time);

        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await second.InitializeAsync());

        Assert.Equal(ErrorCodes.Unavailable, ex.ErrorCode);
        Assert.False(ex.IsTransient);
        Assert.Equal($"database '{DatabasePath}' is in use by another Sluice process: stop it, or use another data directory", ex.Message);
        // The first store is untouched by the refused one.
        Assert.NotNull(await Store.GetQueueAsync("q"));
        await Store.PublishAsync("q", [Msg("a")]);
    }

    [Fact]
    public async Task Initialize_AfterFirstStoreDisposed_Opens()
    {
        await Store.CreateQueueAsync("q", new QueueOptions());
        await using var refused = new SqliteMessageStore(new SqliteStoreOptions { Path = DatabasePath }, Time);
        await Assert.ThrowsAsync<SluiceException>(async () => await refused.InitializeAsync());

        await ReopenAsync();

        Assert.NotNull(await Store.GetQueueAsync("q"));
    }

    [Fact]
    public async Task Dispose_ReleasesTheLockFile()
    {
        var lockPath = DatabasePath + ".lock";
        Assert.Throws<IOException>(() => new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose());

        await Store.DisposeAsync();

        using (new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // Taken: the store let it go.
        }

        await ReopenAsync();
        Assert.NotNull(Store);
    }
}
