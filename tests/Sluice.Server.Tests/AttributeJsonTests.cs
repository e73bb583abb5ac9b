using System.Text.Json;
using Sluice.Contracts;

namespace Sluice.Server.Tests;

/// <summary>Message attributes as the JSON faces read them: a value without binary bytes has none (not an empty array).</summary>
public class AttributeJsonTests
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new AttributesConverter() } };

    [Fact]
    public void Read_StringAndBinaryAttributes_BinaryValueOnlyWhereSent()
    {
        var attributes = JsonSerializer.Deserialize<IReadOnlyDictionary<string, MessageAttributeValue>>(
            """{"text":{"dataType":"String","stringValue":"hi"},"bytes":{"dataType":"Binary","binaryValue":"AQI="}}""", Options)!;

        Assert.Equal(new MessageAttributeValue("String", "hi", null), attributes["text"]);
        Assert.Null(attributes["text"].BinaryValue);
        Assert.Equal([1, 2], attributes["bytes"].BinaryValue!.Value.ToArray());
    }
}
