using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Client;
using Sluice.Server.Hosting;

namespace Sluice.Faces.Grpc.Tests;

/// <summary>RemoteSluiceClient against servers that stop and start again: consume reconnects, errors say whether a request was sent.</summary>
public sealed class RemoteClientReconnectTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-grpc-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private SluiceServer NewServer(int grpcPort) => new(new SluiceServerOptions
    {
        Auth = TestAuth.Off,
        DataDirectory = _directory,
        Fsync = false,
        HttpUrl = "http://127.0.0.1:0",
        Grpc = new GrpcOptions { Url = $"http://127.0.0.1:{grpcPort}" },
    }, NullLoggerFactory.Instance);

    [Fact]
    public async Task Consume_ServerRestarts_ReconnectsAndDeliversWithinThePrefetch()
    {
        var port = FreePort();
        var queue = GrpcFixture.NewName();
        await using var client = new RemoteSluiceClient(new SluiceClientOptions
        {
            Address = new Uri($"http://127.0.0.1:{port}"),
            ReconnectMinBackoff = TimeSpan.FromMilliseconds(20),
            ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200),
        });

        var first = NewServer(port);
        await first.StartAsync();
        await client.CreateQueueAsync(queue, new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) });
        await client.PublishAsync(queue, new OutgoingMessage(Encoding.UTF8.GetBytes("before")));

        using var stop = new CancellationTokenSource(Timeout);
        await using var consumer = client.ConsumeAsync(queue, new ConsumeOptions { Prefetch = 2 }, stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await consumer.MoveNextAsync());
        Assert.Equal("before", Encoding.UTF8.GetString(consumer.Current.Body.Span));
        var unsettled = consumer.Current;

        // The stream drops with the server; a new server on the same port and data directory takes over.
        await first.DisposeAsync();
        await using var second = NewServer(port);
        await second.StartAsync();
        await second.Broker.PublishBatchAsync(queue, [new OutgoingMessage("a"u8.ToArray()), new OutgoingMessage("b"u8.ToArray()), new OutgoingMessage("c"u8.ToArray())]);

        // One credit is held by the unsettled delivery: one more message arrives, and no more while it stays unsettled.
        Assert.True(await consumer.MoveNextAsync());
        Assert.Equal("a", Encoding.UTF8.GetString(consumer.Current.Body.Span));
        var stats = await second.Broker.GetStatsAsync(queue);
        Assert.Equal(2, stats.InFlight);
        Assert.Equal(2, stats.Ready);

        // Settling frees its credit: the next message comes.
        await client.AckAsync(queue, unsettled.ReceiptHandle!);
        Assert.True(await consumer.MoveNextAsync());
        Assert.Equal("b", Encoding.UTF8.GetString(consumer.Current.Body.Span));
    }

    [Fact]
    public async Task Call_NoServerListening_UnavailableTransientAndNotSent()
    {
        await using var client = new RemoteSluiceClient(new SluiceClientOptions { Address = new Uri($"http://127.0.0.1:{FreePort()}") });
        var error = await Assert.ThrowsAsync<SluiceException>(async () => await client.PublishBatchAsync("q", [new OutgoingMessage("x"u8.ToArray())]));
        Assert.Equal(ErrorCodes.Unavailable, error.ErrorCode);
        Assert.True(error.IsTransient);
        Assert.False(error.RequestSent);
    }

    [Fact]
    public async Task Call_ServerError_SameCodeFieldAndTransientAsTheBroker()
    {
        var port = FreePort();
        await using var server = NewServer(port);
        await server.StartAsync();
        await using var client = new RemoteSluiceClient(new SluiceClientOptions { Address = new Uri($"http://127.0.0.1:{port}") });
        var queue = GrpcFixture.NewName();
        await client.CreateQueueAsync(queue, new QueueOptions { MaxLength = 1 });

        var invalid = await Assert.ThrowsAsync<SluiceException>(async () => await client.ReceiveAsync(queue, new ReceiveOptions { VisibilityTimeout = TimeSpan.FromHours(13) }));
        Assert.Equal(ErrorCodes.InvalidArgument, invalid.ErrorCode);
        Assert.Equal("visibility_timeout_ms", invalid.Field);
        Assert.False(invalid.IsTransient);
        Assert.True(invalid.RequestSent);

        await client.PublishAsync(queue, new OutgoingMessage("1"u8.ToArray()));
        var full = await Assert.ThrowsAsync<SluiceException>(async () => await client.PublishAsync(queue, new OutgoingMessage("2"u8.ToArray())));
        Assert.Equal(ErrorCodes.QueueFull, full.ErrorCode);
        Assert.True(full.IsTransient);

        var missing = await Assert.ThrowsAsync<SluiceException>(async () => await client.GetQueueAsync(GrpcFixture.NewName()));
        Assert.Equal(ErrorCodes.QueueNotFound, missing.ErrorCode);
    }
}
