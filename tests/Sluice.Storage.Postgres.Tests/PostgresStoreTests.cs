using System.Text;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Sluice.Storage.Postgres.Tests;

/// <summary>
/// What only the PostgreSQL store has to show: several stores (nodes) on one database, the versioned schema, and a
/// lost database reported as a transient error. One new database per test.
/// </summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreTests(PostgresServer server) : IAsyncLifetime
{
    private readonly List<PostgresMessageStore> _stores = [];
    private string _connectionString = "";

    private FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await server.DropDatabaseAsync(_connectionString);
    }

    [Fact]
    public async Task InitializeAsync_TwoNodesStartingAtOnce_SchemaMigratedOnceAndBothServe()
    {
        var a = NewStore();
        var b = NewStore();

        await Task.WhenAll(a.InitializeAsync().AsTask(), b.InitializeAsync().AsTask());

        Assert.Equal([PostgresMessageStore.SchemaVersion], await QueryAsync<int>("SELECT version FROM sluice.schema_version"));
        await a.CreateQueueAsync("jobs", new QueueOptions());
        Assert.Equal("jobs", (await b.GetQueueAsync("jobs"))?.Name);
    }

    [Fact]
    public async Task InitializeAsync_SchemaWrittenByANewerVersion_RefusedAsNotTransient()
    {
        await OpenAsync();
        await ExecAsync($"UPDATE sluice.schema_version SET version = {PostgresMessageStore.SchemaVersion + 1}");

        var ex = await Assert.ThrowsAsync<SluiceException>(() => NewStore().InitializeAsync().AsTask());

        Assert.Equal(ErrorCodes.Unavailable, ex.ErrorCode);
        Assert.False(ex.IsTransient);
        Assert.Contains($"at version {PostgresMessageStore.SchemaVersion + 1}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_TwoSchemasInOneDatabase_QueuesKeptApart()
    {
        var a = await OpenAsync("cluster_a");
        var b = await OpenAsync("cluster_b");

        await a.CreateQueueAsync("jobs", new QueueOptions());

        Assert.Null(await b.GetQueueAsync("jobs"));
        Assert.Single(await a.ListQueuesAsync());
    }

    [Fact]
    public void Constructor_SchemaNameNotAnIdentifier_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = _connectionString, Schema = "a;drop" }));

        Assert.Equal("options.Schema", ex.ParamName);
    }

    [Fact]
    public async Task ReceiveAsync_TwoNodesCompeting_EveryMessageLeasedByExactlyOne()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        await a.CreateQueueAsync("jobs", new QueueOptions());
        for (var i = 0; i < 300; i += 100)
        {
            await a.PublishAsync("jobs", [.. Enumerable.Range(i, 100).Select(n => Message(n.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);
        }

        var received = await Task.WhenAll(DrainAsync(a), DrainAsync(b), DrainAsync(a), DrainAsync(b));

        var all = received.SelectMany(r => r).ToList();
        Assert.Equal(300, all.Count);
        Assert.Equal(300, all.Distinct().Count());
        Assert.Equal(0, (await b.GetCountsAsync("jobs")).Ready);

        async Task<List<string>> DrainAsync(PostgresMessageStore store)
        {
            var bodies = new List<string>();
            while ((await store.ReceiveAsync("jobs", 7, TimeSpan.FromMinutes(5))).Messages is { Count: > 0 } batch)
            {
                bodies.AddRange(batch.Select(Text));
            }

            return bodies;
        }
    }

    [Fact]
    public async Task ReceiveAsync_FifoGroupFromTwoNodes_OneInFlightAtATimeInOrder()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        await a.CreateQueueAsync("jobs.fifo", new QueueOptions { Fifo = true });
        await a.PublishAsync("jobs.fifo", [.. Enumerable.Range(1, 3).Select(n => Message($"m{n}", group: "g", deduplicationId: $"d{n}"))]);

        var first = Assert.Single((await a.ReceiveAsync("jobs.fifo", 1, TimeSpan.FromMinutes(1))).Messages);
        Assert.Empty((await b.ReceiveAsync("jobs.fifo", 10, TimeSpan.FromMinutes(1))).Messages);
        Assert.True(Assert.Single(await a.AckAsync("jobs.fifo", [first.ReceiptHandle!])).Succeeded);
        var second = Assert.Single((await b.ReceiveAsync("jobs.fifo", 1, TimeSpan.FromMinutes(1))).Messages);
        Assert.Empty((await a.ReceiveAsync("jobs.fifo", 10, TimeSpan.FromMinutes(1))).Messages);
        Assert.True(Assert.Single(await b.AckAsync("jobs.fifo", [second.ReceiptHandle!])).Succeeded);
        var third = Assert.Single((await a.ReceiveAsync("jobs.fifo", 10, TimeSpan.FromMinutes(1))).Messages);

        Assert.Equal(["m1", "m2", "m3"], [Text(first), Text(second), Text(third)]);
    }

    [Fact]
    public async Task ReceiveAsync_LeaseOfAGoneNodeEnds_DeliveredByAnotherNodeAndTheOldHandleFenced()
    {
        var gone = await OpenAsync();
        var other = await OpenAsync();
        await gone.CreateQueueAsync("jobs", new QueueOptions());
        await gone.PublishAsync("jobs", [Message("work")]);
        var first = Assert.Single((await gone.ReceiveAsync("jobs", 10, TimeSpan.FromSeconds(30))).Messages);
        await gone.DisposeAsync();
        Assert.Empty((await other.ReceiveAsync("jobs", 10, TimeSpan.FromSeconds(30))).Messages);

        Time.Advance(TimeSpan.FromSeconds(31));
        var again = Assert.Single((await other.ReceiveAsync("jobs", 10, TimeSpan.FromSeconds(30))).Messages);
        var stale = Assert.Single(await other.AckAsync("jobs", [first.ReceiptHandle!]));

        Assert.Equal((first.MessageId, 2), (again.MessageId, again.ReceiveCount));
        Assert.Equal(ErrorCodes.ReceiptHandleStale, stale.ErrorCode);
        Assert.True(Assert.Single(await other.AckAsync("jobs", [again.ReceiptHandle!])).Succeeded);
    }

    [Fact]
    public async Task PublishAsync_SameDeduplicationIdFromTwoNodesAtOnce_StoredOnce()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        await a.CreateQueueAsync("jobs", new QueueOptions());

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            ((i % 2 == 0) ? a : b).PublishAsync("jobs", [Message($"copy {i}", deduplicationId: "order-17")]).AsTask()));

        var all = results.Select(r => Assert.Single(r)).ToList();
        Assert.Single(all, r => !r.Duplicate);
        Assert.Single(all.Select(r => (r.MessageId, r.SequenceNumber)).Distinct());
        Assert.Equal(1, (await a.GetCountsAsync("jobs")).Ready);
    }

    [Fact]
    public async Task Operations_DatabaseGoneAndBack_TransientUnavailableThenServedAgain()
    {
        var port = new NpgsqlConnectionStringBuilder(_connectionString).Port;
        await using var gate = new TcpGate(port);
        var store = await OpenAsync(through: gate);
        await store.CreateQueueAsync("jobs", new QueueOptions());
        await store.PublishAsync("jobs", [Message("before")]);

        await gate.CloseAsync();
        var publish = await Assert.ThrowsAsync<SluiceException>(() => store.PublishAsync("jobs", [Message("while down")]).AsTask());
        var receive = await Assert.ThrowsAsync<SluiceException>(() => store.ReceiveAsync("jobs", 10, TimeSpan.FromMinutes(1)).AsTask());
        gate.Open();

        Assert.All([publish, receive], ex => Assert.Equal((ErrorCodes.Unavailable, true), (ex.ErrorCode, ex.IsTransient)));
        await store.PublishAsync("jobs", [Message("after")]);
        Assert.Equal(["before", "after"], (await store.ReceiveAsync("jobs", 10, TimeSpan.FromMinutes(1))).Messages.Select(Text));
    }

    [Fact]
    public async Task InitializeAsync_NothingListening_TransientUnavailable()
    {
        var port = new NpgsqlConnectionStringBuilder(_connectionString).Port;
        var gate = new TcpGate(port);
        var closedPort = gate.Port;
        await gate.CloseAsync();
        var connection = new NpgsqlConnectionStringBuilder(_connectionString) { Port = closedPort, Timeout = 5 }.ConnectionString;

        var ex = await Assert.ThrowsAsync<SluiceException>(() =>
            Track(new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = connection }, Time)).InitializeAsync().AsTask());

        Assert.Equal((ErrorCodes.Unavailable, true), (ex.ErrorCode, ex.IsTransient));
    }

    private static OutgoingMessage Message(string body, string? group = null, string? deduplicationId = null) =>
        new(Encoding.UTF8.GetBytes(body)) { MessageGroupId = group, DeduplicationId = deduplicationId };

    private static string Text(QueueMessage m) => Encoding.UTF8.GetString(m.Body.Span);

    private PostgresMessageStore NewStore(string schema = "sluice", TcpGate? through = null)
    {
        var connection = new NpgsqlConnectionStringBuilder(_connectionString);
        if (through is not null)
        {
            connection.Port = through.Port;
        }

        return Track(new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = connection.ConnectionString, Schema = schema }, Time));
    }

    private PostgresMessageStore Track(PostgresMessageStore store)
    {
        _stores.Add(store);
        return store;
    }

    private async Task<PostgresMessageStore> OpenAsync(string schema = "sluice", TcpGate? through = null)
    {
        var store = NewStore(schema, through);
        await store.InitializeAsync();
        return store;
    }

    private async Task ExecAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<List<T>> QueryAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }
}
