using Amazon.SQS.Model;

namespace Sluice.Server.Tests.Sqs;

/// <summary>Signed receipt handles through the real AWSSDK.SQS client: an altered handle is ReceiptHandleIsInvalid and changes nothing.</summary>
public sealed class SqsSignedHandleTests(SqsServerFixture fixture) : IClassFixture<SqsServerFixture>
{
    [Fact]
    public async Task DeleteAndChangeVisibility_HandleAltered_ReceiptHandleIsInvalidAndMessageStaysInFlight()
    {
        using var sqs = fixture.Client();
        var url = (await sqs.CreateQueueAsync(SqsServerFixture.NewName())).QueueUrl;
        await sqs.SendMessageAsync(url, "held");
        var held = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, VisibilityTimeout = 60 })).Messages);
        var altered = SignedHandleRouteTests.Altered(held.ReceiptHandle);

        var deleted = await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => sqs.DeleteMessageAsync(url, altered));
        var changed = await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => sqs.ChangeMessageVisibilityAsync(url, altered, 0));
        var batch = await sqs.DeleteMessageBatchAsync(url, [new DeleteMessageBatchRequestEntry("e1", altered)]);
        var changeBatch = await sqs.ChangeMessageVisibilityBatchAsync(url, [new ChangeMessageVisibilityBatchRequestEntry("e1", altered) { VisibilityTimeout = 0 }]);

        Assert.Equal(("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid"), (deleted.ErrorCode, changed.ErrorCode));
        Assert.Equal("ReceiptHandleIsInvalid", Assert.Single(batch.Failed).Code);
        Assert.Equal("ReceiptHandleIsInvalid", Assert.Single(changeBatch.Failed).Code);
        var attributes = (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal(("0", "1"), (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]));

        await sqs.DeleteMessageAsync(url, held.ReceiptHandle);
        attributes = (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
    }
}
