using Microsoft.Data.Sqlite;

namespace Sluice.Storage.Sqlite.Internal;

/// <summary>One row of the messages table as read by the writer (see <see cref="Columns"/>).</summary>
internal sealed class MessageRow
{
    /// <summary>
    /// The columns <see cref="Read"/> expects, in order, selected <c>FROM messages</c> (not aliased): the body is the
    /// row's own, or for a topic copy (<c>body_id</c> set) the shared row's in <c>bodies</c>.
    /// </summary>
    public const string Columns =
        "seq, id, CASE WHEN body_id IS NULL THEN body ELSE (SELECT b.body FROM bodies b WHERE b.id = messages.body_id) END, attributes, priority, visible_at, sent_at, receive_count, first_receive_at, leased, dedup_id, " +
        "last_error, dl_source, dl_reason, dl_attempts, dl_at, size, group_id, lease_gen";

    public long Seq { get; set; }

    public Guid Id { get; set; }

    public byte[] Body { get; set; } = [];

    public byte[]? Attributes { get; set; }

    public int Priority { get; set; }

    public long VisibleAt { get; set; }

    public long SentAt { get; set; }

    public int ReceiveCount { get; set; }

    public long? FirstReceiveAt { get; set; }

    public bool Leased { get; set; }

    public string? DedupId { get; set; }

    public string? LastError { get; set; }

    public string? DeadLetterSource { get; set; }

    public string? DeadLetterReason { get; set; }

    public int? DeadLetterAttempts { get; set; }

    public long? DeadLetteredAt { get; set; }

    public long Size { get; set; }

    public string? GroupId { get; set; }

    /// <summary>The fencing token: + 1 at every receive and every move between queues, never reset.</summary>
    public int LeaseGeneration { get; set; }

    public static MessageRow Read(SqliteDataReader r) => new()
    {
        Seq = r.GetInt64(0),
        Id = new Guid(r.GetFieldValue<byte[]>(1), bigEndian: true),
        Body = r.IsDBNull(2) ? [] : r.GetFieldValue<byte[]>(2),
        Attributes = r.IsDBNull(3) ? null : r.GetFieldValue<byte[]>(3),
        Priority = r.GetInt32(4),
        VisibleAt = r.GetInt64(5),
        SentAt = r.GetInt64(6),
        ReceiveCount = r.GetInt32(7),
        FirstReceiveAt = r.IsDBNull(8) ? null : r.GetInt64(8),
        Leased = r.GetInt64(9) != 0,
        DedupId = r.IsDBNull(10) ? null : r.GetString(10),
        LastError = r.IsDBNull(11) ? null : r.GetString(11),
        DeadLetterSource = r.IsDBNull(12) ? null : r.GetString(12),
        DeadLetterReason = r.IsDBNull(13) ? null : r.GetString(13),
        DeadLetterAttempts = r.IsDBNull(14) ? null : r.GetInt32(14),
        DeadLetteredAt = r.IsDBNull(15) ? null : r.GetInt64(15),
        Size = r.GetInt64(16),
        GroupId = r.IsDBNull(17) ? null : r.GetString(17),
        LeaseGeneration = r.GetInt32(18),
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

/// <summary>Conversions between <see cref="DateTimeOffset"/> and the stored unix milliseconds.</summary>
internal static class Time
{
    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static long Ms(TimeSpan span) => (long)span.TotalMilliseconds;
}
