using System.Net;
using Amazon.SQS;

namespace Sluice.Server.Tests.Sqs;

/// <summary>SigV4 verification on: the SDK's signature is accepted, a wrong secret or unknown key is refused.</summary>
public sealed class SqsSignatureOnTests(SignedSqsServerFixture fixture) : IClassFixture<SignedSqsServerFixture>
{
    [Fact]
    public async Task Request_SignedWithRightSecret_Accepted()
    {
        using var sqs = fixture.Client();
        var name = SqsServerFixture.NewName();
        var url = (await sqs.CreateQueueAsync(name)).QueueUrl;
        await sqs.SendMessageAsync(url, "signed body with spaces & symbols +/=");
        Assert.Single((await sqs.ReceiveMessageAsync(url)).Messages);
    }

    [Fact]
    public async Task Request_SignedWithWrongSecret_SignatureDoesNotMatch()
    {
        using var sqs = fixture.Client(secret: "wrong");
        var error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.CreateQueueAsync(SqsServerFixture.NewName()));
        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Empty(await fixture.Server.Broker.ListQueuesAsync());
    }

    [Fact]
    public async Task Request_UnknownAccessKey_InvalidClientTokenId()
    {
        using var sqs = fixture.Client(accessKey: "AKIDUNKNOWN");
        var error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.ListQueuesAsync(new Amazon.SQS.Model.ListQueuesRequest()));
        Assert.Equal("InvalidClientTokenId", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
    }

    [Fact]
    public async Task QueryRequest_Unsigned_RefusedInXml()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.HttpAddress };
        using var content = new FormUrlEncodedContent([new("Action", "ListQueues")]);
        using var response = await http.PostAsync("/", content);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>MissingAuthenticationToken</Code>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>SigV4 verification off (the default): any credentials are accepted.</summary>
public sealed class SqsSignatureOffTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>
{
    [Fact]
    public async Task Request_AnyCredentials_Accepted()
    {
        using var sqs = fixture.Client(secret: "whatever", accessKey: "ANYKEY");
        var url = (await sqs.CreateQueueAsync(SqsServerFixture.NewName())).QueueUrl;
        Assert.StartsWith(fixture.Address, url, StringComparison.Ordinal);
    }
}
