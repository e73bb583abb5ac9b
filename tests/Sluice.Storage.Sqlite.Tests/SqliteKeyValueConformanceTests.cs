using Sluice.Storage.Conformance;

namespace Sluice.Storage.Sqlite.Tests;

/// <summary>The key-value conformance suite on the SQLite store, one database file per test (reopened by restarts).</summary>
public sealed class SqliteKeyValueConformanceTests : DurableKeyValueConformanceTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-kv-").FullName;

    protected override IQueueStore CreateStore(TimeProvider time) =>
        new SqliteMessageStore(new SqliteStoreOptions { Path = Path.Combine(_directory, "sluice.db") }, time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
