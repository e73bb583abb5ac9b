using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Client;
using Sluice.Grpc.V1;
using Sluice.Server.Hosting;
using Sluice.Server.Tests;

namespace Sluice.Faces.Grpc.Tests;

/// <summary>A real server whose credential store (the test double) requires authentication, with its gRPC face.</summary>
public sealed class AuthGrpcFixture : IAsyncLifetime
{
    public SluiceServer Server { get; private set; } = null!;

    public Broker Broker => Server.Broker;

    public async Task InitializeAsync()
    {
        Server = new SluiceServer(new SluiceServerOptions
        {
            Store = SluiceServerOptions.MemoryStore,
            HttpUrl = "http://127.0.0.1:0",
            // The server's own key store stays off: the test double below decides.
            Auth = new AuthOptions { Enabled = false },
        }, NullLoggerFactory.Instance)
        {
            ConfigureServices = TestCredentialStore.AddTo,
        };
        await Server.StartAsync();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public RemoteSluiceClient Client(string? apiKey) => new(new SluiceClientOptions { Address = Server.GrpcAddress, ApiKey = apiKey });

    /// <summary>A queue created by the administrator, holding <paramref name="messages"/> messages.</summary>
    public async Task<string> OtherQueueAsync(int messages = 1)
    {
        var name = GrpcFixture.NewName("other");
        await using var admin = Client(TestCredentialStore.AdminKey);
        await admin.CreateQueueAsync(name);
        for (var i = 0; i < messages; i++)
        {
            await admin.PublishAsync(name, new Sluice.OutgoingMessage(Encoding.UTF8.GetBytes("kept")));
        }

        return name;
    }
}

/// <summary>The gRPC face and the SDK with authentication required: bearer API keys, grants enforced, streams included.</summary>
public sealed class GrpcAuthTests(AuthGrpcFixture fixture) : IClassFixture<AuthGrpcFixture>
{
    private static Sluice.Grpc.V1.OutgoingMessage Text(string body) => new() { Body = ByteString.CopyFromUtf8(body) };

    [Fact]
    public async Task Sdk_NoKey_UnauthenticatedAndNothingCreated()
    {
        await using var client = fixture.Client(null);
        var name = GrpcFixture.NewName();
        var error = await Assert.ThrowsAsync<SluiceException>(async () => await client.CreateQueueAsync(name));
        Assert.Equal(ErrorCodes.Unauthenticated, error.ErrorCode);
        Assert.False(error.IsTransient);
        Assert.Contains("authorization: Bearer", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await fixture.Broker.ListQueuesAsync(), q => q.Name == name);
    }

    [Fact]
    public async Task Sdk_UnknownKey_Unauthenticated()
    {
        await using var client = fixture.Client("sk-not-a-key");
        var error = await Assert.ThrowsAsync<SluiceException>(async () => await client.ListQueuesAsync());
        Assert.Equal(ErrorCodes.Unauthenticated, error.ErrorCode);
        Assert.DoesNotContain("sk-not-a-key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawCall_NoOrBadCredentials_UnauthenticatedStatusWithCodeTrailer()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.GrpcAddress!);
        var queues = new Queues.QueuesClient(channel);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await queues.ListQueuesAsync(new ListQueuesRequest()));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(ErrorCodes.Unauthenticated, error.Trailers.GetValue("sluice-error-code"));

        var basic = new Metadata { { "authorization", "Basic dXNlcjpwYXNz" } };
        error = await Assert.ThrowsAsync<RpcException>(async () => await queues.ListQueuesAsync(new ListQueuesRequest(), basic));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("not a bearer token", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_WithKey_Works()
    {
        await using var client = fixture.Client(TestCredentialStore.AdminKey);
        var name = GrpcFixture.NewName();
        await client.CreateQueueAsync(name);
        await client.PublishAsync(name, new Sluice.OutgoingMessage(Encoding.UTF8.GetBytes("hello")));
        var received = Assert.Single(await client.ReceiveAsync(name));
        Assert.Equal("hello", Encoding.UTF8.GetString(received.Body.Span));
        await client.AckAsync(name, received.ReceiptHandle!);
        Assert.Equal(0, (await client.GetQueueStatsAsync(name)).Ready);
    }

    [Fact]
    public async Task Sdk_RestrictedKey_OtherQueue_AccessDeniedAndNothingChanged()
    {
        var other = await fixture.OtherQueueAsync();
        await using var client = fixture.Client(TestCredentialStore.OrdersKey);
        var error = await Assert.ThrowsAsync<SluiceException>(async () => await client.PublishAsync(other, new Sluice.OutgoingMessage(Encoding.UTF8.GetBytes("x"))));
        Assert.Equal(ErrorCodes.AccessDenied, error.ErrorCode);
        Assert.Contains($"on '{other}'", error.Message, StringComparison.Ordinal);
        error = await Assert.ThrowsAsync<SluiceException>(async () => await client.PurgeQueueAsync(other));
        Assert.Equal(ErrorCodes.AccessDenied, error.ErrorCode);
        error = await Assert.ThrowsAsync<SluiceException>(async () => await client.ReceiveAsync(other));
        Assert.Equal(ErrorCodes.AccessDenied, error.ErrorCode);
        Assert.Equal(1, (await fixture.Broker.GetStatsAsync(other)).Ready);

        // Its own queues work.
        var mine = "orders-" + Guid.NewGuid().ToString("N");
        await client.CreateQueueAsync(mine);
        await client.PublishAsync(mine, new Sluice.OutgoingMessage(Encoding.UTF8.GetBytes("mine")));
        Assert.Single(await client.ReceiveAsync(mine));
    }

    [Fact]
    public async Task RawCall_RestrictedKey_PermissionDeniedStatus()
    {
        var other = await fixture.OtherQueueAsync();
        using var channel = GrpcChannel.ForAddress(fixture.Server.GrpcAddress!);
        var messages = new Messages.MessagesClient(channel);
        var headers = new Metadata { { "authorization", "Bearer " + TestCredentialStore.OrdersKey } };
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await messages.PublishAsync(new PublishRequest { Queue = other, Messages = { Text("x") } }, headers));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(ErrorCodes.AccessDenied, error.Trailers.GetValue("sluice-error-code"));
        Assert.Equal(1, (await fixture.Broker.GetStatsAsync(other)).Ready);
    }

    [Fact]
    public async Task PublishStream_WithKey_ConfirmsEachBatch_AndRefusesAForeignQueueInItsAnswer()
    {
        var mine = "orders-" + Guid.NewGuid().ToString("N");
        var other = await fixture.OtherQueueAsync(0);
        await fixture.Broker.CreateQueueAsync(mine, new Sluice.QueueOptions());
        using var channel = GrpcChannel.ForAddress(fixture.Server.GrpcAddress!);
        var messages = new Messages.MessagesClient(channel);
        using var call = messages.PublishStream(new Metadata { { "authorization", "Bearer " + TestCredentialStore.OrdersKey } });
        await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 1, Queue = mine, Messages = { Text("a"), Text("b") } });
        await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 2, Queue = other, Messages = { Text("c") } });
        await call.RequestStream.CompleteAsync();
        var answers = new List<PublishStreamResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer);
        }

        Assert.Equal(2, answers[0].Results.Count);
        Assert.Equal(ErrorCodes.AccessDenied, answers[1].Error.Code);
        Assert.Equal(2, (await fixture.Broker.GetStatsAsync(mine)).Ready);
        Assert.Equal(0, (await fixture.Broker.GetStatsAsync(other)).Ready);
    }

    [Fact]
    public async Task PublishStream_NoKey_Unauthenticated()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.GrpcAddress!);
        using var call = new Messages.MessagesClient(channel).PublishStream();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new PublishStreamRequest { Tag = 1, Queue = "q", Messages = { Text("a") } });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Sdk_ConsumeStream_WithKey_DeliversAndAcks()
    {
        await using var client = fixture.Client(TestCredentialStore.OrdersKey);
        var queue = "orders-" + Guid.NewGuid().ToString("N");
        await client.CreateQueueAsync(queue);
        for (var i = 0; i < 3; i++)
        {
            await client.PublishAsync(queue, new Sluice.OutgoingMessage(Encoding.UTF8.GetBytes($"m{i}")));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var bodies = new List<string>();
        await foreach (var message in client.ConsumeAsync(queue, new ConsumeOptions { Prefetch = 10 }, timeout.Token))
        {
            bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
            await client.AckAsync(queue, message.ReceiptHandle!);
            if (bodies.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["m0", "m1", "m2"], bodies.Order());
        Assert.Equal(0, (await fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task Sdk_ConsumeStream_NoKey_Unauthenticated()
    {
        var other = await fixture.OtherQueueAsync();
        await using var client = fixture.Client(null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<SluiceException>(async () =>
        {
            await foreach (var message in client.ConsumeAsync(other, cancellationToken: timeout.Token))
            {
                Assert.Fail("delivered without credentials: " + message.MessageId);
            }
        });
        Assert.Equal(ErrorCodes.Unauthenticated, error.ErrorCode);
        Assert.Equal(1, (await fixture.Broker.GetStatsAsync(other)).Ready);
    }

    [Fact]
    public async Task Sdk_ConsumeStream_RestrictedKey_OtherQueue_AccessDenied()
    {
        var other = await fixture.OtherQueueAsync();
        await using var client = fixture.Client(TestCredentialStore.OrdersKey);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<SluiceException>(async () =>
        {
            await foreach (var message in client.ConsumeAsync(other, cancellationToken: timeout.Token))
            {
                Assert.Fail("delivered a message of a queue the key has no grant on: " + message.MessageId);
            }
        });
        Assert.Equal(ErrorCodes.AccessDenied, error.ErrorCode);
        Assert.Equal(1, (await fixture.Broker.GetStatsAsync(other)).Ready);
    }

    [Fact]
    public void ApiKey_NotShownByToString()
    {
        var options = new SluiceClientOptions { Address = new Uri("http://127.0.0.1:7481"), ApiKey = TestCredentialStore.AdminKey };
        Assert.DoesNotContain(TestCredentialStore.AdminKey, options.ToString(), StringComparison.Ordinal);
        Assert.Contains("ApiKey = ***", options.ToString(), StringComparison.Ordinal);
    }
}
