using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Sluice.Dashboard.Tests;

/// <summary>Streams, their consumer groups and pending entries; topics; server health.</summary>
[Collection(DashboardGroup.Name)]
public class StreamPageTests(DashboardFixture fixture) : DashboardTest(fixture)
{
    [Fact]
    public async Task Stream_GroupWithAReadEntry_ShowsTheGroupTheConsumerAndThePendingEntry()
    {
        var stream = NewName("orders");
        var ids = (await Fixture.SendAsync(HttpMethod.Post, $"/v1/streams/{stream}/entries",
            new { entries = new[] { new { id = "*", fields = new { id = "41" } }, new { id = "*", fields = new { id = "42" } } } }))!.Value.GetProperty("ids");
        await Fixture.SendAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups", new { name = "fulfillment", startId = "0" });
        await Fixture.SendAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/fulfillment/read", new { consumer = "worker-1", after = ">", count = 1 });

        await SignInAsync("#/streams");
        await Expect(Row("Streams", stream).Locator("td").Nth(1)).ToHaveTextAsync("2");
        await Row("Streams", stream).GetByRole(AriaRole.Link, new() { Name = stream }).ClickAsync();

        await Expect(Row("Consumer groups", "fulfillment").Locator("td[data-col=pending]")).ToHaveTextAsync("1");
        await Expect(Row("Consumers of fulfillment", "worker-1")).ToContainTextAsync("worker-1");
        var pending = Row("Pending entries of fulfillment", ids[0].GetString()!);
        await Expect(pending).ToContainTextAsync("worker-1");
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Pending entries of fulfillment", Exact = true }).Locator("tbody tr")).ToHaveCountAsync(1);

        // The consumer acks: the pending entry leaves the page at the next poll.
        await Fixture.SendAsync(HttpMethod.Post, $"/v1/streams/{stream}/groups/fulfillment/ack", new { ids = new[] { ids[0].GetString() } });
        await Expect(Row("Consumer groups", "fulfillment").Locator("td[data-col=pending]")).ToHaveTextAsync("0");
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Pending entries of fulfillment", Exact = true })).ToContainTextAsync("No pending entries.");
        AssertCleanPage();
    }

    [Fact]
    public async Task Topics_PublishedTo_ShowsCountersAndSubscriptions()
    {
        var topic = NewName("events");
        var queue = NewName("sub");
        await Fixture.SendAsync(HttpMethod.Post, "/v1/queues", new { name = queue });
        await Fixture.SendAsync(HttpMethod.Post, "/v1/topics", new { name = topic });
        await Fixture.SendAsync(HttpMethod.Post, $"/v1/topics/{topic}/subscriptions", new { queue, routingKeyPattern = "orders.#" });
        await Fixture.SendAsync(HttpMethod.Post, $"/v1/topics/{topic}/messages", new { body = "x", routingKey = "orders.eu" });

        await SignInAsync("#/topics");

        await Expect(Row("Topics", topic)).ToContainTextAsync(topic);
        await Expect(Row("Topics", topic).Locator("td").Nth(2)).ToHaveTextAsync("1");
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Subscriptions", Exact = true })).ToContainTextAsync("orders.#");
        await Expect(Page.Locator("figure.chart canvas")).ToHaveCountAsync(1);
        AssertCleanPage();
    }

    [Fact]
    public async Task Health_ShowsTheHealthCheckAndThisNode()
    {
        await SignInAsync("#/health");

        await Expect(Page.Locator("#healthz")).ToContainTextAsync("200: ok");
        var node = Row("Nodes", Fixture.Server.NodeId);
        await Expect(node).ToContainTextAsync("this node");
        await Expect(node).ToContainTextAsync(Fixture.Server.HttpAddress.GetLeftPart(UriPartial.Authority));
        AssertCleanPage();
    }
}
