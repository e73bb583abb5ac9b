using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Sluice.Storage;

/// <summary>
/// The secret that signs receipt handles: 32 random bytes, one per store (every broker sharing a store, and every
/// restart of one, uses the same key; the broker keeps it in the store under <see cref="StoreKey"/>). The broker signs
/// every handle it returns (<see cref="Sign(ReceiptHandle)"/>) and verifies every handle it is given
/// (<see cref="Verify"/>) before the store is asked, so a guessed, altered or foreign handle never reaches a store, and
/// stores only ever see the unsigned form (<see cref="ReceiptHandle"/>, version 1). Thread-safe; dispose it (the broker
/// does, when it is disposed) to release its per-thread HMAC contexts and clear the key from memory.
/// </summary>
/// <remarks>
/// Signed text form, version 2: 52 characters of base64url over 39 bytes: the version byte (2), the 8-byte queue tag,
/// the 8-byte big-endian sequence, the 4-byte big-endian generation (as in version 1), then the first 18 bytes (144
/// bits) of HMAC-SHA256 under the key over the 21 bytes before it.
/// </remarks>
public sealed class ReceiptHandleKey : IDisposable
{
    /// <summary>The key's length: 32 bytes.</summary>
    public const int KeySize = 32;

    /// <summary>The signature's length: 18 bytes (144 bits of HMAC-SHA256).</summary>
    public const int MacSize = 18;

    /// <summary>The format version of signed handles.</summary>
    public const byte SignedVersion = 2;

    /// <summary>
    /// Where the broker keeps the key in the store's key-value records (<c>$sluice/receipt-key</c>, in the reserved
    /// range <see cref="KeyValueRules.ReservedPrefix"/>): created once, with a create-if-absent write, by the first
    /// broker to start on the store.
    /// </summary>
    public const string StoreKey = KeyValueRules.ReservedPrefix + "receipt-key";

    /// <summary>The signed text form's length: 52 characters.</summary>
    public const int TextLength = 52;

    private const int FieldsLength = 21;
    private const int ByteLength = FieldsLength + MacSize;

    private readonly byte[] _key;

    // One HMAC context per thread, reset after each use: creating one per handle (HMACSHA256.HashData) costs several
    // times the hashing itself (see bench ReceiptHandleSigning). Never shared between threads.
    private readonly ThreadLocal<IncrementalHash> _hmac;
    private int _disposed;

    /// <summary>Creates a signer over a key.</summary>
    /// <param name="key">Exactly <see cref="KeySize"/> bytes; copied.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes.</exception>
    public ReceiptHandleKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"a receipt handle key is {KeySize} bytes, not {key.Length}", nameof(key));
        }

        _key = key.ToArray();
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key), trackAllValues: true);
    }

    /// <summary>Releases the HMAC contexts and clears the key; signing or verifying afterwards throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var hmac in _hmac.Values)
        {
            hmac.Dispose();
        }

        _hmac.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    /// <summary>A signer over a new key of 32 random bytes (from the operating system's cryptographic generator).</summary>
    public static ReceiptHandleKey CreateRandom()
    {
        Span<byte> key = stackalloc byte[KeySize];
        RandomNumberGenerator.Fill(key);
        var created = new ReceiptHandleKey(key);
        CryptographicOperations.ZeroMemory(key);
        return created;
    }

    /// <summary>Signs a store's (unsigned, version 1) handle text.</summary>
    /// <param name="storeHandle">A handle a store issued (<see cref="ReceiptHandle.Issue"/>).</param>
    /// <returns>The signed text form (52 characters).</returns>
    /// <exception cref="SluiceException">receipt_handle_invalid: <paramref name="storeHandle"/> is not a version 1 handle.</exception>
    public string Sign(string storeHandle) => Sign(ReceiptHandle.Parse(storeHandle));

    /// <summary>Signs a handle.</summary>
    /// <returns>The signed text form (52 characters).</returns>
    public string Sign(ReceiptHandle handle)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        WriteFields(bytes, handle);
        Mac(bytes[..FieldsLength], bytes[FieldsLength..]);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>
    /// Checks a signed handle's signature and that <paramref name="queue"/> issued it; touches no store. Every failure is
    /// receipt_handle_invalid, and the message never says which byte was wrong.
    /// </summary>
    /// <param name="text">The handle as the client sent it.</param>
    /// <param name="queue">The queue the client named.</param>
    /// <returns>The handle's fields, for the store (<see cref="ReceiptHandle.ToString"/> is the store's form).</returns>
    /// <exception cref="SluiceException">
    /// receipt_handle_invalid: not a signed handle (malformed, altered, of an earlier format, or signed with another
    /// key: another server's, or a store whose key was replaced), or another queue (or an earlier queue of the same name)
    /// issued it.
    /// </exception>
    public ReceiptHandle Verify(string? text, QueueInfo queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Span<byte> bytes = stackalloc byte[ByteLength];
        if (text is not { Length: TextLength } || !Base64Url.IsValid(text) || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != ByteLength ||
            bytes[0] != SignedVersion)
        {
            throw ReceiptHandle.Invalid(text);
        }

        Span<byte> expected = stackalloc byte[MacSize];
        Mac(bytes[..FieldsLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[FieldsLength..]))
        {
            throw ReceiptHandle.Invalid(text);
        }

        var handle = new ReceiptHandle(BinaryPrimitives.ReadUInt64BigEndian(bytes[1..]), BinaryPrimitives.ReadInt64BigEndian(bytes[9..]),
            BinaryPrimitives.ReadInt32BigEndian(bytes[17..]));
        if (handle.Sequence <= 0 || handle.Attempt <= 0)
        {
            throw ReceiptHandle.Invalid(text);
        }

        // Genuine (the signature holds), so saying which queue it is not from gives nothing away.
        return handle.QueueTag == ReceiptHandle.QueueTagOf(queue) ? handle : throw ReceiptHandle.OtherQueue(queue);
    }

    /// <summary>
    /// Reads a key stored under <see cref="StoreKey"/>.
    /// </summary>
    /// <exception cref="SluiceException">internal_error when the stored value is not 32 bytes (the record was damaged or written by something else).</exception>
    public static ReceiptHandleKey FromStored(ReadOnlySpan<byte> value) => value.Length == KeySize
        ? new ReceiptHandleKey(value)
        : throw new SluiceException(ErrorCodes.Internal,
            $"the store's receipt handle key ('{StoreKey}') is {value.Length} bytes, not {KeySize}: the record is damaged; " +
            "restore it from a backup, or delete it (every receipt handle issued so far then becomes invalid) and restart", null);

    private static void WriteFields(Span<byte> bytes, ReceiptHandle handle)
    {
        bytes[0] = SignedVersion;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], handle.QueueTag);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], handle.Sequence);
        BinaryPrimitives.WriteInt32BigEndian(bytes[17..], handle.Attempt);
    }

    private void Mac(ReadOnlySpan<byte> fields, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var hmac = _hmac.Value!;
        hmac.AppendData(fields);
        hmac.GetHashAndReset(full);
        full[..MacSize].CopyTo(destination);
    }
}
