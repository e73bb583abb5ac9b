using System.Buffers.Text;
using System.Security.Cryptography;
using Sluice.InMemory;

namespace Sluice.Storage.Conformance;

/// <summary>
/// Signed receipt handles: a handle the broker did not sign (forged, altered, or signed by a broker over other data)
/// is receipt_handle_invalid on every call that takes one, and the message it names stays as it was; a genuine handle
/// still works afterwards, after a restart, and on another broker over the same data.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    // Offsets in a signed handle's 39 bytes: version (0), queue tag (1-8), sequence (9-16), generation (17-20), signature (21-38).
    private const int SequenceLowByte = 16;
    private const int GenerationLowByte = 20;
    private const int SignatureStart = 21;

    [Fact]
    public async Task EveryHandleCall_ForgedHandleWithRandomSignature_InvalidAndTheMessageStaysLeased()
    {
        var (held, _) = await ReceiveHeldAsync();
        var bytes = Base64Url.DecodeFromChars(held.ReceiptHandle!);
        RandomNumberGenerator.Fill(bytes.AsSpan(SignatureStart));

        await AssertRefusedEverywhereAsync(Base64Url.EncodeToString(bytes), held);
    }

    [Fact]
    public async Task EveryHandleCall_ForgedHandleForTheNextLease_InvalidAndTheMessageStaysLeased()
    {
        // What a peek used to give away: the sequence and generation. The next lease's handle cannot be made from them.
        var (held, _) = await ReceiveHeldAsync();
        var bytes = Base64Url.DecodeFromChars(held.ReceiptHandle!);
        bytes[GenerationLowByte]++;

        await AssertRefusedEverywhereAsync(Base64Url.EncodeToString(bytes), held);
    }

    [Theory]
    [InlineData(SequenceLowByte)]
    [InlineData(GenerationLowByte)]
    public async Task EveryHandleCall_HandleWithOneBitFlipped_InvalidAndTheMessageStaysLeased(int index)
    {
        var (held, other) = await ReceiveHeldAsync();
        var bytes = Base64Url.DecodeFromChars(held.ReceiptHandle!);
        bytes[index] ^= 1; // the sequence then names the other leased message, or the generation a lease that never was

        await AssertRefusedEverywhereAsync(Base64Url.EncodeToString(bytes), held, other);
    }

    [Fact]
    public async Task EveryHandleCall_HandleSignedByABrokerOverOtherData_InvalidAndTheMessageStaysLeased()
    {
        var (held, _) = await ReceiveHeldAsync();

        // Another server: its own store (so its own key), a queue of the same name created at the same instant, and the
        // same message sequence and generation: every field of its handle matches ours but the signature.
        await using var elsewhere = new Broker(new InMemoryMessageStore(Time), BrokerOptions, Time);
        await elsewhere.StartAsync();
        await elsewhere.CreateQueueAsync("dlq");
        await elsewhere.CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 5 });
        await elsewhere.PublishAsync("jobs", Message("first"));
        var foreign = Assert.Single(await elsewhere.ReceiveAsync("jobs", new ReceiveOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) }));
        Assert.Equal(Base64Url.DecodeFromChars(held.ReceiptHandle!)[..SignatureStart], Base64Url.DecodeFromChars(foreign.ReceiptHandle!)[..SignatureStart]);

        await AssertRefusedEverywhereAsync(foreign.ReceiptHandle!, held);
    }

    [Fact]
    public async Task Ack_UnsignedHandleAsAStoreIssuesIt_InvalidSayingReceiveAgain()
    {
        var (held, _) = await ReceiveHeldAsync();
        var queue = await Broker.GetQueueAsync("jobs");
        var unsigned = ReceiptHandle.Issue(queue, held.SequenceNumber, 1);

        var ex = await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("jobs", unsigned).AsTask());

        Assert.Contains("receive it again", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await StatsAsync("jobs")).InFlight);
    }

    [Fact]
    public async Task Receive_Handle_IsSignedAndCarriesNoReadableSequence()
    {
        var (held, other) = await ReceiveHeldAsync();

        Assert.Equal(ReceiptHandleKey.TextLength, held.ReceiptHandle!.Length);
        Assert.Equal(ReceiptHandleKey.SignedVersion, Base64Url.DecodeFromChars(held.ReceiptHandle)[0]);
        Assert.NotEqual(held.ReceiptHandle, other.ReceiptHandle);
    }

    [Fact]
    public async Task Peek_LeasedMessage_ShowsNoReceiptHandle()
    {
        var (held, _) = await ReceiveHeldAsync();

        var peeked = await PeekAsync("jobs");

        Assert.Equal(2, peeked.Count);
        Assert.All(peeked, m => Assert.Null(m.ReceiptHandle));
        Assert.Equal(MessageState.InFlight, peeked.Single(m => m.MessageId == held.MessageId).State);
    }

    [Fact]
    public async Task AckExtendNack_HandleFromAPeerBroker_Accepted()
    {
        await CreateQueueAsync("jobs");
        await PublishAsync("jobs", "a");
        await PublishAsync("jobs", "b");
        var peer = await StartPeerAsync();

        var fromPeer = Assert.Single(await peer.ReceiveAsync("jobs", new ReceiveOptions { VisibilityTimeout = TimeSpan.FromMinutes(1) }));
        var fromBroker = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(1));

        Assert.Equal(Now + TimeSpan.FromMinutes(3), await Broker.ExtendLeaseAsync("jobs", fromPeer.ReceiptHandle!, TimeSpan.FromMinutes(3)));
        await Broker.AckAsync("jobs", fromPeer.ReceiptHandle!);
        await peer.NackAsync("jobs", fromBroker.ReceiptHandle!);
        var again = await ReceiveOneAsync("jobs");
        await peer.AckAsync("jobs", again.ReceiptHandle!);
        Assert.Equal(0, (await StatsAsync("jobs")).InFlight + (await StatsAsync("jobs")).Ready);
    }

    /// <summary>Queue "jobs" (dead letters to "dlq") with two messages, both received with a 5-minute lease; returns them.</summary>
    private async Task<(QueueMessage Held, QueueMessage Other)> ReceiveHeldAsync()
    {
        await CreateQueueWithDeadLettersAsync(5);
        await PublishAsync("jobs", "first");
        await PublishAsync("jobs", "second");
        var held = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(5));
        var other = await ReceiveOneAsync("jobs", TimeSpan.FromMinutes(5));
        Assert.Equal("first", Text(held));
        return (held, other);
    }

    /// <summary>
    /// Ack, batch ack, nack, extend and dead-letter with <paramref name="bad"/> each fail with receipt_handle_invalid;
    /// every leased message keeps its lease; the genuine handles still work afterwards.
    /// </summary>
    private async Task AssertRefusedEverywhereAsync(string bad, params QueueMessage[] leased)
    {
        Assert.NotEqual(leased[0].ReceiptHandle, bad);
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.AckAsync("jobs", bad).AsTask());
        var batch = await Broker.AckBatchAsync("jobs", [bad, bad]);
        Assert.All(batch, r => Assert.Equal(ErrorCodes.ReceiptHandleInvalid, r.ErrorCode));
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.NackAsync("jobs", bad).AsTask());
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.ExtendLeaseAsync("jobs", bad, TimeSpan.Zero).AsTask());
        await AssertErrorAsync(ErrorCodes.ReceiptHandleInvalid, () => Broker.DeadLetterAsync("jobs", bad, "forged").AsTask());

        var stats = await StatsAsync("jobs");
        Assert.Equal((0, 2), (stats.Ready, stats.InFlight));
        Assert.Equal(0, (await StatsAsync("dlq")).Ready);
        var peeked = await PeekAsync("jobs");
        foreach (var m in leased)
        {
            var now = Assert.Single(peeked, p => p.MessageId == m.MessageId);
            Assert.Equal((MessageState.InFlight, m.VisibleAt, 1), (now.State, now.VisibleAt, now.ReceiveCount));
        }

        foreach (var m in leased)
        {
            await Broker.AckAsync("jobs", m.ReceiptHandle!);
        }
    }
}
