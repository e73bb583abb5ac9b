using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using Sluice.Server.Hosting;

namespace Sluice.Dashboard.Tests;

/// <summary>
/// One real server (in-process <see cref="SluiceServer"/>, memory store, Kestrel on 127.0.0.1 and a free port) and one
/// headless Debian chromium driven by Playwright, shared by every test of the collection; each test opens its own
/// browser context (so its own sessionStorage: signed out) and uses its own queue and stream names.
/// </summary>
public class DashboardFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium (apt package <c>chromium</c>; ./test.sh installs it when missing). Playwright's own browser download is not used.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>The key the tests sign in with. Until the server checks keys any text works; with authentication on, a key the server issued.</summary>
    public const string ApiKey = "sluice-dashboard-test-key";

    private IPlaywright? _playwright;

    public SluiceServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>A REST client with the same key, for arranging and checking state beside the browser.</summary>
    public HttpClient Rest { get; private set; } = null!;

    /// <summary>Whether the server requires a key. The one line to change when a test class needs authentication on.</summary>
    protected virtual bool AuthEnabled => false;

    public async Task InitializeAsync()
    {
        Server = new SluiceServer(new SluiceServerOptions
        {
            Store = SluiceServerOptions.MemoryStore,
            HttpUrl = "http://127.0.0.1:0",
            Grpc = new() { Enabled = false },
            Auth = new AuthOptions { Enabled = AuthEnabled },
        }, NullLoggerFactory.Instance);
        await Server.StartAsync();
        Rest = new HttpClient { BaseAddress = Server.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        Rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);

        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium (apt-get install -y chromium; ./test.sh does so when missing)");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        Rest?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>POSTs JSON with the test key and answers the parsed answer (null for 204); fails on an error status.</summary>
    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        using var response = await Rest.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardGroup : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
