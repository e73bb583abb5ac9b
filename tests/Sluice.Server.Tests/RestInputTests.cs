using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Sluice.Server.Tests;

/// <summary>
/// What the REST face does with input before a handler runs or outside its routes: numbers checked and quoted as sent,
/// one enum spelling, the claim rule against the SQS face, and problem+json for every route-level error.
/// </summary>
public class RestInputTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("/messages/receive", """{"visibilityTimeoutSeconds":43200.0000001}""", "visibilityTimeoutSeconds", "43200.0000001 s is out of range: use 0 to 43200 seconds")]
    [InlineData("/messages/receive", """{"visibilityTimeoutSeconds":1e308}""", "visibilityTimeoutSeconds", "1e308 s is out of range")]
    [InlineData("/messages/receive", """{"waitTimeSeconds":-0.5}""", "waitTimeSeconds", "-0.5 s is out of range")]
    [InlineData("/messages/receive", """{"maxMessages":2.5}""", "maxMessages", "2.5 is not a whole number")]
    [InlineData("/messages/receive", """{"maxMessages":1E400}""", "maxMessages", "1E400 is out of range")]
    [InlineData("/messages", """{"body":"x","priority":10}""", "priority", "10 is out of range: use a whole number from 0 to 9")]
    [InlineData("/messages", """{"body":"x","delaySeconds":1209600.5}""", "delaySeconds", "1209600.5 s is out of range")]
    [InlineData("/messages", """{"messages":[{"body":"x","priority":1.5}]}""", "messages[0].priority", "1.5 is not a whole number")]
    [InlineData("/messages/nack", """{"receiptHandle":"h","delaySeconds":43201}""", "delaySeconds", "43201 s is out of range")]
    [InlineData("/messages/extend", """{"receiptHandle":"h","visibilityTimeoutSeconds":4.32e4000}""", "visibilityTimeoutSeconds", "4.32e4000 s is out of range")]
    [InlineData("/redrive", """{"maxPerSecond":0.5}""", "maxPerSecond", "0.5 is not a whole number")]
    public async Task MessageRoutes_NumberOutOfRange_QuotedAsSentAndNothingChanges(string route, string body, string field, string detail)
    {
        var queue = NewName();
        await CreateQueueAsync(queue);
        await PublishAsync(queue, "kept");

        using var response = await PostAsync($"/v1/queues/{queue}{route}", body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
        Assert.Contains(field + " " + detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var stats = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{queue}/stats");
        Assert.Equal(1, stats.GetProperty("ready").GetInt64());
        Assert.Equal(0, stats.GetProperty("inFlight").GetInt64());
    }

    [Theory]
    [InlineData("maxLength", "1e20", "1e20 is out of range: use a whole number from 1 to 9223372036854775807")]
    [InlineData("maxMessageSize", "16777216.5", "16777216.5 is not a whole number")]
    [InlineData("maxReceiveCount", "1001", "1001 is out of range: use a whole number from 1 to 1000")]
    [InlineData("retentionPeriodSeconds", "59.99", "59.99 s is out of range: use 60 to 31536000 seconds")]
    [InlineData("visibilityTimeoutSeconds", "43200.0000001", "43200.0000001 s is out of range: use 0 to 43200 seconds")]
    [InlineData("deduplicationWindowSeconds", "-1E-9", "-1E-9 s is out of range")]
    [InlineData("receiveWaitTimeSeconds", "20.000000000000000001", "20.000000000000000001 s is out of range: use 0 to 20 seconds")]
    public async Task CreateQueue_NumberOutOfRange_QuotedAsSentAndNoQueue(string property, string number, string detail)
    {
        var queue = NewName();
        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{queue}}","{{property}}":{{number}}}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", property);
        Assert.Contains(property + " " + detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var get = await Client.GetAsync($"/v1/queues/{queue}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task CreateQueue_WholeNumberInExponentForm_IsTaken()
    {
        var queue = await CreateQueueAsync(NewName(), "\"maxLength\":1e3,\"visibilityTimeoutSeconds\":1.5e1");
        Assert.Equal(1000, queue.GetProperty("maxLength").GetInt64());
        Assert.Equal(15, queue.GetProperty("visibilityTimeoutSeconds").GetDouble());
    }

    [Theory]
    [InlineData("1001", "max 1001 is out of range: use a whole number from 1 to 1000")]
    [InlineData("abc", "max 'abc' is not a number: use a whole number from 1 to 1000")]
    [InlineData("2.5", "max 2.5 is not a whole number")]
    public async Task Peek_MaxInvalid_QuotedAsSent(string max, string detail)
    {
        var queue = NewName();
        await CreateQueueAsync(queue);
        using var response = await Client.GetAsync($"/v1/queues/{queue}/messages?max={max}");
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "max");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("drop-head", "queue", "drop-head", "queue")]
    [InlineData("dropHead", "messageGroup", "drop-head", "message-group")]
    [InlineData("DEAD-LETTER-HEAD", "Message-Group", "dead-letter-head", "message-group")]
    [InlineData("deadLetterHead", "message-group", "dead-letter-head", "message-group")]
    [InlineData("Reject", "QUEUE", "reject", "queue")]
    public async Task CreateQueue_EnumInEitherSpelling_AnswersKebabCase(string policy, string scope, string expectedPolicy, string expectedScope)
    {
        var dlq = NewName("dlq");
        await CreateQueueAsync(dlq);
        var queue = await CreateQueueAsync(NewName(),
            $"\"overflowPolicy\":\"{policy}\",\"deduplicationScope\":\"{scope}\",\"maxLength\":5,\"deadLetterQueue\":\"{dlq}\",\"maxReceiveCount\":3");
        Assert.Equal(expectedPolicy, queue.GetProperty("overflowPolicy").GetString());
        Assert.Equal(expectedScope, queue.GetProperty("deduplicationScope").GetString());
    }

    [Theory]
    [InlineData("overflowPolicy", "drop_head", "use reject, drop-head or dead-letter-head")]
    [InlineData("overflowPolicy", "drop--head", "use reject, drop-head or dead-letter-head")]
    [InlineData("overflowPolicy", "d-r-o-p-h-e-a-d", "use reject, drop-head or dead-letter-head")]
    [InlineData("deduplicationScope", "mess-age-group", "use queue or message-group")]
    [InlineData("deduplicationScope", "group", "use queue or message-group")]
    public async Task CreateQueue_UnknownEnumValue_ListsKebabCase(string property, string value, string rule)
    {
        using var response = await PostAsync("/v1/queues", $$"""{"name":"{{NewName()}}","{{property}}":"{{value}}"}""");
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", property);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"'{value}'", detail, StringComparison.Ordinal);
        Assert.Contains(rule, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task RestRoute_NoOrFormContentType_IsRestMalformedRequestNotSqs(string? mediaType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queues")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"name":"x"}""")),
        };
        request.Content.Headers.ContentType = mediaType is null ? null : new MediaTypeHeaderValue(mediaType);
        using var response = await Client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", "Content-Type");
    }

    [Fact]
    public async Task RestRoute_GetWithActionQuery_IsServedByRest()
    {
        var queue = NewName();
        await CreateQueueAsync(queue);

        // REST answers (problem+json), not the SQS face; and REST takes no query parameter it does not know.
        using var response = await Client.GetAsync($"/v1/queues/{queue}?Action=ListQueues");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", "Action");
        Assert.Equal("query parameter 'Action' is not one this route takes: remove it (this route takes no query parameters)",
            problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("GET", "/v1/queues?bogus=1", "bogus", "remove it (this route takes no query parameters)")]
    [InlineData("GET", "/v1/queues/{q}/messages?max=2&mx=5", "mx", "use max")]
    [InlineData("GET", "/v1/stats?bogus", "bogus", "remove it (this route takes no query parameters)")]
    [InlineData("POST", "/v1/queues/{q}/messages?bogus=1", "bogus", "remove it (this route takes no query parameters)")]
    [InlineData("DELETE", "/v1/queues/{q}/messages?all=true", "all", "remove it (this route takes no query parameters)")]
    public async Task AnyRoute_UnknownQueryParameter_RefusedNamingItAndNothingChanges(string method, string path, string parameter, string fix)
    {
        var queue = NewName();
        await CreateQueueAsync(queue);
        await PublishAsync(queue, "kept");

        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{q}", queue, StringComparison.Ordinal));
        if (method == "POST")
        {
            request.Content = new StringContent("""{"body":"x"}""", Encoding.UTF8, "application/json");
        }

        using var response = await Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", parameter);
        Assert.Equal($"query parameter '{parameter}' is not one this route takes: {fix}", problem.GetProperty("detail").GetString());
        var stats = await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{queue}/stats");
        Assert.Equal(1, stats.GetProperty("ready").GetInt64());
    }

    [Theory]
    [InlineData("application/json; charset=latin1", "latin1")]
    [InlineData("application/json; charset=utf-16", "utf-16")]
    [InlineData("application/json; charset=\"iso-8859-1\"", "\"iso-8859-1\"")]
    public async Task RestRoute_CharsetOtherThanUtf8_Is415NamingTheRule(string contentType, string charset)
    {
        var queue = NewName();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queues")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"name":"{{queue}}"}""")),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "Content-Type");
        Assert.Equal(
            $"Content-Type '{contentType}' names charset '{charset}': a JSON body is UTF-8; send Content-Type: application/json (or application/json; charset=utf-8)",
            problem.GetProperty("detail").GetString());
        using var get = await Client.GetAsync($"/v1/queues/{queue}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    public async Task RestRoute_Utf8Charset_IsTaken(string contentType)
    {
        var queue = NewName();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queues")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"name":"{{queue}}"}""")),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/queues", """{"name":"{q}","name":"other"}""", "name", "property 'name' appears twice: give each property once")]
    [InlineData("/v1/queues/{q}/messages", """{"messages":[{"body":"a","body":"b"}]}""", "messages[0].body", "property 'body' appears twice: give each property once")]
    [InlineData("/v1/queues/{q}/messages/receive", """{"maxMessages":1,"maxMessages":2}""", "maxMessages", "property 'maxMessages' appears twice: give each property once")]
    [InlineData("/v1/queues/{q}/messages", """{"body":"a","colour":"blue"}""", "colour", "property 'colour' is not one this route accepts")]
    public async Task RestRoute_DuplicateOrUnknownProperty_RefusedNamingTheRule(string route, string body, string field, string rule)
    {
        var queue = NewName();
        if (!body.Contains("\"name\":\"{q}\"", StringComparison.Ordinal))
        {
            await CreateQueueAsync(queue);
        }

        using var response = await PostAsync(route.Replace("{q}", queue, StringComparison.Ordinal), body.Replace("{q}", queue, StringComparison.Ordinal));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "malformed_request", field);
        Assert.Contains(": " + rule + ";", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT", "/v1/queues", "GET, POST")]
    [InlineData("POST", "/v1/stats", "GET")]
    [InlineData("PUT", "/v1/queues/some-queue/messages", "DELETE, GET, POST")]
    [InlineData("GET", "/v1/queues/some-queue/messages/ack", "POST")]
    public async Task KnownPath_WrongMethod_Is405ProblemWithAllow(string method, string path, string allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await Client.SendAsync(request);
        var problem = await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed", null);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Contains(allow, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/v1/nothing")]
    [InlineData("POST", "/v2/queues")]
    [InlineData("GET", "/")]
    public async Task UnknownPath_Is404RouteNotFound(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await Client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "route_not_found", null);
    }

    /// <summary>A missing resource is named as a fact, for a delete as for any other verb: no "create it first".</summary>
    [Theory]
    [InlineData("DELETE", "/v1/queues/{0}", "", "queue_not_found", "queue", "queue '{0}' does not exist")]
    [InlineData("GET", "/v1/queues/{0}", "", "queue_not_found", "queue", "queue '{0}' does not exist")]
    [InlineData("POST", "/v1/queues/{0}/messages", """{"body":"x"}""", "queue_not_found", "queue", "queue '{0}' does not exist")]
    [InlineData("DELETE", "/v1/topics/{0}", "", "topic_not_found", "topic", "topic '{0}' does not exist")]
    [InlineData("POST", "/v1/topics/{0}/messages", """{"body":"x"}""", "topic_not_found", "topic", "topic '{0}' does not exist")]
    [InlineData("DELETE", "/v1/streams/{0}", "", "stream_not_found", "stream", "stream '{0}' does not exist")]
    [InlineData("DELETE", "/v1/streams/{0}/groups/g", "", "stream_not_found", "stream", "stream '{0}' does not exist")]
    [InlineData("POST", "/v1/streams/{0}/groups/g/read", """{"consumer":"c"}""", "stream_group_not_found", "group", "consumer group 'g' does not exist on stream '{0}' (or the stream does not exist)")]
    public async Task MissingResource_AnyVerb_SaysItDoesNotExistWithoutAdvice(string method, string path, string body, string code, string field, string detail)
    {
        var name = NewName();
        using var request = new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, path, name));
        if (body.Length > 0)
            request.Content = Json(body);

        using var response = await Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound, code, field);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, detail, name), problem.GetProperty("detail").GetString());
    }

    /// <summary>An empty or oversized list says the rule with the field's name and the count sent, on every route that takes one.</summary>
    [Theory]
    [InlineData("/v1/queues/{0}/messages", """{"messages":[]}""", "messages", "messages must hold between 1 and 100 entries; got 0")]
    [InlineData("/v1/queues/{0}/messages/ack", """{"receiptHandles":[]}""", "receiptHandles", "receiptHandles must hold between 1 and 100 entries; got 0")]
    [InlineData("/v1/topics/{0}/messages", """{"messages":[]}""", "messages", "messages must hold between 1 and 100 entries; got 0")]
    [InlineData("/v1/streams/{0}/entries", """{"entries":[]}""", "entries", "entries must hold between 1 and 10000 entries; got 0")]
    [InlineData("/v1/streams/{0}/entries/delete", """{"ids":[]}""", "ids", "ids must hold between 1 and 10000 entries; got 0")]
    [InlineData("/v1/streams/{0}/groups/g/ack", """{"ids":[]}""", "ids", "ids must hold between 1 and 10000 entries; got 0")]
    public async Task EmptyList_AnyRoute_NamesFieldRuleAndCount(string path, string body, string field, string detail)
    {
        var name = NewName();
        await CreateQueueAsync(name);
        (await PostAsync("/v1/topics", $$"""{"name":"{{name}}"}""")).Dispose();

        using var response = await PostAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, name), body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", field);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task PublishBatch_101Messages_NamesFieldRuleAndCountAndPublishesNothing()
    {
        var queue = NewName();
        await CreateQueueAsync(queue);

        using var response = await PostAsync($"/v1/queues/{queue}/messages", "{\"messages\":[" + string.Join(',', Enumerable.Repeat("{\"body\":\"x\"}", 101)) + "]}");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "messages");
        Assert.Equal("messages must hold between 1 and 100 entries; got 101", problem.GetProperty("detail").GetString());
        Assert.Equal(0, (await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{queue}/stats")).GetProperty("ready").GetInt64());
    }
}
