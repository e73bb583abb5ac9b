using System.Text.Json;

namespace Sluice.Cli.Tests;

/// <summary>The <c>sluice topic</c> verbs, in-process, against a real in-process server.</summary>
public sealed class TopicCommandTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private CliRunner Cli => server.Cli;

    private static string Name(string prefix) => ServerFixture.NewQueueName(prefix);

    private static JsonElement Json(CliResult result)
    {
        using var doc = JsonDocument.Parse(result.Output);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Topic_CreateSubscribePublishShowUnsubscribeDelete_Work()
    {
        var topic = Name("orders");
        var all = Name("all");
        var eu = Name("eu");
        await Cli.RunOkAsync("queue", "create", all);
        await Cli.RunOkAsync("queue", "create", eu);

        Assert.Contains($"topic '{topic}' is ready", (await Cli.RunOkAsync("topic", "create", topic)).Output, StringComparison.Ordinal);
        await Cli.RunOkAsync("topic", "create", topic);
        await Cli.RunOkAsync("topic", "subscribe", topic, all);
        var subscribed = await Cli.RunOkAsync("topic", "subscribe", topic, eu, "--pattern", "orders.#", "--filter", """{"region":[{"prefix":"eu-"}]}""");
        Assert.Contains("pattern orders.#", subscribed.Output, StringComparison.Ordinal);

        var published = Json(await Cli.RunOkAsync("topic", "publish", topic, "big order", "-k", "orders.new", "-a", "region=eu-west", "--json"));
        Assert.Equal(2, published.GetProperty("queues").GetInt32());
        var text = await Cli.RunOkAsync("topic", "publish", topic, "us order", "--routing-key", "orders.new", "-a", "region=us-east");
        Assert.EndsWith(" 1 queue", text.Output.Trim(), StringComparison.Ordinal);

        var received = Json(await Cli.RunOkAsync("receive", eu, "--json", "--max", "10"));
        var message = Assert.Single(received.GetProperty("messages").EnumerateArray());
        Assert.Equal("big order", message.GetProperty("body").GetString());
        Assert.Equal(published.GetProperty("messageId").GetString(), message.GetProperty("messageId").GetString());

        var show = Json(await Cli.RunOkAsync("topic", "show", topic, "--json"));
        Assert.Equal(2, show.GetProperty("published").GetInt64());
        Assert.Equal(3, show.GetProperty("delivered").GetInt64());
        Assert.Equal(2, show.GetProperty("subscriptions").GetInt32());
        var showText = await Cli.RunOkAsync("topic", "show", topic);
        Assert.Contains($"queue '{eu}' pattern orders.# filter {{\"region\":[{{\"prefix\":\"eu-\"}}]}}", showText.Output, StringComparison.Ordinal);
        Assert.Contains(topic, (await Cli.RunOkAsync("topic", "list")).Output, StringComparison.Ordinal);
        var subscriptions = Json(await Cli.RunOkAsync("topic", "subscriptions", topic, "--json"));
        Assert.Equal(2, subscriptions.GetProperty("subscriptions").GetArrayLength());

        await Cli.RunOkAsync("topic", "unsubscribe", topic, eu);
        Assert.Single(Json(await Cli.RunOkAsync("topic", "subscriptions", topic, "--json")).GetProperty("subscriptions").EnumerateArray());
        Assert.Contains($"deleted topic '{topic}'", (await Cli.RunOkAsync("topic", "delete", topic)).Output, StringComparison.Ordinal);
        await Cli.RunOkAsync("queue", "show", all);
    }

    [Fact]
    public async Task Topic_Errors_HaveExitCodesAndMessages()
    {
        var topic = Name("t");
        var queue = Name("q");
        await Cli.RunOkAsync("topic", "create", topic);
        await Cli.RunOkAsync("queue", "create", queue);
        await Cli.RunOkAsync("topic", "subscribe", topic, queue, "--pattern", "a.*");

        var missing = await Cli.RunAsync("topic", "show", Name("nope"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);

        var conflict = await Cli.RunAsync("topic", "subscribe", topic, queue, "--pattern", "a.#");
        Assert.Equal(1, conflict.ExitCode);
        Assert.EndsWith($"(sluice topic unsubscribe {topic} {queue})", conflict.Error.Trim(), StringComparison.Ordinal);
        var deleteMissing = await Cli.RunAsync("topic", "delete", Name("nope"));
        Assert.Equal(1, deleteMissing.ExitCode);
        Assert.Contains("nothing to delete", deleteMissing.Error, StringComparison.Ordinal);

        var badPattern = await Cli.RunAsync("topic", "subscribe", topic, queue, "--pattern", "a*");
        Assert.Equal(2, badPattern.ExitCode);
        var badJson = await Cli.RunAsync("topic", "subscribe", topic, queue, "--filter", "{not json");
        Assert.Equal(2, badJson.ExitCode);
        Assert.Contains("not valid JSON", badJson.Error, StringComparison.Ordinal);
        var badName = await Cli.RunAsync("topic", "create", "bad name");
        Assert.Equal(2, badName.ExitCode);
        var notSubscribed = await Cli.RunAsync("topic", "unsubscribe", topic, Name("other"));
        Assert.Equal(1, notSubscribed.ExitCode);
    }

    [Fact]
    public async Task Subscribe_NonAsciiFilter_IsShownUnescaped()
    {
        var topic = Name("t");
        var queue = Name("q");
        await Cli.RunOkAsync("topic", "create", topic);
        await Cli.RunOkAsync("queue", "create", queue);

        var subscribed = await Cli.RunOkAsync("topic", "subscribe", topic, queue, "--filter", """{"mood":["\ud83d\ude00"]}""");

        Assert.Contains("""filter {"mood":["😀"]}""", subscribed.Output, StringComparison.Ordinal);
        var json = await Cli.RunOkAsync("topic", "subscriptions", topic, "--json");
        Assert.Contains("\"filterPolicy\":{\"mood\":[\"😀\"]}", json.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_FilterWithLoneSurrogate_PrintsErrorLineNamingTheKey()
    {
        var topic = Name("t");
        var queue = Name("q");
        await Cli.RunOkAsync("topic", "create", topic);
        await Cli.RunOkAsync("queue", "create", queue);

        var result = await Cli.RunAsync("topic", "subscribe", topic, queue, "--filter", """{"a":["\ud800"]}""");

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Error.StartsWith("error:", StringComparison.Ordinal), result.Error);
        Assert.Contains("filterPolicy.a", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }
}
