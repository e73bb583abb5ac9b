using System.Buffers.Text;

namespace Sluice.Storage.Conformance;

/// <summary>Signed receipt handles across two brokers over one store: one key, so each accepts the other's handles.</summary>
public abstract partial class TwoBrokerConformanceTests
{
    [Fact]
    public async Task Handles_ReceivedOnOneBroker_AckAndExtendOnTheOther()
    {
        await A.CreateQueueAsync("jobs");
        await A.PublishAsync("jobs", Message("a"));
        await B.PublishAsync("jobs", Message("b"));
        var lease = new ReceiveOptions { VisibilityTimeout = TimeSpan.FromMinutes(1) };
        var onA = Assert.Single(await A.ReceiveAsync("jobs", lease));
        var onB = Assert.Single(await B.ReceiveAsync("jobs", lease));

        await B.ExtendLeaseAsync("jobs", onA.ReceiptHandle!, TimeSpan.FromMinutes(2));
        await B.AckAsync("jobs", onA.ReceiptHandle!);
        Assert.All(await A.AckBatchAsync("jobs", [onB.ReceiptHandle!]), r => Assert.True(r.Succeeded, r.ErrorMessage));

        var stats = await B.GetStatsAsync("jobs");
        Assert.Equal((0, 0), (stats.Ready, stats.InFlight));
    }

    [Fact]
    public async Task Handles_AlteredHandleFromOneBroker_InvalidOnBoth()
    {
        await A.CreateQueueAsync("jobs");
        await A.PublishAsync("jobs", Message("a"));
        var held = Assert.Single(await A.ReceiveAsync("jobs", new ReceiveOptions { VisibilityTimeout = TimeSpan.FromMinutes(1) }));
        var bytes = Base64Url.DecodeFromChars(held.ReceiptHandle!);
        bytes[20] ^= 2; // the generation
        var altered = Base64Url.EncodeToString(bytes);

        foreach (var broker in new[] { A, B })
        {
            var ex = await Assert.ThrowsAsync<SluiceException>(() => broker.AckAsync("jobs", altered).AsTask());
            Assert.Equal(ErrorCodes.ReceiptHandleInvalid, ex.ErrorCode);
        }

        Assert.Equal(1, (await B.GetStatsAsync("jobs")).InFlight);
        await B.AckAsync("jobs", held.ReceiptHandle!);
    }
}
