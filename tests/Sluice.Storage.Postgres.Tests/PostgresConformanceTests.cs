using Sluice.Storage.Conformance;

namespace Sluice.Storage.Postgres.Tests;

/// <summary>The shared queue conformance suite on the PostgreSQL store, one database per test (reopened by restarts).</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresConformanceTests(PostgresServer server) : DurableBrokerConformanceTests
{
    private readonly PostgresDatabase _database = new(server);

    protected override IQueueStore CreateStore(TimeProvider time) => _database.Store(time);

    /// <summary>A peer broker gets its own store object on the same database, as another node would.</summary>
    protected override IQueueStore CreatePeerStore(TimeProvider time) => _database.Store(time);

    protected override bool PeerOwnsStore => true;

    public override async Task InitializeAsync()
    {
        await _database.CreateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DropAsync();
    }
}

/// <summary>The topic conformance suite on the PostgreSQL store, one database per test (reopened by restarts).</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresTopicConformanceTests(PostgresServer server) : DurableTopicConformanceTests
{
    private readonly PostgresDatabase _database = new(server);

    protected override IQueueStore CreateStore(TimeProvider time) => _database.Store(time);

    public override async Task InitializeAsync()
    {
        await _database.CreateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DropAsync();
    }
}

/// <summary>The key-value conformance suite on the PostgreSQL store, one database per test (reopened by restarts).</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresKeyValueConformanceTests(PostgresServer server) : DurableKeyValueConformanceTests
{
    private readonly PostgresDatabase _database = new(server);

    protected override IQueueStore CreateStore(TimeProvider time) => _database.Store(time);

    public override async Task InitializeAsync()
    {
        await _database.CreateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DropAsync();
    }
}

/// <summary>The stream conformance suite on the PostgreSQL store, one database per test (reopened by restarts).</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStreamConformanceTests(PostgresServer server) : DurableStreamConformanceTests
{
    private readonly PostgresDatabase _database = new(server);

    protected override IQueueStore CreateStore(TimeProvider time) => _database.Store(time);

    public override async Task InitializeAsync()
    {
        await _database.CreateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DropAsync();
    }
}


/// <summary>Two nodes on one database: two store objects, each with its own broker; they wake each other through LISTEN/NOTIFY.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresTwoBrokerConformanceTests(PostgresServer server) : TwoBrokerConformanceTests
{
    private readonly PostgresDatabase _database = new(server);

    protected override IQueueStore CreateStore(TimeProvider time) => _database.Store(time);

    protected override IQueueStore CreatePeerStore(IQueueStore first, TimeProvider time) => _database.Store(time);

    protected override bool PeerOwnsStore => true;

    public override async Task InitializeAsync()
    {
        await _database.CreateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DropAsync();
    }
}
