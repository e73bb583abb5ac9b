using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Sluice.Faces.Rest;

/// <summary>
/// A JSON string held as its UTF-8 bytes: read straight from the request into one array and written straight from the
/// stored body, so a text body never becomes a .NET string on the publish and receive paths.
/// </summary>
[JsonConverter(typeof(Utf8TextConverter))]
internal readonly record struct Utf8Text(ReadOnlyMemory<byte> Bytes);

/// <summary>Reads and writes <see cref="Utf8Text"/> as a JSON string; invalid UTF-8 is a malformed request.</summary>
internal sealed class Utf8TextConverter : JsonConverter<Utf8Text>
{
    public override Utf8Text Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(ReadBytes(ref reader));

    /// <summary>
    /// The bytes of the string or property name at <paramref name="reader"/> (escapes resolved), checked to be UTF-8;
    /// an error names <paramref name="at"/> below the serializer's path (see <see cref="RestJsonError.Create(string, string?)"/>).
    /// </summary>
    public static byte[] ReadBytes(ref Utf8JsonReader reader, string? at = null)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw RestJsonError.Create("expected a JSON string", at);
        }

        byte[] bytes;
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            bytes = reader.ValueSpan.ToArray();
        }
        else
        {
            var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
            var buffer = new byte[length];
            var written = reader.CopyString(buffer);
            bytes = written == length ? buffer : buffer.AsSpan(0, written).ToArray();
        }

        if (!Utf8.IsValid(bytes))
        {
            throw RestJsonError.Create("the string is not valid UTF-8", at);
        }

        return bytes;
    }

    public override void Write(Utf8JsonWriter writer, Utf8Text value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Bytes.Span);
}

/// <summary>
/// Reads and writes message attributes (<c>{"name":{"dataType","stringValue"|"binaryValue"}}</c>) directly to and from
/// the model's dictionary, without an intermediate DTO per attribute.
/// </summary>
internal sealed class AttributesConverter : JsonConverter<IReadOnlyDictionary<string, MessageAttributeValue>>
{
    public override IReadOnlyDictionary<string, MessageAttributeValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw RestJsonError.Create("attributes must be a JSON object of name to {dataType, stringValue | binaryValue}");
        }

        var result = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw RestJsonError.Create($"attribute '{name}' must be an object {{dataType, stringValue | binaryValue}}");
            }

            string? dataType = null;
            string? stringValue = null;
            byte[]? binaryValue = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("dataType"u8))
                {
                    reader.Read();
                    dataType = ReadString(ref reader, name, "dataType");
                }
                else if (reader.ValueTextEquals("stringValue"u8))
                {
                    reader.Read();
                    stringValue = ReadString(ref reader, name, "stringValue");
                }
                else if (reader.ValueTextEquals("binaryValue"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        binaryValue = reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var b)
                            ? b
                            : throw RestJsonError.Create($"attribute '{name}' binaryValue must be a base64 string");
                    }
                }
                else
                {
                    throw RestJsonError.Create($"attribute '{name}' has an unknown property '{reader.GetString()}': use dataType, stringValue, binaryValue");
                }
            }

            if (dataType is null)
            {
                throw RestJsonError.Create($"attribute '{name}' has no dataType: use String, Number or Binary");
            }

            result[name] = new MessageAttributeValue(dataType, stringValue, binaryValue is null ? null : new ReadOnlyMemory<byte>(binaryValue));
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, MessageAttributeValue> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, attribute) in value)
        {
            writer.WritePropertyName(name);
            writer.WriteStartObject();
            writer.WriteString("dataType"u8, attribute.DataType);
            if (attribute.StringValue is not null)
            {
                writer.WriteString("stringValue"u8, attribute.StringValue);
            }

            if (attribute.BinaryValue is { } binary)
            {
                writer.WriteBase64String("binaryValue"u8, binary.Span);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, string property) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw RestJsonError.Create($"attribute '{name}' {property} must be a string"),
    };
}

/// <summary>Writes bytes as a base64 JSON string and reads them back (a body that is not UTF-8 text).</summary>
internal sealed class Base64BytesConverter : JsonConverter<ReadOnlyMemory<byte>>
{
    public override ReadOnlyMemory<byte> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var bytes)
            ? bytes
            : throw RestJsonError.Create("expected a base64 string");

    public override void Write(Utf8JsonWriter writer, ReadOnlyMemory<byte> value, JsonSerializerOptions options) =>
        writer.WriteBase64StringValue(value.Span);
}

/// <summary>
/// A JSON number kept as the text that was sent, so a range check compares the number itself (not a rounded or
/// clamped conversion) and an error quotes it as sent. See <see cref="RestMapping.Seconds"/> and <see cref="RestMapping.Whole"/>.
/// </summary>
[JsonConverter(typeof(RestNumberConverter))]
internal readonly record struct RestNumber(string Text)
{
    public override string ToString() => Text;
}

/// <summary>Reads a JSON number token as <see cref="RestNumber"/>; any other token is a malformed request.</summary>
internal sealed class RestNumberConverter : JsonConverter<RestNumber>
{
    public override RestNumber Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw RestJsonError.Create("expected a JSON number");
        }

        var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
        return new RestNumber(System.Text.Encoding.ASCII.GetString(raw));
    }

    public override void Write(Utf8JsonWriter writer, RestNumber value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Text, skipInputValidation: false);
}
