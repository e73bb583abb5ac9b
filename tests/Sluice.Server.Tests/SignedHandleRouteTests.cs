using System.Buffers.Text;
using System.Net;

namespace Sluice.Server.Tests;

/// <summary>Signed receipt handles through the REST face: an altered handle is 400 receipt_handle_invalid and changes nothing; a peek shows no handle.</summary>
public class SignedHandleRouteTests(ServerFixture fixture) : RestTests(fixture), IClassFixture<ServerFixture>
{
    [Fact]
    public async Task AckNackExtend_HandleWithTheGenerationAltered_400ReceiptHandleInvalidAndLeaseKept()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var message = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":60}"""));
        var handle = message.GetProperty("receiptHandle").GetString()!;
        var altered = Altered(handle);

        foreach (var (route, json) in new[]
        {
            ("ack", $$"""{"receiptHandle":"{{altered}}"}"""),
            ("nack", $$"""{"receiptHandle":"{{altered}}"}"""),
            ("extend", $$"""{"receiptHandle":"{{altered}}","visibilityTimeoutSeconds":0}"""),
        })
        {
            using var response = await PostAsync($"/v1/queues/{name}/messages/{route}", json);
            var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ReceiptHandleInvalid, "receiptHandle");
            Assert.DoesNotContain(handle, problem.GetRawText(), StringComparison.Ordinal);
        }

        using (var batchResponse = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandles":["{{altered}}"]}"""))
        {
            var batch = await ReadJsonAsync(batchResponse);
            Assert.Equal(ErrorCodes.ReceiptHandleInvalid, batch.GetProperty("results")[0].GetProperty("code").GetString());
        }

        var peeked = Assert.Single(await PeekAsync(name));
        Assert.Equal("in-flight", peeked.GetProperty("state").GetString());
        Assert.Equal(message.GetProperty("visibleAt").GetDateTimeOffset(), peeked.GetProperty("visibleAt").GetDateTimeOffset());
        using var acked = await PostAsync($"/v1/queues/{name}/messages/ack", $$"""{"receiptHandle":"{{handle}}"}""");
        Assert.Equal(HttpStatusCode.NoContent, acked.StatusCode);
    }

    [Fact]
    public async Task Peek_LeasedMessage_ResponseHoldsNoReceiptHandle()
    {
        var name = NewName();
        await CreateQueueAsync(name);
        await PublishAsync(name);
        var handle = Assert.Single(await ReceiveAsync(name, """{"visibilityTimeoutSeconds":60}""")).GetProperty("receiptHandle").GetString()!;

        using var response = await Client.GetAsync($"/v1/queues/{name}/messages?max=100");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("receiptHandle", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(handle, text, StringComparison.Ordinal);
        Assert.Contains("in-flight", text, StringComparison.Ordinal);
    }

    /// <summary>The handle with one bit of its lease generation flipped (byte 20 of 39).</summary>
    internal static string Altered(string handle)
    {
        var bytes = Base64Url.DecodeFromChars(handle);
        bytes[20] ^= 1;
        return Base64Url.EncodeToString(bytes);
    }
}
