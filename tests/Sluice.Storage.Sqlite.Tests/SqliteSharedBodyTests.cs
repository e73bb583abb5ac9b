using Microsoft.Data.Sqlite;

namespace Sluice.Storage.Sqlite.Tests;

/// <summary>A topic copy's body is stored once in the bodies table, and the last copy to go frees it, whatever deletes it.</summary>
public class SqliteSharedBodyTests : SqliteStoreTestBase
{
    private async Task FanOutAsync(params string[] queues)
    {
        await Store.CreateTopicAsync("t");
        foreach (var q in queues)
        {
            await Store.CreateQueueAsync(q, new QueueOptions());
            await Store.SubscribeAsync("t", q, new SubscriptionOptions());
        }

        await Store.PublishToTopicAsync("t", [new TopicMessage(Msg("shared body"))]);
    }

    [Fact]
    public async Task Publish_TwoSubscriptions_BodyStoredOnce_LastAckFreesIt()
    {
        await FanOutAsync("a", "b");
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM bodies;"));
        Assert.Equal(2, await ScalarAsync("SELECT refs FROM bodies;"));
        Assert.Equal(0, await ScalarAsync("SELECT SUM(length(body)) FROM messages;"));

        var a = await ReceiveOneAsync("a");
        Assert.True(Assert.Single(await Store.AckAsync("a", [a.ReceiptHandle!])).Succeeded);

        Assert.Equal(1, await ScalarAsync("SELECT refs FROM bodies;"));
        var b = await ReceiveOneAsync("b");
        Assert.Equal("shared body", Text(b));
        Assert.True(Assert.Single(await Store.AckAsync("b", [b.ReceiptHandle!])).Succeeded);
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM bodies;"));
    }

    [Fact]
    public async Task Publish_StoredInOneQueueOnly_OtherDropsItAsDuplicate_KeepsTheBodyInTheMessageRow()
    {
        await Store.CreateTopicAsync("t");
        foreach (var q in new[] { "a", "b" })
        {
            await Store.CreateQueueAsync(q, new QueueOptions());
            await Store.SubscribeAsync("t", q, new SubscriptionOptions());
        }

        await Store.PublishAsync("a", [Msg("first", dedup: "x")]);
        await Store.PublishToTopicAsync("t", [new TopicMessage(Msg("again", dedup: "x"))]);

        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM bodies;"));
        Assert.Equal("again", Text(await ReceiveOneAsync("b")));
    }

    [Fact]
    public async Task PurgeAndQueueDelete_ReleaseTheirReferences()
    {
        await FanOutAsync("a", "b", "c");

        await Store.PurgeAsync("a");
        Assert.Equal(2, await ScalarAsync("SELECT refs FROM bodies;"));
        await Store.DeleteQueueAsync("b");
        Assert.Equal(1, await ScalarAsync("SELECT refs FROM bodies;"));
        Time.Advance(TimeSpan.FromDays(5));
        Assert.Equal(1, await Store.SweepAsync());

        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM bodies;"));
    }

    [Fact]
    public async Task DeadLetterMove_KeepsTheReference()
    {
        await Store.CreateQueueAsync("dlq", new QueueOptions());
        await Store.CreateTopicAsync("t");
        await Store.CreateQueueAsync("a", new QueueOptions { MaxReceiveCount = 1, DeadLetterQueue = "dlq" });
        await Store.CreateQueueAsync("b", new QueueOptions());
        await Store.SubscribeAsync("t", "a", new SubscriptionOptions());
        await Store.SubscribeAsync("t", "b", new SubscriptionOptions());
        await Store.PublishToTopicAsync("t", [new TopicMessage(Msg("shared body"))]);

        var a = await ReceiveOneAsync("a");
        await Store.NackAsync("a", a.ReceiptHandle!, TimeSpan.Zero, "boom");

        Assert.Equal(2, await ScalarAsync("SELECT refs FROM bodies;"));
        Assert.Equal("shared body", Text(Assert.Single(await Store.PeekAsync("dlq", 10))));
    }

    [Fact]
    public async Task Open_DatabaseFromBeforeTopics_AddsTheColumnAndTablesAndKeepsMessages()
    {
        await Store.CreateQueueAsync("jobs", new QueueOptions());
        await Store.PublishAsync("jobs", [Msg("old")]);
        await Store.DisposeAsync();
        await ExecAsync("""
            DROP TRIGGER messages_body_ref; DROP TRIGGER messages_body_unref;
            DROP TABLE bodies; DROP TABLE subscriptions; DROP TABLE topics;
            ALTER TABLE messages DROP COLUMN body_id;
            """);

        await ReopenAsync();

        Assert.Equal("old", Text(Assert.Single(await Store.PeekAsync("jobs", 10))));
        await Store.CreateQueueAsync("other", new QueueOptions());
        await Store.CreateTopicAsync("t");
        await Store.SubscribeAsync("t", "jobs", new SubscriptionOptions());
        await Store.SubscribeAsync("t", "other", new SubscriptionOptions());
        await Store.PublishToTopicAsync("t", [new TopicMessage(Msg("new"))]);
        Assert.Equal(["old", "new"], (await Store.PeekAsync("jobs", 10)).Select(Text));
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM bodies;"));
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ExecAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
