using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Sluice.Contracts;

/// <summary>
/// A JSON string held as its UTF-8 bytes: read straight from the request into one array and written straight from the
/// stored body, so a text body never becomes a .NET string on the publish and receive paths.
/// </summary>
/// <param name="Bytes">The text's UTF-8 bytes (valid UTF-8 when read by <see cref="Utf8TextConverter"/>).</param>
[JsonConverter(typeof(Utf8TextConverter))]
public readonly record struct Utf8Text(ReadOnlyMemory<byte> Bytes)
{
    /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
    /// <param name="text">Any string.</param>
    /// <returns>The text as UTF-8 (a lone surrogate becomes U+FFFD).</returns>
    public static Utf8Text FromString(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The text decoded from UTF-8.</summary>
    /// <returns>The string the bytes encode.</returns>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(Bytes.Span);
}

/// <summary>Reads and writes <see cref="Utf8Text"/> as a JSON string; invalid UTF-8 is refused (<see cref="RestJsonError"/>).</summary>
public sealed class Utf8TextConverter : JsonConverter<Utf8Text>
{
    /// <inheritdoc/>
    public override Utf8Text Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(ReadBytes(ref reader));

    /// <summary>
    /// The bytes of the string or property name at <paramref name="reader"/> (escapes resolved), checked to be UTF-8;
    /// an error names <paramref name="at"/> below the serializer's path (see <see cref="RestJsonError.Create(string, string?)"/>).
    /// </summary>
    /// <param name="reader">A reader on a string or property-name token.</param>
    /// <param name="at">The converter's position inside the value, for errors; <see langword="null"/> for the serializer's path.</param>
    /// <returns>A new array with the bytes.</returns>
    /// <exception cref="JsonException">The token is not a string, or its bytes are not UTF-8.</exception>
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

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, Utf8Text value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Bytes.Span);
    }
}

/// <summary>
/// Reads and writes message attributes (<c>{"name":{"dataType","stringValue"|"binaryValue"}}</c>, binaryValue in base64)
/// directly to and from the model's dictionary, without an intermediate DTO per attribute.
/// </summary>
public sealed class AttributesConverter : JsonConverter<IReadOnlyDictionary<string, MessageAttributeValue>>
{
    /// <inheritdoc/>
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

            result[name] = new MessageAttributeValue(dataType, stringValue, binaryValue is null ? (ReadOnlyMemory<byte>?)null : binaryValue);
        }

        return result;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, MessageAttributeValue> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
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

/// <summary>Writes bytes as a base64 JSON string (RFC 4648, with padding) and reads them back (a body that is not UTF-8 text).</summary>
public sealed class Base64BytesConverter : JsonConverter<ReadOnlyMemory<byte>>
{
    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var bytes)
            ? bytes
            : throw RestJsonError.Create("expected a base64 string");

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ReadOnlyMemory<byte> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBase64StringValue(value.Span);
    }
}

/// <summary>
/// A JSON number kept as the text that was sent, so a range check compares the number itself (not a rounded or
/// clamped conversion) and an error quotes it as sent. A client converts a <see cref="long"/> or <see cref="double"/>
/// to one implicitly (<see cref="FromInt64(long)"/>, <see cref="FromDouble(double)"/>).
/// </summary>
/// <param name="Text">The number's JSON text, such as <c>30</c> or <c>1.5</c>.</param>
[JsonConverter(typeof(RestNumberConverter))]
public readonly record struct RestNumber(string Text)
{
    /// <summary>A whole number.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The number as JSON text (invariant culture).</returns>
    public static RestNumber FromInt64(long value) => new(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A number such as a duration in seconds, in the shortest text that round-trips.</summary>
    /// <param name="value">A finite value.</param>
    /// <returns>The number as JSON text (invariant culture, as System.Text.Json writes a double).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite (JSON has no such number).</exception>
    public static RestNumber FromDouble(double value) => double.IsFinite(value)
        ? new(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
        : throw new ArgumentOutOfRangeException(nameof(value), value, "a JSON number is finite");

    /// <summary>A whole number (<see cref="FromInt64(long)"/>).</summary>
    /// <param name="value">The value.</param>
    public static implicit operator RestNumber(long value) => FromInt64(value);

    /// <summary>A number in the shortest text that round-trips (<see cref="FromDouble(double)"/>).</summary>
    /// <param name="value">A finite value.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public static implicit operator RestNumber(double value) => FromDouble(value);

    /// <summary>The number's text as sent.</summary>
    /// <returns><see cref="Text"/>.</returns>
    public override string ToString() => Text;
}

/// <summary>Reads a JSON number token as <see cref="RestNumber"/> (any other token is refused) and writes it back unchanged.</summary>
public sealed class RestNumberConverter : JsonConverter<RestNumber>
{
    /// <inheritdoc/>
    public override RestNumber Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw RestJsonError.Create("expected a JSON number");
        }

        var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
        return new RestNumber(System.Text.Encoding.ASCII.GetString(raw));
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, RestNumber value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(value.Text, skipInputValidation: false);
    }
}

/// <summary>
/// A JSON value (a filter policy) written as its raw text, unchanged: re-encoding would escape non-ASCII characters the
/// canonical form keeps as they are, or fail on escapes the server must judge (a lone surrogate). Read as a copy of the value.
/// </summary>
public sealed class RawJsonConverter : JsonConverter<JsonElement>
{
    /// <inheritdoc/>
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.Clone();
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
    }
}
