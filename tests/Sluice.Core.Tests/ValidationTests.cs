namespace Sluice.Core.Tests;

public class ValidationTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("orders-v2_eu")]
    public void QueueName_Valid_DoesNotThrow(string name) => Validation.QueueName(name);

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("ümlaut")]
    [InlineData("x/y")]
    public void QueueName_Invalid_NamesTheRule(string name)
    {
        var ex = Assert.Throws<SluiceException>(() => Validation.QueueName(name));
        Assert.Equal(ErrorCodes.InvalidQueueName, ex.ErrorCode);
        Assert.Contains("1-80 characters", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("orders-v2_eu")]
    public void TopicName_Valid_DoesNotThrow(string name) => Validation.TopicName(name);

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("x.fifo")]
    [InlineData("pre:x")]
    [InlineData("us-west-2:orders")]
    [InlineData("ümlaut")]
    public void TopicName_OutsideTheTopicRule_IsInvalidTopicName(string name)
    {
        var ex = Assert.Throws<SluiceException>(() => Validation.TopicName(name));
        Assert.Equal(ErrorCodes.InvalidTopicName, ex.ErrorCode);
        Assert.Equal("topic", ex.Field);
        Assert.Contains("1-80 characters from A-Z a-z 0-9 - _", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopicName_TooLong_IsInvalidTopicName() =>
        Assert.Equal(ErrorCodes.InvalidTopicName, Assert.Throws<SluiceException>(() => Validation.TopicName(new string('a', 81))).ErrorCode);

    [Fact]
    public void QueueName_TooLong_Throws() =>
        Assert.Throws<SluiceException>(() => Validation.QueueName(new string('a', 81)));

    [Fact]
    public void Attributes_NumberThatIsNotANumber_NamesTheField()
    {
        var attrs = new Dictionary<string, MessageAttributeValue> { ["n"] = MessageAttributeValue.FromNumber("abc") };
        var ex = Assert.Throws<SluiceException>(() => Validation.Attributes(attrs, "attributes"));
        Assert.Equal("attributes.n.stringValue", ex.Field);
    }

    [Theory]
    [InlineData("AWS.x")]
    [InlineData(".x")]
    [InlineData("a..b")]
    [InlineData("a b")]
    public void Attributes_BadName_Throws(string name)
    {
        var attrs = new Dictionary<string, MessageAttributeValue> { [name] = MessageAttributeValue.FromString("v") };
        Assert.Throws<SluiceException>(() => Validation.Attributes(attrs, "attributes"));
    }

    [Fact]
    public void Options_MaxReceiveCountWithoutDeadLetterQueue_Throws()
    {
        var ex = Assert.Throws<SluiceException>(() => Validation.Options(new QueueOptions { MaxReceiveCount = 3 }));
        Assert.Equal("deadLetterQueue", ex.Field);
    }

    [Fact]
    public void BrokerOptions_OutOfRange_NamesTheSetting()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new BrokerOptions { MaxBatchSize = 0 }.Validate());
        Assert.Equal("MaxBatchSize", ex.ParamName);
    }

    [Fact]
    public void Message_DelayNotShorterThanRetention_IsRefusedNamingBoth()
    {
        var options = new QueueOptions { RetentionPeriod = TimeSpan.FromHours(1) };

        var ex = Assert.Throws<SluiceException>(() => Validation.Message(new OutgoingMessage("x"u8.ToArray()) { Delay = TimeSpan.FromHours(1) }, options));

        Assert.Equal(ErrorCodes.InvalidArgument, ex.ErrorCode);
        Assert.Equal("message.delay", ex.Field);
        Assert.Contains("shorter than the queue's retentionPeriod (3600 seconds)", ex.Message, StringComparison.Ordinal);
        Validation.Message(new OutgoingMessage("x"u8.ToArray()) { Delay = TimeSpan.FromMinutes(59) }, options);
    }

    [Fact]
    public void Options_DeliveryDelayNotShorterThanRetention_IsRefused()
    {
        var ex = Assert.Throws<SluiceException>(() => Validation.Options(new QueueOptions
        {
            RetentionPeriod = TimeSpan.FromMinutes(5),
            DeliveryDelay = TimeSpan.FromMinutes(10),
        }));

        Assert.Equal("deliveryDelay", ex.Field);
    }
}
