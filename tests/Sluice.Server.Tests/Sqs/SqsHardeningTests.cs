using System.Net;
using System.Text;
using System.Xml.Linq;

namespace Sluice.Server.Tests.Sqs;

/// <summary>Regression tests for hostile or unusual input on both wire protocols, sent as raw HTTP.</summary>
public sealed class SqsHardeningTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>, IDisposable
{
    private static readonly XNamespace Ns = "http://queue.amazonaws.com/doc/2012-11-05/";
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    /// <summary>Posts a raw form body (already encoded) and parses the XML answer.</summary>
    private async Task<(HttpStatusCode Status, XElement Root)> PostFormAsync(string path, string form)
    {
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await _http.PostAsync(path, content);
        Assert.StartsWith("text/xml", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!);
    }

    private static string Code(XElement root)
    {
        Assert.Equal("ErrorResponse", root.Name.LocalName);
        return root.Element(Ns + "Error")!.Element(Ns + "Code")!.Value;
    }

    [Fact]
    public async Task Query_KeyWith30000Dots_MalformedQueryStringAndServerAlive()
    {
        var form = "Action=ListQueues&" + string.Concat(Enumerable.Repeat("a.", 30000)) + "=1";
        var (status, root) = await PostFormAsync("/", form);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MalformedQueryString", Code(root));
        var (ok, _) = await PostFormAsync("/", "Action=ListQueues");
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Fact]
    public async Task Query_TooManyFieldsOrLongKey_MalformedQueryString()
    {
        var many = "Action=ListQueues&" + string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=1"));
        var (status, root) = await PostFormAsync("/", many);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MalformedQueryString", Code(root));
        var (longStatus, longRoot) = await PostFormAsync("/", "Action=ListQueues&" + new string('k', 300) + "=1");
        Assert.Equal(HttpStatusCode.BadRequest, longStatus);
        Assert.Equal("MalformedQueryString", Code(longRoot));
    }
}
