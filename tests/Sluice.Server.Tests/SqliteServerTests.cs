using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests;

/// <summary>A server on the SQLite store in a temporary data directory.</summary>
public sealed class SqliteServerFixture : ServerFixture
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "sluice-server-tests-" + Guid.NewGuid().ToString("N"));

    protected override SluiceServerOptions CreateOptions() => base.CreateOptions() with
    {
        Store = SluiceServerOptions.SqliteStore,
        DataDirectory = DataDirectory,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}

public class SqliteServerTests(SqliteServerFixture fixture) : RestTests(fixture), IClassFixture<SqliteServerFixture>
{
    [Fact]
    public async Task Sqlite_DatabaseLivesInDataDirectory()
    {
        await CreateQueueAsync(NewName());
        Assert.True(File.Exists(Path.Combine(fixture.DataDirectory, "sluice.db")));
    }

    [Fact]
    public async Task Sqlite_PublishReceiveAck_RoundTrip()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages",
            """{"messages":[{"body":"one","attributes":{"k":{"dataType":"String","stringValue":"v"}}},{"bodyBase64":"/w=="}]}"""));

        var messages = await ReceiveAsync(name, """{"maxMessages":10}""");
        Assert.Equal(2, messages.Length);
        Assert.Equal("one", messages[0].GetProperty("body").GetString());
        Assert.Equal("v", messages[0].GetProperty("attributes").GetProperty("k").GetProperty("stringValue").GetString());
        Assert.Equal("/w==", messages[1].GetProperty("bodyBase64").GetString());

        var handles = messages.Select(m => m.GetProperty("receiptHandle").GetString()).ToArray();
        var acked = await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages/ack", System.Text.Json.JsonSerializer.Serialize(new { receiptHandles = handles })));
        Assert.All(acked.GetProperty("results").EnumerateArray(), r => Assert.True(r.GetProperty("ok").GetBoolean()));
        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task Sqlite_StaleHandle_Returns409AndKeepsMessage()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var stale = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":0}""")).GetProperty("receiptHandle").GetString();
        Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":60}"""));

        using var response = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandle":"{{stale}}"}""");

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "receipt_handle_stale", "receiptHandle");
        Assert.Equal("in-flight", Assert.Single(await PeekAsync(name)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Sqlite_OversizedMessage_Returns413AndEnqueuesNothing()
    {
        var name = NewName();
        await CreateQueueAsync(name, "\"maxMessageSize\":4");

        using var response = await PostAsync($"/v1/queues/{name}/messages", """{"body":"12345"}""");

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "message_too_large", "body");
        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task Sqlite_QueueSurvivesRestart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sluice-server-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new SluiceServerOptions { HttpUrl = "http://127.0.0.1:0", DataDirectory = directory, Auth = TestAuth.Off };
            await using (var first = new SluiceServer(options, NullLoggerFactory.Instance))
            {
                await first.StartAsync();
                using var client = new HttpClient { BaseAddress = first.HttpAddress };
                using var create = await client.PostAsync("/v1/queues", Json("""{"name":"durable"}"""));
                Assert.Equal(HttpStatusCode.Created, create.StatusCode);
                using var publish = await client.PostAsync("/v1/queues/durable/messages", Json("""{"body":"kept"}"""));
                Assert.Equal(HttpStatusCode.OK, publish.StatusCode);
            }

            await using var second = new SluiceServer(options, NullLoggerFactory.Instance);
            await second.StartAsync();
            using var again = new HttpClient { BaseAddress = second.HttpAddress };
            var peek = await again.GetStringAsync("/v1/queues/durable/messages");
            Assert.Contains("\"body\":\"kept\"", peek, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
