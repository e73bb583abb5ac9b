using System.Buffers;

namespace Sluice.Storage.Sqlite.Internal;

/// <summary>
/// The blob of one stream entry: the field count, then per field its name length, name, value length and value
/// (lengths as 7-bit encoded unsigned integers, little-endian groups).
/// </summary>
internal static class StreamFieldCodec
{
    public static (byte[] Blob, long Size) Encode(IReadOnlyList<StreamField> fields)
    {
        var writer = new ArrayBufferWriter<byte>();
        long size = 0;
        WriteLength(writer, fields.Count);
        foreach (var f in fields)
        {
            WriteLength(writer, f.Name.Length);
            writer.Write(f.Name.Span);
            WriteLength(writer, f.Value.Length);
            writer.Write(f.Value.Span);
            size += f.Size;
        }

        return (writer.WrittenSpan.ToArray(), size);
    }

    public static StreamField[] Decode(byte[] blob)
    {
        var position = 0;
        var fields = new StreamField[ReadLength(blob, ref position)];
        for (var i = 0; i < fields.Length; i++)
        {
            var nameLength = ReadLength(blob, ref position);
            var name = blob.AsMemory(position, nameLength);
            position += nameLength;
            var valueLength = ReadLength(blob, ref position);
            var value = blob.AsMemory(position, valueLength);
            position += valueLength;
            fields[i] = new StreamField(name, value);
        }

        return fields;
    }

    private static void WriteLength(ArrayBufferWriter<byte> writer, int value)
    {
        var v = (uint)value;
        var span = writer.GetSpan(5);
        var n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[n++] = (byte)v;
        writer.Advance(n);
    }

    private static int ReadLength(byte[] blob, ref int position)
    {
        uint value = 0;
        var shift = 0;
        byte b;
        do
        {
            b = blob[position++];
            value |= (uint)(b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        return (int)value;
    }
}
