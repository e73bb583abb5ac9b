using Sluice.Client;

namespace Sluice.Faces.Grpc.Tests;

/// <summary>RemoteSluiceClient publishes against a server whose gRPC receive limit is 64 KiB (the fixture's): batches stay under it.</summary>
public sealed class RemoteClientBatchLimitTests(GrpcFixture fixture) : IClassFixture<GrpcFixture>
{
    private const int Body = 20 * 1024;

    private RemoteSluiceClient Client(int maxBatchBytes) => new(new SluiceClientOptions { Address = fixture.Server.GrpcAddress, MaxPublishBatchBytes = maxBatchBytes });

    private async Task<string> CreateQueueAsync()
    {
        var name = GrpcFixture.NewName();
        await fixture.Broker.CreateQueueAsync(name);
        return name;
    }

    private static OutgoingMessage Message(int i) => new(Enumerable.Repeat((byte)i, Body).ToArray());

    [Fact]
    public async Task Publish_ConcurrentLargeMessages_BatchesCappedByBytesAndEveryCallerSucceeds()
    {
        var queue = await CreateQueueAsync();
        await using var client = Client(48 * 1024);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.PublishAsync(queue, Message(i)).AsTask()));

        Assert.Equal(40, results.Select(r => r.MessageId).Distinct().Count());
        Assert.Equal(40, (await fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task Publish_BatchOverTheServersLimit_RefusedAsRequestTooLargeThenEachSentAloneAndSucceeds()
    {
        var queue = await CreateQueueAsync();
        await using var client = Client(1024 * 1024 * 1024);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.PublishAsync(queue, Message(i)).AsTask()));

        Assert.Equal(40, results.Select(r => r.MessageId).Distinct().Count());
        Assert.Equal(40, (await fixture.Broker.GetStatsAsync(queue)).Ready);
    }

    [Fact]
    public async Task PublishBatch_SeveralMessagesOverMaxPublishBatchBytes_RequestTooLargeAndNothingStored()
    {
        var queue = await CreateQueueAsync();
        await using var client = Client(48 * 1024);

        var error = await Assert.ThrowsAsync<SluiceException>(() => client.PublishBatchAsync(queue, [.. Enumerable.Range(0, 3).Select(Message)]).AsTask());

        Assert.Equal(ErrorCodes.RequestTooLarge, error.ErrorCode);
        Assert.Contains("MaxPublishBatchBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await fixture.Broker.GetStatsAsync(queue)).Ready);
        Assert.Equal(2, (await client.PublishBatchAsync(queue, [Message(0), Message(1)])).Count);
    }

    [Fact]
    public void GrpcOptions_Default_MaxMessageSizeFitsTheLargestQueueMessageWithRoomForFraming()
    {
        Assert.True(new GrpcOptions().MaxMessageSize >= Validation.MaxMessageSizeLimit + 64 * 1024);
    }
}
