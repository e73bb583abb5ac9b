using System.Text.Json;
using Amazon.SQS.Model;

namespace Sluice.Server.Tests.Sqs;

/// <summary>
/// Dead letters that came through the SQS face (no error: SQS has none on a release) are grouped by body: by its shape,
/// since quoted values, numbers, ids and times are masked.
/// </summary>
public sealed class SqsDeadLetterGroupTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>
{
    [Fact]
    public async Task DeadLettersFromSqs_NoError_GroupedByMaskedBody()
    {
        using var sqs = fixture.Client();
        var dlqName = SqsServerFixture.NewName("dlq");
        var dlqUrl = (await sqs.CreateQueueAsync(dlqName)).QueueUrl;
        var dlqArn = (await sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"])).Attributes["QueueArn"];
        var sourceName = SqsServerFixture.NewName("src");
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = sourceName,
            Attributes = new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":1}""" },
        })).QueueUrl;
        for (var i = 0; i < 12; i++)
        {
            var body = i % 3 == 0
                ? $$"""{"type":"refund","orderId":{{1000 + i}},"customer":"c{{i}}@example.com"}"""
                : $$"""{"type":"charge","card":"{{Guid.NewGuid()}}","at":"2026-11-30T10:{{i:D2}}:00Z"}""";
            await sqs.SendMessageAsync(url, body);
        }

        // Received once and released at once (visibility 0): the next receive finds maxReceiveCount used up and moves each to the DLQ.
        Assert.Equal(10, (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 0 })).Messages.Count);
        Assert.Equal(2, (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 0 })).Messages.Count);
        Assert.Empty((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 })).Messages ?? []);

        using var http = new HttpClient { BaseAddress = new Uri(fixture.Address) };
        var list = JsonDocument.Parse(await http.GetStringAsync($"/v1/queues/{dlqName}/dead-letters/groups")).RootElement;

        Assert.Equal(12, list.GetProperty("scanned").GetInt64());
        var groups = list.GetProperty("groups").EnumerateArray().ToArray();
        Assert.Equal(2, groups.Length);
        Assert.All(groups, g =>
        {
            Assert.Equal("body", g.GetProperty("source").GetString());
            Assert.Equal(sourceName, Assert.Single(g.GetProperty("sourceQueues").EnumerateArray()).GetProperty("queue").GetString());
            Assert.Equal(JsonValueKind.Null, g.GetProperty("sample").GetProperty("deadLetter").GetProperty("lastError").ValueKind);
        });
        Assert.Equal((8L, """{"type":"<str>","card":"<str>","at":"<str>"}"""), (groups[0].GetProperty("count").GetInt64(), groups[0].GetProperty("fingerprint").GetString()));
        Assert.Equal((4L, """{"type":"<str>","orderId":<num>,"customer":"<str>"}"""), (groups[1].GetProperty("count").GetInt64(), groups[1].GetProperty("fingerprint").GetString()));
    }
}
