using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Storage;

/// <summary>
/// A parsed receipt handle: the queue that issued it, the stored message's sequence number and the fencing token (the
/// message's lease generation when the handle was issued: + 1 at every receive and every move between queues, never
/// reset, so no handle is ever issued twice). A handle whose generation is not the message's latest is stale.
/// </summary>
/// <remarks>
/// Text form, version 1: 28 characters of base64url over 21 bytes: a version byte (1), the 8-byte queue tag
/// (<see cref="QueueTagOf"/>), the 8-byte big-endian sequence and the 4-byte big-endian generation. This unsigned form
/// is what stores issue and take; the broker never shows it to a client: it signs every handle it returns and
/// verifies every handle it is given (<see cref="ReceiptHandleKey"/>, version 2), so a client cannot make up a handle
/// from a message's sequence and generation. <see cref="Parse(string)"/> refuses versions it does not know.
/// </remarks>
/// <param name="QueueTag">The tag of the queue that issued the handle (<see cref="QueueTagOf"/>).</param>
/// <param name="Sequence">The store's sequence number of the message (positive).</param>
/// <param name="Attempt">The lease generation when the handle was issued (the fencing token, positive).</param>
public readonly record struct ReceiptHandle(ulong QueueTag, long Sequence, int Attempt)
{
    /// <summary>The format version this code writes.</summary>
    public const byte Version = 1;

    private const int ByteLength = 21;
    private const int TextLength = 28;

    /// <summary>Issues the handle of a delivery from <paramref name="queue"/>.</summary>
    /// <param name="queue">The queue the message was received from.</param>
    /// <param name="sequence">The message's sequence number.</param>
    /// <param name="attempt">The message's lease generation after this receive.</param>
    /// <returns>The handle's text form.</returns>
    public static string Issue(QueueInfo queue, long sequence, int attempt) =>
        new ReceiptHandle(QueueTagOf(queue), sequence, attempt).ToString();

    /// <summary>
    /// The 8-byte tag a queue's handles carry: the first 8 bytes of SHA-256 over the queue's name and creation time
    /// (UTC ticks). A queue deleted and created again under the same name gets another tag, so its old handles are
    /// refused as invalid; updating a queue keeps its tag.
    /// </summary>
    public static ulong QueueTagOf(QueueInfo queue)
    {
        ArgumentNullException.ThrowIfNull(queue);

        // Every receive issues handles and every ack checks one: hash a queue's identity once per QueueInfo instance
        // (stores keep one per queue until it changes), not once per message.
        return Tags.GetValue(queue, static q => new StrongBox<ulong>(ComputeTag(q))).Value;
    }

    private static readonly ConditionalWeakTable<QueueInfo, StrongBox<ulong>> Tags = new();

    private static ulong ComputeTag(QueueInfo queue)
    {
        var identity = Encoding.UTF8.GetBytes(queue.Name + "\n" + queue.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(identity, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>The handle's text form.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], QueueTag);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], Sequence);
        BinaryPrimitives.WriteInt32BigEndian(bytes[17..], Attempt);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Parses a handle's text form, whatever queue issued it.</summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.ReceiptHandleInvalid"/> when the text is not a handle.</exception>
    public static ReceiptHandle Parse(string? text)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        if (string.IsNullOrEmpty(text) || text.Length != TextLength || !Base64Url.IsValid(text) ||
            !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != ByteLength || bytes[0] != Version)
        {
            throw Invalid(text);
        }

        var handle = new ReceiptHandle(BinaryPrimitives.ReadUInt64BigEndian(bytes[1..]), BinaryPrimitives.ReadInt64BigEndian(bytes[9..]),
            BinaryPrimitives.ReadInt32BigEndian(bytes[17..]));
        return handle.Sequence <= 0 || handle.Attempt <= 0 ? throw Invalid(text) : handle;
    }

    /// <summary>Parses a handle and checks that <paramref name="queue"/> issued it, before any message is looked up.</summary>
    /// <exception cref="SluiceException">
    /// <see cref="ErrorCodes.ReceiptHandleInvalid"/> when the text is not a handle, or another queue (or an earlier
    /// queue of the same name) issued it.
    /// </exception>
    public static ReceiptHandle Parse(string? text, QueueInfo queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var handle = Parse(text);
        return handle.QueueTag == QueueTagOf(queue) ? handle : throw OtherQueue(queue);
    }

    /// <summary>The error for a genuine handle that another queue (or an earlier queue of that name) issued.</summary>
    internal static SluiceException OtherQueue(QueueInfo queue) => new(ErrorCodes.ReceiptHandleInvalid,
        $"receipt handle was not issued by queue '{queue.Name}' (another queue, or an earlier queue of that name, issued it): " +
        "ack, nack or extend a message on the queue it was received from", "receiptHandle");

    /// <summary>The length of the text form written before version 1 (12 bytes of base64url, without a queue tag).</summary>
    private const int UnversionedTextLength = 16;

    /// <summary>
    /// The error for text that is not a handle this server accepts. It echoes what the client sent (cut at 40
    /// characters) and nothing else: never which part failed a check, nor what a valid handle would hold.
    /// </summary>
    internal static SluiceException Invalid(string? text) => new(ErrorCodes.ReceiptHandleInvalid, text switch
    {
        { Length: UnversionedTextLength } when Base64Url.IsValid(text) =>
            $"receipt handle '{text}' is in the format of a Sluice version before the upgrade (16 characters), which is no longer accepted: " +
            "its message comes back when the lease ends; receive it again for a new handle",
        { Length: TextLength } when IsVersion1(text) =>
            $"receipt handle '{text}' is in the unsigned format of a Sluice version before handles were signed (28 characters), which is " +
            "no longer accepted: its message comes back when the lease ends; receive it again for a new handle",
        _ => $"receipt handle '{Truncate(text)}' is invalid: use the receiptHandle a receive on this queue returned, unchanged",
    }, "receiptHandle");

    private static bool IsVersion1(string text)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        return Base64Url.IsValid(text) && Base64Url.TryDecodeFromChars(text, bytes, out var written) && written == ByteLength && bytes[0] == Version;
    }

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "...";

    // The errors below never echo the handle: the caller knows which one it sent (a batch's results are in request
    // order), and the broker hands stores the unsigned form, which is not what the client sent.

    /// <summary>The error for a handle whose message is gone.</summary>
    public static SluiceException NotFound(string queue) => new(ErrorCodes.MessageNotFound,
        $"receipt handle names no message in queue '{queue}': it was already acknowledged, purged, expired or dead-lettered",
        "receiptHandle");

    /// <summary>
    /// The error for a handle whose fencing token is newer than any lease its message had: the receive that issued it
    /// was lost in a crash (its record never became durable). message_not_found, as the handle speaks for no lease
    /// that exists.
    /// </summary>
    public static SluiceException NeverLeased(string queue) => new(ErrorCodes.MessageNotFound,
        $"receipt handle names a lease its message in queue '{queue}' does not have: the receive that issued it " +
        "was lost in a server crash; receive the message again", "receiptHandle");

    /// <summary>The error for a handle whose fencing token is stale.</summary>
    public static SluiceException Stale(string queue) => new(ErrorCodes.ReceiptHandleStale,
        $"receipt handle is stale: the message was received again (or moved) since this handle was issued in queue '{queue}', " +
        "so another consumer owns it now; extend leases (heartbeat) before they expire", "receiptHandle");

    /// <summary>The error for a handle whose lease ended, on a FIFO queue (where the ended lease unlocked the group).</summary>
    public static SluiceException Expired(string queue) => new(ErrorCodes.ReceiptHandleStale,
        $"receipt handle has expired: its lease on FIFO queue '{queue}' ended, which unlocked the message group; " +
        "receive the message again, and extend leases (heartbeat) before they expire", "receiptHandle");

    /// <summary>The error for a nack or extend on a message that is no longer leased.</summary>
    public static SluiceException NotInFlight(string queue) => new(ErrorCodes.MessageNotInFlight,
        $"receipt handle names a message that is not in flight in queue '{queue}': it was already released by a nack",
        "receiptHandle");
}
