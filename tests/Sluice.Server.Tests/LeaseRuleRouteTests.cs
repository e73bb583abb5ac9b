using System.Net;

namespace Sluice.Server.Tests;

/// <summary>The broker's lease rules as the REST face answers them: problem+json 400s with the rule's code and field.</summary>
public class LeaseRuleRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Extend_PastTwelveHoursAfterReceive_400InvalidArgumentAndLeaseKept()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var message = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":60}"""));
        var handle = message.GetProperty("receiptHandle").GetString();

        using var response = await PostAsync($"/v1/queues/{name}/messages/extend", $$"""{"receiptHandle":"{{handle}}","visibilityTimeoutSeconds":43200}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument, "visibilityTimeoutSeconds");
        Assert.Contains("12 hours", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(message.GetProperty("visibleAt").GetDateTimeOffset(), Assert.Single(await PeekAsync(name)).GetProperty("visibleAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Receive_FifoAttemptRetriedAfterAck_400InvalidArgumentNamingTheAttemptId()
    {
        var name = NewName() + ".fifo";
        await CreateQueueAsync(name, "\"fifo\":true");
        using (var sent = await PostAsync($"/v1/queues/{name}/messages",
            """{"messages":[{"body":"a","messageGroupId":"a","deduplicationId":"a"},{"body":"b","messageGroupId":"b","deduplicationId":"b"}]}"""))
        {
            await ReadJsonAsync(sent);
        }

        const string receive = """{"maxMessages":10,"visibilityTimeoutSeconds":60,"receiveRequestAttemptId":"attempt-1"}""";
        var first = await ReceiveAsync(name, receive);
        using (var acked = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandle":"{{first[0].GetProperty("receiptHandle").GetString()}}"}"""))
        {
            Assert.Equal(HttpStatusCode.NoContent, acked.StatusCode);
        }

        using var retry = await PostAsync($"/v1/queues/{name}/messages/receive", receive);

        await AssertProblemAsync(retry, HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument, "receiveRequestAttemptId");
        Assert.Equal(1, Assert.Single(await PeekAsync(name)).GetProperty("receiveCount").GetInt32());
    }

    [Fact]
    public async Task AckNackExtend_HandleFromAnotherQueue_400ReceiptHandleInvalid()
    {
        var a = NewName();
        var b = NewName();
        await CreateQueueAsync(a);
        await CreateQueueAsync(b);
        await PublishAsync(a);
        var handle = Assert.Single(await ReceiveAsync(a, """{"visibilityTimeoutSeconds":60}""")).GetProperty("receiptHandle").GetString();

        foreach (var (route, json) in new[]
        {
            ("ack", $$"""{"receiptHandle":"{{handle}}"}"""),
            ("nack", $$"""{"receiptHandle":"{{handle}}"}"""),
            ("extend", $$"""{"receiptHandle":"{{handle}}","visibilityTimeoutSeconds":0}"""),
        })
        {
            using var response = await PostAsync($"/v1/queues/{b}/messages/{route}", json);
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ReceiptHandleInvalid, "receiptHandle");
        }

        using var batchResponse = await PostAsync($"/v1/queues/{b}/messages/ack", $$"""{"receiptHandles":["{{handle}}"]}""");
        var batch = await ReadJsonAsync(batchResponse);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, batch.GetProperty("results")[0].GetProperty("code").GetString());
        Assert.Equal("in-flight", Assert.Single(await PeekAsync(a)).GetProperty("state").GetString());
    }
}
