using System.Collections.ObjectModel;
using System.Text;

namespace Sluice.Storage.Sqlite.Internal;

/// <summary>
/// The compact stored form of message attributes: a version byte (1), the count (7-bit encoded), then per attribute
/// the name, the data type, a flags byte (1 = string value, 2 = binary value) and the present values; strings are
/// length-prefixed UTF-8, binaries a 7-bit length and the bytes. No attributes is stored as NULL.
/// </summary>
internal static class AttributeCodec
{
    private const byte Version = 1;

    public static byte[]? Encode(IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return null;
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write7BitEncodedInt(attributes.Count);
            foreach (var (name, value) in attributes)
            {
                writer.Write(name);
                writer.Write(value.DataType);
                var flags = (byte)((value.StringValue is null ? 0 : 1) | (value.BinaryValue is null ? 0 : 2));
                writer.Write(flags);
                if (value.StringValue is { } s)
                {
                    writer.Write(s);
                }

                if (value.BinaryValue is { } b)
                {
                    writer.Write7BitEncodedInt(b.Length);
                    writer.Write(b.Span);
                }
            }
        }

        return stream.ToArray();
    }

    public static IReadOnlyDictionary<string, MessageAttributeValue> Decode(byte[]? data)
    {
        if (data is null || data.Length == 0)
        {
            return ReadOnlyDictionary<string, MessageAttributeValue>.Empty;
        }

        using var stream = new MemoryStream(data, writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadByte() != Version)
        {
            throw new SluiceException(ErrorCodes.Internal, "stored message attributes have an unknown encoding version: the database was written by a newer Sluice");
        }

        var count = reader.Read7BitEncodedInt();
        var result = new Dictionary<string, MessageAttributeValue>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var type = reader.ReadString();
            var flags = reader.ReadByte();
            var s = (flags & 1) != 0 ? reader.ReadString() : null;
            ReadOnlyMemory<byte>? b = null;
            if ((flags & 2) != 0)
            {
                b = reader.ReadBytes(reader.Read7BitEncodedInt());
            }

            result[name] = new MessageAttributeValue(type, s, b);
        }

        return result;
    }
}
