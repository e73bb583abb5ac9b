using System.Buffers.Text;
using Google.Protobuf;
using Grpc.Core;
using Sluice.Grpc.V1;

namespace Sluice.Faces.Grpc.Tests;

/// <summary>Signed receipt handles through the gRPC face: an altered handle fails per item with receipt_handle_invalid and changes nothing.</summary>
public sealed class GrpcSignedHandleTests(GrpcFixture fixture) : IClassFixture<GrpcFixture>
{
    [Fact]
    public async Task AckNackExtendDeadLetter_HandleAltered_ReceiptHandleInvalidAndLeaseKept()
    {
        var queue = GrpcFixture.NewName();
        await fixture.Broker.CreateQueueAsync("dlq-" + queue);
        await fixture.Broker.CreateQueueAsync(queue, new Sluice.QueueOptions { DeadLetterQueue = "dlq-" + queue, MaxReceiveCount = 5 });
        await fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { new Sluice.Grpc.V1.OutgoingMessage { Body = ByteString.CopyFromUtf8("a") } } });
        var held = Assert.Single((await fixture.Messages.ReceiveAsync(new ReceiveRequest { Queue = queue, VisibilityTimeoutMs = 60_000 })).Messages);
        var bytes = Base64Url.DecodeFromChars(held.ReceiptHandle);
        bytes[20] ^= 1; // the lease generation
        var altered = Base64Url.EncodeToString(bytes);

        var acked = await fixture.Messages.AckAsync(new AckRequest { Queue = queue, ReceiptHandles = { altered } });
        var nacked = await fixture.Messages.NackAsync(new NackRequest { Queue = queue, Items = { new NackItem { ReceiptHandle = altered } } });
        var extended = await fixture.Messages.ExtendLeaseAsync(new ExtendLeaseRequest
        {
            Queue = queue,
            Items = { new ExtendLeaseItem { ReceiptHandle = altered, VisibilityTimeoutMs = 0 } },
        });
        var dead = await fixture.Messages.DeadLetterAsync(new DeadLetterRequest { Queue = queue, Items = { new DeadLetterItem { ReceiptHandle = altered } } });

        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, Assert.Single(acked.Results).ErrorCode);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, Assert.Single(nacked.Results).ErrorCode);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, Assert.Single(extended.Results).Result.ErrorCode);
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, Assert.Single(dead.Results).ErrorCode);
        var peeked = Assert.Single((await fixture.Messages.PeekAsync(new PeekRequest { Queue = queue })).Messages);
        Assert.Equal((Sluice.Grpc.V1.MessageState.InFlight, held.VisibleAtUnixMs, false), (peeked.State, peeked.VisibleAtUnixMs, peeked.HasReceiptHandle));

        Assert.Equal("", Assert.Single((await fixture.Messages.AckAsync(new AckRequest { Queue = queue, ReceiptHandles = { held.ReceiptHandle } })).Results).ErrorCode);
    }

    [Fact]
    public async Task Consume_DeliveredHandles_AreSignedAndAck()
    {
        var queue = GrpcFixture.NewName();
        await fixture.Broker.CreateQueueAsync(queue);
        await fixture.Messages.PublishAsync(new PublishRequest { Queue = queue, Messages = { new Sluice.Grpc.V1.OutgoingMessage { Body = ByteString.CopyFromUtf8("a") } } });
        using var call = fixture.Messages.Consume();
        await call.RequestStream.WriteAsync(new ConsumeRequest { Start = new ConsumeStart { Queue = queue, Credit = 1 } });
        Assert.True(await call.ResponseStream.MoveNext());
        var delivered = Assert.Single(call.ResponseStream.Current.Messages);

        Assert.Equal(52, delivered.ReceiptHandle.Length);
        Assert.Equal(2, Base64Url.DecodeFromChars(delivered.ReceiptHandle)[0]);
        Assert.Equal("", Assert.Single((await fixture.Messages.AckAsync(new AckRequest { Queue = queue, ReceiptHandles = { delivered.ReceiptHandle } })).Results).ErrorCode);
        await call.RequestStream.CompleteAsync();
        Assert.Equal(0, (await fixture.Broker.GetStatsAsync(queue)).InFlight);
    }
}
