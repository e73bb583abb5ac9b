using Sluice.Server.Tests;
using StackExchange.Redis;

namespace Sluice.Faces.Resp.Tests;

/// <summary>
/// The RESP face with a credential store that requires authentication (the test double): AUTH and HELLO AUTH with
/// API keys, Redis's NOAUTH, WRONGPASS and NOPERM replies, and each command run as the connection's principal.
/// </summary>
public sealed class RespAuthTests
{
    private const string NoAuth = "-NOAUTH Authentication required.\r\n";
    private const string WrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
    private const string NoPermKey = "-NOPERM No permissions to access a key\r\n";

    private static Task<RespServer> StartAsync() => RespServer.StartAsync(services: TestCredentialStore.AddTo);

    private static string Orders() => "orders-" + Guid.NewGuid().ToString("N");

    private static string Other() => "other-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task BeforeAuth_EveryCommandButAuthHelloQuit_Noauth()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        foreach (var command in new[] { new[] { "PING" }, ["XADD", Orders(), "*", "f", "v"], ["XLEN", "s"], ["CLIENT", "ID"], ["INFO"] })
        {
            await client.SendCommandAsync(command);
            Assert.Equal(NoAuth, await client.ReadReplyAsync());
        }

        await client.SendCommandAsync("HELLO", "3");
        Assert.StartsWith("-NOAUTH HELLO must be called with the client already authenticated", await client.ReadReplyAsync());
        await client.SendCommandAsync("QUIT");
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Auth_WrongKeyOrUser_WrongPass_AndStillNoauth()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("AUTH", "sk-not-a-key");
        Assert.Equal(WrongPass, await client.ReadReplyAsync());
        await client.SendCommandAsync("AUTH", "admin", TestCredentialStore.OrdersKey);
        Assert.Equal(WrongPass, await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", Orders());
        Assert.Equal(NoAuth, await client.ReadReplyAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("default")]
    [InlineData("orders")]
    [InlineData("key-orders")]
    public async Task Auth_ApiKey_WithNoneDefaultNameOrIdAsUser_Ok(string? user)
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync(user is null ? ["AUTH", TestCredentialStore.OrdersKey] : ["AUTH", user, TestCredentialStore.OrdersKey]);
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        var stream = Orders();
        await client.SendCommandAsync("XADD", stream, "1-1", "f", "v");
        Assert.Equal("$3\r\n1-1\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", stream);
        Assert.Equal(":1\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task HelloAuth_ApiKey_SwitchesProtocolAndAuthenticates()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("HELLO", "3", "AUTH", "orders", "sk-wrong");
        Assert.Equal(WrongPass, await client.ReadReplyAsync());
        await client.SendCommandAsync("HELLO", "3", "AUTH", "orders", TestCredentialStore.OrdersKey);
        Assert.StartsWith("%7\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", Orders());
        Assert.Equal(":0\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task RestrictedKey_OtherStream_NoPerm_AndNothingWritten()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("AUTH", TestCredentialStore.OrdersKey);
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        var other = Other();
        await client.SendCommandAsync("XADD", other, "*", "f", "v");
        Assert.Equal(NoPermKey, await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", other);
        Assert.Equal(NoPermKey, await client.ReadReplyAsync());

        // Pipelined (the commands overlap) and inside MULTI the same.
        await client.SendAsync(RawClient.Encode("XADD", other, "*", "f", "v") + RawClient.Encode("XADD", Orders(), "*", "f", "v"));
        Assert.Equal(NoPermKey, await client.ReadReplyAsync());
        Assert.StartsWith("$", await client.ReadReplyAsync());
        await client.SendAsync(RawClient.Encode("MULTI") + RawClient.Encode("XADD", other, "*", "f", "v") + RawClient.Encode("EXEC"));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        Assert.Equal("+QUEUED\r\n", await client.ReadReplyAsync());
        Assert.Equal("*1\r\n" + NoPermKey, await client.ReadReplyAsync());

        using var admin = await server.ConnectRawAsync();
        await admin.SendCommandAsync("AUTH", TestCredentialStore.AdminKey);
        Assert.Equal("+OK\r\n", await admin.ReadReplyAsync());
        await admin.SendCommandAsync("XLEN", other);
        Assert.Equal(":0\r\n", await admin.ReadReplyAsync());
    }

    [Fact]
    public async Task Reset_ForgetsTheKey()
    {
        await using var server = await StartAsync();
        using var client = await server.ConnectRawAsync();
        await client.SendCommandAsync("AUTH", TestCredentialStore.AdminKey);
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("RESET");
        Assert.Equal("+RESET\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", Orders());
        Assert.Equal(NoAuth, await client.ReadReplyAsync());
    }

    private static ConfigurationOptions Options(RespServer server, string? user, string password) => new()
    {
        EndPoints = { server.EndPoint },
        User = user,
        Password = password,
        AbortOnConnectFail = true,
        ConnectTimeout = 30_000,
        SyncTimeout = 30_000,
        AsyncTimeout = 30_000,
    };

    [Theory]
    [InlineData(null)]
    [InlineData("orders")]
    public async Task StackExchangeRedis_KeyAsPassword_Works_AndOtherStreamIsNoPerm(string? user)
    {
        await using var server = await StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Options(server, user, TestCredentialStore.OrdersKey));
        var db = redis.GetDatabase();
        var stream = Orders();
        await db.StreamAddAsync(stream, [new NameValueEntry("id", "1")]);
        Assert.Equal(1, await db.StreamLengthAsync(stream));

        var error = await Assert.ThrowsAsync<RedisServerException>(() => db.StreamAddAsync(Other(), [new NameValueEntry("id", "1")]));
        Assert.Equal("NOPERM No permissions to access a key", error.Message);
    }

    [Fact]
    public async Task StackExchangeRedis_WrongKey_ConnectionFailsWithAuthenticationFailure()
    {
        await using var server = await StartAsync();
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(Options(server, null, "sk-wrong")));
        Assert.Equal(ConnectionFailureType.AuthenticationFailure, error.FailureType);
    }

    [Fact]
    public async Task RevokedKey_OpenConnection_NoauthOnceTheRecheckIsDue()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new TestCredentialStore();
        await using var server = await RespServer.StartAsync(time: time, services: TestCredentialStore.AddWith(store));
        using var client = await server.ConnectRawAsync();
        var stream = Orders();
        await client.SendCommandAsync("AUTH", TestCredentialStore.OrdersKey);
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", stream);
        Assert.Equal(":0\r\n", await client.ReadReplyAsync());

        store.Revoke(TestCredentialStore.OrdersKey);
        time.Advance(Sluice.Faces.Resp.Internal.RespServer.ApiKeyRecheckInterval);

        await client.SendCommandAsync("XADD", stream, "*", "f", "v");
        Assert.Equal(NoAuth, await client.ReadReplyAsync());
        await client.SendCommandAsync("XLEN", stream);
        Assert.Equal(NoAuth, await client.ReadReplyAsync());
    }
}
