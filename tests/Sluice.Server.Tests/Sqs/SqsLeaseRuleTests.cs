using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Sluice.Server.Tests.Sqs;

/// <summary>
/// The broker's lease rules as SQS answers them, on both wire protocols: the 12-hour visibility limit, a receive
/// attempt id retried after a change, and a receipt handle used on another queue.
/// </summary>
public sealed class SqsLeaseRuleTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>, IDisposable
{
    private static readonly XNamespace Ns = "http://queue.amazonaws.com/doc/2012-11-05/";
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    /// <summary>One call's outcome in protocol-neutral form.</summary>
    private sealed record Reply(HttpStatusCode Status, string? Code, string? Message, List<string> Handles, List<(string Id, string Code, string Message)> Failed);

    [Theory]
    [InlineData("json")]
    [InlineData("query")]
    public async Task ChangeMessageVisibility_PastTwelveHoursAfterReceive_InvalidParameterValueSingleAndBatch(string protocol)
    {
        var (name, url) = await CreateQueueAsync(fifo: false);
        await fixture.Server.Broker.PublishAsync(name, new OutgoingMessage("m"u8.ToArray()));
        var handle = Assert.Single((await CallAsync(protocol, "ReceiveMessage", ("QueueUrl", url), ("VisibilityTimeout", "60"))).Handles);
        var leased = Assert.Single(await fixture.Server.Broker.PeekAsync(name));

        var single = await CallAsync(protocol, "ChangeMessageVisibility", ("QueueUrl", url), ("ReceiptHandle", handle), ("VisibilityTimeout", "43200"));
        var batch = await CallAsync(protocol, "ChangeMessageVisibilityBatch", ("QueueUrl", url),
            ("Entry.1.Id", "e1"), ("Entry.1.ReceiptHandle", handle), ("Entry.1.VisibilityTimeout", "43200"));

        const string text = "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]";
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidParameterValue", text), (single.Status, single.Code, single.Message));
        Assert.Equal(("e1", "InvalidParameterValue", text), Assert.Single(batch.Failed));
        Assert.Equal(leased.VisibleAt, Assert.Single(await fixture.Server.Broker.PeekAsync(name)).VisibleAt);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(protocol, "ChangeMessageVisibility", ("QueueUrl", url), ("ReceiptHandle", handle), ("VisibilityTimeout", "3600"))).Status);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("query")]
    public async Task ReceiveMessage_FifoAttemptRetriedAfterDelete_InvalidParameterValue(string protocol)
    {
        var (name, url) = await CreateQueueAsync(fifo: true);
        await fixture.Server.Broker.PublishBatchAsync(name,
        [
            new OutgoingMessage("a"u8.ToArray()) { MessageGroupId = "a", DeduplicationId = "a" },
            new OutgoingMessage("b"u8.ToArray()) { MessageGroupId = "b", DeduplicationId = "b" },
        ]);
        (string, string)[] receive = [("QueueUrl", url), ("MaxNumberOfMessages", "10"), ("ReceiveRequestAttemptId", "attempt-1"), ("VisibilityTimeout", "60")];
        var first = await CallAsync(protocol, "ReceiveMessage", receive);
        Assert.Equal(2, first.Handles.Count);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(protocol, "DeleteMessage", ("QueueUrl", url), ("ReceiptHandle", first.Handles[0]))).Status);

        var retry = await CallAsync(protocol, "ReceiveMessage", receive);

        Assert.Equal(HttpStatusCode.BadRequest, retry.Status);
        Assert.Equal("InvalidParameterValue", retry.Code);
        Assert.Equal("Value attempt-1 for parameter ReceiveRequestAttemptId is invalid. Reason: The receiveRequestAttemptId is not valid anymore since the receive call is not retryable.", retry.Message);
        var left = Assert.Single(await fixture.Server.Broker.PeekAsync(name));
        Assert.Equal((MessageState.InFlight, 1), (left.State, left.ReceiveCount));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("query")]
    public async Task EveryHandleAction_HandleFromAnotherQueue_ReceiptHandleIsInvalid(string protocol)
    {
        var (a, urlA) = await CreateQueueAsync(fifo: false);
        var (b, urlB) = await CreateQueueAsync(fifo: false);
        await fixture.Server.Broker.PublishAsync(a, new OutgoingMessage("a"u8.ToArray()));
        await fixture.Server.Broker.PublishAsync(b, new OutgoingMessage("b"u8.ToArray()));
        var handle = Assert.Single((await CallAsync(protocol, "ReceiveMessage", ("QueueUrl", urlA), ("VisibilityTimeout", "60"))).Handles);

        var delete = await CallAsync(protocol, "DeleteMessage", ("QueueUrl", urlB), ("ReceiptHandle", handle));
        var change = await CallAsync(protocol, "ChangeMessageVisibility", ("QueueUrl", urlB), ("ReceiptHandle", handle), ("VisibilityTimeout", "0"));
        var deleteBatch = await CallAsync(protocol, "DeleteMessageBatch", ("QueueUrl", urlB), ("Entry.1.Id", "e1"), ("Entry.1.ReceiptHandle", handle));
        var changeBatch = await CallAsync(protocol, "ChangeMessageVisibilityBatch", ("QueueUrl", urlB),
            ("Entry.1.Id", "e1"), ("Entry.1.ReceiptHandle", handle), ("Entry.1.VisibilityTimeout", "0"));

        var text = $"The input receipt handle \"{handle}\" is not a valid receipt handle.";
        Assert.Equal((HttpStatusCode.BadRequest, "ReceiptHandleIsInvalid", text), (delete.Status, delete.Code, delete.Message));
        Assert.Equal((HttpStatusCode.BadRequest, "ReceiptHandleIsInvalid", text), (change.Status, change.Code, change.Message));
        Assert.Equal(("e1", "ReceiptHandleIsInvalid", text), Assert.Single(deleteBatch.Failed));
        Assert.Equal(("e1", "ReceiptHandleIsInvalid", text), Assert.Single(changeBatch.Failed));
        Assert.Equal(MessageState.InFlight, Assert.Single(await fixture.Server.Broker.PeekAsync(a)).State);
        Assert.Equal(MessageState.Ready, Assert.Single(await fixture.Server.Broker.PeekAsync(b)).State);
    }

    private async Task<(string Name, string Url)> CreateQueueAsync(bool fifo)
    {
        var name = SqsServerFixture.NewName() + (fifo ? ".fifo" : "");
        await fixture.Server.Broker.CreateQueueAsync(name, new QueueOptions { Fifo = fifo });
        return (name, $"http://localhost/000000000000/{name}");
    }

    /// <summary>
    /// Calls an action in one protocol. Parameters use Query names; <c>Entry.N.Field</c> stands for the action's batch
    /// entries (<c>&lt;Action&gt;RequestEntry.N.Field</c> in Query, <c>Entries[N-1].Field</c> in JSON).
    /// </summary>
    private async Task<Reply> CallAsync(string protocol, string action, params (string Key, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        if (protocol == "json")
        {
            var body = new JsonObject();
            var entries = new SortedDictionary<int, JsonObject>();
            foreach (var (key, value) in fields)
            {
                var parts = key.Split('.');
                JsonNode node = key.EndsWith("VisibilityTimeout", StringComparison.Ordinal) || key.EndsWith("MaxNumberOfMessages", StringComparison.Ordinal)
                    ? JsonValue.Create(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture))
                    : JsonValue.Create(value);
                if (parts[0] == "Entry")
                {
                    var index = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                    if (!entries.TryGetValue(index, out var entry))
                    {
                        entries[index] = entry = [];
                    }

                    entry[parts[2]] = node;
                }
                else
                {
                    body[key] = node;
                }
            }

            if (entries.Count > 0)
            {
                body["Entries"] = new JsonArray([.. entries.Values]);
            }

            request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.0");
            using var response = await _http.SendAsync(request);
            var json = (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            var code = response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single().Split(';')[0] : null;
            return new Reply(response.StatusCode, code, json["message"]?.GetValue<string>(),
                [.. (json["Messages"] as JsonArray ?? []).Select(m => m!["ReceiptHandle"]!.GetValue<string>())],
                [.. (json["Failed"] as JsonArray ?? []).Select(f => (f!["Id"]!.GetValue<string>(), f["Code"]!.GetValue<string>(), f["Message"]!.GetValue<string>()))]);
        }
        else
        {
            var form = new List<KeyValuePair<string, string>> { new("Action", action) };
            form.AddRange(fields.Select(f => new KeyValuePair<string, string>(
                f.Key.StartsWith("Entry.", StringComparison.Ordinal) ? $"{action}RequestEntry.{f.Key["Entry.".Length..]}" : f.Key, f.Value)));
            request.Content = new FormUrlEncodedContent(form);
            using var response = await _http.SendAsync(request);
            var root = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
            var error = root.Element(Ns + "Error");
            return new Reply(response.StatusCode, error?.Element(Ns + "Code")?.Value, error?.Element(Ns + "Message")?.Value,
                [.. root.Descendants(Ns + "ReceiveMessageResult").Elements(Ns + "Message").Select(m => m.Element(Ns + "ReceiptHandle")!.Value)],
                [.. root.Descendants(Ns + "BatchResultErrorEntry").Select(f =>
                    (f.Element(Ns + "Id")!.Value, f.Element(Ns + "Code")!.Value, f.Element(Ns + "Message")!.Value))]);
        }
    }
}
