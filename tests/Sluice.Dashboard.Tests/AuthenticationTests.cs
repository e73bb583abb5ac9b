using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Sluice.Dashboard.Tests;

/// <summary>A server with authentication on (Sluice:Auth:Enabled): its own server and browser.</summary>
public sealed class AuthenticatedDashboardFixture : DashboardFixture
{
    protected override bool AuthEnabled => true;
}

/// <summary>
/// Against a server that requires a key: the dashboard's files load without one, a request without a key (or with one
/// the server never issued) is refused with 401, and the dashboard shows the sign-in form saying so.
/// </summary>
public class AuthenticationTests(AuthenticatedDashboardFixture fixture) : DashboardTest(fixture), IClassFixture<AuthenticatedDashboardFixture>
{
    [Fact]
    public async Task NoKey_RequestRefusedAndTheSignInFormShows()
    {
        await Page.GotoAsync(DashboardUrl());
        await Expect(Page.GetByLabel("API key")).ToBeVisibleAsync(); // the files need no key

        var status = await Page.EvaluateAsync<int>("async () => (await fetch('/v1/queues', { cache: 'no-store' })).status");
        Assert.Equal(401, status);

        await Page.GetByLabel("API key").FillAsync("a-key-this-server-never-issued");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The server refused this key");
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" })).ToBeHiddenAsync();

        using var anonymous = new HttpClient { BaseAddress = Fixture.Server.HttpAddress };
        using var refused = await anonymous.GetAsync("/v1/queues");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        AssertCleanPage();
    }
}
