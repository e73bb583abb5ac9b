using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Sluice.Dashboard.Tests;

/// <summary>
/// What the dashboard tests share: a fresh browser context per test (signed out), every request the page makes
/// recorded (the dashboard must reach only its own server), and page errors and console errors collected (a script
/// error or a content-security-policy violation fails the test).
/// </summary>
public abstract class DashboardTest(DashboardFixture fixture) : IAsyncLifetime
{
    private readonly List<string> _errors = [];
    private IBrowserContext? _context;

    protected DashboardFixture Fixture => fixture;

    protected IPage Page { get; private set; } = null!;

    /// <summary>Every request the page made: (URL, Authorization header or null).</summary>
    protected List<(string Url, string? Authorization)> Requests { get; } = [];

    /// <summary>The dashboard's address with a fast poll (500 ms instead of 3 s) and a hash route such as <c>#/queues</c>.</summary>
    protected string DashboardUrl(string route = "#/queues") => new Uri(fixture.Server.HttpAddress, "ui/?poll=500" + route).ToString();

    protected static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public virtual async Task InitializeAsync()
    {
        _context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 } });
        Page = await _context.NewPageAsync();
        Page.Request += (_, request) =>
        {
            request.Headers.TryGetValue("authorization", out var authorization);
            lock (Requests)
            {
                Requests.Add((request.Url, authorization));
            }
        };
        Page.PageError += (_, error) => _errors.Add("page error: " + error);
        Page.Console += (_, message) =>
        {
            // An error answer of the API (a 400 or 401 the test provokes) is logged by the browser as a failed resource
            // load; the page shows it, so it is no script error.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                _errors.Add("console error: " + message.Text);
            }
        };
    }

    public virtual async Task DisposeAsync()
    {
        // SLUICE_DASHBOARD_SCREENSHOTS=<directory> keeps a full-page screenshot of each test's last page, to look at.
        if (Environment.GetEnvironmentVariable("SLUICE_DASHBOARD_SCREENSHOTS") is { Length: > 0 } directory && Page is not null)
        {
            Directory.CreateDirectory(directory);
            var name = $"{GetType().Name}-{new Uri(Page.Url).Fragment.Trim('#', '/').Replace('/', '_')}-{Guid.NewGuid():N}"[..^24];
            await Page.ScreenshotAsync(new() { Path = Path.Combine(directory, name + ".png"), FullPage = true });
        }

        if (_context is not null)
        {
            await _context.CloseAsync();
        }
    }

    /// <summary>Fails when the page logged an error, or requested anything outside its own server.</summary>
    protected void AssertCleanPage()
    {
        Assert.Empty(_errors);
        var origin = fixture.Server.HttpAddress.GetLeftPart(UriPartial.Authority);
        lock (Requests)
        {
            Assert.All(Requests, r => Assert.StartsWith(origin + "/", r.Url, StringComparison.Ordinal));
        }
    }

    /// <summary>Opens the dashboard at <paramref name="route"/>, signs in with the test key, and waits for the navigation.</summary>
    protected async Task SignInAsync(string route = "#/queues")
    {
        await Page.GotoAsync(DashboardUrl(route));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sluice" })).ToBeVisibleAsync();
        await Page.GetByLabel("API key").FillAsync(DashboardFixture.ApiKey);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" })).ToBeVisibleAsync();
    }

    /// <summary>The table row whose data-key is <paramref name="key"/> inside the table labelled <paramref name="table"/>.</summary>
    protected ILocator Row(string table, string key) =>
        Page.GetByRole(AriaRole.Table, new() { Name = table, Exact = true }).Locator($"tr[data-key=\"{key}\"]");
}
