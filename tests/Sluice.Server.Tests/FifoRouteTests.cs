using System.Net;

namespace Sluice.Server.Tests;

public class FifoRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    [Fact]
    public async Task FifoQueue_CreateWithOptionsAndTags_RoundTrips()
    {
        var name = NewName() + ".fifo";
        var queue = await CreateQueueAsync(name, """ "fifo":true,"contentBasedDeduplication":true,"deduplicationScope":"message-group","receiveWaitTimeSeconds":2,"tags":{"team":"billing"} """);

        Assert.True(queue.GetProperty("fifo").GetBoolean());
        Assert.True(queue.GetProperty("contentBasedDeduplication").GetBoolean());
        Assert.Equal("message-group", queue.GetProperty("deduplicationScope").GetString());
        Assert.Equal(2, queue.GetProperty("receiveWaitTimeSeconds").GetDouble());
        Assert.Equal("billing", queue.GetProperty("tags").GetProperty("team").GetString());
    }

    [Fact]
    public async Task FifoQueue_PublishWithGroup_ReceivedInOrderWithGroupAndSequence()
    {
        var name = NewName() + ".fifo";
        await CreateQueueAsync(name, """ "fifo":true,"contentBasedDeduplication":true """);

        var published = await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages",
            """{"messages":[{"body":"1","messageGroupId":"g"},{"body":"2","messageGroupId":"g"}]}"""));
        var sequences = published.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sequenceNumber").GetInt64()).ToArray();
        Assert.True(sequences[0] < sequences[1]);

        var received = await ReceiveAsync(name, """{"maxMessages":10,"waitTimeSeconds":0}""");
        Assert.Equal(["1", "2"], received.Select(m => m.GetProperty("body").GetString()));
        Assert.All(received, m => Assert.Equal("g", m.GetProperty("messageGroupId").GetString()));
        Assert.Equal(sequences, received.Select(m => m.GetProperty("sequenceNumber").GetInt64()));
    }

    [Fact]
    public async Task FifoQueue_ReceiveRetryWithAttemptId_ReturnsSameHandle()
    {
        var name = NewName() + ".fifo";
        await CreateQueueAsync(name, """ "fifo":true,"contentBasedDeduplication":true """);
        await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages", """{"body":"x","messageGroupId":"g"}"""));

        var first = Assert.Single(await ReceiveAsync(name, """{"receiveRequestAttemptId":"attempt-1"}"""));
        var retry = Assert.Single(await ReceiveAsync(name, """{"receiveRequestAttemptId":"attempt-1"}"""));

        Assert.Equal(first.GetProperty("receiptHandle").GetString(), retry.GetProperty("receiptHandle").GetString());
    }

    [Fact]
    public async Task FifoQueue_PublishWithoutGroup_Returns400AndEnqueuesNothing()
    {
        var name = NewName() + ".fifo";
        await CreateQueueAsync(name, """ "fifo":true,"contentBasedDeduplication":true """);

        using var response = await PostAsync($"/v1/queues/{name}/messages", """{"body":"x"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "messageGroupId");
        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task FifoQueue_NameWithoutSuffix_Returns400()
    {
        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{NewName()}}","fifo":true}""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "fifo");
    }

    [Fact]
    public async Task PatchQueue_ChangeKind_Returns400AndKeepsKind()
    {
        var name = NewName();
        await CreateQueueAsync(name);

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/v1/queues/{name}") { Content = Json("""{"fifo":true}""") };
        using var response = await Client.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "fifo");
        Assert.False((await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}")).GetProperty("fifo").GetBoolean());
    }
}
