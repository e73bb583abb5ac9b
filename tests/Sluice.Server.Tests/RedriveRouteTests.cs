using System.Net;

namespace Sluice.Server.Tests;

public class RedriveRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    /// <summary>Creates a source queue with a dead-letter queue and moves <paramref name="count"/> messages into it.</summary>
    private async Task<(string Source, string Dlq)> DeadLetterAsync(int count)
    {
        var dlq = NewName("dlq");
        var source = NewName("src");
        await CreateQueueAsync(dlq);
        await CreateQueueAsync(source, $"\"maxReceiveCount\":1,\"deadLetterQueue\":\"{dlq}\"");
        for (var i = 0; i < count; i++)
        {
            await PublishAsync(source, $"m{i}");
        }

        // First receive leases every message; a nack releases it; the second receive exceeds maxReceiveCount.
        foreach (var message in await ReceiveAsync(source, """{"maxMessages":100}"""))
        {
            using var nack = await PostAsync($"/v1/queues/{source}/messages/nack", $$"""{"receiptHandle":"{{message.GetProperty("receiptHandle").GetString()}}","error":"boom"}""");
            Assert.Equal(HttpStatusCode.NoContent, nack.StatusCode);
        }

        Assert.Empty(await ReceiveAsync(source, """{"maxMessages":100}"""));
        Assert.Equal(count, (await PeekAsync(dlq)).Length);
        return (source, dlq);
    }

    [Fact]
    public async Task DeadLetters_PeekShowsWhy()
    {
        var (source, dlq) = await DeadLetterAsync(1);

        var dead = Assert.Single(await PeekAsync(dlq)).GetProperty("deadLetter");
        Assert.Equal(source, dead.GetProperty("sourceQueue").GetString());
        Assert.Equal("max_receive_count", dead.GetProperty("reason").GetString());
        Assert.Equal("boom", dead.GetProperty("lastError").GetString());
        Assert.True(dead.GetProperty("attempts").GetInt32() >= 1);
        Assert.True(dead.TryGetProperty("deadLetteredAt", out _));

        var stats = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{source}/stats");
        Assert.Equal(1, stats.GetProperty("deadLettered").GetInt64());
    }

    [Fact]
    public async Task Redrive_ToSource_MovesMessagesBackAndIsListed()
    {
        var (source, dlq) = await DeadLetterAsync(2);

        var started = await SendJsonAsync(HttpMethod.Post, $"/v1/queues/{dlq}/redrive", """{"destination":null,"maxPerSecond":1000}""", HttpStatusCode.Accepted);
        var id = started.GetProperty("id").GetString()!;
        Assert.Equal(dlq, started.GetProperty("deadLetterQueue").GetString());
        Assert.Equal(1000, started.GetProperty("maxPerSecond").GetInt32());
        Assert.Equal(2, started.GetProperty("total").GetInt64());

        await Server.Broker.WaitForRedriveAsync(id);

        var status = await SendJsonAsync(HttpMethod.Get, $"/v1/redrives/{id}");
        Assert.Equal("completed", status.GetProperty("state").GetString());
        Assert.Equal(2, status.GetProperty("moved").GetInt64());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, status.GetProperty("finishedAt").ValueKind);
        Assert.Empty(await PeekAsync(dlq));
        Assert.Equal(2, (await PeekAsync(source)).Length);

        var list = await SendJsonAsync(HttpMethod.Get, "/v1/redrives");
        Assert.Contains(list.GetProperty("redrives").EnumerateArray(), r => r.GetProperty("id").GetString() == id);

        var cancelled = await SendJsonAsync(HttpMethod.Delete, $"/v1/redrives/{id}");
        Assert.Equal("completed", cancelled.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Redrive_ToDestinationWithoutBody_UsesDefaults()
    {
        var (_, dlq) = await DeadLetterAsync(1);
        var destination = NewName("dst");
        await CreateQueueAsync(destination);

        var started = await SendJsonAsync(HttpMethod.Post, $"/v1/queues/{dlq}/redrive", $$"""{"destination":"{{destination}}"}""", HttpStatusCode.Accepted);
        Assert.Equal(100, started.GetProperty("maxPerSecond").GetInt32());
        Assert.Equal(destination, started.GetProperty("destination").GetString());
        await Server.Broker.WaitForRedriveAsync(started.GetProperty("id").GetString()!);

        Assert.Single(await PeekAsync(destination));
    }

    [Fact]
    public async Task Redrive_Cancel_StopsTask()
    {
        var (_, dlq) = await DeadLetterAsync(3);

        // One message a second: the task cannot finish three before the cancel arrives.
        var started = await SendJsonAsync(HttpMethod.Post, $"/v1/queues/{dlq}/redrive", """{"maxPerSecond":1}""", HttpStatusCode.Accepted);
        var id = started.GetProperty("id").GetString()!;

        var cancelled = await SendJsonAsync(HttpMethod.Delete, $"/v1/redrives/{id}");

        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.True(cancelled.GetProperty("moved").GetInt64() < 3);
        Assert.Equal(3 - cancelled.GetProperty("moved").GetInt64(), (await PeekAsync(dlq)).Length);
    }

    [Theory]
    [InlineData("""{"maxPerSecond":0}""", "invalid_argument", "maxPerSecond", HttpStatusCode.BadRequest)]
    [InlineData("""{"destination":"bad name"}""", "invalid_queue_name", "destination", HttpStatusCode.BadRequest)]
    [InlineData("""{"destination":"does-not-exist-anywhere"}""", "queue_not_found", "destination", HttpStatusCode.NotFound)]
    public async Task Redrive_InvalidRequest_RefusedAndMovesNothing(string json, string code, string field, HttpStatusCode status)
    {
        var (_, dlq) = await DeadLetterAsync(1);

        using var response = await PostAsync($"/v1/queues/{dlq}/redrive", json);

        await AssertProblemAsync(response, status, code, field);
        Assert.Single(await PeekAsync(dlq));
    }

    [Fact]
    public async Task Redrive_UnknownQueue_Returns404()
    {
        using var response = await PostAsync($"/v1/queues/{NewName()}/redrive", "{}");
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "queue_not_found", "queue");
    }

    [Fact]
    public async Task Redrive_UnknownId_Returns404()
    {
        using var get = await Client.GetAsync("/v1/redrives/nope");
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "redrive_not_found", "id");
        using var cancel = await Client.DeleteAsync("/v1/redrives/nope");
        await AssertProblemAsync(cancel, HttpStatusCode.NotFound, "redrive_not_found", "id");
    }
}
