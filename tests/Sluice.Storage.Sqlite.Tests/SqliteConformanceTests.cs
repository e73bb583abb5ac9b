using Sluice.Storage.Conformance;

namespace Sluice.Storage.Sqlite.Tests;

/// <summary>The shared conformance suite on the SQLite store, one database file per test (reopened by restarts).</summary>
public sealed class SqliteConformanceTests : DurableBrokerConformanceTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-conformance-").FullName;

    protected override IQueueStore CreateStore(TimeProvider time) =>
        new SqliteMessageStore(new SqliteStoreOptions { Path = Path.Combine(_directory, "sluice.db") }, time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>Two brokers over one SQLite store object: they wake each other through the store's in-process change feed.</summary>
public sealed class SqliteTwoBrokerConformanceTests : TwoBrokerConformanceTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-conformance-").FullName;

    protected override IQueueStore CreateStore(TimeProvider time) =>
        new SqliteMessageStore(new SqliteStoreOptions { Path = Path.Combine(_directory, "sluice.db") }, time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
