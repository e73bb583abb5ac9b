using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Sluice.Storage.Postgres.Tests;

/// <summary>
/// The PostgreSQL change feed across nodes (two store objects on one database): bursts and long names reach the other
/// node whole, a node skips its own notifications, and a lost listener connection comes back and wakes every waiter.
/// The cross-node wake-ups of long polls and blocking reads are in <see cref="PostgresTwoBrokerConformanceTests"/>.
/// </summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresChangeFeedTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(10);

    private readonly PostgresDatabase _database = new(server);
    private readonly List<IAsyncDisposable> _owned = [];

    private FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => _database.CreateAsync();

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await _database.DropAsync();
    }

    [Fact]
    public async Task PublishChange_BurstWithLongNames_ReachesTheOtherNodeSummedAndWholeAndNotEchoed()
    {
        var a = await OpenStoreAsync();
        var b = await OpenStoreAsync();
        var onA = new Collector();
        var onB = new Collector();
        _owned.Add(new Unsubscribe(await a.SubscribeChangesAsync(onA)));
        _owned.Add(new Unsubscribe(await b.SubscribeChangesAsync(onB)));

        // 300 queue names of 80 characters (about 27 KB of changes: several payloads), 100 publishes to one queue, and a
        // stream name of 1,024 two-byte characters.
        var queues = Enumerable.Range(0, 300).Select(i => $"q{i:D3}".PadRight(80, 'x')).ToList();
        var stream = new string('é', 1024);
        foreach (var queue in queues)
        {
            a.PublishChange(StoreChange.QueueReady(queue, 2));
        }

        for (var i = 0; i < 100; i++)
        {
            a.PublishChange(StoreChange.QueueReady("hot", 1));
        }

        a.PublishChange(StoreChange.StreamChanged(stream));
        a.PublishChange(StoreChange.QueueDeleted("gone"));

        await WaitUntilAsync(() => onB.Count(StoreChangeKind.QueueReady, "hot") == 100 && queues.All(q => onB.Count(StoreChangeKind.QueueReady, q) == 2)
            && onB.Seen(StoreChangeKind.StreamChanged, stream) && onB.Seen(StoreChangeKind.QueueDeleted, "gone"), "B has every change of A's burst", onB);
        Assert.Equal(100, onB.Count(StoreChangeKind.QueueReady, "hot"));
        Assert.True(onB.Deliveries(StoreChangeKind.QueueReady, "hot") < 100, "a burst to one queue is coalesced into fewer notifications");

        // A fence from B reaches A after A's own notifications (one listener gets notifications in commit order): A
        // delivered its burst once, locally, and skipped its own notifications.
        b.PublishChange(StoreChange.QueueReady("fence", 1));
        await WaitUntilAsync(() => onA.Seen(StoreChangeKind.QueueReady, "fence"), "A has B's fence", onA);
        Assert.Equal(100, onA.Count(StoreChangeKind.QueueReady, "hot"));
        Assert.Equal(100, onA.Deliveries(StoreChangeKind.QueueReady, "hot"));
        Assert.Equal(2, onA.Count(StoreChangeKind.QueueReady, queues[0]));
    }

    [Fact]
    public async Task Listener_BackendTerminated_ReconnectsAndWakesEveryWaiter()
    {
        var store = await OpenStoreAsync();
        var broker = new Broker(store, new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, Time, ownsStore: false);
        _owned.Add(broker);
        await broker.StartAsync();
        await broker.CreateQueueAsync("q");
        await broker.StreamAppendAsync("s", [StreamField.FromText("f", "old")]);
        var poll = broker.ReceiveAsync("q", new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        var read = broker.StreamReadAsync([StreamPosition.New("s")], new StreamReadOptions { Block = Timeout.InfiniteTimeSpan }).AsTask();
        await WaitUntilAsync(() => broker.GetWaitingReceiverCount("q") == 1 && broker.BlockedStreamReaders == 1, "the receive and the read wait", null);

        // Written through the store, not the broker: nothing is announced, so only the reconnect can wake the waiters.
        await store.PublishAsync("q", [new OutgoingMessage(Encoding.UTF8.GetBytes("missed"))]);
        var id = await ((IStreamStore)store).AppendAsync("s", [StreamField.FromText("f", "missed")], new StreamAppendOptions());
        Assert.Equal(1, await TerminateListenersAsync());

        Assert.Equal("missed", Encoding.UTF8.GetString(Assert.Single(await poll.WaitAsync(RealTimeout)).Body.Span));
        Assert.Equal(id, Assert.Single(Assert.Single(await read.WaitAsync(RealTimeout)).Entries).Id);

        // Listening again: a publish on another node wakes this one's next long poll.
        var other = await OpenStoreAsync();
        var otherBroker = new Broker(other, new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, Time, ownsStore: false);
        _owned.Add(otherBroker);
        await otherBroker.StartAsync();
        var next = broker.ReceiveAsync("q", new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        await WaitUntilAsync(() => broker.GetWaitingReceiverCount("q") == 1, "the next receive waits", null);
        await otherBroker.PublishAsync("q", new OutgoingMessage(Encoding.UTF8.GetBytes("after")));
        Assert.Equal("after", Encoding.UTF8.GetString(Assert.Single(await next.WaitAsync(RealTimeout)).Body.Span));
    }

    [Fact]
    public async Task Notification_PayloadOfAnUnknownVersion_WakesEveryWaiter()
    {
        var store = await OpenStoreAsync();
        var broker = new Broker(store, new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, Time, ownsStore: false);
        _owned.Add(broker);
        await broker.StartAsync();
        await broker.CreateQueueAsync("q");
        var poll = broker.ReceiveAsync("q", new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        await WaitUntilAsync(() => broker.GetWaitingReceiverCount("q") == 1, "the receive waits", null);
        await store.PublishAsync("q", [new OutgoingMessage(Encoding.UTF8.GetBytes("unannounced"))]);

        // As a node of a newer version might send: this node cannot read it, so every waiter looks again.
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var notify = new NpgsqlCommand("SELECT pg_notify('sluice_changes_sluice', '9 someone-else\nwhatever')", connection);
            await notify.ExecuteNonQueryAsync();
        }

        Assert.Equal("unannounced", Encoding.UTF8.GetString(Assert.Single(await poll.WaitAsync(RealTimeout)).Body.Span));
    }

    private async Task<PostgresMessageStore> OpenStoreAsync()
    {
        var store = _database.Store(Time);
        _owned.Add(store);
        await store.InitializeAsync();
        return store;
    }

    /// <summary>Ends the backends of this database's change-feed listeners; returns how many.</summary>
    private async Task<int> TerminateListenersAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        // pg_terminate_backend in the select list: it runs only for the rows the WHERE clause kept.
        await using var cmd = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sluice-change-feed'",
            connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var terminated = 0;
        while (await reader.ReadAsync())
        {
            terminated += reader.GetBoolean(0) ? 1 : 0;
        }

        return terminated;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, Collector? state)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > RealTimeout)
            {
                Assert.Fail($"timed out after {RealTimeout.TotalSeconds} s (real time) waiting until {what}; {state}");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Sums the counts (and deliveries) of every change it gets, by kind and name.</summary>
    private sealed class Collector : IChangeSubscriber
    {
        private readonly ConcurrentDictionary<(StoreChangeKind, string), (long Count, int Deliveries)> _changes = new();

        public void OnChange(in StoreChange change)
        {
            var count = change.Count;
            _changes.AddOrUpdate((change.Kind, change.Name), (count, 1), (_, old) => (old.Count + count, old.Deliveries + 1));
        }

        public long Count(StoreChangeKind kind, string name) => _changes.TryGetValue((kind, name), out var c) ? c.Count : 0;

        public int Deliveries(StoreChangeKind kind, string name) => _changes.TryGetValue((kind, name), out var c) ? c.Deliveries : 0;

        public bool Seen(StoreChangeKind kind, string name) => _changes.ContainsKey((kind, name));

        public override string ToString() => $"{_changes.Count} distinct changes received";
    }

    private sealed class Unsubscribe(IDisposable subscription) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            subscription.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
