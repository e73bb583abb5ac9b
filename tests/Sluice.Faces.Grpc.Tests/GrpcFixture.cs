using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Grpc.V1;
using Sluice.Server.Hosting;

namespace Sluice.Faces.Grpc.Tests;

/// <summary>A real server (Kestrel on 127.0.0.1, free ports, memory store) with its gRPC face, and generated clients on one channel.</summary>
public sealed class GrpcFixture : IAsyncLifetime
{
    public SluiceServer Server { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public Queues.QueuesClient Queues => new(Channel);

    public Messages.MessagesClient Messages => new(Channel);

    public Topics.TopicsClient Topics => new(Channel);

    public Streams.StreamsClient Streams => new(Channel);

    public Broker Broker => Server.Broker;

    public async Task InitializeAsync()
    {
        Server = new SluiceServer(new SluiceServerOptions
        {
            Auth = TestAuth.Off,
            Store = SluiceServerOptions.MemoryStore,
            HttpUrl = "http://127.0.0.1:0",
            Grpc = new GrpcOptions { MaxMessageSize = 64 * 1024, MaxConsumeCredit = 50 },
        }, NullLoggerFactory.Instance);
        await Server.StartAsync();
        Channel = GrpcChannel.ForAddress(Server.GrpcAddress!);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>A fresh queue name per test.</summary>
    public static string NewName(string prefix = "q") => $"{prefix}-{Guid.NewGuid():N}";
}
