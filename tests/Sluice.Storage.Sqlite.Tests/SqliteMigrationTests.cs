using Microsoft.Data.Sqlite;

namespace Sluice.Storage.Sqlite.Tests;

/// <summary>A database written before a column existed still opens, keeps its messages and gains the column.</summary>
public class SqliteMigrationTests : SqliteStoreTestBase
{
    [Fact]
    public async Task Open_DatabaseWithoutLeasedAtColumn_AddsItAndKeepsMessagesAndLeases()
    {
        await Store.CreateQueueAsync("jobs", new QueueOptions());
        await Store.PublishAsync("jobs", [Msg("leased"), Msg("ready")]);
        var leased = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(60));
        await Store.DisposeAsync();
        await ExecAsync("ALTER TABLE messages DROP COLUMN leased_at;");
        Assert.DoesNotContain("leased_at", await ColumnsAsync());
        Time.Advance(TimeSpan.FromSeconds(2));

        await ReopenAsync();

        Assert.Contains("leased_at", await ColumnsAsync());
        // A lease taken before the column existed counts from the upgrade: it may end at most 12 hours after it.
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromHours(12), await Store.ExtendLeaseAsync("jobs", leased.ReceiptHandle!, TimeSpan.FromHours(12)));
        var ready = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(60));
        Assert.Equal("ready", Text(ready));
        Time.Advance(TimeSpan.FromSeconds(2));
        var ex = await Assert.ThrowsAsync<SluiceException>(() => Store.ExtendLeaseAsync("jobs", ready.ReceiptHandle!, TimeSpan.FromHours(12)).AsTask());
        Assert.Equal((ErrorCodes.InvalidArgument, "visibilityTimeout"), (ex.ErrorCode, ex.Field));
        Assert.All(await Store.AckAsync("jobs", [leased.ReceiptHandle!, ready.ReceiptHandle!]), r => Assert.True(r.Succeeded, r.ErrorMessage));
    }

    [Fact]
    public async Task Open_LeaseTakenBeforeLeasedAtColumn_LimitCountsFromTheUpgrade()
    {
        await Store.CreateQueueAsync("jobs", new QueueOptions());
        await Store.PublishAsync("jobs", [Msg("leased"), Msg("ready")]);
        var leased = await ReceiveOneAsync("jobs", TimeSpan.FromSeconds(60));
        await Store.DisposeAsync();
        await ExecAsync("ALTER TABLE messages DROP COLUMN leased_at;");
        Time.Advance(TimeSpan.FromSeconds(2));
        var upgrade = Time.GetUtcNow();

        await ReopenAsync();

        Assert.Equal([upgrade.ToUnixTimeMilliseconds()], await LeasedAtOfLeasedRowsAsync());
        Time.Advance(TimeSpan.FromHours(11));
        Assert.Equal(upgrade + TimeSpan.FromHours(12), await Store.ExtendLeaseAsync("jobs", leased.ReceiptHandle!, TimeSpan.FromHours(1)));
        Time.Advance(TimeSpan.FromMinutes(30));
        var ex = await Assert.ThrowsAsync<SluiceException>(() => Store.ExtendLeaseAsync("jobs", leased.ReceiptHandle!, TimeSpan.FromHours(1)).AsTask());
        Assert.Equal((ErrorCodes.InvalidArgument, "visibilityTimeout"), (ex.ErrorCode, ex.Field));
    }

    [Fact]
    public async Task Ack_HandleInTheFormatBeforeTheUpgrade_InvalidSayingTheMessageComesBackWhenTheLeaseEnds()
    {
        await Store.CreateQueueAsync("jobs", new QueueOptions());

        // 12 bytes of base64url: the text form written before handles named their queue.
        var result = Assert.Single(await Store.AckAsync("jobs", ["AAAAAAAAAAEAAAAB"]));

        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, result.ErrorCode);
        Assert.Equal(
            "receipt handle 'AAAAAAAAAAEAAAAB' is in the format of a Sluice version before the upgrade (16 characters), which is no longer accepted: " +
            "its message comes back when the lease ends; receive it again for a new handle",
            result.ErrorMessage);
    }

    private async Task<List<long?>> LeasedAtOfLeasedRowsAsync()
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT leased_at FROM messages WHERE leased = 1;";
        var values = new List<long?>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            values.Add(r.IsDBNull(0) ? null : r.GetInt64(0));
        }

        return values;
    }

    private async Task ExecAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> ColumnsAsync()
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT name FROM pragma_table_info('messages');";
        var names = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            names.Add(r.GetString(0));
        }

        return names;
    }
}
