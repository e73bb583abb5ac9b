using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Sluice.Faces.Sqs;

namespace Sluice.Server.Tests.Sqs;

public sealed class SqsMd5Tests
{
    private static readonly MessageAttributeValue Xxx = MessageAttributeValue.FromString("xxx");
    private static readonly MessageAttributeValue Attrib1 = MessageAttributeValue.FromString("attribValue 1");
    private static readonly MessageAttributeValue Float = new("Number.float", "4563442423554324324264524243.32543234");
    private static readonly MessageAttributeValue Binary = MessageAttributeValue.FromBinary(Encoding.UTF8.GetBytes("Hello binary world!"));

    [Fact]
    public void OfText_Foo_MatchesSpec() => Assert.Equal("acbd18db4cc2f85cedef654fccc4a4d8", SqsMd5.OfText("foo"));

    [Theory]
    [InlineData("XXX", "37819bc3d58fcdbf7bc9aa49ff38a4e6")]
    [InlineData("attribName1", "19e27d4e946b072f3f58da80d94fd778")]
    [InlineData("customNumberTypeAttrib", "9fe1b90bbd9965bdf77bac517c7d2495")]
    [InlineData("binaryAttribute", "31a92b15d92f8db860eda32aceb656c3")]
    public void OfAttributes_SingleVector_MatchesSpec(string name, string expected)
    {
        var value = name switch
        {
            "XXX" => Xxx,
            "attribName1" => Attrib1,
            "customNumberTypeAttrib" => Float,
            _ => Binary,
        };
        Assert.Equal(expected, SqsMd5.OfAttributes([new(name, value)]));
    }

    [Fact]
    public void OfAttributes_ThreeTogetherInAnyOrder_MatchesSpec()
    {
        var expected = "c932db14a896c663f83c260297d594ff";
        Assert.Equal(expected, SqsMd5.OfAttributes([new("attribName1", Attrib1), new("customNumberTypeAttrib", Float), new("binaryAttribute", Binary)]));
        Assert.Equal(expected, SqsMd5.OfAttributes([new("binaryAttribute", Binary), new("customNumberTypeAttrib", Float), new("attribName1", Attrib1)]));
    }

    [Fact]
    public void OfAttributes_FourByteCharacter_UsesUtf8Length() =>
        Assert.Equal("23bf3e5b587065b0cfbe95761641595a", SqsMd5.OfAttributes([new("XXX", MessageAttributeValue.FromString("😇"))]));

    [Fact]
    public void OfAttributes_None_Null() => Assert.Null(SqsMd5.OfAttributes([]));
}

public sealed class SqsQueryFormTests
{
    private static JsonObject Shape(string action, params (string Key, string Value)[] fields) =>
        SqsQueryForm.ToShape(action, fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    [Fact]
    public void ToShape_CreateQueueAttributesAndTags_MapsAndLowercaseTags()
    {
        var shape = Shape("CreateQueue", ("Action", "CreateQueue"), ("Version", "2012-11-05"), ("QueueName", "q"),
            ("Attribute.2.Name", "DelaySeconds"), ("Attribute.2.Value", "5"), ("Attribute.1.Name", "VisibilityTimeout"), ("Attribute.1.Value", "60"),
            ("Tag.1.Key", "team"), ("Tag.1.Value", "core"));
        Assert.Equal("""{"QueueName":"q","Attributes":{"VisibilityTimeout":"60","DelaySeconds":"5"},"tags":{"team":"core"}}""", shape.ToJsonString());
    }

    [Fact]
    public void ToShape_SendMessageBatchWithAttributes_EntriesInIndexOrder()
    {
        var shape = Shape("SendMessageBatch", ("QueueUrl", "http://h/000000000000/q"),
            ("SendMessageBatchRequestEntry.10.Id", "b"), ("SendMessageBatchRequestEntry.10.MessageBody", "two"),
            ("SendMessageBatchRequestEntry.2.Id", "a"), ("SendMessageBatchRequestEntry.2.MessageBody", "one"),
            ("SendMessageBatchRequestEntry.2.DelaySeconds", "3"),
            ("SendMessageBatchRequestEntry.2.MessageAttribute.1.Name", "k"),
            ("SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType", "String"),
            ("SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue", "v"));
        Assert.Equal(
            """{"QueueUrl":"http://h/000000000000/q","Entries":[{"Id":"a","MessageBody":"one","DelaySeconds":3,"MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}},{"Id":"b","MessageBody":"two"}]}""",
            shape.ToJsonString());
    }

    [Fact]
    public void ToShape_ReceiveMessageListsAndInts_ListsAndNumbers()
    {
        var shape = Shape("ReceiveMessage", ("MaxNumberOfMessages", "10"), ("WaitTimeSeconds", "abc"), ("AttributeName.1", "All"),
            ("MessageSystemAttributeName.1", "SentTimestamp"), ("MessageAttributeName.1", "order.*"), ("MessageAttributeName.2", "x"));
        Assert.Equal(
            """{"MaxNumberOfMessages":10,"WaitTimeSeconds":"abc","AttributeNames":["All"],"MessageSystemAttributeNames":["SentTimestamp"],"MessageAttributeNames":["order.*","x"]}""",
            shape.ToJsonString());
    }

    [Fact]
    public void ToShape_OtherBatchesAndPermissions_Converted()
    {
        Assert.Equal("""{"Entries":[{"Id":"a","ReceiptHandle":"h","VisibilityTimeout":5}]}""",
            Shape("ChangeMessageVisibilityBatch", ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "a"),
                ("ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", "h"), ("ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "5")).ToJsonString());
        Assert.Equal("""{"Entries":[{"Id":"a","ReceiptHandle":"h"}]}""",
            Shape("DeleteMessageBatch", ("DeleteMessageBatchRequestEntry.1.Id", "a"), ("DeleteMessageBatchRequestEntry.1.ReceiptHandle", "h")).ToJsonString());
        Assert.Equal("""{"TagKeys":["a","b"]}""", Shape("UntagQueue", ("TagKey.1", "a"), ("TagKey.2", "b")).ToJsonString());
        Assert.Equal("""{"Tags":{"a":"1"}}""", Shape("TagQueue", ("Tag.1.Key", "a"), ("Tag.1.Value", "1")).ToJsonString());
        Assert.Equal("""{"Label":"l","AWSAccountIds":["1"],"Actions":["SendMessage"]}""",
            Shape("AddPermission", ("Label", "l"), ("AWSAccountId.1", "1"), ("ActionName.1", "SendMessage")).ToJsonString());
        Assert.Equal("""{"MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1"}}}""",
            Shape("SendMessage", ("MessageSystemAttribute.1.Name", "AWSTraceHeader"), ("MessageSystemAttribute.1.Value.DataType", "String"),
                ("MessageSystemAttribute.1.Value.StringValue", "Root=1")).ToJsonString());
    }
}

public sealed class SqsXmlTests
{
    [Fact]
    public void WriteResult_BodyWithCrLf_EscapesCarriageReturnAndRoundTrips()
    {
        var result = new JsonObject
        {
            ["Messages"] = new JsonArray(new JsonObject
            {
                ["Body"] = "a\r\nb\rc",
                ["Attributes"] = new JsonObject { ["SentTimestamp"] = "1" },
                ["MessageAttributes"] = new JsonObject { ["k"] = new JsonObject { ["StringValue"] = "v", ["DataType"] = "String" } },
            }),
        };
        using var buffer = new MemoryStream();
        SqsXml.WriteResult(buffer, "ReceiveMessage", result, "rid");
        var text = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.Contains("<Body>a&#xD;\nb&#xD;c</Body>", text, StringComparison.Ordinal);
        var doc = XDocument.Parse(text);
        XNamespace ns = SqsXml.Namespace;
        var message = doc.Root!.Element(ns + "ReceiveMessageResult")!.Element(ns + "Message")!;
        Assert.Equal("a\r\nb\rc", message.Element(ns + "Body")!.Value);
        Assert.Equal("SentTimestamp", message.Element(ns + "Attribute")!.Element(ns + "Name")!.Value);
        Assert.Equal("v", message.Element(ns + "MessageAttribute")!.Element(ns + "Value")!.Element(ns + "StringValue")!.Value);
        Assert.Equal("rid", doc.Root.Element(ns + "ResponseMetadata")!.Element(ns + "RequestId")!.Value);
    }

    [Fact]
    public void WriteResult_BatchLists_FlattenedEntryNames()
    {
        var result = new JsonObject
        {
            ["Successful"] = new JsonArray(new JsonObject { ["Id"] = "a" }),
            ["Failed"] = new JsonArray(new JsonObject { ["Id"] = "b", ["SenderFault"] = true, ["Code"] = "X", ["Message"] = "m" }),
        };
        using var buffer = new MemoryStream();
        SqsXml.WriteResult(buffer, "DeleteMessageBatch", result, "rid");
        var text = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.Contains("<DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry>", text, StringComparison.Ordinal);
        Assert.Contains("<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteError_QueueMissing_LegacyCodeAndType()
    {
        using var buffer = new MemoryStream();
        SqsXml.WriteError(buffer, SqsError.QueueDoesNotExist, "gone", "rid");
        var doc = XDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray()));
        XNamespace ns = SqsXml.Namespace;
        var error = doc.Root!.Element(ns + "Error")!;
        Assert.Equal("Sender", error.Element(ns + "Type")!.Value);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", error.Element(ns + "Code")!.Value);
        Assert.Equal("rid", doc.Root.Element(ns + "RequestId")!.Value);
    }
}

public sealed class SqsQueryFormLimitTests
{
    [Fact]
    public void ToShape_DeepKey_RefusedWithoutRecursion()
    {
        var key = string.Concat(Enumerable.Repeat("a.", 30000)) + "b";
        var error = Assert.Throws<SqsException>(() => SqsQueryForm.ToShape("ListQueues", [new(key, "1")]));
        Assert.Equal(SqsError.MalformedRequest, error.Error);
    }

    [Fact]
    public void ToShape_NestedWithinLimit_Built()
    {
        var shape = SqsQueryForm.ToShape("X", [new("A.B.C.D.E.F.G.H.I", "1")]);
        Assert.Equal("""{"A":{"B":{"C":{"D":{"E":{"F":{"G":{"H":{"I":"1"}}}}}}}}}""", shape.ToJsonString());
    }
}

public sealed class SqsNumberRuleTests
{
    [Theory]
    [InlineData("1E+100")]
    [InlineData("1e100")]
    [InlineData("-1.5E-3")]
    [InlineData("+12")]
    [InlineData("0")]
    [InlineData("0.000")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1E+126")]
    [InlineData("9.9999999999999999999999999999999999999E+126")]
    [InlineData("1E-128")]
    [InlineData("12345678901234567890123456789012345678")]
    [InlineData("1234567890123456789012345678901234567800000")]
    [InlineData("0.00012345678901234567890123456789012345678")]
    [InlineData("4563442423554324324264524243.32543234")]
    [InlineData("0E+999999999999")]
    public void IsNumber_SqsNumbers_Accepted(string text) => Assert.True(Validation.IsNumber(text), text);

    [Theory]
    [InlineData("1E+127")]
    [InlineData("10E+126")]
    [InlineData("1E-129")]
    [InlineData("0.1E-128")]
    [InlineData("123456789012345678901234567890123456789")]
    [InlineData("1.23456789012345678901234567890123456789")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1.2.3")]
    [InlineData("1 ")]
    [InlineData(" 1")]
    [InlineData("0x10")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1E+99999999999999999999999")]
    public void IsNumber_NotSqsNumbers_Refused(string text) => Assert.False(Validation.IsNumber(text), text);
}

public sealed class SqsRegionNameTests
{
    [Theory]
    [InlineData("orders", true, true)]
    [InlineData("orders.fifo", true, true)]
    [InlineData("us-west-2:orders", true, false)]
    [InlineData("us-west-2:orders.fifo", true, false)]
    [InlineData("US-WEST-2:orders", false, false)]
    [InlineData(":orders", false, false)]
    [InlineData("us-west-2:", false, false)]
    [InlineData("a:b:c", false, false)]
    [InlineData("us-west-2:bad name", false, false)]
    public void QueueName_RegionForm_BrokerAcceptsOnlyRegionColonPlainNameAndSqsOnlyPlain(string name, bool broker, bool sqs)
    {
        Assert.Equal(broker, Validation.IsValidQueueName(name));
        Assert.Equal(sqs, SqsEnv.IsSqsName(name));
    }
}
