namespace Sluice.Core.Tests;

public sealed class StreamEntryIdTests
{
    [Theory]
    [InlineData("0-0", 0UL, 0UL)]
    [InlineData("1526919030474-55", 1526919030474UL, 55UL)]
    [InlineData("18446744073709551615-18446744073709551615", ulong.MaxValue, ulong.MaxValue)]
    [InlineData("42", 42UL, 7UL)]
    public void TryParse_ValidText_ParsesBothForms(string text, ulong ms, ulong seq)
    {
        Assert.True(StreamEntryId.TryParse(text.AsSpan(), 7, out var id));
        Assert.Equal(new StreamEntryId(ms, seq), id);
        Assert.True(StreamEntryId.TryParse(System.Text.Encoding.ASCII.GetBytes(text), 7, out var utf8));
        Assert.Equal(id, utf8);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("1-2-3")]
    [InlineData("+1-0")]
    [InlineData(" 1-0")]
    [InlineData("18446744073709551616-0")]
    [InlineData("a-b")]
    public void TryParse_InvalidText_Fails(string text)
    {
        Assert.False(StreamEntryId.TryParse(text.AsSpan(), 0, out _));
        Assert.False(StreamEntryId.TryParse(System.Text.Encoding.ASCII.GetBytes(text), 0, out _));
        var ex = Assert.Throws<SluiceException>(() => StreamEntryId.Parse(text));
        Assert.Equal(ErrorCodes.StreamIdInvalid, ex.ErrorCode);
    }

    [Fact]
    public void Format_TextAndUtf8_AreMsDashSeq()
    {
        var id = new StreamEntryId(ulong.MaxValue, 3);
        Assert.Equal("18446744073709551615-3", id.ToString());
        Span<byte> buffer = stackalloc byte[41];
        Assert.True(id.TryFormat(buffer, out var written));
        Assert.Equal("18446744073709551615-3", System.Text.Encoding.ASCII.GetString(buffer[..written]));
        Assert.False(id.TryFormat(buffer[..5], out _));
    }

    [Fact]
    public void Compare_OrdersByMillisecondsThenSequence()
    {
        Assert.True(new StreamEntryId(1, ulong.MaxValue) < new StreamEntryId(2, 0));
        Assert.True(new StreamEntryId(2, 1) > new StreamEntryId(2, 0));
        Assert.Equal(StreamEntryId.MaxValue, StreamEntryId.Max(StreamEntryId.MaxValue, StreamEntryId.MinValue));
        Assert.Equal(StreamEntryId.MinValue, StreamEntryId.Min(StreamEntryId.MaxValue, StreamEntryId.MinValue));
    }

    [Fact]
    public void IncrementAndDecrement_CarryAcrossMillisecondsAndStopAtTheEnds()
    {
        Assert.True(new StreamEntryId(1, ulong.MaxValue).TryIncrement(out var next));
        Assert.Equal(new StreamEntryId(2, 0), next);
        Assert.False(StreamEntryId.MaxValue.TryIncrement(out _));
        Assert.True(new StreamEntryId(2, 0).TryDecrement(out var previous));
        Assert.Equal(new StreamEntryId(1, ulong.MaxValue), previous);
        Assert.False(StreamEntryId.MinValue.TryDecrement(out _));
    }
}
