using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Sluice.Dashboard.Tests;

/// <summary>What the dashboard does when the API refuses its key, and how the files are served.</summary>
[Collection(DashboardGroup.Name)]
public class SignInTests(DashboardFixture fixture) : DashboardTest(fixture)
{
    private const string Refusal = """{"type":"urn:sluice:error:unauthenticated","title":"unauthenticated","status":401,"detail":"the API key is unknown or revoked","code":"unauthenticated","field":null}""";

    [Fact]
    public async Task SignedIn_ApiAnswers401_SignInFormShowsAgainWithTheReason()
    {
        await SignInAsync();
        await Expect(Page.GetByRole(AriaRole.Table, new() { Name = "Queues", Exact = true })).ToBeVisibleAsync();

        // The key is revoked while the page is open: every API call now answers 401 problem+json.
        await Page.RouteAsync("**/v1/**", route => route.FulfillAsync(new() { Status = 401, ContentType = "application/problem+json", Body = Refusal }));

        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("the API key is unknown or revoked");
        await Expect(Page.GetByLabel("API key")).ToBeVisibleAsync();
        await Expect(Page.GetByLabel("API key")).ToBeFocusedAsync();
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" })).ToBeHiddenAsync();
        Assert.Null(await Page.EvaluateAsync<string?>("() => sessionStorage.getItem('sluice.apiKey')"));
        AssertCleanPage();
    }

    [Fact]
    public async Task SignIn_KeyRefused_StaysOnTheFormAndSaysSo()
    {
        await Page.RouteAsync("**/v1/**", route => route.FulfillAsync(new() { Status = 401, ContentType = "application/problem+json", Body = Refusal }));
        await Page.GotoAsync(DashboardUrl());

        await Page.GetByLabel("API key").FillAsync("not-a-key");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The server refused this key");
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" })).ToBeHiddenAsync();
        Assert.Null(await Page.EvaluateAsync<string?>("() => sessionStorage.getItem('sluice.apiKey')"));
        AssertCleanPage();
    }

    [Fact]
    public async Task Files_ServedFromTheAssembly_WithSecurityHeadersAndNoCache()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Fixture.Server.HttpAddress };

        using var bare = await client.GetAsync("/ui");
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/ui/", bare.Headers.Location?.OriginalString);

        using var index = await client.GetAsync("/ui/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", index.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", index.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-cache", index.Headers.CacheControl?.ToString());
        Assert.Contains("<title>Sluice dashboard</title>", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var chart = await client.GetAsync("/ui/vendor/uplot/uPlot.iife.min.js");
        Assert.Equal(HttpStatusCode.OK, chart.StatusCode);
        Assert.Equal("text/javascript", chart.Content.Headers.ContentType?.MediaType);

        using var missing = await client.GetAsync("/ui/nothing-here.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var escape = await client.GetAsync("/ui/%2E%2E/%2E%2E/etc/passwd");
        Assert.Equal(HttpStatusCode.NotFound, escape.StatusCode);
    }
}
