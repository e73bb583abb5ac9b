using System.Buffers.Binary;
using System.Buffers.Text;

namespace Sluice.Storage;

/// <summary>
/// A parsed receipt handle: the stored message's sequence number and the fencing token (the message's lease
/// generation when the handle was issued: + 1 at every receive and every move between queues, never reset, so no
/// handle is ever issued twice). The text form is 16 characters of base64url over 12 bytes (8-byte big-endian
/// sequence, 4-byte big-endian generation). A handle whose generation is not the message's latest is stale.
/// </summary>
/// <param name="Sequence">The store's sequence number of the message (positive).</param>
/// <param name="Attempt">The lease generation when the handle was issued (the fencing token, positive).</param>
public readonly record struct ReceiptHandle(long Sequence, int Attempt)
{
    private const int ByteLength = 12;

    /// <summary>The handle's text form.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        BinaryPrimitives.WriteInt64BigEndian(bytes, Sequence);
        BinaryPrimitives.WriteInt32BigEndian(bytes[8..], Attempt);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Parses a handle's text form.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.ReceiptHandleInvalid"/> when the text is not a handle.</exception>
    public static ReceiptHandle Parse(string? text)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        if (string.IsNullOrEmpty(text) || text.Length != 16 || !Base64Url.IsValid(text) ||
            !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != ByteLength)
        {
            throw new SluiceException(ErrorCodes.ReceiptHandleInvalid,
                $"receipt handle '{Truncate(text)}' is invalid: use the receiptHandle returned by a receive on this queue", "receiptHandle");
        }

        var handle = new ReceiptHandle(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt32BigEndian(bytes[8..]));
        if (handle.Sequence <= 0 || handle.Attempt <= 0)
        {
            throw new SluiceException(ErrorCodes.ReceiptHandleInvalid,
                $"receipt handle '{text}' is invalid: use the receiptHandle returned by a receive on this queue", "receiptHandle");
        }

        return handle;
    }

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>The error for a handle whose message is gone.</summary>
    public static SluiceException NotFound(string queue, string text) => new(ErrorCodes.MessageNotFound,
        $"receipt handle '{text}' names no message in queue '{queue}': it was already acknowledged, purged, expired or dead-lettered",
        "receiptHandle");

    /// <summary>The error for a handle whose fencing token is stale.</summary>
    public static SluiceException Stale(string queue, string text) => new(ErrorCodes.ReceiptHandleStale,
        $"receipt handle '{text}' is stale: the message was received again (or moved) since this handle was issued in queue '{queue}', " +
        "so another consumer owns it now; extend leases (heartbeat) before they expire", "receiptHandle");

    /// <summary>The error for a handle whose lease ended, on a FIFO queue (where the ended lease unlocked the group).</summary>
    public static SluiceException Expired(string queue, string text) => new(ErrorCodes.ReceiptHandleStale,
        $"receipt handle '{text}' has expired: its lease on FIFO queue '{queue}' ended, which unlocked the message group; " +
        "receive the message again, and extend leases (heartbeat) before they expire", "receiptHandle");

    /// <summary>The error for a nack or extend on a message that is no longer leased.</summary>
    public static SluiceException NotInFlight(string queue, string text) => new(ErrorCodes.MessageNotInFlight,
        $"receipt handle '{text}' names a message that is not in flight in queue '{queue}': it was already released by a nack",
        "receiptHandle");
}
