using System.Net;
using System.Text;
using System.Text.Json;

namespace Sluice.Server.Tests;

public class MessageRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Publish_TextBodyWithAttributes_ReceivedUnchanged()
    {
        var name = NewName();
        await CreateQueueAsync(name);

        using var publish = await PostAsync($"/v1/queues/{name}/messages", """
            {"body":"héllo \"world\"","priority":7,"deduplicationId":"d-1","attributes":{
              "kind":{"dataType":"String","stringValue":"order"},
              "n":{"dataType":"Number","stringValue":"42.5"},
              "blob":{"dataType":"Binary.gz","binaryValue":"AAEC"}}}
            """);
        var published = await ReadJsonAsync(publish);
        var result = Assert.Single(published.GetProperty("messages").EnumerateArray());
        Assert.False(result.GetProperty("duplicate").GetBoolean());
        var id = result.GetProperty("messageId").GetString();

        var message = Assert.Single(await ReceiveAsync(name, """{"maxMessages":10,"visibilityTimeoutSeconds":60}"""));
        Assert.Equal(id, message.GetProperty("messageId").GetString());
        Assert.Equal("héllo \"world\"", message.GetProperty("body").GetString());
        Assert.False(message.TryGetProperty("bodyBase64", out _), message.ToString());
        Assert.Equal(7, message.GetProperty("priority").GetInt32());
        Assert.Equal("d-1", message.GetProperty("deduplicationId").GetString());
        Assert.Equal(1, message.GetProperty("receiveCount").GetInt32());
        Assert.Equal("in-flight", message.GetProperty("state").GetString());
        Assert.False(string.IsNullOrEmpty(message.GetProperty("receiptHandle").GetString()));
        Assert.Equal(JsonValueKind.Null, message.GetProperty("deadLetter").ValueKind);
        var attributes = message.GetProperty("attributes");
        Assert.Equal("String", attributes.GetProperty("kind").GetProperty("dataType").GetString());
        Assert.Equal("order", attributes.GetProperty("kind").GetProperty("stringValue").GetString());
        Assert.Equal("42.5", attributes.GetProperty("n").GetProperty("stringValue").GetString());
        Assert.Equal("Binary.gz", attributes.GetProperty("blob").GetProperty("dataType").GetString());
        Assert.Equal("AAEC", attributes.GetProperty("blob").GetProperty("binaryValue").GetString());
        foreach (var time in new[] { "sentAt", "firstReceivedAt", "visibleAt" })
        {
            Assert.EndsWith("+00:00", message.GetProperty(time).GetString());
        }
    }

    [Fact]
    public async Task Publish_Base64BinaryBody_ReceivedAsBodyBase64()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        var bytes = new byte[] { 0xff, 0xfe, 0x00, 0x80 };

        using var publish = await PostAsync($"/v1/queues/{name}/messages", $$"""{"bodyBase64":"{{Convert.ToBase64String(bytes)}}"}""");
        await ReadJsonAsync(publish);

        var message = Assert.Single(await ReceiveAsync(name));
        Assert.False(message.TryGetProperty("body", out _));
        Assert.Equal(bytes, message.GetProperty("bodyBase64").GetBytesFromBase64());
    }

    [Fact]
    public async Task Publish_Base64TextBody_ReceivedAsText()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        using var publish = await PostAsync($"/v1/queues/{name}/messages", $$"""{"bodyBase64":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes("plain"))}}"}""");
        await ReadJsonAsync(publish);

        var message = Assert.Single(await PeekAsync(name));
        Assert.Equal("plain", message.GetProperty("body").GetString());
        Assert.Equal("ready", message.GetProperty("state").GetString());
        Assert.False(message.TryGetProperty("receiptHandle", out _));
    }

    [Fact]
    public async Task Publish_Batch_AllEnqueuedInOrder()
    {
        var name = NewName();
        await CreateQueueAsync(name);

        using var publish = await PostAsync($"/v1/queues/{name}/messages",
            """{"messages":[{"body":"one"},{"bodyBase64":"dHdv"},{"body":"three","attributes":{"a":{"dataType":"String","stringValue":"x"}}}]}""");
        var published = await ReadJsonAsync(publish);
        Assert.Equal(3, published.GetProperty("messages").GetArrayLength());

        var messages = await ReceiveAsync(name, """{"maxMessages":10}""");
        Assert.Equal(["one", "two", "three"], messages.Select(m => m.GetProperty("body").GetString()));
    }

    [Fact]
    public async Task Publish_DuplicateDeduplicationId_ReturnsOriginalIdAndEnqueuesOnce()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        var first = await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages", """{"body":"a","deduplicationId":"same"}"""));
        var second = await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages", """{"body":"b","deduplicationId":"same"}"""));

        Assert.True(second.GetProperty("messages")[0].GetProperty("duplicate").GetBoolean());
        Assert.Equal(first.GetProperty("messages")[0].GetProperty("messageId").GetString(), second.GetProperty("messages")[0].GetProperty("messageId").GetString());
        Assert.Single(await PeekAsync(name));
    }

    [Fact]
    public async Task Publish_InvalidDeduplicationId_DetailNamesTheRequestFieldAsFieldDoes()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        var id = new string('d', 200);

        var single = await AssertProblemAsync(await PostAsync($"/v1/queues/{name}/messages", $$"""{"body":"a","deduplicationId":"{{id}}"}"""),
            HttpStatusCode.BadRequest, "invalid_argument", "deduplicationId");
        var batch = await AssertProblemAsync(await PostAsync($"/v1/queues/{name}/messages", $$"""{"messages":[{"body":"a","deduplicationId":"{{id}}"}]}"""),
            HttpStatusCode.BadRequest, "invalid_argument", "messages[0].deduplicationId");

        // The detail quotes a long value shortened; it starts with the field as the client named it.
        Assert.StartsWith($"deduplicationId '{id[..20]}", single.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"messages[0].deduplicationId '{id[..20]}", batch.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task Publish_WithDelay_IsDelayed()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages", """{"body":"later","delaySeconds":3600}"""));

        Assert.Empty(await ReceiveAsync(name));
        Assert.Equal("delayed", Assert.Single(await PeekAsync(name)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Publish_BodyLargerThanQueueLimit_Returns413AndEnqueuesNothing()
    {
        var name = NewName();
        await CreateQueueAsync(name, "\"maxMessageSize\":16");

        using var single = await PostAsync($"/v1/queues/{name}/messages", """{"body":"01234567890123456"}""");
        await AssertProblemAsync(single, HttpStatusCode.RequestEntityTooLarge, "message_too_large", "body");
        using var batch = await PostAsync($"/v1/queues/{name}/messages", """{"messages":[{"body":"ok"},{"body":"01234567890123456"}]}""");
        await AssertProblemAsync(batch, HttpStatusCode.RequestEntityTooLarge, "message_too_large", "messages[1].body");

        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task Publish_RequestOverServerLimit_Returns413RequestTooLargeAndEnqueuesNothing()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        var body = new string('x', (int)ServerFixture.MaxRequestBodySize + 10);

        using var response = await PostAsync($"/v1/queues/{name}/messages", $$"""{"body":"{{body}}"}""");

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large", null);
        Assert.Empty(await PeekAsync(name));
    }

    [Theory]
    [InlineData("{}", "body")]
    [InlineData("""{"body":"a","bodyBase64":"YQ=="}""", "body")]
    [InlineData("""{"priority":3}""", "body")]
    [InlineData("""{"messages":[{"body":"a"},{}]}""", "messages[1].body")]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"body":"a","messages":[{"body":"b"}]}""", "messages")]
    [InlineData("""{"body":"a","priority":10}""", "priority")]
    [InlineData("""{"body":"a","delaySeconds":-1}""", "delaySeconds")]
    [InlineData("""{"body":"a","delaySeconds":1300000}""", "delaySeconds")]
    [InlineData("""{"body":"a","delaySeconds":1e300}""", "delaySeconds")]
    [InlineData("""{"messages":[{"body":"a","delaySeconds":1300000}]}""", "messages[0].delaySeconds")]
    [InlineData("""{"body":"a","deduplicationId":"has space"}""", "deduplicationId")]
    [InlineData("""{"body":"a","attributes":{"n":{"dataType":"Number","stringValue":"x"}}}""", "attributes.n.stringValue")]
    [InlineData("""{"body":"a","attributes":{"n":{"dataType":"Blob","stringValue":"x"}}}""", "attributes.n.dataType")]
    public async Task Publish_InvalidArgument_Returns400NamingFieldAndEnqueuesNothing(string json, string field)
    {
        var name = NewName();
        await CreateQueueAsync(name);

        using var response = await PostAsync($"/v1/queues/{name}/messages", json);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
        Assert.Empty(await PeekAsync(name));
    }

    [Theory]
    [InlineData("""{"body":""", "body")]
    [InlineData("""{"body":42}""", "body")]
    [InlineData("""{"bodyBase64":"not base64!"}""", "bodyBase64")]
    [InlineData("""{"body":"a","priority":"high"}""", "priority")]
    [InlineData("""{"body":"a","colour":"red"}""", "colour")]
    [InlineData("""[1,2]""", null)]
    [InlineData("""{"body":"a","attributes":{"k":"v"}}""", "attributes")]
    [InlineData("""{"body":"x","body":"y"}""", "body")]
    public async Task Publish_MalformedBody_Returns400MalformedRequestAndEnqueuesNothing(string json, string? field)
    {
        var name = NewName();
        await CreateQueueAsync(name);

        using var response = await PostAsync($"/v1/queues/{name}/messages", json);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", field);
        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task Publish_EmptyBody_Returns400MalformedRequest()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        using var response = await Client.PostAsync($"/v1/queues/{name}/messages", null);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", null);
    }

    [Fact]
    public async Task Publish_UnknownQueue_Returns404()
    {
        using var response = await PostAsync($"/v1/queues/{NewName()}/messages", """{"body":"a"}""");
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "queue_not_found", "queue");
    }

    [Fact]
    public async Task Publish_InvalidQueueName_Returns400()
    {
        using var response = await PostAsync("/v1/queues/no.dots/messages", """{"body":"a"}""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_queue_name", "queue");
    }

    [Fact]
    public async Task Publish_QueueFull_Returns429WithRetryAfterAndKeepsOldMessages()
    {
        var name = NewName();
        await CreateQueueAsync(name, "\"maxLength\":1");
        await PublishAsync(name, "first");

        using var response = await PostAsync($"/v1/queues/{name}/messages", """{"body":"second"}""");

        await AssertProblemAsync(response, HttpStatusCode.TooManyRequests, "queue_full", "queue");
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.Equal("first", Assert.Single(await PeekAsync(name)).GetProperty("body").GetString());
    }

    [Fact]
    public async Task Receive_WithWait_ReturnsMessagePublishedWhileWaiting()
    {
        var name = NewName();
        await CreateQueueAsync(name);

        var receive = ReceiveAsync(name, """{"waitTimeSeconds":20}""");
        await PublishAsync(name, "awaited");

        var message = Assert.Single(await receive);
        Assert.Equal("awaited", message.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Receive_EmptyQueueWithoutBody_ReturnsEmptyList()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        using var response = await Client.PostAsync($"/v1/queues/{name}/messages/receive", null);
        var result = await ReadJsonAsync(response);
        Assert.Equal(0, result.GetProperty("messages").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"visibilityTimeoutSeconds":50000}""", "visibilityTimeoutSeconds")]
    [InlineData("""{"visibilityTimeoutSeconds":-1}""", "visibilityTimeoutSeconds")]
    [InlineData("""{"waitTimeSeconds":21}""", "waitTimeSeconds")]
    [InlineData("""{"maxMessages":0}""", "maxMessages")]
    [InlineData("""{"maxMessages":101}""", "maxMessages")]
    public async Task Receive_OutOfRange_Returns400NamingFieldAndLeasesNothing(string json, string field)
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);

        using var response = await PostAsync($"/v1/queues/{name}/messages/receive", json);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
        var message = Assert.Single(await PeekAsync(name));
        Assert.Equal("ready", message.GetProperty("state").GetString());
        Assert.Equal(0, message.GetProperty("receiveCount").GetInt32());
    }

    [Fact]
    public async Task Ack_Single_Returns204AndDeletes()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var handle = Assert.Single(await ReceiveAsync(name)).GetProperty("receiptHandle").GetString();

        using var response = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandle":"{{handle}}"}""");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task Ack_Twice_Returns404MessageNotFound()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var handle = Assert.Single(await ReceiveAsync(name)).GetProperty("receiptHandle").GetString();
        using var first = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandle":"{{handle}}"}""");
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);

        using var second = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandle":"{{handle}}"}""");
        await AssertProblemAsync(second, HttpStatusCode.NotFound, "message_not_found", "receiptHandle");
    }

    [Fact]
    public async Task Ack_UnknownHandle_Returns400AndKeepsMessage()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        Assert.Single(await ReceiveAsync(name));

        using var response = await PostAsync($"/v1/queues/{name}/messages/ack", """{"receiptHandle":"not-a-handle"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "receipt_handle_invalid", "receiptHandle");
        Assert.Equal("in-flight", Assert.Single(await PeekAsync(name)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Ack_StaleHandle_Returns409AndKeepsMessage()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var stale = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":0}""")).GetProperty("receiptHandle").GetString();
        var current = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":60}"""));
        Assert.Equal(2, current.GetProperty("receiveCount").GetInt32());

        using var response = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandle":"{{stale}}"}""");

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "receipt_handle_stale", "receiptHandle");
        var message = Assert.Single(await PeekAsync(name));
        Assert.Equal("in-flight", message.GetProperty("state").GetString());
        Assert.Equal(2, message.GetProperty("receiveCount").GetInt32());
    }

    [Fact]
    public async Task Ack_Batch_ReturnsPerEntryResults()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name, "a");
        await PublishAsync(name, "b");
        var handles = (await ReceiveAsync(name, """{"maxMessages":2}""")).Select(m => m.GetProperty("receiptHandle").GetString()!).ToArray();

        using var response = await PostAsync($"/v1/queues/{name}/messages/ack",
            JsonSerializer.Serialize(new { receiptHandles = new[] { handles[0], "garbage", handles[1] } }));
        var results = (await ReadJsonAsync(response)).GetProperty("results").EnumerateArray().ToArray();

        Assert.Equal(3, results.Length);
        Assert.True(results[0].GetProperty("ok").GetBoolean());
        Assert.Equal(handles[0], results[0].GetProperty("receiptHandle").GetString());
        Assert.False(results[0].TryGetProperty("code", out _));
        Assert.False(results[1].GetProperty("ok").GetBoolean());
        Assert.Equal("receipt_handle_invalid", results[1].GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(results[1].GetProperty("message").GetString()));
        Assert.True(results[2].GetProperty("ok").GetBoolean());
        Assert.Empty(await PeekAsync(name));
    }

    [Theory]
    [InlineData("{}", "receiptHandle")]
    [InlineData("""{"receiptHandles":[]}""", "receiptHandles")]
    [InlineData("""{"receiptHandle":"x","receiptHandles":["y"]}""", "receiptHandles")]
    public async Task Ack_InvalidBody_Returns400NamingField(string json, string field)
    {
        var name = NewName();
        await CreateQueueAsync(name);
        using var response = await PostAsync($"/v1/queues/{name}/messages/ack", json);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
    }

    [Fact]
    public async Task Nack_ReleasesMessageForRedelivery()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var handle = Assert.Single(await ReceiveAsync(name)).GetProperty("receiptHandle").GetString();

        using var response = await PostAsync($"/v1/queues/{name}/messages/nack", $$"""{"receiptHandle":"{{handle}}","delaySeconds":0,"error":"boom"}""");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var again = Assert.Single(await ReceiveAsync(name));
        Assert.Equal(2, again.GetProperty("receiveCount").GetInt32());
    }

    [Fact]
    public async Task Nack_WithDelay_MakesMessageDelayed()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var handle = Assert.Single(await ReceiveAsync(name)).GetProperty("receiptHandle").GetString();

        using var response = await PostAsync($"/v1/queues/{name}/messages/nack", $$"""{"receiptHandle":"{{handle}}","delaySeconds":600}""");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("delayed", Assert.Single(await PeekAsync(name)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Nack_OutOfRangeDelay_Returns400AndKeepsLease()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var handle = Assert.Single(await ReceiveAsync(name)).GetProperty("receiptHandle").GetString();

        using var response = await PostAsync($"/v1/queues/{name}/messages/nack", $$"""{"receiptHandle":"{{handle}}","delaySeconds":99999}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "delaySeconds");
        Assert.Equal("in-flight", Assert.Single(await PeekAsync(name)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Nack_Twice_Returns409NotInFlight()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var handle = Assert.Single(await ReceiveAsync(name)).GetProperty("receiptHandle").GetString();
        using var first = await PostAsync($"/v1/queues/{name}/messages/nack", $$"""{"receiptHandle":"{{handle}}","delaySeconds":600}""");
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);

        using var second = await PostAsync($"/v1/queues/{name}/messages/nack", $$"""{"receiptHandle":"{{handle}}"}""");
        await AssertProblemAsync(second, HttpStatusCode.Conflict, "message_not_in_flight", "receiptHandle");
    }

    [Fact]
    public async Task Extend_ReturnsNewVisibleUntil()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var message = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":10}"""));
        var handle = message.GetProperty("receiptHandle").GetString();

        var result = await ReadJsonAsync(await PostAsync($"/v1/queues/{name}/messages/extend", $$"""{"receiptHandle":"{{handle}}","visibilityTimeoutSeconds":3600}"""));

        var until = result.GetProperty("visibleUntil").GetDateTimeOffset();
        Assert.True(until > message.GetProperty("visibleAt").GetDateTimeOffset());
        Assert.Equal(until, Assert.Single(await PeekAsync(name)).GetProperty("visibleAt").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("visibilityTimeoutSeconds", """ "receiptHandle":"HANDLE" """)]
    [InlineData("visibilityTimeoutSeconds", """ "receiptHandle":"HANDLE","visibilityTimeoutSeconds":43201 """)]
    [InlineData("receiptHandle", """ "visibilityTimeoutSeconds":5 """)]
    public async Task Extend_MissingOrOutOfRange_Returns400NamingFieldAndKeepsLease(string field, string members)
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var message = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":100}"""));
        var handle = message.GetProperty("receiptHandle").GetString()!;

        using var response = await PostAsync($"/v1/queues/{name}/messages/extend", "{" + members.Replace("HANDLE", handle, StringComparison.Ordinal) + "}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
        var peeked = Assert.Single(await PeekAsync(name));
        Assert.Equal(message.GetProperty("visibleAt").GetDateTimeOffset(), peeked.GetProperty("visibleAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Peek_ListsWithoutLeasing()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name, "a");
        await PublishAsync(name, "b");
        await PublishAsync(name, "c");

        var peeked = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}/messages?max=2");
        Assert.Equal(["a", "b"], peeked.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        var all = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}/messages");
        Assert.Equal(3, all.GetProperty("messages").GetArrayLength());
        Assert.All(all.GetProperty("messages").EnumerateArray(), m => Assert.Equal(0, m.GetProperty("receiveCount").GetInt32()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    public async Task Peek_InvalidMax_Returns400NamingMax(string max)
    {
        var name = NewName();
        await CreateQueueAsync(name);
        using var response = await Client.GetAsync($"/v1/queues/{name}/messages?max={max}");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "max");
    }
}

public class UnknownQueueTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    public static TheoryData<string, string, string?> QueueRoutes => new()
    {
        { "GET", "", null },
        { "PATCH", "", "{}" },
        { "DELETE", "", null },
        { "DELETE", "/messages", null },
        { "GET", "/stats", null },
        { "POST", "/messages", """{"body":"a"}""" },
        { "POST", "/messages/receive", "{}" },
        { "POST", "/messages/ack", """{"receiptHandle":"AAAAAAAAAAEAAAAB"}""" },
        { "POST", "/messages/nack", """{"receiptHandle":"AAAAAAAAAAEAAAAB"}""" },
        { "POST", "/messages/extend", """{"receiptHandle":"AAAAAAAAAAEAAAAB","visibilityTimeoutSeconds":1}""" },
        { "GET", "/messages", null },
        { "POST", "/redrive", "{}" },
    };

    [Theory]
    [MemberData(nameof(QueueRoutes))]
    public async Task QueueRoute_UnknownQueue_Returns404AndCreatesNothing(string method, string suffix, string? json)
    {
        var name = NewName();
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/queues/{name}{suffix}") { Content = json is null ? null : Json(json) };
        using var response = await Client.SendAsync(request);

        await AssertProblemAsync(response, System.Net.HttpStatusCode.NotFound, "queue_not_found", "queue");
        var queues = await SendJsonAsync(HttpMethod.Get, "/v1/queues");
        Assert.DoesNotContain(queues.GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == name);
    }

    [Theory]
    [MemberData(nameof(QueueRoutes))]
    public async Task QueueRoute_InvalidQueueName_Returns400(string method, string suffix, string? json)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/queues/bad%21name{suffix}") { Content = json is null ? null : Json(json) };
        using var response = await Client.SendAsync(request);

        await AssertProblemAsync(response, System.Net.HttpStatusCode.BadRequest, "invalid_queue_name", "queue");
    }
}
