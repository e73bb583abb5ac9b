using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Sluice.Client;
using Sluice.Server.Hosting;

namespace Sluice.RestClient.Tests;

/// <summary>A real Sluice server on 127.0.0.1 (memory store) and a Kiota client generated from docs/openapi/v1.json.</summary>
public sealed class ClientServerFixture : IAsyncLifetime
{
    private HttpClient _http = null!;

    public SluiceServer Server { get; private set; } = null!;

    public SluiceClient Client { get; private set; } = null!;

    public HttpClient Http => _http;

    public async Task InitializeAsync()
    {
        Server = new SluiceServer(new SluiceServerOptions { Store = SluiceServerOptions.MemoryStore, HttpUrl = "http://127.0.0.1:0", Auth = TestAuth.Off }, NullLoggerFactory.Instance);
        await Server.StartAsync();
        _http = new HttpClient { BaseAddress = Server.HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: _http)
        {
            BaseUrl = Server.HttpAddress.ToString().TrimEnd('/'),
        };
        Client = new SluiceClient(adapter);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await Server.DisposeAsync();
    }
}
