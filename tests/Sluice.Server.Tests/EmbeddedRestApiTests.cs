using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Faces.Rest;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>The REST face hosted by another ASP.NET Core application, over a store that fails unexpectedly.</summary>
public class EmbeddedRestApiTests : RestTests, IClassFixture<EmbeddedRestApiTests.Fixture>
{
    public EmbeddedRestApiTests(Fixture fixture) : base(fixture.Rest) { }

    [Fact]
    public async Task UnexpectedException_Returns500WithoutInternals()
    {
        using var response = await Client.GetAsync("/v1/queues");

        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError, "internal_error", null);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.DoesNotContain("secret", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", detail, StringComparison.Ordinal);
        Assert.Contains("trace id", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MappedRoutes_WorkInHostApplication()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name, "embedded");
        Assert.Equal("embedded", Assert.Single(await ReceiveAsync(name)).GetProperty("body").GetString());
    }

    [Fact]
    public async Task WrongMethod_Returns405MethodNotAllowed()
    {
        using var response = await Client.PutAsync("/v1/queues", Json("{}"));
        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed", null);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private WebApplication _app = null!;

        public ServerFixture Rest { get; } = new HostedFixture();

        public async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddSluiceRestApi();
            _app = builder.Build();
            var broker = new Broker(new FailingListStore(new InMemoryMessageStore()));
            await broker.StartAsync();
            _app.MapSluiceRestApi(broker);
            await _app.StartAsync();
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            ((HostedFixture)Rest).Attach(new HttpClient { BaseAddress = new Uri(address) });
        }

        public async Task DisposeAsync()
        {
            await _app.DisposeAsync();
        }
    }

    private sealed class HostedFixture : ServerFixture
    {
        public void Attach(HttpClient client) => Client = client;
    }

    /// <summary>Listing queues fails with an exception whose message must not reach the client.</summary>
    private sealed class FailingListStore(IQueueStore inner) : DelegatingStore(inner)
    {
        public override ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("secret connection string");
    }
}
