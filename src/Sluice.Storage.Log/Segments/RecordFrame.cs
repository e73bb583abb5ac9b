using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Sluice.Storage.Log.Segments;

/// <summary>
/// The framing of one record in a segment: a 16-byte header, then the payload.
/// Header: payload length (u32, little-endian), type (1 byte), 3 bytes that must be zero, checksum (u64, little-endian:
/// XxHash3-64 of the payload seeded with the store's salt, the record's position, length and type: see <see cref="Checksum"/>).
/// An all-zero header never checks (the hash of an empty payload with seed 0 is not 0), so unwritten (preallocated or
/// zero-filled) space never reads as a record.
/// </summary>
internal static class RecordFrame
{
    public const int HeaderBytes = SegmentLog.HeaderBytes;

    /// <summary>The largest payload a record may carry: 1 GiB.</summary>
    public const int MaxPayloadBytes = 1 << 30;

    /// <summary>
    /// The record's checksum, bound to where it is and whose it is: seeded with the store's salt (secret, from the identity
    /// file), the record's segment and offset, its length and type. A valid frame copied to another place (inside a
    /// message body, say, or from another store) does not check there, so recovery never takes a body's bytes for a record.
    /// </summary>
    public static ulong Checksum(byte type, ReadOnlySpan<byte> payload, ulong salt, LogPosition position)
    {
        var place = (ulong)position.Segment * 0x9E3779B97F4A7C15UL ^ (ulong)position.Offset * 0xC2B2AE3D27D4EB4FUL;
        return XxHash3.HashToUInt64(payload, (long)(salt ^ place ^ ((ulong)(uint)payload.Length << 8) ^ type));
    }

    /// <summary>Writes the frame (header and payload) of the record at <paramref name="position"/> into <paramref name="destination"/> (at least <see cref="HeaderBytes"/> + payload bytes).</summary>
    public static void Write(Span<byte> destination, byte type, ReadOnlySpan<byte> payload, ulong salt, LogPosition position)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payload.Length);
        destination[4] = type;
        destination[5] = 0;
        destination[6] = 0;
        destination[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Checksum(type, payload, salt, position));
        payload.CopyTo(destination[HeaderBytes..]);
    }

    /// <summary>Reads a header; false (with why) when it cannot start a record of at most <paramref name="room"/> payload bytes.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, long room, out int length, out byte type, out ulong checksum, out string? problem)
    {
        length = 0;
        type = 0;
        checksum = 0;
        if (header.IndexOfAnyExcept((byte)0) < 0)
        {
            problem = "unwritten (zero) bytes where a record header belongs";
            return false;
        }

        var raw = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (header[5] != 0 || header[6] != 0 || header[7] != 0)
        {
            problem = "a record header with damaged reserved bytes";
            return false;
        }

        if (raw > MaxPayloadBytes || raw > room)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"a record length of {raw} bytes that runs past the end of the file");
            return false;
        }

        length = (int)raw;
        type = header[4];
        checksum = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        problem = null;
        return true;
    }
}
