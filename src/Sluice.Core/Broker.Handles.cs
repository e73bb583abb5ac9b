using System.Security.Cryptography;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// Signed receipt handles: the one place handles cross between clients and the store. Stores issue and take the
/// unsigned form (<see cref="ReceiptHandle"/>); the broker signs every handle it returns and verifies every handle it is
/// given, before the store is asked (<see cref="ReceiptHandleKey"/>). The key lives in the store's reserved key-value
/// records (<see cref="ReceiptHandleKey.StoreKey"/>), so every broker sharing a store, and every restart, signs and
/// verifies alike.
/// </summary>
public sealed partial class Broker
{
    private ReceiptHandleKey? _handleKey;

    /// <summary>The handle key, once <see cref="StartAsync"/> has loaded it.</summary>
    private ReceiptHandleKey HandleKey => Volatile.Read(ref _handleKey) ?? throw NotStarted();

    /// <summary>
    /// Loads the store's handle key, creating it if the store has none: a create-if-absent write of 32 random bytes;
    /// a broker that loses that race to another reads the winner's key. A store without key-value records gets a key
    /// for this broker alone (logged).
    /// </summary>
    private async Task LoadHandleKeyAsync(CancellationToken cancellationToken)
    {
        if (_store is not IKeyValueStore records)
        {
            Log.HandleKeyNotShared(_logger, _store.GetType().Name);
            Volatile.Write(ref _handleKey, ReceiptHandleKey.CreateRandom());
            return;
        }

        var stored = await records.GetKeyValueAsync(ReceiptHandleKey.StoreKey, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            var fresh = RandomNumberGenerator.GetBytes(ReceiptHandleKey.KeySize);
            try
            {
                await records.SetKeyValueAsync(ReceiptHandleKey.StoreKey, fresh, 0, null, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _handleKey, new ReceiptHandleKey(fresh));
                Log.HandleKeyCreated(_logger, ReceiptHandleKey.StoreKey);
                return;
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict)
            {
                // Another broker created it first: use that one.
                stored = await records.GetKeyValueAsync(ReceiptHandleKey.StoreKey, cancellationToken).ConfigureAwait(false)
                    ?? throw new SluiceException(ErrorCodes.Internal,
                        $"the store's receipt handle key ('{ReceiptHandleKey.StoreKey}') was created by another broker and deleted again at once: restart", null);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(fresh);
            }
        }

        Volatile.Write(ref _handleKey, ReceiptHandleKey.FromStored(stored.Value.Span));
    }

    /// <summary>Verifies a client's handle for <paramref name="queue"/> and returns the store's (unsigned) form of it.</summary>
    /// <exception cref="SluiceException">receipt_handle_invalid.</exception>
    private string StoreHandle(string? receiptHandle, QueueInfo queue) => HandleKey.Verify(receiptHandle, queue).ToString();

    /// <summary>The messages with their store handles replaced by signed ones (peeked copies, without a handle, as they are).</summary>
    private QueueMessage[] Signed(IReadOnlyList<QueueMessage> messages)
    {
        var key = HandleKey;
        var signed = new QueueMessage[messages.Count];
        for (var i = 0; i < signed.Length; i++)
        {
            var m = messages[i];
            signed[i] = m.ReceiptHandle is { } handle ? m with { ReceiptHandle = key.Sign(handle) } : m;
        }

        return signed;
    }
}
