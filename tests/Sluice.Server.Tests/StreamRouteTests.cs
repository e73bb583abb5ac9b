using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Sluice.Server.Tests;

/// <summary>A real Kestrel whose broker runs on a fake clock, so idle times are set by the test.</summary>
public sealed class FakeClockServerFixture : ServerFixture
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected override TimeProvider CreateTimeProvider() => Time;
}

public class StreamRouteTests(FakeClockServerFixture fixture) : RestTests(fixture), IClassFixture<FakeClockServerFixture>
{
    private static string Stream() => NewName("s");

    private async Task<string[]> AppendAsync(string stream, string json)
    {
        var result = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/entries", json);
        return [.. result.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!)];
    }

    private async Task<JsonElement[]> EntriesAsync(string path)
    {
        var result = await SendJsonAsync(HttpMethod.Get, path);
        return [.. result.GetProperty("entries").EnumerateArray()];
    }

    private async Task<long> LengthAsync(string stream) =>
        (await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}")).GetProperty("length").GetInt64();

    private static string Fields(JsonElement entry) =>
        string.Join(",", entry.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString() + "=" + f.GetProperty("value").GetString()));

    /// <summary>Sends a path exactly as written (System.Uri would turn %2E into a dot and drop the segment).</summary>
    private async Task<JsonElement> SendAsWrittenAsync(HttpMethod method, string path, string? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var uri = new Uri(Client.BaseAddress!.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(method, uri) { Content = json is null ? null : Json(json) };
        using var response = await Client.SendAsync(request);
        return await ReadJsonAsync(response, expected);
    }

    /// <summary>A name as one path segment, as a client must send it: escaped once, dot segments as %2E.</summary>
    private static string Segment(string name) => name is "." or ".." ? name.Replace(".", "%2E", StringComparison.Ordinal) : Uri.EscapeDataString(name);

    [Theory]
    [InlineData("a/b")]
    [InlineData("a%2Fb")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a b")]
    [InlineData("ström/日本+x")]
    public async Task StreamRoutes_NameWithSlashEscapeDotOrUnicode_ReachTheStreamOfThatName(string name)
    {
        var path = "/v1/streams/" + Segment(name);
        var group = "g/" + name;

        var ids = await SendAsWrittenAsync(HttpMethod.Post, path + "/entries", """{"id":"1-1","fields":{"f":"v"}}""");
        var shown = await SendAsWrittenAsync(HttpMethod.Get, path);
        await SendAsWrittenAsync(HttpMethod.Post, path + "/groups", JsonSerializer.Serialize(new { name = group, startId = "0" }), HttpStatusCode.Created);
        var read = await SendAsWrittenAsync(HttpMethod.Post, path + "/groups/" + Segment(group) + "/read", JsonSerializer.Serialize(new { consumer = "c" }));
        var consumer = await SendAsWrittenAsync(HttpMethod.Put, path + "/groups/" + Segment(group) + "/consumers/" + Segment(name), expected: HttpStatusCode.Created);

        Assert.Equal("1-1", ids.GetProperty("ids")[0].GetString());
        Assert.Equal(name, shown.GetProperty("name").GetString());
        Assert.Equal("1-1", Assert.Single(read.GetProperty("entries").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(name, consumer.GetProperty("name").GetString());
        var entry = Assert.Single(await Server.Broker.StreamRangeAsync(name, StreamEntryId.MinValue, StreamEntryId.MaxValue));
        Assert.Equal("1-1", entry.Id.ToString());
        Assert.Equal(group, Assert.Single(await Server.Broker.GetStreamGroupsAsync(name)).Name);

        var deleted = await SendAsWrittenAsync(HttpMethod.Delete, path + "/entries/1-1");
        Assert.Equal(1, deleted.GetProperty("count").GetInt64());
        Assert.Empty(await Server.Broker.StreamRangeAsync(name, StreamEntryId.MinValue, StreamEntryId.MaxValue));
    }

    [Fact]
    public async Task PutStream_NewThenExisting_Returns201Then200WithRetention()
    {
        var stream = Stream();

        var created = await SendJsonAsync(HttpMethod.Put, $"/v1/streams/{stream}", """{"maxLength":3,"maxAgeSeconds":60.5}""", HttpStatusCode.Created);
        var again = await SendJsonAsync(HttpMethod.Put, $"/v1/streams/{stream}", """{"maxBytes":100}""");

        Assert.Equal(0, created.GetProperty("length").GetInt64());
        Assert.Equal(3, created.GetProperty("retention").GetProperty("maxLength").GetInt64());
        Assert.Equal(60.5, created.GetProperty("retention").GetProperty("maxAgeSeconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, again.GetProperty("retention").GetProperty("maxLength").ValueKind);
        Assert.Equal(100, again.GetProperty("retention").GetProperty("maxBytes").GetInt64());
        var list = await SendJsonAsync(HttpMethod.Get, "/v1/streams");
        Assert.Contains(list.GetProperty("streams").EnumerateArray(), s => s.GetProperty("name").GetString() == stream);
    }

    [Fact]
    public async Task PutStream_NegativeMaxLength_Returns400AndCreatesNothing()
    {
        var stream = Stream();

        using var response = await Client.PutAsync($"/v1/streams/{stream}", Json("""{"maxLength":-1}"""));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "maxLength");
        using var get = await Client.GetAsync($"/v1/streams/{stream}");
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "stream_not_found", "stream");
    }

    [Fact]
    public async Task Append_ObjectFields_KeepsTheirOrderInARange()
    {
        var stream = Stream();

        var ids = await AppendAsync(stream, """{"id":"5-1","fields":{"z":"1","a":"2","m":"3"}}""");
        var entries = await EntriesAsync($"/v1/streams/{stream}/entries");

        Assert.Equal(["5-1"], ids);
        var entry = Assert.Single(entries);
        Assert.Equal("5-1", entry.GetProperty("id").GetString());
        Assert.Equal("z=1,a=2,m=3", Fields(entry));
    }

    [Fact]
    public async Task Append_ListWithBytesAndRepeatedNames_RoundTrips()
    {
        var stream = Stream();
        var bytes = Convert.ToBase64String([0xff, 0x00, 0xfe]);

        await AppendAsync(stream, $$"""{"fields":[{"name":"k","value":"a"},{"name":"k","valueBase64":"{{bytes}}"}]}""");
        var entry = Assert.Single(await EntriesAsync($"/v1/streams/{stream}/entries"));

        var fields = entry.GetProperty("fields").EnumerateArray().ToArray();
        Assert.Equal(2, fields.Length);
        Assert.Equal("a", fields[0].GetProperty("value").GetString());
        Assert.Equal("k", fields[1].GetProperty("name").GetString());
        Assert.Equal(bytes, fields[1].GetProperty("valueBase64").GetString());
        Assert.False(fields[1].TryGetProperty("value", out _));
    }

    [Fact]
    public async Task Append_BatchWithIdsOutOfOrder_Returns400NamingTheEntryAndAppendsNothing()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");

        using var response = await PostAsync($"/v1/streams/{stream}/entries",
            """{"entries":[{"id":"9-1","fields":{"a":"1"}},{"id":"3-1","fields":{"a":"2"}}]}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "stream_id_too_small", "entries[1].id");
        Assert.Equal(1, await LengthAsync(stream));
    }

    [Fact]
    public async Task Append_BatchWhoseLaterIdIsBelowAnEarlierGeneratedOne_Returns400AndChangesNothing()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"5-5","fields":{"a":"1"}}""");

        // The first entry's generated id (the clock, far above 6-1) would have been appended before the second was refused.
        using var response = await PostAsync($"/v1/streams/{stream}/entries",
            """{"entries":[{"fields":{"a":"2"}},{"id":"6-1","fields":{"a":"3"}}]}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "stream_id_too_small", "entries[1].id");
        var info = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}");
        Assert.Equal(1, info.GetProperty("length").GetInt64());
        Assert.Equal("5-5", info.GetProperty("lastGeneratedId").GetString());
        Assert.Equal(1, info.GetProperty("entriesAdded").GetInt64());
    }

    [Fact]
    public async Task Append_IdNotAboveTheTop_Returns400AndAppendsNothing()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"5-5","fields":{"a":"1"}}""");

        using var response = await PostAsync($"/v1/streams/{stream}/entries", """{"id":"5-5","fields":{"a":"2"}}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "stream_id_too_small", "id");
        Assert.Equal(1, await LengthAsync(stream));
    }

    [Theory]
    [InlineData("""{"fields":{"a":"1"},"colour":"red"}""", "malformed_request", "colour")]
    [InlineData("""{"fields":{}}""", "invalid_argument", "fields")]
    [InlineData("""{"fields":{"a":"1","a":"2"}}""", "malformed_request", "fields.a")]
    [InlineData("""{"fields":{"a b":1}}""", "malformed_request", "fields['a b']")]
    [InlineData("""{"fields":[{"name":"a"}]}""", "malformed_request", "fields[0]")]
    [InlineData("""{"fields":["a"]}""", "malformed_request", "fields[0]")]
    [InlineData("""{"fields":[{"name":"a","value":"b"},null]}""", "malformed_request", "fields[1]")]
    [InlineData("""{"fields":[{"name":"a","value":"b","x":1}]}""", "malformed_request", "fields[0].x")]
    [InlineData("""{"fields":[{"name":"a","value":"b"},{"nameBase64":"!!","value":"b"}]}""", "malformed_request", "fields[1].nameBase64")]
    [InlineData("""{"fields":[{"name":"a","name":"b","value":"c"}]}""", "malformed_request", "fields[0].name")]
    [InlineData("""{"fields":[{"name":"a","nameBase64":"YQ==","value":"c"}]}""", "malformed_request", "fields[0].nameBase64")]
    [InlineData("""{"fields":[{"name":"a","value":7}]}""", "malformed_request", "fields[0].value")]
    [InlineData("""{"entries":[{"fields":{"a":"1"}},{"fields":[{"name":"a","value":"b"},{"name":"a","value":"b"},{"name":"a","valueBase64":"%%"}]}]}""",
        "malformed_request", "entries[1].fields[2].valueBase64")]
    [InlineData("""{"id":"x-1","fields":{"a":"1"}}""", "stream_id_invalid", "id")]
    [InlineData("""{"fields":{"a":"1"},"trim":{"maxLength":1,"minId":"1-1"}}""", "invalid_argument", "trim.minId")]
    public async Task Append_BadBody_Returns400NamingTheFieldAndCreatesNothing(string body, string code, string field)
    {
        var stream = Stream();

        using var response = await PostAsync($"/v1/streams/{stream}/entries", body);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, code, field);
        using var get = await Client.GetAsync($"/v1/streams/{stream}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Append_NoMakeStreamOnMissingStream_Returns404()
    {
        var stream = Stream();

        using var response = await PostAsync($"/v1/streams/{stream}/entries", """{"fields":{"a":"1"},"noMakeStream":true}""");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "stream_not_found", "stream");
    }

    [Fact]
    public async Task Range_ExclusiveBoundsCountAndDescending_AnswerAsRedis()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"n":"1"}},{"id":"2-1","fields":{"n":"2"}},{"id":"3-1","fields":{"n":"3"}},{"id":"4-1","fields":{"n":"4"}}]}""");

        var page = await EntriesAsync($"/v1/streams/{stream}/entries?from=(1-1&count=2");
        var desc = await EntriesAsync($"/v1/streams/{stream}/entries?to=(4-1&order=desc");
        var byMs = await EntriesAsync($"/v1/streams/{stream}/entries?from=2&to=3");

        Assert.Equal(["2-1", "3-1"], page.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(["3-1", "2-1", "1-1"], desc.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(["2-1", "3-1"], byMs.Select(e => e.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("from=abc", "stream_id_invalid", "from")]
    [InlineData("count=0", "invalid_argument", "count")]
    [InlineData("count=10001", "invalid_argument", "count")]
    [InlineData("order=up", "invalid_argument", "order")]
    [InlineData("limit=5", "malformed_request", "limit")]
    public async Task Range_BadQuery_Returns400NamingTheParameter(string query, string code, string field)
    {
        using var response = await Client.GetAsync($"/v1/streams/{Stream()}/entries?{query}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, code, field);
    }

    [Fact]
    public async Task Read_WaitingReader_IsAnsweredByAnAppendFromAnotherRequest()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"old":"1"}}""");

        var read = Client.GetAsync($"/v1/streams/{stream}/read?after=$&waitSeconds=20");
        await WaitUntilBlockedAsync(read);

        await AppendAsync(stream, """{"id":"2-1","fields":{"new":"2"}}""");
        using var response = await read;
        var entries = (await ReadJsonAsync(response)).GetProperty("entries").EnumerateArray().ToArray();

        var entry = Assert.Single(entries);
        Assert.Equal("2-1", entry.GetProperty("id").GetString());
    }

    [Fact]
    public async Task GroupRead_WaitingConsumer_IsAnsweredByAnAppendFromAnotherRequest()
    {
        var stream = Stream();
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","makeStream":true}""", HttpStatusCode.Created);
        var read = PostAsync($"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1","waitSeconds":20}""");
        await WaitUntilBlockedAsync(read);

        await AppendAsync(stream, """{"id":"7-1","fields":{"order":"42"}}""");
        using var response = await read;
        var entry = Assert.Single((await ReadJsonAsync(response)).GetProperty("entries").EnumerateArray());

        Assert.Equal("order=42", Fields(entry));
        var summary = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/pending");
        Assert.Equal(1, summary.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task GroupRead_GroupDeletedWhileWaiting_Returns404()
    {
        var stream = Stream();
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","makeStream":true}""", HttpStatusCode.Created);
        var read = PostAsync($"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1","waitSeconds":20}""");
        await WaitUntilBlockedAsync(read);

        using var deleted = await Client.DeleteAsync($"/v1/streams/{stream}/groups/g");
        using var response = await read;

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "stream_group_not_found", "group");
    }

    [Theory]
    [InlineData("""{"consumer":"c","waitSeconds":21}""", "waitSeconds")]
    [InlineData("""{"consumer":"c","count":0}""", "count")]
    [InlineData("""{"after":">"}""", "consumer")]
    public async Task GroupRead_BadBody_Returns400AndDeliversNothing(string body, string field)
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);

        using var response = await PostAsync($"/v1/streams/{stream}/groups/g/read", body);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
        var group = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g");
        Assert.Equal("0-0", group.GetProperty("lastDeliveredId").GetString());
        Assert.Equal(0, group.GetProperty("consumers").GetInt64());
    }

    [Fact]
    public async Task PutStream_ControlCharacterInName_Returns400InvalidStreamName()
    {
        using var response = await Client.PutAsync("/v1/streams/a%01b", null);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_stream_name", "stream");
    }

    /// <summary>Waits until the request's read is blocked in the broker (or the request already ended).</summary>
    private async Task WaitUntilBlockedAsync(Task read)
    {
        while (Server.Broker.BlockedStreamReaders == 0 && !read.IsCompleted)
        {
            await Task.Yield();
        }
    }

    [Fact]
    public async Task Read_AfterAnId_AnswersAtOnceWithLaterEntries()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"a":"1"}},{"id":"2-1","fields":{"a":"2"}}]}""");

        var entries = await EntriesAsync($"/v1/streams/{stream}/read?after=1-1");

        Assert.Equal(["2-1"], entries.Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Read_WithoutAfter_Returns400()
    {
        using var response = await Client.GetAsync($"/v1/streams/{Stream()}/read");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "after");
    }

    [Fact]
    public async Task GroupRead_ThenAck_EmptiesThePendingList()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"a":"1"}},{"id":"2-1","fields":{"a":"2"}}]}""");
        var group = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);
        Assert.Equal("0-0", group.GetProperty("lastDeliveredId").GetString());

        var read = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1","count":10}""");
        var summary = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/pending");
        var rows = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/pending/entries?consumer=c1&count=1");
        var acked = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/ack", """{"ids":["1-1","2-1","9-9"]}""");
        var after = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g");

        Assert.Equal(2, read.GetProperty("entries").GetArrayLength());
        Assert.Equal(2, summary.GetProperty("count").GetInt64());
        Assert.Equal("1-1", summary.GetProperty("smallestId").GetString());
        Assert.Equal("c1", summary.GetProperty("consumers")[0].GetProperty("consumer").GetString());
        var row = Assert.Single(rows.GetProperty("entries").EnumerateArray());
        Assert.Equal(1, row.GetProperty("deliveryCount").GetInt64());
        Assert.Equal(2, acked.GetProperty("count").GetInt64());
        Assert.Equal(0, after.GetProperty("pending").GetInt64());
        Assert.Equal("2-1", after.GetProperty("lastDeliveredId").GetString());
    }

    [Fact]
    public async Task GroupRead_OwnHistory_ShowsPendingEntriesWithoutNewOnes()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1"}""");
        await AppendAsync(stream, """{"id":"2-1","fields":{"a":"2"}}""");

        var history = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1","after":"0"}""");

        Assert.Equal(["1-1"], history.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task CreateGroup_Twice_Returns409NamingTheGroup()
    {
        var stream = Stream();
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","makeStream":true}""", HttpStatusCode.Created);

        using var response = await PostAsync($"/v1/streams/{stream}/groups", """{"name":"g","makeStream":true}""");

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "stream_group_exists", "name");
    }

    [Theory]
    [InlineData("""{"name":"g"}""", HttpStatusCode.NotFound, "stream_not_found", "stream")]
    [InlineData("""{"startId":"0"}""", HttpStatusCode.BadRequest, "invalid_argument", "name")]
    [InlineData("""{"name":"g","makeStream":true,"maxDeliveries":0,"deadLetterStream":"d"}""", HttpStatusCode.BadRequest, "invalid_argument", "maxDeliveries")]
    [InlineData("""{"name":"g","makeStream":true,"maxDeliveries":2}""", HttpStatusCode.BadRequest, "invalid_argument", "deadLetterStream")]
    [InlineData("""{"name":"g","makeStream":true,"startId":"nope"}""", HttpStatusCode.BadRequest, "stream_id_invalid", "startId")]
    public async Task CreateGroup_BadRequest_IsRefusedAndCreatesNothing(string body, HttpStatusCode status, string code, string field)
    {
        var stream = Stream();

        using var response = await PostAsync($"/v1/streams/{stream}/groups", body);

        await AssertProblemAsync(response, status, code, field);
        using var get = await Client.GetAsync($"/v1/streams/{stream}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task SetGroupId_ToZero_RedeliversTheStream()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g"}""", HttpStatusCode.Created);

        var moved = await SendJsonAsync(HttpMethod.Patch, $"/v1/streams/{stream}/groups/g", """{"lastDeliveredId":"0","entriesRead":0}""");
        var read = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c"}""");

        Assert.Equal("0-0", moved.GetProperty("lastDeliveredId").GetString());
        Assert.Equal(1, read.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task Consumers_CreateListDelete_ReportPendingEntries()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);

        await SendJsonAsync(HttpMethod.Put, $"/v1/streams/{stream}/groups/g/consumers/idle", null, HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Put, $"/v1/streams/{stream}/groups/g/consumers/idle", null);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"busy"}""");
        var list = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/consumers");
        var deleted = await SendJsonAsync(HttpMethod.Delete, $"/v1/streams/{stream}/groups/g/consumers/busy");
        var group = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g");

        Assert.Equal(["busy", "idle"], list.GetProperty("consumers").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(1, deleted.GetProperty("count").GetInt64());
        Assert.Equal(1, group.GetProperty("consumers").GetInt64());
        Assert.Equal(0, group.GetProperty("pending").GetInt64());
    }

    [Fact]
    public async Task Claim_IdleEntry_MovesItToTheClaimingConsumer()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1"}""");

        var early = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/claim", """{"consumer":"c2","ids":["1-1"],"minIdleSeconds":60}""");
        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        var idle = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/pending/entries?minIdleSeconds=60");
        var claimed = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/claim", """{"consumer":"c2","ids":["1-1"],"minIdleSeconds":60}""");
        var rows = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/pending/entries");

        Assert.Equal(0, early.GetProperty("entries").GetArrayLength());
        Assert.Equal(61, Assert.Single(idle.GetProperty("entries").EnumerateArray()).GetProperty("idleSeconds").GetDouble());
        Assert.Equal("a=1", Fields(Assert.Single(claimed.GetProperty("entries").EnumerateArray())));
        var row = Assert.Single(rows.GetProperty("entries").EnumerateArray());
        Assert.Equal("c2", row.GetProperty("consumer").GetString());
        Assert.Equal(2, row.GetProperty("deliveryCount").GetInt64());
        Assert.Equal(0, row.GetProperty("idleSeconds").GetDouble());
    }

    [Fact]
    public async Task Claim_TimeAndIdleBoth_Returns400AndClaimsNothing()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1"}""");

        using var response = await PostAsync($"/v1/streams/{stream}/groups/g/claim",
            """{"consumer":"c2","ids":["1-1"],"idleSeconds":1,"time":"2026-01-01T00:00:00Z"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "time");
        var rows = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/pending/entries");
        Assert.Equal("c1", Assert.Single(rows.GetProperty("entries").EnumerateArray()).GetProperty("consumer").GetString());
    }

    [Fact]
    public async Task AutoClaim_IdleEntries_ClaimsThemAndReportsDeletedOnes()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"a":"1"}},{"id":"2-1","fields":{"a":"2"}}]}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1"}""");
        await SendJsonAsync(HttpMethod.Delete, $"/v1/streams/{stream}/entries/1-1");
        fixture.Time.Advance(TimeSpan.FromSeconds(10));

        var result = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/autoclaim", """{"consumer":"c2","minIdleSeconds":5}""");

        Assert.Equal("0-0", result.GetProperty("next").GetString());
        Assert.Equal(["2-1"], result.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(["1-1"], result.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task DeleteEntries_SeveralIds_DeletesThoseThatExist()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"a":"1"}},{"id":"2-1","fields":{"a":"2"}},{"id":"3-1","fields":{"a":"3"}}]}""");

        var result = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/entries/delete", """{"ids":["1-1","3-1","9-9"]}""");

        Assert.Equal(2, result.GetProperty("count").GetInt64());
        Assert.Equal("2-1", Assert.Single(await EntriesAsync($"/v1/streams/{stream}/entries")).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""{"ids":["1-1","garbage"]}""", "stream_id_invalid", "ids[1]")]
    [InlineData("""{"ids":["1-1",null]}""", "invalid_argument", "ids[1]")]
    [InlineData("""{"ids":[]}""", "invalid_argument", "ids")]
    public async Task DeleteEntries_AnyBadId_Returns400AndDeletesNothing(string body, string code, string field)
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");

        using var response = await PostAsync($"/v1/streams/{stream}/entries/delete", body);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, code, field);
        Assert.Equal(1, await LengthAsync(stream));
    }

    [Theory]
    [InlineData("from=-&to=+")]
    [InlineData("from=-&to=%2B")]
    [InlineData("from=%2D&to=+&count=2")]
    [InlineData("from=1&to=+&count=5")]
    public async Task Range_PlusInQuery_IsTheLastIdNotASpace(string query)
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"a":"1"}},{"id":"2-1","fields":{"a":"2"}}]}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c+1"}""");

        var entries = await EntriesAsync($"/v1/streams/{stream}/entries?{query}");
        var pending = await EntriesAsync($"/v1/streams/{stream}/groups/g/pending/entries?{query}&consumer=c+1");

        Assert.Equal(2, entries.Length);
        Assert.Equal(2, pending.Length);
    }

    [Fact]
    public async Task ClaimAndAutoClaim_JustId_AnswerIdsNotEntries()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"a":"1"}},{"id":"2-1","fields":{"a":"2"}}]}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g","startId":"0"}""", HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1"}""");

        var claimed = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/claim", """{"consumer":"c2","ids":["1-1"],"justId":true}""");
        var auto = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/autoclaim", """{"consumer":"c3","justId":true}""");

        Assert.Equal(["1-1"], claimed.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.False(claimed.TryGetProperty("entries", out _));
        Assert.Equal(["1-1", "2-1"], auto.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.False(auto.TryGetProperty("entries", out _));
        Assert.Equal("0-0", auto.GetProperty("next").GetString());
        var rows = await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g/pending/entries");
        Assert.All(rows.GetProperty("entries").EnumerateArray(), r => Assert.Equal(1, r.GetProperty("deliveryCount").GetInt64()));
    }

    [Fact]
    public async Task MaxDeliveries_EntryDeliveredTooOften_MovesToTheDeadLetterStream()
    {
        var stream = Stream();
        var dead = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"job":"7"}}""");
        var group = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups",
            $$"""{"name":"g","startId":"0","maxDeliveries":1,"deadLetterStream":"{{dead}}"}""", HttpStatusCode.Created);
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/read", """{"consumer":"c1"}""");
        fixture.Time.Advance(TimeSpan.FromSeconds(10));

        var claimed = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/g/autoclaim", """{"consumer":"c2"}""");

        Assert.Equal(1, group.GetProperty("maxDeliveries").GetInt32());
        Assert.Equal(0, claimed.GetProperty("entries").GetArrayLength());
        var moved = Assert.Single(await EntriesAsync($"/v1/streams/{dead}/entries"));
        Assert.StartsWith("job=7,sluice-dl-stream=" + stream, Fields(moved), StringComparison.Ordinal);
        Assert.Equal(0, (await SendJsonAsync(HttpMethod.Get, $"/v1/streams/{stream}/groups/g")).GetProperty("pending").GetInt64());
    }

    [Fact]
    public async Task Trim_MaxLength_RemovesTheOldestEntries()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"entries":[{"id":"1-1","fields":{"a":"1"}},{"id":"2-1","fields":{"a":"2"}},{"id":"3-1","fields":{"a":"3"}}]}""");

        var trimmed = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/trim", """{"maxLength":1}""");
        var byId = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/trim", """{"minId":"9"}""");

        Assert.Equal(2, trimmed.GetProperty("count").GetInt64());
        Assert.Equal(1, byId.GetProperty("count").GetInt64());
        Assert.Equal(0, await LengthAsync(stream));
    }

    [Theory]
    [InlineData("""{}""", "maxLength")]
    [InlineData("""{"maxLength":1,"limit":5}""", "limit")]
    [InlineData("""{"maxLength":1.5}""", "maxLength")]
    public async Task Trim_BadBody_Returns400AndRemovesNothing(string body, string field)
    {
        var stream = Stream();
        await AppendAsync(stream, """{"fields":{"a":"1"}}""");

        using var response = await PostAsync($"/v1/streams/{stream}/trim", body);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
        Assert.Equal(1, await LengthAsync(stream));
    }

    [Fact]
    public async Task DeleteStream_ThenAgain_Returns204Then404()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"fields":{"a":"1"}}""");

        using var first = await Client.DeleteAsync($"/v1/streams/{stream}");
        using var second = await Client.DeleteAsync($"/v1/streams/{stream}");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await AssertProblemAsync(second, HttpStatusCode.NotFound, "stream_not_found", "stream");
    }

    [Fact]
    public async Task DeleteGroup_Missing_Returns404()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"fields":{"a":"1"}}""");

        using var response = await Client.DeleteAsync($"/v1/streams/{stream}/groups/none");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "stream_group_not_found", "group");
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheStreamRoutes()
    {
        var document = await SendJsonAsync(HttpMethod.Get, "/openapi/v1.json");
        var paths = document.GetProperty("paths");

        (string Path, string Method)[] routes =
        [
            ("/v1/streams", "get"), ("/v1/streams/{name}", "put"), ("/v1/streams/{name}", "get"), ("/v1/streams/{name}", "delete"),
            ("/v1/streams/{name}/entries", "post"), ("/v1/streams/{name}/entries", "get"), ("/v1/streams/{name}/read", "get"),
            ("/v1/streams/{name}/entries/{id}", "delete"), ("/v1/streams/{name}/trim", "post"),
            ("/v1/streams/{name}/groups", "get"), ("/v1/streams/{name}/groups", "post"), ("/v1/streams/{name}/groups/{group}", "get"),
            ("/v1/streams/{name}/groups/{group}", "patch"), ("/v1/streams/{name}/groups/{group}", "delete"),
            ("/v1/streams/{name}/groups/{group}/consumers", "get"), ("/v1/streams/{name}/groups/{group}/consumers/{consumer}", "put"),
            ("/v1/streams/{name}/groups/{group}/consumers/{consumer}", "delete"), ("/v1/streams/{name}/groups/{group}/read", "post"),
            ("/v1/streams/{name}/groups/{group}/ack", "post"), ("/v1/streams/{name}/groups/{group}/pending", "get"),
            ("/v1/streams/{name}/groups/{group}/pending/entries", "get"), ("/v1/streams/{name}/groups/{group}/claim", "post"),
            ("/v1/streams/{name}/groups/{group}/autoclaim", "post"),
        ];
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} is missing");
        }

        var range = paths.GetProperty("/v1/streams/{name}/entries").GetProperty("get").GetProperty("parameters");
        var order = Assert.Single(range.EnumerateArray(), p => p.GetProperty("name").GetString() == "order");
        Assert.Equal(["asc", "desc"], order.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var read = paths.GetProperty("/v1/streams/{name}/read").GetProperty("get").GetProperty("parameters");
        Assert.True(Assert.Single(read.EnumerateArray(), p => p.GetProperty("name").GetString() == "after").GetProperty("required").GetBoolean());
    }

    [Fact]
    public async Task OpenApiDocument_Descriptions_HaveNoXmlEscapesOrMidSentenceCapitals()
    {
        var text = await Client.GetStringAsync("/openapi/v1.json");

        Assert.DoesNotContain("&gt;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("&amp;", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" or An ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamErrors_Details_NameRestFieldsNotRespCommands()
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");

        using var emptyName = await PostAsync($"/v1/streams/{stream}/groups", """{"name":""}""");
        using var missingGroup = await Client.GetAsync($"/v1/streams/{stream}/groups/nog");
        using var missingStream = await PostAsync($"/v1/streams/{Stream()}/groups", """{"name":"g"}""");
        await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", """{"name":"g"}""", HttpStatusCode.Created);
        using var exists = await PostAsync($"/v1/streams/{stream}/groups", """{"name":"g"}""");

        var details = new[]
        {
            (await AssertProblemAsync(emptyName, HttpStatusCode.BadRequest, "invalid_stream_name", "name")).GetProperty("detail").GetString()!,
            (await AssertProblemAsync(missingGroup, HttpStatusCode.NotFound, "stream_group_not_found", "group")).GetProperty("detail").GetString()!,
            (await AssertProblemAsync(missingStream, HttpStatusCode.NotFound, "stream_not_found", "stream")).GetProperty("detail").GetString()!,
            (await AssertProblemAsync(exists, HttpStatusCode.Conflict, "stream_group_exists", "name")).GetProperty("detail").GetString()!,
        };
        Assert.StartsWith("name '' is invalid", details[0], StringComparison.Ordinal);
        Assert.Contains("makeStream", details[2], StringComparison.Ordinal);
        Assert.All(details, d => Assert.DoesNotMatch("XGROUP|XSETID|MKSTREAM|DESTROY", d));
    }

    [Theory]
    [InlineData("-", "0-0")]
    [InlineData("+", "18446744073709551615-18446744073709551615")]
    [InlineData("7", "7-0")]
    public async Task GroupIds_DashPlusOrId_AreTakenAsXGroupSetIdTakesThem(string id, string expected)
    {
        var stream = Stream();
        await AppendAsync(stream, """{"id":"1-1","fields":{"a":"1"}}""");

        var created = await SendJsonAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", $$"""{"name":"g","startId":"{{id}}"}""", HttpStatusCode.Created);
        var moved = await SendJsonAsync(HttpMethod.Patch, $"/v1/streams/{stream}/groups/g", $$"""{"lastDeliveredId":"{{id}}"}""");

        Assert.Equal(expected, created.GetProperty("lastDeliveredId").GetString());
        Assert.Equal(expected, moved.GetProperty("lastDeliveredId").GetString());
    }

    [Fact]
    public async Task Read_WithoutAfter_Returns400NamingAfter()
    {
        using var response = await Client.GetAsync($"/v1/streams/{Stream()}/read");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "after");
    }
}
