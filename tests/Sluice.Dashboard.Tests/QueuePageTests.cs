using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Sluice.Dashboard.Tests;

/// <summary>Signing in, the queue list with its live depth and charts, creating a queue, publishing, and peeking.</summary>
[Collection(DashboardGroup.Name)]
public class QueuePageTests(DashboardFixture fixture) : DashboardTest(fixture)
{
    [Fact]
    public async Task SignIn_Key_KeptInTheTabAndSentAsBearerOnEveryApiCall()
    {
        await SignInAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Queues", Exact = true })).ToBeVisibleAsync();
        Assert.Equal(DashboardFixture.ApiKey, await Page.EvaluateAsync<string>("() => sessionStorage.getItem('sluice.apiKey')"));
        await Page.ReloadAsync(); // the tab stays signed in
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Queues", Exact = true })).ToBeVisibleAsync();
        lock (Requests)
        {
            var apiCalls = Requests.Where(r => r.Url.Contains("/v1/", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(apiCalls);
            Assert.All(apiCalls, r => Assert.Equal("Bearer " + DashboardFixture.ApiKey, r.Authorization));
        }

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(Page.GetByLabel("API key")).ToBeVisibleAsync();
        Assert.Null(await Page.EvaluateAsync<string?>("() => sessionStorage.getItem('sluice.apiKey')"));
        AssertCleanPage();
    }

    [Fact]
    public async Task CreateQueueAndPublish_FromTheForms_DepthChangesAndPeekLeavesTheMessageReady()
    {
        var name = NewName("jobs");
        await SignInAsync();

        var create = Page.GetByRole(AriaRole.Form, new() { Name = "Create a queue" });
        await create.GetByLabel("Name").FillAsync(name);
        await create.GetByRole(AriaRole.Button, new() { Name = "Create queue" }).ClickAsync();
        await Expect(Row("Queues", name).Locator("td[data-col=ready]")).ToHaveTextAsync("0");

        await Row("Queues", name).GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
        var publish = Page.GetByRole(AriaRole.Form, new() { Name = "Publish a message" });
        await publish.GetByLabel("Body").FillAsync("resize image 42");
        await publish.GetByLabel("Priority").FillAsync("5");
        await publish.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(Page.GetByText("Published message")).ToBeVisibleAsync();
        var message = Page.GetByRole(AriaRole.Table, new() { Name = "Messages", Exact = true }).Locator("tbody tr");
        await Expect(message).ToHaveCountAsync(1);
        await Expect(message.Locator("td[data-col=body]")).ToHaveTextAsync("resize image 42");
        await Expect(message.Locator("td[data-col=state]")).ToHaveTextAsync("ready");

        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" }).GetByRole(AriaRole.Link, new() { Name = "Queues" }).ClickAsync();
        await Expect(Row("Queues", name).Locator("td[data-col=ready]")).ToHaveTextAsync("1");
        await Expect(Row("Queues", name).Locator("td[data-col=inFlight]")).ToHaveTextAsync("0");

        // The page peeked many times: still ready, never leased, never received.
        var stats = (await Fixture.SendAsync(HttpMethod.Get, $"/v1/queues/{name}/stats"))!.Value;
        Assert.Equal((1L, 0L), (stats.GetProperty("ready").GetInt64(), stats.GetProperty("inFlight").GetInt64()));
        var peeked = (await Fixture.SendAsync(HttpMethod.Get, $"/v1/queues/{name}/messages"))!.Value.GetProperty("messages")[0];
        Assert.Equal(("ready", 0, 5), (peeked.GetProperty("state").GetString(), peeked.GetProperty("receiveCount").GetInt32(), peeked.GetProperty("priority").GetInt32()));
        AssertCleanPage();
    }

    [Fact]
    public async Task QueueList_PublishedElsewhere_DepthAndChartFollowThePolls()
    {
        var name = NewName("live");
        await Fixture.SendAsync(HttpMethod.Post, "/v1/queues", new { name });
        await SignInAsync();
        await Expect(Row("Queues", name).Locator("td[data-col=ready]")).ToHaveTextAsync("0");

        await Fixture.SendAsync(HttpMethod.Post, $"/v1/queues/{name}/messages", new { messages = new[] { new { body = "a" }, new { body = "b" }, new { body = "c" } } });

        await Expect(Row("Queues", name).Locator("td[data-col=ready]")).ToHaveTextAsync("3");
        // uPlot drew both charts (a canvas each), and each says its last sample in text.
        await Expect(Page.Locator("figure.chart canvas")).ToHaveCountAsync(2);
        await Expect(Page.Locator("figure.chart[data-chart='Messages (all queues)'] .chart-summary")).ToContainTextAsync("ready:");
        AssertCleanPage();
    }

    [Fact]
    public async Task CreateQueue_InvalidName_ShowsTheServersReason()
    {
        await SignInAsync();

        var create = Page.GetByRole(AriaRole.Form, new() { Name = "Create a queue" });
        await create.GetByLabel("Name").FillAsync("no spaces allowed");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create queue" }).ClickAsync();

        await Expect(Page.Locator(".result.error")).ToContainTextAsync("invalid");
        AssertCleanPage();
    }

    [Fact]
    public async Task Messages_BodyWithMarkup_ShownAsTextNeverRun()
    {
        var name = NewName("esc");
        const string body = "<img src=x id=injected onerror=\"window.injected=1\"><b>bold</b>";
        await Fixture.SendAsync(HttpMethod.Post, "/v1/queues", new { name });
        await Fixture.SendAsync(HttpMethod.Post, $"/v1/queues/{name}/messages", new { body });

        await SignInAsync($"#/queues/{name}");

        var message = Page.GetByRole(AriaRole.Table, new() { Name = "Messages", Exact = true }).Locator("tbody tr");
        await Expect(message.Locator("td[data-col=body]")).ToHaveTextAsync(body);
        await Expect(Page.Locator("#injected")).ToHaveCountAsync(0);
        await Expect(Page.Locator("#messages b")).ToHaveCountAsync(0);
        Assert.False(await Page.EvaluateAsync<bool>("() => 'injected' in window"));
        AssertCleanPage();
    }

    [Fact]
    public async Task Keyboard_TabToANavigationLinkAndPressEnter_OpensThePage()
    {
        await SignInAsync();

        var topics = Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" }).GetByRole(AriaRole.Link, new() { Name = "Topics" });
        await topics.FocusAsync();
        await Page.Keyboard.PressAsync("Enter");

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Topics", Exact = true })).ToBeVisibleAsync();
        await Expect(topics).ToHaveAttributeAsync("aria-current", "page");
        AssertCleanPage();
    }
}
