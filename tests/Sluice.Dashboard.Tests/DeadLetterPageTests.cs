using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Sluice.Dashboard.Tests;

/// <summary>Dead letters by failure group, bulk redrive with a dry run first, and the redrive tasks page.</summary>
[Collection(DashboardGroup.Name)]
public class DeadLetterPageTests(DashboardFixture fixture) : DashboardTest(fixture)
{
    /// <summary>A source queue (maxReceiveCount 1) dead-lettering into a new queue, and <paramref name="count"/> messages dead-lettered there by a REST nack.</summary>
    private async Task<(string Source, string Dlq)> DeadLetterAsync(int count, string error = "payment 17 declined")
    {
        var dlq = NewName("dlq");
        var source = NewName("src");
        await Fixture.SendAsync(HttpMethod.Post, "/v1/queues", new { name = dlq });
        await Fixture.SendAsync(HttpMethod.Post, "/v1/queues", new { name = source, maxReceiveCount = 1, deadLetterQueue = dlq });
        await Fixture.SendAsync(HttpMethod.Post, $"/v1/queues/{source}/messages",
            new { messages = Enumerable.Range(1, count).Select(i => new { body = $"order {i}" }).ToArray() });
        var received = (await Fixture.SendAsync(HttpMethod.Post, $"/v1/queues/{source}/messages/receive", new { maxMessages = count }))!.Value;
        foreach (var message in received.GetProperty("messages").EnumerateArray())
        {
            await Fixture.SendAsync(HttpMethod.Post, $"/v1/queues/{source}/messages/nack",
                new { receiptHandle = message.GetProperty("receiptHandle").GetString(), error });
        }

        var stats = (await Fixture.SendAsync(HttpMethod.Get, $"/v1/queues/{dlq}/stats"))!.Value;
        Assert.Equal(count, stats.GetProperty("ready").GetInt64());
        return (source, dlq);
    }

    [Fact]
    public async Task Redrive_DryRunFirst_ThenTheMessageIsBackInItsSourceQueue()
    {
        var (source, dlq) = await DeadLetterAsync(1);
        await SignInAsync("#/dead-letters");
        await Row("Dead-letter queues", dlq).GetByRole(AriaRole.Link, new() { Name = dlq }).ClickAsync();

        var groups = Page.GetByRole(AriaRole.Table, new() { Name = "Failure groups", Exact = true }).Locator("tbody tr");
        await Expect(groups).ToHaveCountAsync(1);
        await Expect(groups.Locator("td[data-col=count]")).ToHaveTextAsync("1");
        await Expect(groups).ToContainTextAsync("payment 17 declined");
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Messages", Exact = true }).Locator("tbody tr")).ToContainTextAsync("order 1");
        var redrive = Page.Locator("#redrive");
        await Expect(redrive).ToBeDisabledAsync(); // only after a dry run

        await groups.GetByRole(AriaRole.Checkbox).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Dry run" }).ClickAsync();
        await Expect(Page.Locator("#redrive-outcome")).ToContainTextAsync($"Dry run: 1 message of 1 group would move to {source}");
        await Expect(redrive).ToHaveTextAsync("Redrive 1 message");
        // The dry run changed nothing.
        var dlqStats = (await Fixture.SendAsync(HttpMethod.Get, $"/v1/queues/{dlq}/stats"))!.Value;
        Assert.Equal(1, dlqStats.GetProperty("ready").GetInt64());

        await redrive.ClickAsync();
        await Expect(Page.Locator("#redrive-outcome")).ToContainTextAsync("Redrive started for 1 message");
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Failure groups", Exact = true }).Locator("tbody")).ToHaveTextAsync("No dead letters.");

        await Page.GotoAsync(DashboardUrl($"#/queues/{source}"));
        var message = Page.GetByRole(AriaRole.Table, new() { Name = "Messages", Exact = true }).Locator("tbody tr");
        await Expect(message.Locator("td[data-col=body]")).ToHaveTextAsync("order 1");
        await Expect(message.Locator("td[data-col=state]")).ToHaveTextAsync("ready");

        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" }).GetByRole(AriaRole.Link, new() { Name = "Redrives" }).ClickAsync();
        var task = Page.GetByRole(AriaRole.Table, new() { Name = "Redrive tasks", Exact = true }).Locator("tbody tr", new() { HasText = dlq });
        await Expect(task.Locator("td[data-col=state]")).ToHaveTextAsync("completed");
        await Expect(task.Locator("td[data-col=progress]")).ToHaveTextAsync("1 / 1");
        AssertCleanPage();
    }

    [Fact]
    public async Task Redrive_ChoiceChangedAfterTheDryRun_AsksForANewDryRun()
    {
        var (_, dlq) = await DeadLetterAsync(2);
        await SignInAsync($"#/dead-letters/{dlq}");
        var groups = Page.GetByRole(AriaRole.Table, new() { Name = "Failure groups", Exact = true }).Locator("tbody tr");
        await groups.GetByRole(AriaRole.Checkbox).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Dry run" }).ClickAsync();
        await Expect(Page.Locator("#redrive")).ToBeEnabledAsync();

        await Page.GetByLabel("Destination").FillAsync("elsewhere");

        await Expect(Page.Locator("#redrive")).ToBeDisabledAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Dry run" }).ClickAsync();
        await Expect(Page.Locator("#redrive-outcome")).ToContainTextAsync("destination: ");
        AssertCleanPage();
    }

    [Fact]
    public async Task RedriveTask_Running_CancelledFromThePage()
    {
        var (_, dlq) = await DeadLetterAsync(40);
        // One message a second: the task runs long enough to be cancelled.
        var started = (await Fixture.SendAsync(HttpMethod.Post, $"/v1/queues/{dlq}/redrive", new { maxPerSecond = 1 }))!.Value;
        var id = started.GetProperty("id").GetString()!;
        await SignInAsync("#/redrives");

        var task = Row("Redrive tasks", id);
        await Expect(task.Locator("td[data-col=state]")).ToHaveTextAsync("running");
        await task.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await Expect(task.Locator("td[data-col=state]")).ToHaveTextAsync("cancelled");
        var redrive = (await Fixture.SendAsync(HttpMethod.Get, $"/v1/redrives/{id}"))!.Value;
        Assert.Equal("cancelled", redrive.GetProperty("state").GetString());
        AssertCleanPage();
    }
}
