namespace Sluice.Core.Tests;

public class EnumNamesTests
{
    [Theory]
    [InlineData(OverflowPolicy.Reject, "reject")]
    [InlineData(OverflowPolicy.DropHead, "drop-head")]
    [InlineData(OverflowPolicy.DeadLetterHead, "dead-letter-head")]
    public void Of_OverflowPolicy_IsKebabCaseAndParsesBack(OverflowPolicy policy, string name)
    {
        Assert.Equal(name, EnumNames.Of(policy));
        Assert.True(EnumNames.TryParse(name, out OverflowPolicy parsed));
        Assert.Equal(policy, parsed);
    }

    [Theory]
    [InlineData(DeduplicationScope.Queue, "queue")]
    [InlineData(DeduplicationScope.MessageGroup, "message-group")]
    public void Of_DeduplicationScope_IsKebabCaseAndParsesBack(DeduplicationScope scope, string name)
    {
        Assert.Equal(name, EnumNames.Of(scope));
        Assert.True(EnumNames.TryParse(name, out DeduplicationScope parsed));
        Assert.Equal(scope, parsed);
    }

    [Theory]
    [InlineData("dropHead", OverflowPolicy.DropHead)]
    [InlineData("DROP-HEAD", OverflowPolicy.DropHead)]
    [InlineData("deadLetterHead", OverflowPolicy.DeadLetterHead)]
    [InlineData("Reject", OverflowPolicy.Reject)]
    public void TryParse_CamelCaseOrOtherCase_Accepted(string text, OverflowPolicy expected)
    {
        Assert.True(EnumNames.TryParse(text, out OverflowPolicy parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("drop_head")]
    [InlineData("drop--head")]
    [InlineData("-reject")]
    [InlineData("reject-")]
    [InlineData("drop head")]
    [InlineData("d-r-o-p-h-e-a-d")]
    [InlineData("dead-letterhead")]
    [InlineData("Drop-Hea-d")]
    [InlineData("1")]
    public void TryParse_NotAPolicy_Refused(string? text) => Assert.False(EnumNames.TryParse(text, out OverflowPolicy _));

    [Theory]
    [InlineData("messageGroup", DeduplicationScope.MessageGroup)]
    [InlineData("Message-Group", DeduplicationScope.MessageGroup)]
    [InlineData("QUEUE", DeduplicationScope.Queue)]
    public void TryParse_ScopeInEitherSpelling_Accepted(string text, DeduplicationScope expected)
    {
        Assert.True(EnumNames.TryParse(text, out DeduplicationScope parsed));
        Assert.Equal(expected, parsed);
    }
}
