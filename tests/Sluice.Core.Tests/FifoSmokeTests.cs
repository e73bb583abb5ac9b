using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.InMemory;

namespace Sluice.Core.Tests;

public class FifoSmokeTests
{
    private static OutgoingMessage Msg(string body, string group, string? dedup = null) =>
        new(Encoding.UTF8.GetBytes(body)) { MessageGroupId = group, DeduplicationId = dedup ?? body };

    [Fact]
    public async Task Receive_GroupWithMessageInFlight_LaterMessagesWait()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var broker = new Broker(new InMemoryMessageStore(time), timeProvider: time);
        await broker.StartAsync();
        await broker.CreateQueueAsync("orders.fifo", new QueueOptions { Fifo = true });
        await broker.PublishBatchAsync("orders.fifo", [Msg("a1", "a"), Msg("a2", "a"), Msg("b1", "b")]);

        var first = Assert.Single(await broker.ReceiveAsync("orders.fifo"));
        Assert.Equal("a1", Encoding.UTF8.GetString(first.Body.Span));
        var second = Assert.Single(await broker.ReceiveAsync("orders.fifo", new ReceiveOptions { MaxMessages = 10 }));
        Assert.Equal("b1", Encoding.UTF8.GetString(second.Body.Span));

        await broker.PublishAsync("orders.fifo", Msg("a3", "a"));
        Assert.Empty(await broker.ReceiveAsync("orders.fifo", new ReceiveOptions { MaxMessages = 10 }));

        await broker.AckAsync("orders.fifo", first.ReceiptHandle!);
        var rest = await broker.ReceiveAsync("orders.fifo", new ReceiveOptions { MaxMessages = 10 });
        Assert.Equal(["a2", "a3"], rest.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        Assert.True(rest[0].SequenceNumber < rest[1].SequenceNumber);
    }

    [Fact]
    public async Task Publish_ContentBasedDeduplication_SecondCopyIsDuplicateAfterAck()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var broker = new Broker(new InMemoryMessageStore(time), timeProvider: time);
        await broker.StartAsync();
        await broker.CreateQueueAsync("c.fifo", new QueueOptions { Fifo = true, ContentBasedDeduplication = true });
        var body = Encoding.UTF8.GetBytes("same");
        var one = await broker.PublishAsync("c.fifo", new OutgoingMessage(body) { MessageGroupId = "g" });
        var got = Assert.Single(await broker.ReceiveAsync("c.fifo"));
        await broker.AckAsync("c.fifo", got.ReceiptHandle!);
        var two = await broker.PublishAsync("c.fifo", new OutgoingMessage(body) { MessageGroupId = "g" });
        Assert.True(two.Duplicate);
        Assert.Equal(one.MessageId, two.MessageId);
        Assert.Equal(one.SequenceNumber, two.SequenceNumber);
        Assert.Empty(await broker.ReceiveAsync("c.fifo"));
    }

    [Fact]
    public async Task Create_FifoWithoutSuffix_IsRefused()
    {
        await using var broker = new Broker(new InMemoryMessageStore());
        await broker.StartAsync();
        var ex = await Assert.ThrowsAsync<SluiceException>(async () => await broker.CreateQueueAsync("orders", new QueueOptions { Fifo = true }));
        Assert.Equal("fifo", ex.Field);
    }
}
