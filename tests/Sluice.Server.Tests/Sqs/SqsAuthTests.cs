using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Sluice.Server.Tests.Sqs;

/// <summary>A server whose credential store requires authentication (the test double), with no configured pairs.</summary>
public sealed class AuthSqsServerFixture : SqsServerFixture
{
    protected override Action<IServiceCollection>? Services => TestCredentialStore.AddTo;
}

/// <summary>The SQS face with authentication required by the credential store: SigV4 by its keys, grants enforced.</summary>
public sealed class SqsAuthTests(AuthSqsServerFixture fixture) : IClassFixture<AuthSqsServerFixture>, IDisposable
{
    private const string Json = "application/x-amz-json-1.0";
    private const string Form = "application/x-www-form-urlencoded";
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    private AmazonSQSClient Admin() => fixture.Client(TestCredentialStore.AdminSecret, TestCredentialStore.AdminKeyId);

    private string QueueUrl(string name) => $"{fixture.Address.TrimEnd('/')}/000000000000/{name}";

    [Fact]
    public async Task Sdk_RightKeyPair_Works()
    {
        using var sqs = Admin();
        var url = (await sqs.CreateQueueAsync(SqsServerFixture.NewName())).QueueUrl;
        await sqs.SendMessageAsync(url, "signed");
        var received = await sqs.ReceiveMessageAsync(url);
        Assert.Equal("signed", Assert.Single(received.Messages).Body);
    }

    [Fact]
    public async Task Sdk_WrongSecret_SignatureDoesNotMatchAndNothingCreated()
    {
        using var sqs = fixture.Client("not-the-secret", TestCredentialStore.AdminKeyId);
        var name = SqsServerFixture.NewName();
        var error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.CreateQueueAsync(name));
        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.DoesNotContain(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Fact]
    public async Task Sdk_UnknownKeyId_InvalidClientTokenId()
    {
        using var sqs = fixture.Client("whatever", "AKIDNOSUCHKEY");
        var name = SqsServerFixture.NewName();
        var error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.CreateQueueAsync(name));
        Assert.Equal("InvalidClientTokenId", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.DoesNotContain(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Fact]
    public async Task Unsigned_BothProtocols_MissingAuthenticationTokenAndNothingCreated()
    {
        var name = SqsServerFixture.NewName();
        using var json = new HttpRequestMessage(HttpMethod.Post, "/") { Content = Body(Json, $$"""{"QueueName":"{{name}}"}""") };
        json.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSQS.CreateQueue");
        var (status, body, queryError) = await SendAsync(json);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("\"__type\":\"com.amazonaws.sqs#MissingAuthenticationToken\"", body, StringComparison.Ordinal);
        Assert.Equal("MissingAuthenticationToken;Sender", queryError);

        using var query = new HttpRequestMessage(HttpMethod.Post, "/") { Content = Body(Form, "Action=CreateQueue&QueueName=" + name) };
        (status, body, _) = await SendAsync(query);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("<Code>MissingAuthenticationToken</Code>", body, StringComparison.Ordinal);
        Assert.DoesNotContain(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Fact]
    public async Task SignedOnlyDate_ReplayedAsPurgeQueue_RefusedAndMessageKept()
    {
        var name = await CreateWithMessageAsync();
        // A captured GetQueueAttributes that signed only host and x-amz-date: the target (the action) is not covered,
        // so it could be replayed as PurgeQueue with the same body and signature.
        var body = $$"""{"QueueUrl":"{{QueueUrl(name)}}"}""";
        using var replay = Signed(Json, "AmazonSQS.GetQueueAttributes", body, TestCredentialStore.AdminKeyId, TestCredentialStore.AdminSecret,
            signOnly: ["host", "x-amz-date"], sendTarget: "AmazonSQS.PurgeQueue");
        var (status, text, _) = await SendAsync(replay);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("SignatureDoesNotMatch", text, StringComparison.Ordinal);
        Assert.Contains("header is not signed", text, StringComparison.Ordinal);
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);

        // Unchanged, the same capture is refused too: what it signs is not enough.
        using var original = Signed(Json, "AmazonSQS.GetQueueAttributes", body, TestCredentialStore.AdminKeyId, TestCredentialStore.AdminSecret,
            signOnly: ["host", "x-amz-date"]);
        (status, text, _) = await SendAsync(original);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("SignatureDoesNotMatch", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("x-amz-target")]
    [InlineData("content-type")]
    public async Task SignatureLeavingOutARequiredHeader_RefusedNamingIt(string left)
    {
        var name = await CreateWithMessageAsync();
        string[] signed = [.. new[] { "content-type", "host", "x-amz-date", "x-amz-target" }.Where(h => h != left)];
        using var request = Signed(Json, "AmazonSQS.PurgeQueue", $$"""{"QueueUrl":"{{QueueUrl(name)}}"}""",
            TestCredentialStore.AdminKeyId, TestCredentialStore.AdminSecret, signOnly: signed);
        var (status, text, _) = await SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains($"The request's '{left}' header is not signed", text, StringComparison.Ordinal);
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task QueryRequest_FormContentTypeUnsigned_AcceptedAsKombuSendsIt_ButItsBodyIsStillCovered()
    {
        var name = await CreateWithMessageAsync();
        var body = "Action=PurgeQueue&QueueUrl=" + Uri.EscapeDataString(QueueUrl(name));
        using var swapped = Signed(Form, null, "Action=ListQueues", TestCredentialStore.AdminKeyId, TestCredentialStore.AdminSecret, signOnly: ["host", "x-amz-date"]);
        swapped.Content = Body(Form, body);
        var (status, text, _) = await SendAsync(swapped);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", text, StringComparison.Ordinal);
        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);

        using var request = Signed(Form, null, body, TestCredentialStore.AdminKeyId, TestCredentialStore.AdminSecret, signOnly: ["host", "x-amz-date"]);
        (status, text, _) = await SendAsync(request);
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task SignedByHand_EveryHeaderSigned_Accepted()
    {
        var name = await CreateWithMessageAsync();
        using var request = Signed(Json, "AmazonSQS.PurgeQueue", $$"""{"QueueUrl":"{{QueueUrl(name)}}"}""",
            TestCredentialStore.AdminKeyId, TestCredentialStore.AdminSecret);
        var (status, text, _) = await SendAsync(request);
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task RestrictedKey_OwnQueue_Works()
    {
        using var sqs = fixture.Client(TestCredentialStore.OrdersSecret, TestCredentialStore.OrdersKeyId);
        var url = (await sqs.CreateQueueAsync("orders-" + Guid.NewGuid().ToString("N"))).QueueUrl;
        await sqs.SendMessageAsync(url, "mine");
        Assert.Single((await sqs.ReceiveMessageAsync(url)).Messages);
    }

    [Fact]
    public async Task RestrictedKey_OtherQueue_AccessDeniedInBothProtocolsAndNothingChanged()
    {
        var name = await CreateWithMessageAsync();
        using var sqs = fixture.Client(TestCredentialStore.OrdersSecret, TestCredentialStore.OrdersKeyId);
        var error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.SendMessageAsync(QueueUrl(name), "not yours"));
        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.PurgeQueueAsync(QueueUrl(name)));
        Assert.Equal("AccessDenied", error.ErrorCode);

        using var json = Signed(Json, "AmazonSQS.PurgeQueue", $$"""{"QueueUrl":"{{QueueUrl(name)}}"}""", TestCredentialStore.OrdersKeyId, TestCredentialStore.OrdersSecret);
        var (status, body, queryError) = await SendAsync(json);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("\"__type\":\"com.amazon.coral.service#AccessDeniedException\"", body, StringComparison.Ordinal);
        // The face reads the queue before it purges it, so the first permission the key lacks is the one to see it.
        Assert.Contains($"access denied: 'orders' lacks the consume permission on '{name}'", body, StringComparison.Ordinal);
        Assert.Equal("AccessDenied;Sender", queryError);

        using var query = Signed(Form, null, "Action=PurgeQueue&QueueUrl=" + Uri.EscapeDataString(QueueUrl(name)), TestCredentialStore.OrdersKeyId, TestCredentialStore.OrdersSecret);
        (status, body, _) = await SendAsync(query);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("<Code>AccessDenied</Code>", body, StringComparison.Ordinal);
        Assert.Contains("<Type>Sender</Type>", body, StringComparison.Ordinal);

        Assert.Equal(1, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    /// <summary>A queue created by the administrator, holding one message.</summary>
    private async Task<string> CreateWithMessageAsync()
    {
        using var sqs = Admin();
        var name = SqsServerFixture.NewName("other");
        var url = (await sqs.CreateQueueAsync(name)).QueueUrl;
        await sqs.SendMessageAsync(new SendMessageRequest(url, "kept"));
        return name;
    }

    private static ByteArrayContent Body(string contentType, string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private async Task<(HttpStatusCode Status, string Body, string? QueryError)> SendAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var queryError = response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.First() : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), queryError);
    }

    /// <summary>
    /// A SigV4-signed POST / (content-type, host, x-amz-date and x-amz-target when given); <paramref name="signOnly"/>
    /// names the headers the signature covers (default all), <paramref name="sendTarget"/> replaces the target on the wire.
    /// </summary>
    private HttpRequestMessage Signed(string contentType, string? target, string body, string keyId, string secret,
        string[]? signOnly = null, string? sendTarget = null)
    {
        var now = DateTimeOffset.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = contentType,
            ["host"] = fixture.Server.HttpAddress.Authority,
            ["x-amz-date"] = amzDate,
        };
        if (target is not null)
        {
            headers["x-amz-target"] = target;
        }

        var signed = headers.Where(h => signOnly is null || signOnly.Contains(h.Key)).ToList();
        var signedNames = string.Join(';', signed.Select(h => h.Key));
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var canonical = $"POST\n/\n\n{string.Concat(signed.Select(h => $"{h.Key}:{h.Value}\n"))}\n{signedNames}\n{bodyHash}";
        var scope = $"{date}/us-east-1/sqs/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, "us-east-1"u8);
        key = HMACSHA256.HashData(key, "sqs"u8);
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));

        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = Body(contentType, body) };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={keyId}/{scope}, SignedHeaders={signedNames}, Signature={signature}");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", sendTarget ?? target);
        }

        return request;
    }
}
