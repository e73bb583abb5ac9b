using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Security;

/// <summary>A real server with authentication on (the default), in a data directory of its own.</summary>
public sealed class AuthServerFixture : IAsyncLifetime
{
    public static readonly string JwtKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("a test signing key of at least 32 bytes!!"));

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "sluice-auth-" + Guid.NewGuid().ToString("N"));

    public SluiceServer Server { get; private set; } = null!;

    public string AdminKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = new SluiceServer(new SluiceServerOptions
        {
            Store = SluiceServerOptions.MemoryStore,
            HttpUrl = "http://127.0.0.1:0",
            DataDirectory = Directory,
            Grpc = new Sluice.Faces.Grpc.GrpcOptions { Enabled = false },
            Auth = new AuthOptions { Jwt = new JwtOptions { SigningKey = JwtKey, Issuer = "tests", Audience = "sluice" } },
        }, NullLoggerFactory.Instance);
        await Server.StartAsync();
        AdminKey = Server.CreatedAdminKey!;
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = Server.HttpAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

public sealed class AuthTests(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    private async Task<(string Id, string Key)> CreateKeyAsync(string name, params string[] grants)
    {
        using var admin = fixture.Client(fixture.AdminKey);
        using var response = await admin.PostAsync("/v1/auth/keys", Json(JsonSerializer.Serialize(new { name, grants })));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var created = JsonDocument.Parse(text).RootElement;
        return (created.GetProperty("key").GetProperty("id").GetString()!, created.GetProperty("apiKey").GetString()!);
    }

    [Fact]
    public void FirstStart_AdminKeyWrittenOwnerOnly()
    {
        var path = Path.Combine(fixture.Directory, SluiceServer.AdminKeyFileName);
        Assert.StartsWith("sluice_", fixture.AdminKey, StringComparison.Ordinal);
        Assert.Equal(fixture.AdminKey, File.ReadAllText(path).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sluice_0123456789abcdef_notthesecret")]
    [InlineData("garbage")]
    public async Task Request_NoOrUnknownKey_Unauthenticated(string? key)
    {
        using var client = fixture.Client(key);
        using var response = await client.GetAsync("/v1/queues");

        await ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/openapi/v1.json")]
    public async Task AnonymousPaths_NoKey_Served(string path)
    {
        using var client = fixture.Client(null);
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RestrictedKey_PublishOnly_DeniedElsewhereAndQueueUnchanged()
    {
        var queue = "orders-" + Guid.NewGuid().ToString("N")[..8];
        var other = NewName("billing");
        using var admin = fixture.Client(fixture.AdminKey);
        (await admin.PostAsync("/v1/queues", Json($"{{\"name\":\"{queue}\"}}"))).EnsureSuccessStatusCode();
        (await admin.PostAsync("/v1/queues", Json($"{{\"name\":\"{other}\"}}"))).EnsureSuccessStatusCode();
        var (_, key) = await CreateKeyAsync("publisher", "orders-*:publish");
        using var client = fixture.Client(key);

        using (var sent = await client.PostAsync($"/v1/queues/{queue}/messages", Json("{\"body\":\"hello\"}")))
        {
            Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
        }

        await ProblemAsync(await client.PostAsync($"/v1/queues/{queue}/messages/receive", Json("{}")), HttpStatusCode.Forbidden, "access_denied");
        await ProblemAsync(await client.PostAsync($"/v1/queues/{other}/messages", Json("{\"body\":\"x\"}")), HttpStatusCode.Forbidden, "access_denied");
        await ProblemAsync(await client.DeleteAsync($"/v1/queues/{queue}"), HttpStatusCode.Forbidden, "access_denied");
        await ProblemAsync(await client.DeleteAsync($"/v1/queues/{queue}/messages"), HttpStatusCode.Forbidden, "access_denied");
        await ProblemAsync(await client.GetAsync("/v1/auth/keys"), HttpStatusCode.Forbidden, "access_denied");

        // Nothing changed: the queue is there with its one message.
        var stats = JsonDocument.Parse(await admin.GetStringAsync($"/v1/queues/{queue}/stats")).RootElement;
        Assert.Equal(1, stats.GetProperty("ready").GetInt64());
        var listed = JsonDocument.Parse(await client.GetStringAsync("/v1/queues")).RootElement.GetProperty("queues");
        Assert.All(listed.EnumerateArray(), q => Assert.StartsWith("orders-", q.GetProperty("name").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_NeedAdminOnEverything_RestrictedKeyDeniedAdminServed()
    {
        var (_, key) = await CreateKeyAsync("scraper-orders", "orders-*:all");
        using var restricted = fixture.Client(key);
        using var admin = fixture.Client(fixture.AdminKey);

        await ProblemAsync(await restricted.GetAsync("/metrics"), HttpStatusCode.Forbidden, "access_denied");
        using var served = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("# TYPE", await served.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_KeyWithoutConsume_ListsNoneInsteadOfRefusing()
    {
        var queue = "orders-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = fixture.Client(fixture.AdminKey);
        (await admin.PostAsync("/v1/queues", Json($"{{\"name\":\"{queue}\"}}"))).EnsureSuccessStatusCode();
        var (_, key) = await CreateKeyAsync("stats-publisher", "orders-*:publish");
        using var client = fixture.Client(key);

        var stats = JsonDocument.Parse(await client.GetStringAsync("/v1/stats")).RootElement.GetProperty("queues");

        Assert.Empty(stats.EnumerateArray());
        Assert.Contains(JsonDocument.Parse(await client.GetStringAsync("/v1/queues")).RootElement.GetProperty("queues").EnumerateArray(),
            q => q.GetProperty("name").GetString() == queue);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void DataDirectory_OtherUsersHaveNoAccess()
    {
        Assert.False(OperatingSystem.IsWindows(), "POSIX file modes");
        var mode = File.GetUnixFileMode(fixture.Directory);
        Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute));
    }

    [Fact]
    public async Task RevokedKey_Unauthenticated()
    {
        var (id, key) = await CreateKeyAsync("short-lived", "*:consume");
        using var client = fixture.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/queues")).StatusCode);

        using var admin = fixture.Client(fixture.AdminKey);
        var revoked = JsonDocument.Parse(await (await admin.DeleteAsync($"/v1/auth/keys/{id}")).Content.ReadAsStringAsync()).RootElement;
        Assert.True(revoked.GetProperty("revoked").GetBoolean());

        await ProblemAsync(await client.GetAsync("/v1/queues"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task ListKeys_NeverShowsSecrets()
    {
        var (id, key) = await CreateKeyAsync("listed", "jobs-*:publish,consume");
        using var admin = fixture.Client(fixture.AdminKey);

        var text = await admin.GetStringAsync("/v1/auth/keys");

        Assert.Contains(id, text, StringComparison.Ordinal);
        Assert.Contains("jobs-*:publish,consume", text, StringComparison.Ordinal);
        Assert.DoesNotContain(key["sluice_".Length..][17..], text, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.AdminKey[24..], text, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CreateKey_BadGrant_InvalidArgumentNamingIt()
    {
        using var admin = fixture.Client(fixture.AdminKey);
        using var response = await admin.PostAsync("/v1/auth/keys", Json("{\"name\":\"x\",\"grants\":[\"orders-*:write\"]}"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Equal("grants[0]", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task SigV4Key_FoundByAccessKeyId()
    {
        using var admin = fixture.Client(fixture.AdminKey);
        using var response = await admin.PostAsync("/v1/auth/keys", Json("{\"name\":\"sqs\",\"grants\":[\"*:all\"],\"sigV4\":true}"));
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var accessKeyId = created.GetProperty("accessKeyId").GetString()!;

        var credential = await fixture.Server.Credentials.FindSigV4Async(accessKeyId, CancellationToken.None);

        Assert.NotNull(credential);
        Assert.Equal(created.GetProperty("secretAccessKey").GetString(), credential.SecretAccessKey);
        Assert.Equal("sqs", credential.Principal.Name);
        Assert.Null(await fixture.Server.Credentials.FindSigV4Async("unknown", CancellationToken.None));
    }

    [Fact]
    public async Task AuditLog_AdminActions_RecordedWithPrincipal()
    {
        var queue = NewName("audited");
        using var admin = fixture.Client(fixture.AdminKey);
        (await admin.PostAsync("/v1/queues", Json($"{{\"name\":\"{queue}\"}}"))).EnsureSuccessStatusCode();
        (await admin.DeleteAsync($"/v1/queues/{queue}")).EnsureSuccessStatusCode();
        var (id, _) = await CreateKeyAsync("audited-key", "*:consume");
        (await admin.DeleteAsync($"/v1/auth/keys/{id}")).EnsureSuccessStatusCode();

        var entries = File.ReadAllLines(Path.Combine(fixture.Directory, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        void AssertEntry(string action, string resource) => Assert.Contains(entries, e =>
            e.GetProperty("action").GetString() == action && e.GetProperty("resource").GetString() == resource &&
            e.GetProperty("principalName").GetString() == "admin" && e.GetProperty("outcome").GetString() == "succeeded");
        AssertEntry("CreateQueue", queue);
        AssertEntry("DeleteQueue", queue);
        AssertEntry("CreateApiKey", id);
        AssertEntry("RevokeApiKey", id);
    }

    [Fact]
    public async Task Jwt_SignedWithGrants_Authenticates()
    {
        var queue = "jwt-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = fixture.Client(fixture.AdminKey))
        {
            (await admin.PostAsync("/v1/queues", Json($"{{\"name\":\"{queue}\"}}"))).EnsureSuccessStatusCode();
        }

        var token = Token(AuthServerFixture.JwtKey, "tests", ["jwt-*:publish,consume"]);
        using var client = fixture.Client(token);
        (await client.PostAsync($"/v1/queues/{queue}/messages", Json("{\"body\":\"x\"}"))).EnsureSuccessStatusCode();
        await ProblemAsync(await client.DeleteAsync($"/v1/queues/{queue}"), HttpStatusCode.Forbidden, "access_denied");

        var forged = Token(Convert.ToBase64String(Encoding.UTF8.GetBytes("another key of at least thirty-two bytes")), "tests", ["*:all"]);
        using var forger = fixture.Client(forged);
        await ProblemAsync(await forger.GetAsync("/v1/queues"), HttpStatusCode.Unauthorized, "unauthenticated");
        using var wrongIssuer = fixture.Client(Token(AuthServerFixture.JwtKey, "elsewhere", ["*:all"]));
        await ProblemAsync(await wrongIssuer.GetAsync("/v1/queues"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    private static string Token(string key, string issuer, string[] grants) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = "sluice",
        Subject = new ClaimsIdentity([new Claim("sub", "service-a"), .. grants.Select(g => new Claim("sluice_grants", g))]),
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(key)), SecurityAlgorithms.HmacSha256),
    });
}

public sealed class AuthRestartTests
{
    [Fact]
    public async Task SecondStart_SameData_CreatesNoKey()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sluice-auth-restart-" + Guid.NewGuid().ToString("N"));
        var options = new SluiceServerOptions { HttpUrl = "http://127.0.0.1:0", DataDirectory = directory, Fsync = false, Grpc = new Sluice.Faces.Grpc.GrpcOptions { Enabled = false } };
        try
        {
            string key;
            await using (var first = new SluiceServer(options, NullLoggerFactory.Instance))
            {
                await first.StartAsync();
                key = first.CreatedAdminKey!;
                Assert.NotNull(key);
            }

            await using var second = new SluiceServer(options, NullLoggerFactory.Instance);
            await second.StartAsync();
            Assert.Null(second.CreatedAdminKey);
            using var client = new HttpClient { BaseAddress = second.HttpAddress };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/queues")).StatusCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AuthOff_NoKeyNeededAndNoneCreated()
    {
        await using var server = new SluiceServer(new SluiceServerOptions
        {
            Store = SluiceServerOptions.MemoryStore,
            HttpUrl = "http://127.0.0.1:0",
            Auth = TestAuth.Off,
            Grpc = new Sluice.Faces.Grpc.GrpcOptions { Enabled = false },
        }, NullLoggerFactory.Instance);
        await server.StartAsync();

        Assert.Null(server.CreatedAdminKey);
        using var client = new HttpClient { BaseAddress = server.HttpAddress };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/queues")).StatusCode);
    }
}
