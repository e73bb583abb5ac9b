using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.InMemory;

namespace Sluice.Core.Tests;

public class BrokerSmokeTests
{
    [Fact]
    public async Task PublishReceiveAck_InMemory_DeliversOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var broker = new Broker(new InMemoryMessageStore(time), timeProvider: time);
        await broker.StartAsync();
        await broker.CreateQueueAsync("jobs");
        var sent = await broker.PublishAsync("jobs", new OutgoingMessage(Encoding.UTF8.GetBytes("hello")));

        var got = Assert.Single(await broker.ReceiveAsync("jobs"));
        Assert.Equal(sent.MessageId, got.MessageId);
        Assert.Equal("hello", Encoding.UTF8.GetString(got.Body.Span));
        await broker.AckAsync("jobs", got.ReceiptHandle!);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await broker.ReceiveAsync("jobs"));
    }
}
