using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Faces.Resp;
using Sluice.Server.Hosting;
using StackExchange.Redis;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Server.Tests.Listeners;

/// <summary>
/// TLS on every listener, with real clients: HttpClient (REST), AWSSDK.SQS (SQS face), Grpc.Net.Client (gRPC over TLS
/// with ALPN h2, and cleartext h2c beside it) and StackExchange.Redis (RESP with Ssl); the certificate reloaded when its
/// file changes; bad settings refused at start with one line naming the setting and its flag.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly string _directory = TestCertificates.NewDirectory();
    private readonly X509Certificate2 _certificate = TestCertificates.Create();
    private string CertPath => Path.Combine(_directory, "server.crt");
    private string KeyPath => Path.Combine(_directory, "server.key");

    public Task InitializeAsync()
    {
        TestCertificates.WritePem(_certificate, CertPath, KeyPath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private SluiceServerOptions TlsOptions(bool grpcTls = true, bool resp = true) => TestCertificates.ServerOptions() with
    {
        HttpUrl = "https://127.0.0.1:0",
        Grpc = new Sluice.Faces.Grpc.GrpcOptions { Url = grpcTls ? "https://127.0.0.1:0" : "http://127.0.0.1:0" },
        Resp = new RespOptions { Enabled = resp, Url = "rediss://127.0.0.1:0" },
        Tls = new TlsOptions { CertificatePath = CertPath, KeyPath = KeyPath },
    };

    /// <summary>A handler that trusts exactly the certificate the test expects and records the one the server showed.</summary>
    private static SocketsHttpHandler Trusting(Func<string?> expected, Action<string>? seen = null) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                var thumbprint = new X509Certificate2(certificate).Thumbprint;
                seen?.Invoke(thumbprint);
                return expected() is not { } want || thumbprint == want;
            },
        },
        PooledConnectionLifetime = TimeSpan.Zero,
    };

    [Fact]
    public async Task Rest_OverHttps_PublishAndReceiveRoundTrip()
    {
        await using var server = new SluiceServer(TlsOptions(resp: false), NullLoggerFactory.Instance);
        await server.StartAsync();
        Assert.Equal("https", server.HttpAddress.Scheme);
        string? seen = null;
        using var client = new HttpClient(Trusting(() => _certificate.Thumbprint, t => seen = t)) { BaseAddress = server.HttpAddress };

        var queue = "tls-" + Guid.NewGuid().ToString("N");
        using (var created = await client.PostAsync("/v1/queues", Json($$"""{"name":"{{queue}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var published = await client.PostAsync($"/v1/queues/{queue}/messages", Json("""{"body":"over tls"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        }

        using var received = await client.PostAsync($"/v1/queues/{queue}/messages/receive", Json("""{"maxMessages":1}"""));
        var text = await received.Content.ReadAsStringAsync();
        Assert.Contains("over tls", text, StringComparison.Ordinal);
        Assert.Equal(_certificate.Thumbprint, seen);
    }

    [Fact]
    public async Task Rest_PlainHttpToHttpsListener_IsNotServed()
    {
        await using var server = new SluiceServer(TlsOptions(resp: false), NullLoggerFactory.Instance);
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = new UriBuilder(server.HttpAddress) { Scheme = "http" }.Uri, Timeout = TimeSpan.FromSeconds(30) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync("/healthz"));
    }

    [Fact]
    public async Task Sqs_OverHttpsWithAwsSdk_SendAndReceiveRoundTrip()
    {
        await using var server = new SluiceServer(TlsOptions(resp: false), NullLoggerFactory.Instance);
        await server.StartAsync();
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("AKIDTEST", "secret"), new AmazonSQSConfig
        {
            ServiceURL = server.HttpAddress.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            HttpClientFactory = new TrustingHttpClientFactory(_certificate.Thumbprint),
        });

        var queue = await sqs.CreateQueueAsync("tls-" + Guid.NewGuid().ToString("N"));
        Assert.StartsWith("https://", queue.QueueUrl, StringComparison.Ordinal);
        await sqs.SendMessageAsync(queue.QueueUrl, "sqs over tls");
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue.QueueUrl, MaxNumberOfMessages = 1 });
        Assert.Equal("sqs over tls", Assert.Single(received.Messages).Body);
    }

    [Fact]
    public async Task Grpc_OverTlsWithAlpnH2_PublishAndReceiveRoundTrip()
    {
        await using var server = new SluiceServer(TlsOptions(resp: false), NullLoggerFactory.Instance);
        await server.StartAsync();
        Assert.Equal("https", server.GrpcAddress!.Scheme);
        string? seen = null;
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress, new GrpcChannelOptions { HttpHandler = Trusting(() => _certificate.Thumbprint, t => seen = t) });
        await RoundTripGrpcAsync(channel);
        Assert.Equal(_certificate.Thumbprint, seen);
    }

    [Fact]
    public async Task Grpc_CleartextH2cBesideHttpsRest_PublishAndReceiveRoundTrip()
    {
        await using var server = new SluiceServer(TlsOptions(grpcTls: false, resp: false), NullLoggerFactory.Instance);
        await server.StartAsync();
        Assert.Equal("http", server.GrpcAddress!.Scheme);
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress);
        await RoundTripGrpcAsync(channel);
    }

    private static async Task RoundTripGrpcAsync(GrpcChannel channel)
    {
        var queue = "tls-" + Guid.NewGuid().ToString("N");
        await new V1.Queues.QueuesClient(channel).CreateQueueAsync(new V1.CreateQueueRequest { Name = queue });
        var messages = new V1.Messages.MessagesClient(channel);
        await messages.PublishAsync(new V1.PublishRequest { Queue = queue, Messages = { new V1.OutgoingMessage { Body = ByteString.CopyFromUtf8("grpc over tls") } } });
        var received = await messages.ReceiveAsync(new V1.ReceiveRequest { Queue = queue, MaxMessages = 1 });
        Assert.Equal("grpc over tls", Assert.Single(received.Messages).Body.ToStringUtf8());
    }

    [Fact]
    public async Task Resp_OverTlsWithStackExchangeRedis_StreamRoundTrip()
    {
        await using var server = new SluiceServer(TlsOptions(), NullLoggerFactory.Instance);
        await server.StartAsync();
        Assert.Equal("rediss", server.RespAddress!.Scheme);
        string? seen = null;
        var options = new ConfigurationOptions
        {
            EndPoints = { new IPEndPoint(IPAddress.Loopback, server.RespAddress.Port) },
            Ssl = true,
            SslHost = "localhost",
            AbortOnConnectFail = true,
            ConnectTimeout = 30_000,
            SyncTimeout = 30_000,
            AsyncTimeout = 30_000,
        };
        options.CertificateValidation += (_, certificate, _, _) =>
        {
            seen = certificate is null ? null : new X509Certificate2(certificate).Thumbprint;
            return seen == _certificate.Thumbprint;
        };
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var db = redis.GetDatabase();
        var id = await db.StreamAddAsync("tls-stream", [new NameValueEntry("over", "tls")]);
        var entry = Assert.Single(await db.StreamRangeAsync("tls-stream"));
        Assert.Equal(id, entry.Id);
        Assert.Equal("tls", entry["over"]);
        Assert.Equal(_certificate.Thumbprint, seen);
    }

    [Fact]
    public async Task Resp_CleartextClientToTlsListener_IsClosedWithoutReply()
    {
        await using var server = new SluiceServer(TlsOptions(), NullLoggerFactory.Instance);
        await server.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.RespAddress!.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n"));
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = 0;
        try
        {
            read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            // Reset: closed as well.
        }

        Assert.DoesNotContain("PONG", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pfx_WithPassword_ServesItsCertificate()
    {
        var pfx = Path.Combine(_directory, "server.pfx");
        TestCertificates.WritePfx(_certificate, pfx, "s3cret");
        var options = TlsOptions(resp: false) with { Tls = new TlsOptions { CertificatePath = pfx, Password = "s3cret" } };
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        string? seen = null;
        using var client = new HttpClient(Trusting(() => null, t => seen = t)) { BaseAddress = server.HttpAddress };
        using var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_certificate.Thumbprint, seen);
    }

    [Fact]
    public async Task CertificateFileReplaced_NewConnectionsGetTheNewCertificate_WithoutRestart()
    {
        await using var server = new SluiceServer(TlsOptions(), NullLoggerFactory.Instance);
        await server.StartAsync();
        Assert.Equal(_certificate.Thumbprint, await ServedThumbprintAsync(server.HttpAddress));

        using var renewed = TestCertificates.Create("sluice-test-renewed");
        TestCertificates.WritePem(renewed, CertPath, KeyPath);

        // Poll (no sleep as synchronisation): each attempt is a new connection, so a new handshake.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await ServedThumbprintAsync(server.HttpAddress) != renewed.Thumbprint)
        {
            Assert.False(timeout.IsCancellationRequested, "the renewed certificate was not served within 30 s");
            await Task.Yield();
        }

        // Every listener serves the renewed certificate.
        Assert.Equal(renewed.Thumbprint, await ServedThumbprintAsync(server.GrpcAddress!));
        Assert.Equal(renewed.Thumbprint, await ServedThumbprintAsync(new Uri($"https://127.0.0.1:{server.RespAddress!.Port}/")));
    }

    [Fact]
    public async Task CertificateFileReplacedByGarbage_PreviousCertificateKeepsBeingServed()
    {
        await using var server = new SluiceServer(TlsOptions(resp: false), NullLoggerFactory.Instance);
        await server.StartAsync();
        File.WriteAllText(CertPath, "not a certificate");
        Assert.Equal(_certificate.Thumbprint, await ServedThumbprintAsync(server.HttpAddress));
        using var response = await new HttpClient(Trusting(() => _certificate.Thumbprint)).GetAsync(new Uri(server.HttpAddress, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The thumbprint of the certificate a new TLS connection to <paramref name="address"/> is shown.</summary>
    private static async Task<string> ServedThumbprintAsync(Uri address)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, address.Port);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate is not null);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        });
        return new X509Certificate2(tls.RemoteCertificate!).Thumbprint;
    }

    [Fact]
    public async Task Start_MissingCertificateFile_RefusedNamingSettingAndFlag()
    {
        var options = TlsOptions() with { Tls = new TlsOptions { CertificatePath = Path.Combine(_directory, "missing.crt"), KeyPath = KeyPath } };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(options));
        Assert.Contains("Sluice:Tls:CertificatePath", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-cert", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Start_MissingCertificateFileWithoutTlsListener_StillRefused()
    {
        var options = TestCertificates.ServerOptions() with { Tls = new TlsOptions { CertificatePath = Path.Combine(_directory, "missing.crt") } };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(options));
        Assert.Contains("Sluice:Tls:CertificatePath", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-cert", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingKeyFile_RefusedNamingSettingAndFlag()
    {
        var options = TlsOptions() with { Tls = new TlsOptions { CertificatePath = CertPath, KeyPath = Path.Combine(_directory, "missing.key") } };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(options));
        Assert.Contains("Sluice:Tls:KeyPath", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_KeyOfAnotherCertificate_RefusedNamingSettingAndFlag()
    {
        using var other = TestCertificates.Create("other");
        var otherCert = Path.Combine(_directory, "other.crt");
        var otherKey = Path.Combine(_directory, "other.key");
        TestCertificates.WritePem(other, otherCert, otherKey);
        var options = TlsOptions() with { Tls = new TlsOptions { CertificatePath = CertPath, KeyPath = otherKey } };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(options));
        Assert.Contains("Sluice:Tls:KeyPath", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-key", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Start_PfxWithWrongPassword_RefusedNamingSetting()
    {
        var pfx = Path.Combine(_directory, "server.pfx");
        TestCertificates.WritePfx(_certificate, pfx, "right");
        var options = TlsOptions() with { Tls = new TlsOptions { CertificatePath = pfx, Password = "wrong" } };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(options));
        Assert.Contains("Sluice:Tls:Password", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-cert", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("http", "Sluice:HttpUrl")]
    [InlineData("grpc", "Sluice:Grpc:Url")]
    [InlineData("resp", "Sluice:Resp:Url")]
    public async Task Start_TlsUrlWithoutCertificate_RefusedNamingSettingAndFlag(string listener, string setting)
    {
        var options = TestCertificates.ServerOptions();
        options = listener switch
        {
            "http" => options with { HttpUrl = "https://127.0.0.1:0" },
            "grpc" => options with { Grpc = new Sluice.Faces.Grpc.GrpcOptions { Url = "https://127.0.0.1:0" } },
            _ => options with { Resp = new RespOptions { Enabled = true, Url = "rediss://127.0.0.1:0" } },
        };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(options));
        Assert.StartsWith("setting " + setting, ex.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-cert", ex.Message, StringComparison.Ordinal);
    }

    private static async Task StartAsync(SluiceServerOptions options)
    {
        await using var server = new SluiceServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The AWS SDK's HTTP client, trusting the test certificate.</summary>
    private sealed class TrustingHttpClientFactory(string thumbprint) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(Trusting(() => thumbprint));
    }
}
