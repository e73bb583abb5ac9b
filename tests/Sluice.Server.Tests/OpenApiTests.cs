using System.Net;
using System.Text.Json;

namespace Sluice.Server.Tests;

public class OpenApiTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    [Fact]
    public async Task OpenApiDocument_IsServedAndListsEveryRoute()
    {
        using var response = await Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var paths = document.GetProperty("paths");

        (string Path, string Method)[] routes =
        [
            ("/v1/queues", "get"), ("/v1/queues", "post"),
            ("/v1/queues/{name}", "get"), ("/v1/queues/{name}", "patch"), ("/v1/queues/{name}", "delete"),
            ("/v1/queues/{name}/messages", "post"), ("/v1/queues/{name}/messages", "get"), ("/v1/queues/{name}/messages", "delete"),
            ("/v1/queues/{name}/messages/receive", "post"), ("/v1/queues/{name}/messages/ack", "post"),
            ("/v1/queues/{name}/messages/nack", "post"), ("/v1/queues/{name}/messages/extend", "post"),
            ("/v1/queues/{name}/stats", "get"), ("/v1/stats", "get"),
            ("/v1/queues/{name}/redrive", "post"), ("/v1/redrives", "get"), ("/v1/redrives/{id}", "get"), ("/v1/redrives/{id}", "delete"),
        ];
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing");
            Assert.True(item.TryGetProperty(method, out _), $"{method} {path} is missing");
        }

        var publish = paths.GetProperty("/v1/queues/{name}/messages").GetProperty("post");
        Assert.True(publish.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(publish.GetProperty("responses").TryGetProperty("413", out _));
    }
}
