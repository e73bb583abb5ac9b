using Microsoft.Extensions.Time.Testing;

namespace Sluice.Storage.Sqlite.Tests;

/// <summary>A SQLite store on a real file in a fresh temp directory, with fake time; reopenable to test restarts.</summary>
public abstract class SqliteStoreTestBase : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-sqlite-tests", Guid.NewGuid().ToString("N"));

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected string DatabasePath => Path.Combine(_directory, "data", "sluice.db");

    protected SqliteMessageStore Store { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Store = await OpenAsync();

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    protected async Task<SqliteMessageStore> OpenAsync(SqliteStoreOptions? options = null)
    {
        var store = new SqliteMessageStore(options ?? new SqliteStoreOptions { Path = DatabasePath }, Time);
        await store.InitializeAsync();
        return store;
    }

    /// <summary>Closes the store and opens the same file again (a restart).</summary>
    protected async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = await OpenAsync();
    }

    protected static OutgoingMessage Msg(string body, int priority = 0, TimeSpan? delay = null, string? dedup = null) =>
        new(System.Text.Encoding.UTF8.GetBytes(body)) { Priority = priority, Delay = delay, DeduplicationId = dedup };

    protected static string Text(QueueMessage m) => System.Text.Encoding.UTF8.GetString(m.Body.Span);

    protected async Task<QueueMessage> ReceiveOneAsync(string queue, TimeSpan? visibility = null)
    {
        var result = await Store.ReceiveAsync(queue, 1, visibility ?? TimeSpan.FromSeconds(30));
        return Assert.Single(result.Messages);
    }
}
