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
            ("/v1/cluster", "get"),
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

    [Fact]
    public async Task OpenApiDocument_DescribesEveryOperationForClientGenerators()
    {
        using var response = await Client.GetAsync("/openapi/v1.json");
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/healthz", out var health) && health.TryGetProperty("get", out _), "/healthz is missing");

        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name} {path.Name}";
                Assert.False(string.IsNullOrWhiteSpace(operation.Value.GetProperty("summary").GetString()), name + " has no summary");
                Assert.False(string.IsNullOrWhiteSpace(operation.Value.GetProperty("description").GetString()), name + " has no description");
                if (!path.Name.StartsWith("/v1/", StringComparison.Ordinal))
                {
                    continue;
                }

                var responses = operation.Value.GetProperty("responses");
                var expected = operation.Value.TryGetProperty("requestBody", out _) ? new[] { "400", "408", "413", "415", "500", "503" } : ["500", "503"];
                foreach (var status in expected)
                {
                    Assert.True(responses.TryGetProperty(status, out var problem), $"{name} lacks {status}");
                    Assert.Equal("#/components/schemas/ProblemResponse",
                        problem.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
                }
            }
        }

        // Text and bytes bodies are strings (a generated client reads them as string and byte[]).
        var message = document.GetProperty("components").GetProperty("schemas").GetProperty("MessageResponse").GetProperty("properties");
        Assert.Equal(["null", "string"], message.GetProperty("body").GetProperty("type").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal("byte", message.GetProperty("bodyBase64").GetProperty("format").GetString());

        var publish = paths.GetProperty("/v1/queues/{name}/messages").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("properties");
        Assert.Contains("string", publish.GetProperty("body").GetProperty("type").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("integer", publish.GetProperty("priority").GetProperty("type").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("number", publish.GetProperty("delaySeconds").GetProperty("type").GetRawText(), StringComparison.Ordinal);

        var peek = paths.GetProperty("/v1/queues/{name}/messages").GetProperty("get").GetProperty("parameters");
        var max = Assert.Single(peek.EnumerateArray(), p => p.GetProperty("name").GetString() == "max");
        Assert.Equal("query", max.GetProperty("in").GetString());
        Assert.Equal("integer", max.GetProperty("schema").GetProperty("type").GetString());

        string[] Required(string path, string method) =>
            [.. paths.GetProperty(path).GetProperty(method).GetProperty("requestBody").GetProperty("content").GetProperty("application/json")
                .GetProperty("schema").GetProperty("required").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal(["name"], Required("/v1/queues", "post"));
        Assert.Equal(["receiptHandle"], Required("/v1/queues/{name}/messages/nack", "post"));
        Assert.Equal(["receiptHandle", "visibilityTimeoutSeconds"], Required("/v1/queues/{name}/messages/extend", "post"));
    }

    [Fact]
    public async Task OpenApiDocument_EnumsListTheirValuesAndRequiredFieldsAreNotNullable()
    {
        using var response = await Client.GetAsync("/openapi/v1.json");
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var paths = document.GetProperty("paths");
        JsonElement Body(string path) => paths.GetProperty(path).GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("application/json").GetProperty("schema").GetProperty("properties");
        static string[] Enum(JsonElement property) => [.. property.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];

        var queue = schemas.GetProperty("QueueResponse").GetProperty("properties");
        Assert.Equal(["reject", "drop-head", "dead-letter-head"], Enum(queue.GetProperty("overflowPolicy")));
        Assert.Equal(["queue", "message-group"], Enum(queue.GetProperty("deduplicationScope")));
        var create = Body("/v1/queues");
        Assert.Equal(["reject", "drop-head", "dead-letter-head"], Enum(create.GetProperty("overflowPolicy")));
        Assert.Equal(["queue", "message-group"], Enum(create.GetProperty("deduplicationScope")));
        Assert.Equal(["ready", "delayed", "in-flight"], Enum(schemas.GetProperty("MessageResponse").GetProperty("properties").GetProperty("state")));
        Assert.Equal(["running", "completed", "cancelled", "failed"], Enum(schemas.GetProperty("RedriveResponse").GetProperty("properties").GetProperty("state")));

        // Extend: the timeout is required, so it is not nullable and documents no default.
        var extend = Body("/v1/queues/{name}/messages/extend").GetProperty("visibilityTimeoutSeconds");
        Assert.DoesNotContain("null", extend.GetProperty("type").GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Default", extend.GetProperty("description").GetString(), StringComparison.Ordinal);

        // Nack: its delay is 0 to 43200 seconds (the publish range does not apply).
        var nack = Body("/v1/queues/{name}/messages/nack").GetProperty("delaySeconds").GetProperty("description").GetString()!;
        Assert.Contains("0 to 43200", nack, StringComparison.Ordinal);
        Assert.DoesNotContain("1209600", nack, StringComparison.Ordinal);
    }
}
