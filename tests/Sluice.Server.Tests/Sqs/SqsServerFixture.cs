using Amazon.Runtime;
using Amazon.SQS;
using Sluice.Faces.Sqs;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Sqs;

/// <summary>A real SluiceServer on 127.0.0.1 port 0 with the SQS face, shared by one test class.</summary>
public class SqsServerFixture : IAsyncLifetime
{
    public const string AccessKey = "AKIDSLUICETEST";
    public const string Secret = "sluice-test-secret";

    public SluiceServer Server { get; private set; } = null!;

    protected virtual string Store => SluiceServerOptions.MemoryStore;

    protected virtual SqsOptions SqsOptions => new();

    protected virtual long MaxRequestBodySize => 16 * 1024 * 1024;

    /// <summary>Services added after the server's own (an authentication test's credential store); default none.</summary>
    protected virtual Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Services => null;

    public string Address => Server.HttpAddress.ToString();

    public async Task InitializeAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sluice-sqs-" + Guid.NewGuid().ToString("N"));
        Server = new SluiceServer(new SluiceServerOptions
        {
            Auth = TestAuth.Off,
            Store = Store,
            DataDirectory = dir,
            HttpUrl = "http://127.0.0.1:0",
            Fsync = false,
            Sqs = SqsOptions,
            MaxRequestBodySize = MaxRequestBodySize,
        }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)
        {
            ConfigureServices = Services,
        };
        await Server.StartAsync();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public AmazonSQSClient Client(string secret = Secret, string accessKey = AccessKey, string region = "us-east-1") =>
        new(new BasicAWSCredentials(accessKey, secret), new AmazonSQSConfig
        {
            ServiceURL = Address,
            AuthenticationRegion = region,
            MaxErrorRetry = 0,
        });

    public static string NewName(string prefix = "q") => $"{prefix}-{Guid.NewGuid():N}";
}

public sealed class SqliteSqsServerFixture : SqsServerFixture
{
    protected override string Store => SluiceServerOptions.SqliteStore;
}

public sealed class SignedSqsServerFixture : SqsServerFixture
{
    protected override SqsOptions SqsOptions => new()
    {
        VerifySignatures = true,
        Credentials = new Dictionary<string, string> { [AccessKey] = Secret },
    };
}

/// <summary>A server whose request bodies are capped at 64 KiB, for the over-limit error shape.</summary>
public sealed class SmallBodySqsServerFixture : SqsServerFixture
{
    public const int Limit = 64 * 1024;

    protected override long MaxRequestBodySize => Limit;
}

/// <summary>A server whose SQS default region is us-west-2 (as after changing <c>Sluice:Sqs:Region</c>).</summary>
public sealed class WestSqsServerFixture : SqsServerFixture
{
    protected override SqsOptions SqsOptions => new() { Region = "us-west-2" };
}
