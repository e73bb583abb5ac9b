using Sluice.Storage.Conformance;

namespace Sluice.Storage.Postgres.Tests;

/// <summary>The shared queue conformance suite on the PostgreSQL store, one database per test (reopened by restarts).</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresConformanceTests(PostgresServer server) : DurableBrokerConformanceTests
{
    private string _connectionString = "";

    protected override IQueueStore CreateStore(TimeProvider time) =>
        new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = _connectionString }, time);

    public override async Task InitializeAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await server.DropDatabaseAsync(_connectionString);
    }
}
