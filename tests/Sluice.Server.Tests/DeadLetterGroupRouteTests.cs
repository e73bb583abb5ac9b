using System.Net;
using System.Text.Json;

namespace Sluice.Server.Tests;

/// <summary>The dead-letter workspace over REST: <c>/v1/queues/{name}/dead-letters/groups</c> and the group actions.</summary>
public class DeadLetterGroupRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    /// <summary>Creates a source queue dead-lettering into a new dead-letter queue and dead-letters one message per (body, error) with a REST nack.</summary>
    private async Task<(string Source, string Dlq)> DeadLetterAsync(params (string Body, string? Error)[] items)
    {
        var dlq = NewName("dlq");
        var source = NewName("src");
        await CreateQueueAsync(dlq);
        await CreateQueueAsync(source, $"\"maxReceiveCount\":1,\"deadLetterQueue\":\"{dlq}\"");
        foreach (var (body, _) in items)
        {
            await PublishAsync(source, body);
        }

        foreach (var message in await ReceiveAsync(source, """{"maxMessages":100}"""))
        {
            var error = items.Single(i => i.Body == message.GetProperty("body").GetString()).Error;
            using var nack = await PostAsync($"/v1/queues/{source}/messages/nack",
                JsonSerializer.Serialize(new { receiptHandle = message.GetProperty("receiptHandle").GetString(), error }));
            Assert.Equal(HttpStatusCode.NoContent, nack.StatusCode);
        }

        return (source, dlq);
    }

    private async Task<JsonElement[]> GroupsAsync(string dlq, string query = "")
    {
        var list = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{dlq}/dead-letters/groups{query}");
        return [.. list.GetProperty("groups").EnumerateArray()];
    }

    [Fact]
    public async Task ListGroups_MalformedFailureDocuments_ListedAsFreeText()
    {
        var (_, dlq) = await DeadLetterAsync(
            ("a", """{"sluiceFailure":1,"type":"E","message":"m","attempts":[null]}"""),
            ("b", """{"sluiceFailure":1,"type":"E","message":"m","attempts":[{"attempt":1}]}"""),
            ("c", "plain"));

        var groups = await GroupsAsync(dlq);

        Assert.Equal(3, groups.Length);
        Assert.All(groups, g => Assert.Equal("error_text", g.GetProperty("source").GetString()));
        Assert.All(groups, g => Assert.Equal(JsonValueKind.Null, g.GetProperty("sample").GetProperty("failure").ValueKind));
    }

    [Fact]
    public async Task ListGroups_ErrorsWithVaryingIds_GroupedWithDetails()
    {
        var failure = new FailureDetails
        {
            ExceptionType = "System.TimeoutException",
            Message = "call 17 timed out",
            StackTrace = "   at Shop.Api.Call(Int32 id) in /src/Api.cs:line 9",
            Attempts = [new FailureAttempt(1, DateTimeOffset.UnixEpoch, "host/1", "System.TimeoutException", "call 17 timed out")],
        }.ToErrorText();
        var (source, dlq) = await DeadLetterAsync(("a", "user 41 not found"), ("b", "user 42 not found"), ("c", failure), ("d", null));

        var list = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{dlq}/dead-letters/groups");

        Assert.Equal(dlq, list.GetProperty("queue").GetString());
        Assert.Equal(4, list.GetProperty("scanned").GetInt64());
        Assert.Equal(3, list.GetProperty("totalGroups").GetInt32());
        Assert.False(list.GetProperty("truncated").GetBoolean());
        var groups = list.GetProperty("groups").EnumerateArray().ToArray();
        var users = groups[0];
        Assert.Equal(2, users.GetProperty("count").GetInt64());
        Assert.Matches("^[0-9a-f]{16}$", users.GetProperty("groupId").GetString());
        Assert.Equal("error_text", users.GetProperty("source").GetString());
        Assert.Equal("user <num> not found", users.GetProperty("fingerprint").GetString());
        Assert.Equal(JsonValueKind.Null, users.GetProperty("exceptionType").ValueKind);
        var origin = Assert.Single(users.GetProperty("sourceQueues").EnumerateArray());
        Assert.Equal((source, 2L), (origin.GetProperty("queue").GetString(), origin.GetProperty("count").GetInt64()));
        var sample = users.GetProperty("sample");
        Assert.Equal("a", sample.GetProperty("bodyPreview").GetString());
        Assert.True(sample.GetProperty("bodyIsText").GetBoolean());
        Assert.Equal("user 41 not found", sample.GetProperty("deadLetter").GetProperty("lastError").GetString());
        Assert.Equal(JsonValueKind.Null, sample.GetProperty("failure").ValueKind);
        var timeout = Assert.Single(groups, g => g.GetProperty("source").GetString() == "error_document");
        Assert.Equal("System.TimeoutException", timeout.GetProperty("exceptionType").GetString());
        Assert.Equal(["Shop.Api.Call(Int32 id)"], timeout.GetProperty("frames").EnumerateArray().Select(f => f.GetString()));
        var parsed = timeout.GetProperty("sample").GetProperty("failure");
        Assert.Equal("call 17 timed out", parsed.GetProperty("message").GetString());
        Assert.Equal("host/1", Assert.Single(parsed.GetProperty("attempts").EnumerateArray()).GetProperty("worker").GetString());
        Assert.Single(groups, g => g.GetProperty("source").GetString() == "body");

        var top = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{dlq}/dead-letters/groups?max=1");
        Assert.True(top.GetProperty("truncated").GetBoolean());
        Assert.Single(top.GetProperty("groups").EnumerateArray());
    }

    [Fact]
    public async Task GroupActions_DryRunThenDelete_DryRunChangesNothing()
    {
        var (source, dlq) = await DeadLetterAsync(("a", "disk 1 full"), ("b", "disk 2 full"), ("c", "other"));
        var group = (await GroupsAsync(dlq))[0].GetProperty("groupId").GetString();
        var before = JsonSerializer.Serialize(await PeekAsync(dlq));

        var dry = await SendJsonAsync(HttpMethod.Post, $"/v1/queues/{dlq}/dead-letters/groups/{group}/delete", """{"dryRun":true}""");

        Assert.Equal(before, JsonSerializer.Serialize(await PeekAsync(dlq)));
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal("delete", dry.GetProperty("action").GetString());
        Assert.Equal(2, dry.GetProperty("affected").GetInt64());
        Assert.Equal(0, dry.GetProperty("skippedLeased").GetInt64());
        Assert.Equal(source, Assert.Single(dry.GetProperty("sourceQueues").EnumerateArray()).GetProperty("queue").GetString());
        Assert.Equal(JsonValueKind.Null, dry.GetProperty("redrive").ValueKind);

        using var noBody = await Client.PostAsync($"/v1/queues/{dlq}/dead-letters/groups/{group}/delete", null);
        var done = await ReadJsonAsync(noBody);
        Assert.False(done.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, done.GetProperty("affected").GetInt64());
        Assert.Equal(["c"], (await PeekAsync(dlq)).Select(m => m.GetProperty("body").GetString()));
    }

    [Fact]
    public async Task RedriveGroup_StartsARedriveTask_Accepted()
    {
        var (source, dlq) = await DeadLetterAsync(("a", "smtp 1 refused"), ("b", "smtp 2 refused"), ("c", "other"));
        var group = (await GroupsAsync(dlq))[0].GetProperty("groupId").GetString();

        var dry = await SendJsonAsync(HttpMethod.Post, $"/v1/queues/{dlq}/dead-letters/groups/{group}/redrive", """{"dryRun":true,"maxPerSecond":50}""");
        var started = await SendJsonAsync(HttpMethod.Post, $"/v1/queues/{dlq}/dead-letters/groups/{group}/redrive", """{"maxPerSecond":50}""", HttpStatusCode.Accepted);

        Assert.Equal(2, dry.GetProperty("affected").GetInt64());
        Assert.Equal(JsonValueKind.Null, dry.GetProperty("redrive").ValueKind);
        Assert.Equal("redrive", started.GetProperty("action").GetString());
        var task = started.GetProperty("redrive");
        Assert.Equal(50, task.GetProperty("maxPerSecond").GetInt32());
        Assert.Equal(2, task.GetProperty("total").GetInt64());
        var done = await Server.Broker.WaitForRedriveAsync(task.GetProperty("id").GetString()!).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, done.Moved);
        Assert.Equal(["a", "b"], (await PeekAsync(source)).Select(m => m.GetProperty("body").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["c"], (await PeekAsync(dlq)).Select(m => m.GetProperty("body").GetString()));
    }

    [Fact]
    public async Task MoveGroup_ToAnotherQueue_KeepsDeadLetterInfo()
    {
        var (source, dlq) = await DeadLetterAsync(("a", "bad 1"), ("b", "bad 2"));
        var parked = NewName("parked");
        await CreateQueueAsync(parked);
        var group = (await GroupsAsync(dlq))[0].GetProperty("groupId").GetString();

        var moved = await SendJsonAsync(HttpMethod.Post, $"/v1/queues/{dlq}/dead-letters/groups/{group}/move", $$"""{"destination":"{{parked}}"}""");

        Assert.Equal(2, moved.GetProperty("affected").GetInt64());
        Assert.Equal(parked, moved.GetProperty("destination").GetString());
        Assert.Empty(await PeekAsync(dlq));
        Assert.All(await PeekAsync(parked), m => Assert.Equal(source, m.GetProperty("deadLetter").GetProperty("sourceQueue").GetString()));
        Assert.Equal(group, Assert.Single(await GroupsAsync(parked)).GetProperty("groupId").GetString());
    }

    [Fact]
    public async Task GroupRoutes_BadInput_ProblemJson()
    {
        var (_, dlq) = await DeadLetterAsync(("a", "x"));
        var group = (await GroupsAsync(dlq))[0].GetProperty("groupId").GetString();
        var path = $"/v1/queues/{dlq}/dead-letters/groups";

        using var unknownQueue = await Client.GetAsync($"/v1/queues/{NewName()}/dead-letters/groups");
        await AssertProblemAsync(unknownQueue, HttpStatusCode.NotFound, "queue_not_found", "queue");
        using var badMax = await Client.GetAsync(path + "?max=0");
        await AssertProblemAsync(badMax, HttpStatusCode.BadRequest, "invalid_argument", "max");
        using var badGroup = await PostAsync($"{path}/not-a-group/delete", "{}");
        await AssertProblemAsync(badGroup, HttpStatusCode.BadRequest, "invalid_argument", "groupId");
        using var noDestination = await PostAsync($"{path}/{group}/move", "{}");
        await AssertProblemAsync(noDestination, HttpStatusCode.BadRequest, "invalid_argument", "destination");
        using var missingDestination = await PostAsync($"{path}/{group}/move", $$"""{"destination":"{{NewName()}}"}""");
        await AssertProblemAsync(missingDestination, HttpStatusCode.NotFound, "queue_not_found", "destination");
        using var unknownField = await PostAsync($"{path}/{group}/delete", """{"dryRun":true,"force":true}""");
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        using var badRate = await PostAsync($"{path}/{group}/redrive", """{"maxPerSecond":0}""");
        await AssertProblemAsync(badRate, HttpStatusCode.BadRequest, "invalid_argument", "maxPerSecond");

        Assert.Single(await PeekAsync(dlq));
    }
}
