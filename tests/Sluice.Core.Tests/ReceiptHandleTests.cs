using System.Buffers.Text;
using Sluice.Storage;

namespace Sluice.Core.Tests;

public class ReceiptHandleTests
{
    private static readonly QueueInfo Jobs = new("jobs", new QueueOptions(), new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Parse_IssuedHandle_KeepsQueueSequenceAndAttempt()
    {
        var text = ReceiptHandle.Issue(Jobs, 123456789012, 7);

        var handle = ReceiptHandle.Parse(text, Jobs);

        Assert.Equal(new ReceiptHandle(ReceiptHandle.QueueTagOf(Jobs), 123456789012, 7), handle);
        Assert.Equal(28, text.Length);
        Assert.Equal(ReceiptHandle.Version, Base64Url.DecodeFromChars(text)[0]);
    }

    [Fact]
    public void Parse_HandleOfAnotherQueue_ThrowsReceiptHandleInvalidNamingTheQueue()
    {
        var text = ReceiptHandle.Issue(Jobs, 1, 1);
        var other = Jobs with { Name = "other" };

        var ex = Assert.Throws<SluiceException>(() => ReceiptHandle.Parse(text, other));

        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, ex.ErrorCode);
        Assert.Equal("receiptHandle", ex.Field);
        Assert.Contains("'other'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QueueTagOf_RecreatedQueueOrOtherName_Differs_UpdatedOptions_Same()
    {
        var tag = ReceiptHandle.QueueTagOf(Jobs);

        Assert.NotEqual(tag, ReceiptHandle.QueueTagOf(Jobs with { CreatedAt = Jobs.CreatedAt.AddMilliseconds(1) }));
        Assert.NotEqual(tag, ReceiptHandle.QueueTagOf(Jobs with { Name = "jobs2" }));
        Assert.Equal(tag, ReceiptHandle.QueueTagOf(Jobs with { Options = new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) } }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-handle")]
    [InlineData("AAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Parse_Garbage_ThrowsReceiptHandleInvalid(string? text)
    {
        var ex = Assert.Throws<SluiceException>(() => ReceiptHandle.Parse(text, Jobs));
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, ex.ErrorCode);
        Assert.Equal("receiptHandle", ex.Field);
    }

    [Fact]
    public void Parse_UnknownVersion_ThrowsReceiptHandleInvalid()
    {
        var bytes = Base64Url.DecodeFromChars(ReceiptHandle.Issue(Jobs, 5, 2));
        bytes[0] = 2;

        var ex = Assert.Throws<SluiceException>(() => ReceiptHandle.Parse(Base64Url.EncodeToString(bytes), Jobs));

        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, ex.ErrorCode);
    }
}
