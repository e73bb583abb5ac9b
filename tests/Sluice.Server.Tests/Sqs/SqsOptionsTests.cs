using Microsoft.Extensions.Configuration;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Sqs;

public sealed class SqsOptionsTests
{
    [Fact]
    public void FromConfiguration_SqsSection_BindsCredentialsAndFlags()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sluice:Sqs:AccountId"] = "123456789012",
            ["Sluice:Sqs:Region"] = "eu-west-1",
            ["Sluice:Sqs:PublicUrl"] = "https://sqs.example.com",
            ["Sluice:Sqs:VerifySignatures"] = "true",
            ["Sluice:Sqs:Credentials:AKIDEXAMPLE"] = "secret",
        }).Build();
        var options = SluiceServerOptions.FromConfiguration(configuration);
        options.Validate();
        Assert.Equal("123456789012", options.Sqs.AccountId);
        Assert.Equal("eu-west-1", options.Sqs.Region);
        Assert.True(options.Sqs.VerifySignatures);
        Assert.Equal("secret", options.Sqs.Credentials["AKIDEXAMPLE"]);
        Assert.True(options.Sqs.Enabled);
    }

    [Theory]
    [InlineData("Sluice:Sqs:AccountId", "12")]
    [InlineData("Sluice:Sqs:VerifySignatures", "true")]
    [InlineData("Sluice:Sqs:PublicUrl", "ftp://x")]
    public void Validate_BadSqsSetting_NamesTheSetting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var error = Assert.Throws<ArgumentException>(() => SluiceServerOptions.FromConfiguration(configuration).Validate());
        Assert.Equal(key, error.ParamName);
    }

    [Fact]
    public async Task Server_SqsDisabled_RequestsFallThroughToRest()
    {
        await using var server = new SluiceServer(new SluiceServerOptions
        {
            Auth = TestAuth.Off,
            Store = SluiceServerOptions.MemoryStore,
            HttpUrl = "http://127.0.0.1:0",
            Sqs = new() { Enabled = false },
        }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpAddress };
        using var content = new FormUrlEncodedContent([new("Action", "ListQueues")]);
        using var response = await http.PostAsync("/", content);
        Assert.NotEqual("text/xml", response.Content.Headers.ContentType?.MediaType);
    }
}
