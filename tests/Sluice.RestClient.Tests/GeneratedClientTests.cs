using Sluice.Client.Models;
using Sluice.Client.V1.Queues;
using Sluice.Client.V1.Queues.Item.Messages;
using Sluice.Client.V1.Queues.Item.Messages.Ack;
using Sluice.Client.V1.Queues.Item.Messages.Receive;

namespace Sluice.RestClient.Tests;

/// <summary>The Kiota client generated from the checked-in OpenAPI document, against a real server.</summary>
public class GeneratedClientTests(ClientServerFixture fixture) : IClassFixture<ClientServerFixture>
{
    private readonly Sluice.Client.SluiceClient _client = fixture.Client;

    [Fact]
    public async Task PublishReceiveAck_TextBody_ArrivesIntactAndIsDeleted()
    {
        var created = await _client.V1.Queues.PostAsync(new QueuesPostRequestBody { Name = "client-text", VisibilityTimeoutSeconds = 30 });
        Assert.Equal("client-text", created!.Name);
        Assert.Equal(QueueResponse_overflowPolicy.Reject, created.OverflowPolicy);

        const string text = "héllo, wörld ✓ {\"json\": [1, 2]}";
        var published = await _client.V1.Queues["client-text"].Messages.PostAsync(new MessagesPostRequestBody { Body = text, Priority = 3 });
        var messageId = Assert.Single(published!.Messages!).MessageId;

        var received = await _client.V1.Queues["client-text"].Messages.Receive.PostAsync(new ReceivePostRequestBody { MaxMessages = 1 });
        var message = Assert.Single(received!.Messages!);
        Assert.Equal(messageId, message.MessageId);
        Assert.Equal(text, message.Body);
        Assert.Null(message.BodyBase64);
        Assert.Equal(3, message.Priority);
        Assert.Equal(MessageResponse_state.InFlight, message.State);

        await _client.V1.Queues["client-text"].Messages.Ack.PostAsync(new AckPostRequestBody { ReceiptHandle = message.ReceiptHandle });
        var stats = await _client.V1.Queues["client-text"].Stats.GetAsync();
        Assert.Equal(0, stats!.Ready);
        Assert.Equal(0, stats.InFlight);
    }

    [Fact]
    public async Task CreateQueue_EnumsThroughTheClient_RoundTripInKebabCase()
    {
        var created = await _client.V1.Queues.PostAsync(new QueuesPostRequestBody
        {
            Name = "client-enums",
            OverflowPolicy = QueuesPostRequestBody_overflowPolicy.DropHead,
            MaxLength = 10,
            DeduplicationScope = QueuesPostRequestBody_deduplicationScope.Queue,
        });

        Assert.Equal(QueueResponse_overflowPolicy.DropHead, created!.OverflowPolicy);
        Assert.Equal(QueueResponse_deduplicationScope.Queue, created.DeduplicationScope);
    }

    [Fact]
    public async Task PublishReceive_BinaryBody_ArrivesAsTheSameBytes()
    {
        await _client.V1.Queues.PostAsync(new QueuesPostRequestBody { Name = "client-binary" });
        byte[] bytes = [0xff, 0x00, 0xfe, 0x80, 0x41];
        await _client.V1.Queues["client-binary"].Messages.PostAsync(new MessagesPostRequestBody { BodyBase64 = bytes });

        var received = await _client.V1.Queues["client-binary"].Messages.Receive.PostAsync(new ReceivePostRequestBody());
        var message = Assert.Single(received!.Messages!);
        Assert.Null(message.Body);
        Assert.Equal(bytes, message.BodyBase64);

        var batch = await _client.V1.Queues["client-binary"].Messages.Ack.PostAsync(new AckPostRequestBody { ReceiptHandles = [message.ReceiptHandle!] });
        Assert.True(Assert.Single(batch!.Results!).Ok);
    }

    [Fact]
    public async Task PublishBatchAndPeek_ThroughTheClient_ReturnsEveryMessage()
    {
        await _client.V1.Queues.PostAsync(new QueuesPostRequestBody { Name = "client-batch" });
        var published = await _client.V1.Queues["client-batch"].Messages.PostAsync(new MessagesPostRequestBody
        {
            Messages = [new MessagesPostRequestBody_messages { Body = "a" }, new MessagesPostRequestBody_messages { Body = "b" }],
        });
        Assert.Equal(2, published!.Messages!.Count);

        var peeked = await _client.V1.Queues["client-batch"].Messages.GetAsync(c => c.QueryParameters.Max = 1);
        Assert.Equal("a", Assert.Single(peeked!.Messages!).Body);
    }

    [Fact]
    public async Task GetQueue_Unknown_ThrowsTypedProblemWithCode()
    {
        var problem = await Assert.ThrowsAsync<ProblemResponse>(() => _client.V1.Queues["client-missing"].GetAsync());
        Assert.Equal(404, problem.ResponseStatusCode);
        Assert.Equal("queue_not_found", problem.Code);
        Assert.Contains("client-missing", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receive_VisibilityOutOfRange_ThrowsTypedProblemNamingTheField()
    {
        await _client.V1.Queues.PostAsync(new QueuesPostRequestBody { Name = "client-range" });
        var problem = await Assert.ThrowsAsync<ProblemResponse>(() =>
            _client.V1.Queues["client-range"].Messages.Receive.PostAsync(new ReceivePostRequestBody { VisibilityTimeoutSeconds = 50000 }));
        Assert.Equal(400, problem.ResponseStatusCode);
        Assert.Equal("invalid_argument", problem.Code);
        Assert.Equal("visibilityTimeoutSeconds", problem.Field);
    }

    [Fact]
    public async Task Ack_UnknownHandle_ThrowsTypedProblem()
    {
        await _client.V1.Queues.PostAsync(new QueuesPostRequestBody { Name = "client-ack" });
        var problem = await Assert.ThrowsAsync<ProblemResponse>(() =>
            _client.V1.Queues["client-ack"].Messages.Ack.PostAsync(new AckPostRequestBody { ReceiptHandle = "not-a-handle" }));
        Assert.Equal(400, problem.ResponseStatusCode);
        Assert.Equal("receipt_handle_invalid", problem.Code);
    }

    [Fact]
    public async Task Healthz_ThroughTheClient_AnswersOk()
    {
        Assert.Equal("ok", await _client.Healthz.GetAsync());
    }
}
