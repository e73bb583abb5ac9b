namespace Sluice.Storage.Postgres.Tests;

/// <summary>One new database of the shared server for one test (a conformance test builds its store, and rebuilds it at every restart, on it).</summary>
internal sealed class PostgresDatabase(PostgresServer server)
{
    /// <summary>The database's connection string (set by <see cref="CreateAsync"/>).</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task CreateAsync() => ConnectionString = await server.CreateDatabaseAsync();

    public Task DropAsync() => server.DropDatabaseAsync(ConnectionString);

    /// <summary>A store on the database, over the test's clock.</summary>
    public PostgresMessageStore Store(TimeProvider time) =>
        new(new PostgresStoreOptions { ConnectionString = ConnectionString }, time);
}
