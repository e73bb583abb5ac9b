using System.Net;
using System.Text.Json;

namespace Sluice.Server.Tests;

/// <summary>The topic routes (<c>/v1/topics/**</c>) against a real server.</summary>
public class TopicRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    private async Task<string> CreateTopicAsync()
    {
        var name = NewName("t");
        using var response = await PostAsync("/v1/topics", $$"""{"name":"{{name}}"}""");
        var topic = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(name, topic.GetProperty("name").GetString());
        return name;
    }

    private async Task<JsonElement> SubscribeAsync(string topic, string json, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await PostAsync($"/v1/topics/{topic}/subscriptions", json);
        return await ReadJsonAsync(response, expected);
    }

    [Fact]
    public async Task CreateTopic_NewThenAgain_201Then200_ListedWithZeroCounters()
    {
        var name = await CreateTopicAsync();

        using var again = await PostAsync("/v1/topics", $$"""{"name":"{{name}}"}""");
        var topic = await ReadJsonAsync(again, HttpStatusCode.OK);

        Assert.Equal(0, topic.GetProperty("published").GetInt64());
        Assert.Equal(0, topic.GetProperty("unrouted").GetInt64());
        Assert.Equal(0, topic.GetProperty("delivered").GetInt64());
        Assert.Equal(0, topic.GetProperty("subscriptions").GetInt32());
        var list = await SendJsonAsync(HttpMethod.Get, "/v1/topics");
        Assert.Contains(list.GetProperty("topics").EnumerateArray(), t => t.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task CreateTopic_BadOrMissingName_Returns400()
    {
        using var bad = await PostAsync("/v1/topics", """{"name":"bad name"}""");
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "invalid_topic_name", "name");
        using var missing = await PostAsync("/v1/topics", "{}");
        await AssertProblemAsync(missing, HttpStatusCode.BadRequest, "invalid_argument", "name");
        using var unknown = await PostAsync("/v1/topics", """{"name":"x","typo":1}""");
        await AssertProblemAsync(unknown, HttpStatusCode.BadRequest, "malformed_request", "typo");
    }

    [Fact]
    public async Task Publish_FanOutWithPatternAndFilter_RoutesAndCounts()
    {
        var topic = await CreateTopicAsync();
        var all = NewName();
        var eu = NewName();
        await CreateQueueAsync(all);
        await CreateQueueAsync(eu);
        await SubscribeAsync(topic, $$"""{"queue":"{{all}}"}""");
        var sub = await SubscribeAsync(topic, $$$"""
            {"queue":"{{{eu}}}","routingKeyPattern":"orders.#","filterPolicy":{"region":[{"prefix":"eu-"}]}}
            """);
        Assert.Equal("orders.#", sub.GetProperty("routingKeyPattern").GetString());
        Assert.Equal("eu-", sub.GetProperty("filterPolicy").GetProperty("region")[0].GetProperty("prefix").GetString());

        using var response = await PostAsync($"/v1/topics/{topic}/messages", """
            {"messages":[
              {"body":"eu order","routingKey":"orders.new","attributes":{"region":{"dataType":"String","stringValue":"eu-west"}}},
              {"body":"us order","routingKey":"orders.new","attributes":{"region":{"dataType":"String","stringValue":"us-east"}}}
            ]}
            """);
        var results = (await ReadJsonAsync(response)).GetProperty("messages");

        Assert.Equal(2, results[0].GetProperty("queues").GetInt32());
        Assert.Equal(1, results[1].GetProperty("queues").GetInt32());
        var euMessages = await PeekAsync(eu);
        Assert.Equal("eu order", Assert.Single(euMessages).GetProperty("body").GetString());
        Assert.Equal(results[0].GetProperty("messageId").GetString(), euMessages[0].GetProperty("messageId").GetString());
        Assert.Equal(2, (await PeekAsync(all)).Length);
        var info = await SendJsonAsync(HttpMethod.Get, $"/v1/topics/{topic}");
        Assert.Equal(2, info.GetProperty("published").GetInt64());
        Assert.Equal(0, info.GetProperty("unrouted").GetInt64());
        Assert.Equal(3, info.GetProperty("delivered").GetInt64());
        Assert.Equal(2, info.GetProperty("subscriptions").GetInt32());
    }

    [Fact]
    public async Task Publish_SameDeduplicationIdTwice_SecondReportsTheOriginalIdAsDuplicate()
    {
        var topic = await CreateTopicAsync();
        foreach (var queue in new[] { NewName("d1"), NewName("d2") })
        {
            await CreateQueueAsync(queue);
            await SubscribeAsync(topic, $$"""{"queue":"{{queue}}"}""");
        }

        const string Body = """{"body":"dup","deduplicationId":"X"}""";
        using var first = await PostAsync($"/v1/topics/{topic}/messages", Body);
        var original = Assert.Single((await ReadJsonAsync(first)).GetProperty("messages").EnumerateArray());
        using var second = await PostAsync($"/v1/topics/{topic}/messages", Body);
        var retry = Assert.Single((await ReadJsonAsync(second)).GetProperty("messages").EnumerateArray());

        Assert.False(original.GetProperty("duplicate").GetBoolean());
        Assert.Equal(2, original.GetProperty("queues").GetInt32());
        Assert.True(retry.GetProperty("duplicate").GetBoolean());
        Assert.Equal(0, retry.GetProperty("queues").GetInt32());
        Assert.Equal(original.GetProperty("messageId").GetString(), retry.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Publish_SingleMessageWithoutSubscriptions_AcceptedWithZeroQueues()
    {
        var topic = await CreateTopicAsync();

        using var response = await PostAsync($"/v1/topics/{topic}/messages", """{"body":"nobody listens","routingKey":"a.b"}""");

        var result = Assert.Single((await ReadJsonAsync(response)).GetProperty("messages").EnumerateArray());
        Assert.Equal(0, result.GetProperty("queues").GetInt32());
        Assert.Equal(1, (await SendJsonAsync(HttpMethod.Get, $"/v1/topics/{topic}")).GetProperty("unrouted").GetInt64());
    }

    [Fact]
    public async Task Publish_FullSubscriptionQueue_Returns429AndPublishesNothing()
    {
        var topic = await CreateTopicAsync();
        var roomy = NewName();
        var small = NewName();
        await CreateQueueAsync(roomy);
        await CreateQueueAsync(small, "\"maxLength\":1");
        await SubscribeAsync(topic, $$"""{"queue":"{{roomy}}"}""");
        await SubscribeAsync(topic, $$"""{"queue":"{{small}}"}""");
        using var first = await PostAsync($"/v1/topics/{topic}/messages", """{"body":"1"}""");
        await ReadJsonAsync(first);

        using var second = await PostAsync($"/v1/topics/{topic}/messages", """{"body":"2"}""");

        var problem = await AssertProblemAsync(second, HttpStatusCode.TooManyRequests, "queue_full", null);
        Assert.Contains($"queue '{small}' is full", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await PeekAsync(roomy));
    }

    [Fact]
    public async Task Publish_BadRoutingKeyOrUnknownTopic_Returns400Or404()
    {
        var topic = await CreateTopicAsync();
        using var bad = await PostAsync($"/v1/topics/{topic}/messages", """{"messages":[{"body":"x","routingKey":"a.*"}]}""");
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "invalid_argument", "messages[0].routingKey");
        using var missing = await PostAsync($"/v1/topics/{NewName("t")}/messages", """{"body":"x"}""");
        await AssertProblemAsync(missing, HttpStatusCode.NotFound, "topic_not_found", "topic");
    }

    [Fact]
    public async Task Publish_SingleMessageErrors_NameTopLevelFields_BatchErrorsNameMessagesIndex()
    {
        var topic = await CreateTopicAsync();
        var fifo = NewName() + ".fifo";
        await CreateQueueAsync(fifo, "\"fifo\":true,\"contentBasedDeduplication\":true");
        await SubscribeAsync(topic, $$"""{"queue":"{{fifo}}"}""");

        using var key = await PostAsync($"/v1/topics/{topic}/messages", """{"body":"x","routingKey":"a.*"}""");
        var keyProblem = await AssertProblemAsync(key, HttpStatusCode.BadRequest, "invalid_argument", "routingKey");
        Assert.DoesNotContain("message.", keyProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var group = await PostAsync($"/v1/topics/{topic}/messages", """{"body":"x"}""");
        await AssertProblemAsync(group, HttpStatusCode.BadRequest, "invalid_argument", "messageGroupId");
        using var batchOfOne = await PostAsync($"/v1/topics/{topic}/messages", """{"messages":[{"body":"x"}]}""");
        await AssertProblemAsync(batchOfOne, HttpStatusCode.BadRequest, "invalid_argument", "messages[0].messageGroupId");
        using var batch = await PostAsync($"/v1/topics/{topic}/messages", """{"messages":[{"body":"x","messageGroupId":"g"},{"body":"y"}]}""");
        await AssertProblemAsync(batch, HttpStatusCode.BadRequest, "invalid_argument", "messages[1].messageGroupId");
    }

    [Fact]
    public async Task Subscribe_AgainEqualIs200_OtherOptionsIs409_BadFilterIs400()
    {
        var topic = await CreateTopicAsync();
        var queue = NewName();
        await CreateQueueAsync(queue);
        await SubscribeAsync(topic, $$"""{"queue":"{{queue}}","routingKeyPattern":"a.*"}""");

        await SubscribeAsync(topic, $$"""{"queue":"{{queue}}","routingKeyPattern":"a.*"}""", HttpStatusCode.OK);
        using var conflict = await PostAsync($"/v1/topics/{topic}/subscriptions", $$"""{"queue":"{{queue}}","routingKeyPattern":"a.#"}""");
        await AssertProblemAsync(conflict, HttpStatusCode.Conflict, "subscription_already_exists", "queue");
        using var badPolicy = await PostAsync($"/v1/topics/{topic}/subscriptions", $$$"""{"queue":"{{{queue}}}","filterPolicy":{"r":"eu"}}""");
        await AssertProblemAsync(badPolicy, HttpStatusCode.BadRequest, "invalid_argument", "filterPolicy.r");
        using var noQueue = await PostAsync($"/v1/topics/{topic}/subscriptions", $$"""{"queue":"{{NewName()}}"}""");
        await AssertProblemAsync(noQueue, HttpStatusCode.NotFound, "queue_not_found", "queue");
    }

    [Fact]
    public async Task Subscribe_NonAsciiPolicy_IsShownUnescapedAndCanonical()
    {
        var topic = await CreateTopicAsync();
        var queue = NewName();
        await CreateQueueAsync(queue);

        using var response = await PostAsync($"/v1/topics/{topic}/subscriptions", $$$"""{"queue":"{{{queue}}}","filterPolicy":{ "mood" : ["\ud83d\ude00", 1e3] }}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"filterPolicy\":{\"mood\":[\"😀\",1000]}", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"a":["\ud800"]}""")]
    [InlineData("""{"a":[{"prefix":"\ud800"}]}""")]
    public async Task Subscribe_FilterWithLoneSurrogate_Returns400NamingTheKey(string policy)
    {
        var topic = await CreateTopicAsync();
        var queue = NewName();
        await CreateQueueAsync(queue);
        using var response = await PostAsync($"/v1/topics/{topic}/subscriptions", $$"""{"queue":"{{queue}}","filterPolicy":{{policy}}}""");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument", "filterPolicy.a");
    }

    [Fact]
    public async Task Unsubscribe_ThenGetIs404_AndDeleteTopicKeepsQueues()
    {
        var topic = await CreateTopicAsync();
        var queue = NewName();
        await CreateQueueAsync(queue);
        await SubscribeAsync(topic, $$"""{"queue":"{{queue}}"}""");
        var got = await SendJsonAsync(HttpMethod.Get, $"/v1/topics/{topic}/subscriptions/{queue}");
        Assert.Equal(topic, got.GetProperty("topic").GetString());
        Assert.Equal(JsonValueKind.Null, got.GetProperty("filterPolicy").ValueKind);
        var list = await SendJsonAsync(HttpMethod.Get, $"/v1/topics/{topic}/subscriptions");
        Assert.Single(list.GetProperty("subscriptions").EnumerateArray());

        using var unsubscribe = await Client.DeleteAsync($"/v1/topics/{topic}/subscriptions/{queue}");
        Assert.Equal(HttpStatusCode.NoContent, unsubscribe.StatusCode);
        using var gone = await Client.GetAsync($"/v1/topics/{topic}/subscriptions/{queue}");
        await AssertProblemAsync(gone, HttpStatusCode.NotFound, "subscription_not_found", "queue");

        using var delete = await Client.DeleteAsync($"/v1/topics/{topic}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var topicGone = await Client.GetAsync($"/v1/topics/{topic}");
        await AssertProblemAsync(topicGone, HttpStatusCode.NotFound, "topic_not_found", "topic");
        await SendJsonAsync(HttpMethod.Get, $"/v1/queues/{queue}");
    }
}
