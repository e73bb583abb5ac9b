using System.Net;

namespace Sluice.Server.Tests;

public class QueueRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    [Fact]
    public async Task CreateQueue_New_Returns201WithDefaults()
    {
        var name = NewName();
        var queue = await CreateQueueAsync(name);

        Assert.Equal(name, queue.GetProperty("name").GetString());
        Assert.Equal(30, queue.GetProperty("visibilityTimeoutSeconds").GetDouble());
        Assert.Equal(0, queue.GetProperty("deliveryDelaySeconds").GetDouble());
        Assert.Equal(345600, queue.GetProperty("retentionPeriodSeconds").GetDouble());
        Assert.Equal(1048576, queue.GetProperty("maxMessageSize").GetInt32());
        Assert.Equal(300, queue.GetProperty("deduplicationWindowSeconds").GetDouble());
        Assert.Equal("reject", queue.GetProperty("overflowPolicy").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, queue.GetProperty("maxReceiveCount").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, queue.GetProperty("deadLetterQueue").ValueKind);
        Assert.True(queue.TryGetProperty("createdAt", out _));
    }

    [Fact]
    public async Task CreateQueue_ExistingWithEqualOptions_Returns200()
    {
        var name = NewName();
        await CreateQueueAsync(name, "\"visibilityTimeoutSeconds\":12");

        using var again = await PostAsync("/v1/queues", $$"""{"name":"{{name}}","visibilityTimeoutSeconds":12}""");
        var queue = await ReadJsonAsync(again, HttpStatusCode.OK);
        Assert.Equal(12, queue.GetProperty("visibilityTimeoutSeconds").GetDouble());
    }

    [Fact]
    public async Task CreateQueue_ExistingWithOtherOptions_Returns409AndKeepsOptions()
    {
        var name = NewName();
        await CreateQueueAsync(name, "\"visibilityTimeoutSeconds\":12");

        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{name}}","visibilityTimeoutSeconds":13}""");
        await AssertProblemAsync(response, HttpStatusCode.Conflict, "queue_already_exists", "name");
        var queue = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}");
        Assert.Equal(12, queue.GetProperty("visibilityTimeoutSeconds").GetDouble());
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("")]
    [InlineData("way-too-long-way-too-long-way-too-long-way-too-long-way-too-long-way-too-long-xxxx")]
    [InlineData("dots.are.not.allowed")]
    public async Task CreateQueue_InvalidName_Returns400AndCreatesNothing(string name)
    {
        var before = await SendJsonAsync(HttpMethod.Get, "/v1/queues");

        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{name}}"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_queue_name", "name");
        var after = await SendJsonAsync(HttpMethod.Get, "/v1/queues");
        Assert.DoesNotContain(after.GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == name);
        Assert.True(after.GetProperty("queues").GetArrayLength() >= before.GetProperty("queues").GetArrayLength());
    }

    [Fact]
    public async Task CreateQueue_MissingName_Returns400NamingName()
    {
        using var response = await PostAsync("/v1/queues", """{"visibilityTimeoutSeconds":5}""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "name");
    }

    [Fact]
    public async Task CreateQueue_OutOfRangeVisibility_Returns400NamingFieldAndCreatesNothing()
    {
        var name = NewName();
        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{name}}","visibilityTimeoutSeconds":99999}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "visibilityTimeoutSeconds");
        using var get = await Client.GetAsync($"/v1/queues/{name}");
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "queue_not_found", "queue");
    }

    [Fact]
    public async Task CreateQueue_UnknownOverflowPolicy_Returns400()
    {
        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{NewName()}}","overflowPolicy":"drop-tail"}""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "overflowPolicy");
    }

    [Fact]
    public async Task CreateQueue_UnknownProperty_Returns400MalformedRequestNamingIt()
    {
        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{NewName()}}","visibilityTimeout":5}""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", "visibilityTimeout");
    }

    [Fact]
    public async Task CreateQueue_MalformedJson_Returns400()
    {
        using var response = await PostAsync("/v1/queues", """{"name":""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", "name");
    }

    [Fact]
    public async Task CreateQueue_WrongContentType_Returns400()
    {
        var name = NewName();
        using var response = await Client.PostAsync("/v1/queues", WithMediaType($$"""{"name":"{{name}}"}""", "text/plain"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", "Content-Type");
        using var get = await Client.GetAsync($"/v1/queues/{name}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task ListQueues_ReturnsQueuesOrderedByName()
    {
        var a = "a" + NewName();
        var b = "b" + NewName();
        await CreateQueueAsync(b);
        await CreateQueueAsync(a);

        var list = await SendJsonAsync(HttpMethod.Get, "/v1/queues");
        var names = list.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToList();
        Assert.Contains(a, names);
        Assert.Contains(b, names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task GetQueue_Unknown_Returns404()
    {
        using var response = await Client.GetAsync($"/v1/queues/{NewName()}");
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "queue_not_found", "queue");
    }

    [Fact]
    public async Task GetQueue_InvalidName_Returns400()
    {
        using var response = await Client.GetAsync("/v1/queues/bad%20name");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_queue_name", "queue");
    }

    [Fact]
    public async Task PatchQueue_ChangesOnlyNamedFields_NullClearsOptional()
    {
        var dlq = NewName("dlq");
        var name = NewName();
        await CreateQueueAsync(dlq);
        await CreateQueueAsync(name, $"\"visibilityTimeoutSeconds\":12,\"maxReceiveCount\":3,\"deadLetterQueue\":\"{dlq}\",\"maxLength\":50");

        var patched = await SendJsonAsync(HttpMethod.Patch, $"/v1/queues/{name}", """{"deliveryDelaySeconds":2.5,"maxLength":null}""");
        Assert.Equal(12, patched.GetProperty("visibilityTimeoutSeconds").GetDouble());
        Assert.Equal(2.5, patched.GetProperty("deliveryDelaySeconds").GetDouble());
        Assert.Equal(3, patched.GetProperty("maxReceiveCount").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, patched.GetProperty("maxLength").ValueKind);

        var cleared = await SendJsonAsync(HttpMethod.Patch, $"/v1/queues/{name}", """{"maxReceiveCount":null,"deadLetterQueue":null,"visibilityTimeoutSeconds":null}""");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("maxReceiveCount").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("deadLetterQueue").ValueKind);
        Assert.Equal(30, cleared.GetProperty("visibilityTimeoutSeconds").GetDouble());

        var get = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}");
        Assert.Equal(2.5, get.GetProperty("deliveryDelaySeconds").GetDouble());
    }

    [Fact]
    public async Task PatchQueue_InvalidValue_Returns400AndChangesNothing()
    {
        var name = NewName();
        await CreateQueueAsync(name, "\"visibilityTimeoutSeconds\":12");

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/v1/queues/{name}") { Content = Json("""{"visibilityTimeoutSeconds":5,"retentionPeriodSeconds":1}""") };
        using var response = await Client.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "retentionPeriodSeconds");
        var get = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}");
        Assert.Equal(12, get.GetProperty("visibilityTimeoutSeconds").GetDouble());
    }

    [Fact]
    public async Task PatchQueue_Unknown_Returns404()
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/v1/queues/{NewName()}") { Content = Json("{}") };
        using var response = await Client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "queue_not_found", "queue");
    }

    [Fact]
    public async Task DeleteQueue_Existing_Returns204AndRemovesIt()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);

        using var response = await Client.DeleteAsync($"/v1/queues/{name}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var get = await Client.GetAsync($"/v1/queues/{name}");
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "queue_not_found", "queue");
    }

    [Fact]
    public async Task DeleteQueue_UsedAsDeadLetterQueue_Returns409AndKeepsIt()
    {
        var dlq = NewName("dlq");
        await CreateQueueAsync(dlq);
        await CreateQueueAsync(NewName(), $"\"maxReceiveCount\":2,\"deadLetterQueue\":\"{dlq}\"");

        using var response = await Client.DeleteAsync($"/v1/queues/{dlq}");
        await AssertProblemAsync(response, HttpStatusCode.Conflict, "queue_in_use", "queue");
        await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{dlq}");
    }

    [Fact]
    public async Task Purge_DeletesEveryMessage()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        await PublishAsync(name);

        var result = await SendJsonAsync(HttpMethod.Delete, $"/v1/queues/{name}/messages");
        Assert.Equal(2, result.GetProperty("purged").GetInt64());
        Assert.Empty(await PeekAsync(name));
    }

    [Fact]
    public async Task Stats_CountMessagesByState()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name, "12345");
        await PublishAsync(name, "123");
        await ReceiveAsync(name);

        var stats = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}/stats");
        Assert.Equal(name, stats.GetProperty("queue").GetString());
        Assert.Equal(1, stats.GetProperty("ready").GetInt64());
        Assert.Equal(1, stats.GetProperty("inFlight").GetInt64());
        Assert.Equal(0, stats.GetProperty("delayed").GetInt64());
        Assert.Equal(0, stats.GetProperty("deadLettered").GetInt64());
        Assert.Equal(8, stats.GetProperty("bytes").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, stats.GetProperty("oldestAgeSeconds").ValueKind);
        Assert.True(stats.GetProperty("publishRate").GetDouble() >= 0);
        Assert.True(stats.GetProperty("ackRate").GetDouble() >= 0);
        Assert.Equal(0, stats.GetProperty("waitingReceivers").GetInt32());

        var all = await SendJsonAsync(HttpMethod.Get, "/v1/stats");
        Assert.Contains(all.GetProperty("queues").EnumerateArray(), s => s.GetProperty("queue").GetString() == name);
    }

    [Fact]
    public async Task Stats_EmptyQueue_OldestAgeIsNull()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        var stats = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{name}/stats");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stats.GetProperty("oldestAgeSeconds").ValueKind);
    }

    [Fact]
    public async Task UnknownRoute_Returns404Problem()
    {
        using var response = await Client.GetAsync("/v1/nothing-here");
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "route_not_found", null);
    }

    [Fact]
    public async Task Healthz_ReturnsOk()
    {
        using var response = await Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }
}
