using Sluice.Storage;

namespace Sluice.Core.Tests;

public class ReceiptHandleTests
{
    [Fact]
    public void Parse_RoundTrip_KeepsSequenceAndAttempt()
    {
        var handle = new ReceiptHandle(123456789012, 7);
        Assert.Equal(handle, ReceiptHandle.Parse(handle.ToString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-handle")]
    [InlineData("AAAAAAAAAAAAAAAA")]
    [InlineData("!!!!!!!!!!!!!!!!")]
    public void Parse_Garbage_ThrowsReceiptHandleInvalid(string? text)
    {
        var ex = Assert.Throws<SluiceException>(() => ReceiptHandle.Parse(text));
        Assert.Equal(ErrorCodes.ReceiptHandleInvalid, ex.ErrorCode);
        Assert.Equal("receiptHandle", ex.Field);
    }
}
