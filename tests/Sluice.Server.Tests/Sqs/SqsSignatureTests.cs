using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
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

/// <summary>SigV4 verification on, with requests signed by hand: the body, the date and the scope are all checked.</summary>
public sealed class SqsSignatureTamperTests(SignedSqsServerFixture fixture) : IClassFixture<SignedSqsServerFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.HttpAddress };

    public void Dispose() => _http.Dispose();

    /// <summary>A SigV4-signed POST / of <paramref name="signedBody"/>; <paramref name="sentBody"/> is what goes on the wire.</summary>
    private HttpRequestMessage Signed(string contentType, string? target, string signedBody, string? sentBody = null,
        DateTimeOffset? at = null, string? scopeDate = null, bool contentHashHeader = true)
    {
        var when = at ?? DateTimeOffset.UtcNow;
        var amzDate = when.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = scopeDate ?? when.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var host = fixture.Server.HttpAddress.Authority;
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signedBody)));
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = contentType,
            ["host"] = host,
            ["x-amz-date"] = amzDate,
        };
        if (contentHashHeader)
        {
            headers["x-amz-content-sha256"] = bodyHash;
        }

        if (target is not null)
        {
            headers["x-amz-target"] = target;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = $"POST\n/\n\n{string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n"))}\n{signedHeaders}\n{bodyHash}";
        var scope = $"{date}/us-east-1/sqs/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + SqsServerFixture.Secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, "us-east-1"u8);
        key = HMACSHA256.HashData(key, "sqs"u8);
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));

        var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={SqsServerFixture.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (contentHashHeader)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", bodyHash);
        }

        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(sentBody ?? signedBody));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return request;
    }

    private const string Form = "application/x-www-form-urlencoded";
    private const string Json = "application/x-amz-json-1.0";

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await _http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    private async Task<string> CreateQueueAsync()
    {
        var name = SqsServerFixture.NewName();
        var (status, _) = await SendAsync(Signed(Json, "AmazonSQS.CreateQueue", $$"""{"QueueName":"{{name}}"}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        return name;
    }

    [Fact]
    public async Task SignedByHand_BothProtocols_Accepted()
    {
        var (json, _) = await SendAsync(Signed(Json, "AmazonSQS.ListQueues", "{}"));
        Assert.Equal(HttpStatusCode.OK, json);
        var (query, _) = await SendAsync(Signed(Form, null, "Action=ListQueues"));
        Assert.Equal(HttpStatusCode.OK, query);
        var (noHashHeader, _) = await SendAsync(Signed(Form, null, "Action=ListQueues", contentHashHeader: false));
        Assert.Equal(HttpStatusCode.OK, noHashHeader);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task JsonBodySwapped_SignatureDoesNotMatchAndNoMessage(bool contentHashHeader)
    {
        var name = await CreateQueueAsync();
        var url = $"{fixture.Address.TrimEnd('/')}/000000000000/{name}";
        var (status, body) = await SendAsync(Signed(Json, "AmazonSQS.SendMessage",
            $$"""{"QueueUrl":"{{url}}","MessageBody":"original"}""", $$"""{"QueueUrl":"{{url}}","MessageBody":"forged"}""", contentHashHeader: contentHashHeader));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("SignatureDoesNotMatch", body, StringComparison.Ordinal);
        Assert.Equal(0, (await fixture.Server.Broker.GetStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task QueryBodySwapped_ListQueuesReplayedAsDeleteQueue_RefusedAndQueueKept()
    {
        var name = await CreateQueueAsync();
        var url = $"{fixture.Address.TrimEnd('/')}/000000000000/{name}";
        var (status, body) = await SendAsync(Signed(Form, null, "Action=ListQueues", "Action=DeleteQueue&QueueUrl=" + Uri.EscapeDataString(url)));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", body, StringComparison.Ordinal);
        Assert.Contains(await fixture.Server.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Theory]
    [InlineData(-20)]
    [InlineData(20)]
    public async Task DateOutsideFifteenMinutes_SignatureExpired(int minutes)
    {
        var (status, body) = await SendAsync(Signed(Json, "AmazonSQS.ListQueues", "{}", at: DateTimeOffset.UtcNow.AddMinutes(minutes)));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("SignatureDoesNotMatch", body, StringComparison.Ordinal);
        Assert.Contains(minutes < 0 ? "Signature expired" : "Signature not yet current", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScopeDateNotRequestDate_Refused()
    {
        var yesterday = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var (status, body) = await SendAsync(Signed(Form, null, "Action=ListQueues", scopeDate: yesterday));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", body, StringComparison.Ordinal);
    }
}
