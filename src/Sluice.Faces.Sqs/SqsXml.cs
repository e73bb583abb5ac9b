using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace Sluice.Faces.Sqs;

/// <summary>
/// Renders a JSON-shaped result as the Query protocol's XML: <c>{Action}Response/{Action}Result</c> with SQS's
/// flattened lists and maps. Carriage returns are written as <c>&amp;#xD;</c> so bodies round-trip byte for byte.
/// </summary>
internal static class SqsXml
{
    /// <summary>The namespace of every SQS Query response.</summary>
    public const string Namespace = "http://queue.amazonaws.com/doc/2012-11-05/";

    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(false),
        NewLineHandling = NewLineHandling.Entitize,
        CheckCharacters = false,
        Indent = false,
        OmitXmlDeclaration = false,
        Async = false,
    };

    /// <summary>Writes a success response.</summary>
    public static void WriteResult(Stream output, string action, JsonObject result, string requestId)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var w = XmlWriter.Create(output, Settings);
        w.WriteStartDocument();
        w.WriteStartElement(action + "Response", Namespace);
        w.WriteStartElement(action + "Result");
        foreach (var (name, node) in result)
        {
            WriteMember(w, action, name, node);
        }

        w.WriteEndElement();
        w.WriteStartElement("ResponseMetadata");
        w.WriteElementString("RequestId", requestId);
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    /// <summary>Writes an error response.</summary>
    public static void WriteError(Stream output, SqsError error, string message, string requestId)
    {
        ArgumentNullException.ThrowIfNull(error);
        using var w = XmlWriter.Create(output, Settings);
        w.WriteStartDocument();
        w.WriteStartElement("ErrorResponse", Namespace);
        w.WriteStartElement("Error");
        w.WriteElementString("Type", error.FaultType);
        w.WriteElementString("Code", error.QueryCode);
        w.WriteElementString("Message", Safe(message));
        w.WriteStartElement("Detail");
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteElementString("RequestId", requestId);
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    private static void WriteMember(XmlWriter w, string action, string name, JsonNode? node)
    {
        switch (node)
        {
            case null:
                return;
            case JsonArray array:
                var item = ItemName(action, name);
                foreach (var element in array)
                {
                    WriteMember(w, action, item, element);
                }

                return;
            case JsonObject obj when MapEntry(name) is { } entry:
                foreach (var (key, value) in obj)
                {
                    w.WriteStartElement(entry.Element);
                    w.WriteElementString(entry.Key, Safe(key));
                    WriteMember(w, action, entry.Value, value);
                    w.WriteEndElement();
                }

                return;
            case JsonObject obj:
                w.WriteStartElement(name);
                foreach (var (key, value) in obj)
                {
                    WriteMember(w, action, key, value);
                }

                w.WriteEndElement();
                return;
            default:
                w.WriteElementString(name, Safe(Text(node)));
                return;
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every character XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF)
    /// replaced by U+FFFD, so the document always parses. Input validation keeps such characters out of stored data; this
    /// covers echoed input in error messages.
    /// </summary>
    internal static string Safe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (SqsInput.IsAllowedText(text))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            var ok = Rune.DecodeFromUtf16(span, out var rune, out var consumed) == OperationStatus.Done && SqsInput.IsAllowed(rune.Value);
            if (ok)
            {
                sb.Append(span[..consumed]);
            }
            else
            {
                sb.Append('\uFFFD');
            }

            span = span[consumed..];
        }

        return sb.ToString();
    }

    private static string Text(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => node.ToJsonString(),
    };

    private static string ItemName(string action, string name) => name switch
    {
        "QueueUrls" or "queueUrls" => "QueueUrl",
        "Messages" => "Message",
        "Successful" => action + "ResultEntry",
        "Failed" => "BatchResultErrorEntry",
        "Results" => action + "ResultEntry",
        _ => name,
    };

    private static (string Element, string Key, string Value)? MapEntry(string name) => name switch
    {
        "Attributes" => ("Attribute", "Name", "Value"),
        "MessageAttributes" => ("MessageAttribute", "Name", "Value"),
        "MessageSystemAttributes" => ("MessageSystemAttribute", "Name", "Value"),
        "Tags" => ("Tag", "Key", "Value"),
        _ => null,
    };
}
