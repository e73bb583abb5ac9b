using System.Text.Json.Nodes;

namespace Sluice.RestClient.Tests;

/// <summary>
/// The client is generated from docs/openapi/v1.json at build time; this keeps that file equal to what the server
/// serves, so neither can drift. To update the file after changing the REST face, run this test with
/// SLUICE_UPDATE_OPENAPI=1 (it writes the served document over the checked-in one), then rebuild.
/// </summary>
public class OpenApiDocumentTests(ClientServerFixture fixture) : IClassFixture<ClientServerFixture>
{
    [Fact]
    public async Task CheckedInDocument_EqualsTheServedOne()
    {
        var served = await fixture.Http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var path = RepoDocumentPath();
        if (Environment.GetEnvironmentVariable("SLUICE_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served);
        }

        var checkedIn = await File.ReadAllTextAsync(path);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(checkedIn), JsonNode.Parse(served)),
            "docs/openapi/v1.json differs from /openapi/v1.json: run `SLUICE_UPDATE_OPENAPI=1 dotnet test tests/Sluice.RestClient.Tests`, " +
            "review the diff and commit it (the generated client test uses the checked-in document)");
    }

    private static string RepoDocumentPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
            {
                return Path.Combine(dir.FullName, "docs", "openapi", "v1.json");
            }
        }

        throw new InvalidOperationException("Sluice.slnx not found above " + AppContext.BaseDirectory);
    }
}
