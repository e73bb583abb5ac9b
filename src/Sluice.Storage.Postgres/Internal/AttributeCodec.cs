using System.Collections.ObjectModel;
using System.Text.Json;

namespace Sluice.Storage.Postgres.Internal;

/// <summary>
/// Message attributes as stored in <c>messages.attributes</c>: UTF-8 JSON, an object of name to
/// <see cref="StoredAttribute"/>, in a <c>bytea</c> column (the <c>jsonb</c> type refuses the NUL character a string
/// value may hold). No attributes is NULL.
/// </summary>
internal static class AttributeCodec
{
    public static byte[]? Encode(IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return null;
        }

        var stored = new Dictionary<string, StoredAttribute>(attributes.Count, StringComparer.Ordinal);
        foreach (var (name, value) in attributes)
        {
            stored[name] = new StoredAttribute(value.DataType, value.StringValue, value.BinaryValue?.ToArray());
        }

        return JsonSerializer.SerializeToUtf8Bytes(stored, StoreJsonContext.Default.DictionaryStringStoredAttribute);
    }

    public static IReadOnlyDictionary<string, MessageAttributeValue> Decode(byte[]? data)
    {
        if (data is null || data.Length == 0)
        {
            return ReadOnlyDictionary<string, MessageAttributeValue>.Empty;
        }

        var stored = JsonSerializer.Deserialize(data, StoreJsonContext.Default.DictionaryStringStoredAttribute)
            ?? throw new SluiceException(ErrorCodes.Internal, "stored message attributes are not a JSON object: the database is damaged");
        var result = new Dictionary<string, MessageAttributeValue>(stored.Count, StringComparer.Ordinal);
        foreach (var (name, a) in stored)
        {
            result[name] = new MessageAttributeValue(a.T, a.S, a.B is null ? null : (ReadOnlyMemory<byte>?)a.B);
        }

        return result;
    }
}
