using System.Data.Common;

namespace Sluice.Storage.Postgres.Internal;

/// <summary>One row of the messages table as a receive, peek or scan reads it (see <see cref="Columns"/>).</summary>
internal sealed class MessageRow
{
    /// <summary>
    /// The columns <see cref="Read"/> expects, in order, selected (or returned) from <c>messages</c> (not aliased): the
    /// body is the row's own, or for a topic copy (<c>body_id</c> set) the shared row's in <c>bodies</c>.
    /// </summary>
    public const string Columns =
        "seq, id, COALESCE(messages.body, (SELECT b.body FROM bodies b WHERE b.id = messages.body_id)), attributes, priority, visible_at, sent_at, receive_count, first_receive_at, leased, dedup_id, " +
        "last_error, dl_source, dl_reason, dl_attempts, dl_at, group_id, lease_gen";

    public long Seq { get; init; }

    public Guid Id { get; init; }

    public byte[] Body { get; init; } = [];

    public byte[]? Attributes { get; init; }

    public int Priority { get; init; }

    public long VisibleAt { get; init; }

    public long SentAt { get; init; }

    public int ReceiveCount { get; init; }

    public long? FirstReceiveAt { get; init; }

    public bool Leased { get; init; }

    public string? DedupId { get; init; }

    public string? LastError { get; init; }

    public string? DeadLetterSource { get; init; }

    public string? DeadLetterReason { get; init; }

    public int? DeadLetterAttempts { get; init; }

    public long? DeadLetteredAt { get; init; }

    public string? GroupId { get; init; }

    /// <summary>The fencing token: + 1 at every receive and every move between queues, never reset.</summary>
    public int LeaseGeneration { get; init; }

    public static MessageRow Read(DbDataReader r, int first = 0) => new()
    {
        Seq = r.GetInt64(first),
        Id = r.GetGuid(first + 1),
        Body = r.GetFieldValue<byte[]>(first + 2),
        Attributes = r.IsDBNull(first + 3) ? null : r.GetFieldValue<byte[]>(first + 3),
        Priority = r.GetInt32(first + 4),
        VisibleAt = r.GetInt64(first + 5),
        SentAt = r.GetInt64(first + 6),
        ReceiveCount = r.GetInt32(first + 7),
        FirstReceiveAt = r.IsDBNull(first + 8) ? null : r.GetInt64(first + 8),
        Leased = r.GetBoolean(first + 9),
        DedupId = r.IsDBNull(first + 10) ? null : r.GetString(first + 10),
        LastError = r.IsDBNull(first + 11) ? null : r.GetString(first + 11),
        DeadLetterSource = r.IsDBNull(first + 12) ? null : r.GetString(first + 12),
        DeadLetterReason = r.IsDBNull(first + 13) ? null : r.GetString(first + 13),
        DeadLetterAttempts = r.IsDBNull(first + 14) ? null : r.GetInt32(first + 14),
        DeadLetteredAt = r.IsDBNull(first + 15) ? null : r.GetInt64(first + 15),
        GroupId = r.IsDBNull(first + 16) ? null : r.GetString(first + 16),
        LeaseGeneration = r.GetInt32(first + 17),
    };

    /// <summary>The state at <paramref name="now"/> (unix ms).</summary>
    public MessageState StateAt(long now) =>
        VisibleAt <= now ? MessageState.Ready : Leased ? MessageState.InFlight : MessageState.Delayed;

    public QueueMessage ToMessage(MessageState state, string? receiptHandle) => new()
    {
        MessageId = Id,
        Body = Body,
        Attributes = AttributeCodec.Decode(Attributes),
        Priority = Priority,
        SentAt = Time.FromMs(SentAt),
        ReceiveCount = ReceiveCount,
        FirstReceivedAt = FirstReceiveAt is { } f ? Time.FromMs(f) : null,
        VisibleAt = Time.FromMs(VisibleAt),
        State = state,
        ReceiptHandle = receiptHandle,
        DeduplicationId = DedupId,
        MessageGroupId = GroupId,
        SequenceNumber = Seq,
        DeadLetter = DeadLetterSource is { } source
            ? new DeadLetterInfo(source, DeadLetterReason ?? "", DeadLetterAttempts ?? 0, LastError, Time.FromMs(DeadLetteredAt ?? 0))
            : null,
        LastError = LastError,
    };
}

/// <summary>A queue row as one operation read it: its id and <see cref="QueueInfo"/>.</summary>
/// <param name="Id">The row id (messages reference it).</param>
/// <param name="Info">The queue as the broker sees it.</param>
internal sealed record QueueRow(long Id, QueueInfo Info)
{
    public string Name => Info.Name;

    public QueueOptions Options => Info.Options;

    /// <summary>Whether publishes must count the queue's messages (it has a max length or max length in bytes).</summary>
    public bool Bounded => Options.MaxLength is not null || Options.MaxLengthBytes is not null;
}
