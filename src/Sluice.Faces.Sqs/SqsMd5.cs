using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Faces.Sqs;

/// <summary>The digests SQS clients verify: MD5 of a body, and of a set of message (or system) attributes.</summary>
internal static class SqsMd5
{
    /// <summary>Lower-case hex MD5 of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string OfText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var n = Encoding.UTF8.GetBytes(text, rented);
            return OfBytes(rented.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Lower-case hex MD5 of bytes.</summary>
    public static string OfBytes(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
#pragma warning disable CA5351 // MD5 is the SQS wire format's checksum, not a security control.
        MD5.HashData(bytes, hash);
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// MD5OfMessageAttributes (spec §5.2): attributes sorted by name (ordinal); each adds the length-prefixed name, the
    /// length-prefixed data type, a transport byte (1 string, 2 binary) and the length-prefixed value.
    /// </summary>
    /// <returns>The digest, or <see langword="null"/> when there are no attributes.</returns>
    public static string? OfAttributes(IEnumerable<KeyValuePair<string, MessageAttributeValue>> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var sorted = attributes.ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
#pragma warning disable CA5351 // MD5 is the SQS wire format's checksum, not a security control.
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        foreach (var (name, value) in sorted)
        {
            AppendString(md5, name);
            AppendString(md5, value.DataType);
            if (value.BinaryValue is { } binary)
            {
                md5.AppendData([2]);
                AppendLength(md5, binary.Length);
                md5.AppendData(binary.Span);
            }
            else
            {
                md5.AppendData([1]);
                AppendString(md5, value.StringValue ?? "");
            }
        }

        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    private static void AppendString(IncrementalHash md5, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        AppendLength(md5, bytes.Length);
        md5.AppendData(bytes);
    }

    private static void AppendLength(IncrementalHash md5, int length)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        md5.AppendData(prefix);
    }
}
