using System.Buffers.Text;

namespace Sluice.Storage.Conformance;

public abstract partial class DurableBrokerConformanceTests
{
    [Fact]
    public async Task Restart_SignedHandles_KeepTheirKey_ForgedStillRefused()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b");
        var first = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(5));
        var second = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(5));
        var keyBefore = await ((IKeyValueStore)Store).GetKeyValueAsync(ReceiptHandleKey.StoreKey);

        await RestartAsync();

        var keyAfter = await ((IKeyValueStore)Store).GetKeyValueAsync(ReceiptHandleKey.StoreKey);
        Assert.NotNull(keyBefore);
        Assert.NotNull(keyAfter);
        Assert.Equal(keyBefore.Version, keyAfter.Version);
        Assert.Equal(keyBefore.Value.ToArray(), keyAfter.Value.ToArray());
        Assert.Equal(ReceiptHandleKey.KeySize, keyAfter.Value.Length);
        var forged = Base64Url.DecodeFromChars(second.ReceiptHandle!);
        forged[^1] ^= 1;
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("jobs", Base64Url.EncodeToString(forged)).AsTask());
        await Broker.AckAsync("jobs", first.ReceiptHandle!);
        await Broker.NackAsync("jobs", second.ReceiptHandle!);
        Assert.Equal(1, (await StatsAsync("jobs")).Ready);
    }
}
