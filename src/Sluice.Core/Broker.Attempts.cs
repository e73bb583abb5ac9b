using System.Buffers.Binary;
using System.Security.Cryptography;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// FIFO receive attempts (<see cref="ReceiveOptions.ReceiveRequestAttemptId"/>), remembered in the store's key-value
/// records under <see cref="KeyValueRules.AttemptsPrefix"/> for 5 minutes, so a retry on any node, or after a restart,
/// is recognised. A record holds no bodies: per message, its sequence number, the lease generation of its handle, its
/// receive count and the lease end the attempt gave it. A retry reads the messages back from the store and decides from
/// their state (<see cref="AttemptRules.Decide"/>), so acks, nacks and extends never touch the records.
/// </summary>
public sealed partial class Broker
{
    private static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(5);

    /// <summary>The deduplication id content-based deduplication derives: lower-case hex SHA-256 of the body.</summary>
    public static string ContentDeduplicationId(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    private static string AttemptKey(string queue, string attemptId) => $"{KeyValueRules.AttemptsPrefix}{queue}/{attemptId}";

    /// <summary>
    /// Remembers a receive made with an attempt id. A failure to write the record is logged, not thrown: the messages
    /// are leased to this caller already, and a retry then is a fresh receive.
    /// </summary>
    private async ValueTask RememberAttemptAsync(QueueInfo info, string attemptId, IReadOnlyList<QueueMessage> messages, CancellationToken cancellationToken)
    {
        if (StartedStore is not IKeyValueStore keyValues)
        {
            return;
        }

        try
        {
            var record = AttemptRecord.Encode(ReceiptHandle.QueueTagOf(info), messages);
            await keyValues.SetKeyValueAsync(AttemptKey(info.Name, attemptId), record, null, AttemptWindow, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SluiceException or OperationCanceledException)
        {
            Log.AttemptNotRemembered(_logger, info.Name, ex);
        }
    }

    /// <summary>
    /// A receive retried with the same attempt id within 5 minutes gets the same messages and handles, leases
    /// restarted, as long as every one of them is still leased under that handle. Once a client acked, released or
    /// extended one of them, the retry is refused (as SQS does); when a lease ended on its own (or the message is
    /// otherwise gone) the retry is a fresh receive (<see langword="null"/>).
    /// </summary>
    /// <exception cref="SluiceException">invalid_argument (field receiveRequestAttemptId): a message of the attempt was changed.</exception>
    private async ValueTask<IReadOnlyList<QueueMessage>?> RetryAttemptAsync(QueueInfo info, string attemptId, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (StartedStore is not IKeyValueStore keyValues)
        {
            return null;
        }

        var key = AttemptKey(info.Name, attemptId);
        var record = await keyValues.GetKeyValueAsync(key, cancellationToken).ConfigureAwait(false);
        if (record is null || !AttemptRecord.TryDecode(record.Value.Span, out var tag, out var earlier) || tag != ReceiptHandle.QueueTagOf(info))
        {
            // None, or an earlier queue of that name made it.
            return null;
        }

        var now = _time.GetUtcNow();
        var stored = new QueueMessage?[earlier.Length];
        var outcome = AttemptOutcome.Held;
        for (var i = 0; i < earlier.Length; i++)
        {
            var page = await StartedStore.ScanAsync(info.Name, earlier[i].Sequence - 1, 1, cancellationToken).ConfigureAwait(false);
            stored[i] = page.Count == 1 && page[0].SequenceNumber == earlier[i].Sequence ? page[0] : null;
            outcome = (AttemptOutcome)Math.Max((int)outcome, (int)AttemptRules.Decide(earlier[i], stored[i], now));
        }

        if (outcome == AttemptOutcome.Changed)
        {
            throw SluiceException.Invalid("receiveRequestAttemptId",
                $"receiveRequestAttemptId '{attemptId}' can no longer be retried: a message that receive returned was acknowledged, " +
                "released or had its lease extended since; receive with a new attempt id");
        }

        if (outcome == AttemptOutcome.Fresh)
        {
            return null;
        }

        var renewed = new List<QueueMessage>(earlier.Length);
        for (var i = 0; i < earlier.Length; i++)
        {
            var handle = new ReceiptHandle(tag, earlier[i].Sequence, earlier[i].Generation).ToString();
            try
            {
                var until = await StartedStore.ExtendLeaseAsync(info.Name, handle, visibility, restart: true, cancellationToken).ConfigureAwait(false);
                renewed.Add(stored[i]! with { ReceiptHandle = handle, VisibleAt = until, State = MessageState.InFlight });
            }
            catch (SluiceException)
            {
                // Changed between the check and the restart: the attempt is over.
                return null;
            }
        }

        // The record now holds the restarted lease ends (a later retry compares against them), and keeps its expiry.
        if (record.ExpiresAt is { } expires && expires - now >= TimeSpan.FromMilliseconds(1))
        {
            try
            {
                await keyValues.SetKeyValueAsync(key, AttemptRecord.Encode(tag, renewed), null, expires - now, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SluiceException or OperationCanceledException)
            {
                Log.AttemptNotRemembered(_logger, info.Name, ex);
            }
        }

        return renewed;
    }

    /// <summary>Forgets the receive attempts of a queue (a purge): a retry of one is a fresh receive.</summary>
    private async ValueTask ForgetAttemptsAsync(string queue, CancellationToken cancellationToken)
    {
        if (StartedStore is not IKeyValueStore keyValues)
        {
            return;
        }

        var prefix = $"{KeyValueRules.AttemptsPrefix}{queue}/";
        string? after = null;
        do
        {
            var page = await keyValues.ListKeyValuesAsync(prefix, after, KeyValueRules.MaxListLimit, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Records)
            {
                await keyValues.DeleteKeyValueAsync(record.Key, null, cancellationToken).ConfigureAwait(false);
            }

            after = page.NextAfter;
        }
        while (after is not null);
    }
}

/// <summary>What a retried receive attempt does, in increasing precedence.</summary>
internal enum AttemptOutcome
{
    /// <summary>Still leased under the attempt's handle: the retry returns it, lease restarted.</summary>
    Held = 0,

    /// <summary>Its lease ended on its own, or it is gone otherwise: the retry is a fresh receive.</summary>
    Fresh = 1,

    /// <summary>A client acknowledged, released or extended it: the retry is refused.</summary>
    Changed = 2,
}

/// <summary>One message of a remembered receive attempt.</summary>
/// <param name="Sequence">The message's sequence number.</param>
/// <param name="Generation">The lease generation of the handle the attempt returned (the fencing token).</param>
/// <param name="ReceiveCount">The message's receive count after that receive.</param>
/// <param name="VisibleAtMs">The lease end the attempt (or its latest retry) gave it, in unix milliseconds.</param>
internal readonly record struct AttemptMessage(long Sequence, int Generation, int ReceiveCount, long VisibleAtMs);

/// <summary>The rule deciding a retried receive attempt from the store's state, once.</summary>
internal static class AttemptRules
{
    /// <summary>
    /// Decides one message of a retried attempt. Gone: a client acknowledged or dead-lettered it while the lease ran
    /// (<see cref="AttemptOutcome.Changed"/>), or it left after the lease's end (<see cref="AttemptOutcome.Fresh"/>).
    /// Received again since (another receive count): fresh. Its visible time moved away from the lease end the attempt
    /// gave it (a nack, an extend, a release): changed. The lease end passed: fresh. Otherwise it is held.
    /// A nack followed by another receive reads as "received again" (fresh).
    /// </summary>
    /// <param name="earlier">What the attempt recorded.</param>
    /// <param name="stored">The message with that sequence number in the queue now, or <see langword="null"/>.</param>
    /// <param name="now">The broker's current time.</param>
    public static AttemptOutcome Decide(AttemptMessage earlier, QueueMessage? stored, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (stored is null)
        {
            return nowMs >= earlier.VisibleAtMs ? AttemptOutcome.Fresh : AttemptOutcome.Changed;
        }

        if (stored.ReceiveCount != earlier.ReceiveCount)
        {
            return AttemptOutcome.Fresh;
        }

        if (stored.VisibleAt.ToUnixTimeMilliseconds() != earlier.VisibleAtMs)
        {
            return AttemptOutcome.Changed;
        }

        return stored.State != MessageState.InFlight || nowMs >= earlier.VisibleAtMs ? AttemptOutcome.Fresh : AttemptOutcome.Held;
    }
}

/// <summary>
/// The value of a receive-attempt record: a version byte (1), the queue tag (8 bytes), the message count (2 bytes),
/// then per message its sequence (8), generation (4), receive count (4) and lease end in unix milliseconds (8), all
/// big-endian.
/// </summary>
internal static class AttemptRecord
{
    private const byte Version = 1;
    private const int HeaderSize = 11;
    private const int EntrySize = 24;

    public static byte[] Encode(ulong queueTag, IReadOnlyList<QueueMessage> messages)
    {
        var bytes = new byte[HeaderSize + (EntrySize * messages.Count)];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), queueTag);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(9), checked((ushort)messages.Count));
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var entry = bytes.AsSpan(HeaderSize + (EntrySize * i));
            BinaryPrimitives.WriteInt64BigEndian(entry, m.SequenceNumber);
            BinaryPrimitives.WriteInt32BigEndian(entry[8..], ReceiptHandle.Parse(m.ReceiptHandle).Attempt);
            BinaryPrimitives.WriteInt32BigEndian(entry[12..], m.ReceiveCount);
            BinaryPrimitives.WriteInt64BigEndian(entry[16..], m.VisibleAt.ToUnixTimeMilliseconds());
        }

        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out ulong queueTag, out AttemptMessage[] messages)
    {
        queueTag = 0;
        messages = [];
        if (bytes.Length < HeaderSize || bytes[0] != Version)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(bytes[9..]);
        if (bytes.Length != HeaderSize + (EntrySize * count))
        {
            return false;
        }

        queueTag = BinaryPrimitives.ReadUInt64BigEndian(bytes[1..]);
        messages = new AttemptMessage[count];
        for (var i = 0; i < count; i++)
        {
            var entry = bytes[(HeaderSize + (EntrySize * i))..];
            messages[i] = new AttemptMessage(BinaryPrimitives.ReadInt64BigEndian(entry), BinaryPrimitives.ReadInt32BigEndian(entry[8..]),
                BinaryPrimitives.ReadInt32BigEndian(entry[12..]), BinaryPrimitives.ReadInt64BigEndian(entry[16..]));
        }

        return true;
    }
}
