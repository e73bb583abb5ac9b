namespace Sluice;

/// <summary>One field-value pair of a stream entry; both are binary-safe byte strings (RESP bulk strings).</summary>
/// <param name="Name">The field name (may be empty).</param>
/// <param name="Value">The value (may be empty).</param>
public readonly record struct StreamField(ReadOnlyMemory<byte> Name, ReadOnlyMemory<byte> Value)
{
    /// <summary>A field from UTF-8 text.</summary>
    public static StreamField FromText(string name, string value) =>
        new(System.Text.Encoding.UTF8.GetBytes(name), System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>The bytes this field counts toward a stream's size (name length + value length).</summary>
    public long Size => Name.Length + Value.Length;
}

/// <summary>A stream entry.</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Fields">
/// The field-value pairs in append order; <see langword="null"/> only in a consumer-group read or claim of a pending
/// entry that was deleted from the stream meanwhile (Redis replies with the id and a nil).
/// </param>
public sealed record StreamEntry(StreamEntryId Id, IReadOnlyList<StreamField>? Fields);

/// <summary>How an append chooses the new entry's id (Redis XADD's id argument).</summary>
public enum StreamIdMode
{
    /// <summary><c>*</c>: the current time in milliseconds, sequence 0; or, when the stream's last id has a later or equal time, the last id + 1.</summary>
    Auto = 0,

    /// <summary><c>&lt;ms&gt;-*</c>: the given milliseconds with the next free sequence (0, or the last id's sequence + 1 for the same milliseconds).</summary>
    AutoSequence = 1,

    /// <summary><c>&lt;ms&gt;-&lt;seq&gt;</c>: exactly the given id; it must be greater than the stream's last id and than 0-0.</summary>
    Explicit = 2,
}

/// <summary>How a trim picks entries to remove (Redis XTRIM / XADD trim options).</summary>
public enum StreamTrimStrategy
{
    /// <summary><c>MAXLEN</c>: keep at most <see cref="StreamTrim.Threshold"/> newest entries.</summary>
    MaxLength = 0,

    /// <summary><c>MINID</c>: remove entries whose id is smaller than <see cref="StreamTrim.MinId"/>.</summary>
    MinId = 1,
}

/// <summary>A trim (XTRIM, or XADD's MAXLEN/MINID).</summary>
public sealed record StreamTrim
{
    /// <summary>MAXLEN or MINID. Default MAXLEN.</summary>
    public StreamTrimStrategy Strategy { get; init; }

    /// <summary>For MAXLEN: the most entries to keep, 0 or more. Default 0.</summary>
    public long Threshold { get; init; }

    /// <summary>For MINID: entries with a smaller id are removed. Default 0-0.</summary>
    public StreamEntryId MinId { get; init; }

    /// <summary>
    /// <c>~</c>: approximate. Sluice removes only whole blocks of <see cref="ApproximateBlock"/> entries added (the
    /// entries added 1-100, 101-200, ..., as Redis removes only whole radix-tree nodes of its default 100 entries), so
    /// the stream may keep more than asked. Default exact (<c>=</c>).
    /// </summary>
    public bool Approximate { get; init; }

    /// <summary>
    /// <c>LIMIT</c>: the most entries one trim removes; only with <see cref="Approximate"/>. Default <see langword="null"/>:
    /// 100 × <see cref="ApproximateBlock"/> when approximate, unlimited when exact; 0 means unlimited.
    /// </summary>
    public long? Limit { get; init; }

    /// <summary>The block size of approximate trims: 100 entries (Redis's default <c>stream-node-max-entries</c>).</summary>
    public const int ApproximateBlock = 100;

    /// <summary>MAXLEN <paramref name="threshold"/>.</summary>
    public static StreamTrim MaxLength(long threshold, bool approximate = false, long? limit = null) =>
        new() { Strategy = StreamTrimStrategy.MaxLength, Threshold = threshold, Approximate = approximate, Limit = limit };

    /// <summary>MINID <paramref name="minId"/>.</summary>
    public static StreamTrim ToMinId(StreamEntryId minId, bool approximate = false, long? limit = null) =>
        new() { Strategy = StreamTrimStrategy.MinId, MinId = minId, Approximate = approximate, Limit = limit };
}

/// <summary>Options of one append (Redis XADD).</summary>
public sealed record StreamAppendOptions
{
    /// <summary>How the id is chosen. Default <see cref="StreamIdMode.Auto"/> (<c>*</c>).</summary>
    public StreamIdMode IdMode { get; init; }

    /// <summary>
    /// The id for <see cref="StreamIdMode.Explicit"/>; for <see cref="StreamIdMode.AutoSequence"/> only its
    /// <see cref="StreamEntryId.Milliseconds"/> counts. Ignored for <see cref="StreamIdMode.Auto"/>.
    /// </summary>
    public StreamEntryId Id { get; init; }

    /// <summary><c>NOMKSTREAM</c>: do not create a missing stream (the append returns <see langword="null"/>). Default false.</summary>
    public bool NoMakeStream { get; init; }

    /// <summary>A trim applied after the append (MAXLEN/MINID). Default none.</summary>
    public StreamTrim? Trim { get; init; }
}

/// <summary>Where a read starts in one stream.</summary>
public enum StreamPositionKind
{
    /// <summary>Entries with an id greater than <see cref="StreamPosition.Id"/> (XREAD; in XREADGROUP the consumer's own pending entries after it).</summary>
    After = 0,

    /// <summary><c>$</c> (XREAD only): entries appended after the read started.</summary>
    New = 1,

    /// <summary><c>&gt;</c> (XREADGROUP only): entries never delivered to the group.</summary>
    Undelivered = 2,
}

/// <summary>One stream of a read and where to start in it.</summary>
/// <param name="Stream">The stream name.</param>
/// <param name="Kind">Where to start.</param>
/// <param name="Id">The id for <see cref="StreamPositionKind.After"/>.</param>
public readonly record struct StreamPosition(string Stream, StreamPositionKind Kind, StreamEntryId Id = default)
{
    /// <summary>Entries after <paramref name="id"/>.</summary>
    public static StreamPosition After(string stream, StreamEntryId id) => new(stream, StreamPositionKind.After, id);

    /// <summary><c>$</c>: new entries only.</summary>
    public static StreamPosition New(string stream) => new(stream, StreamPositionKind.New);

    /// <summary><c>&gt;</c>: entries never delivered to the group.</summary>
    public static StreamPosition Undelivered(string stream) => new(stream, StreamPositionKind.Undelivered);
}

/// <summary>Options of XREAD and XREADGROUP.</summary>
public sealed record StreamReadOptions
{
    /// <summary><c>COUNT</c>: most entries per stream; 1 or more. Default <see langword="null"/>: no limit.</summary>
    public int? Count { get; init; }

    /// <summary>
    /// <c>BLOCK</c>: when no stream has entries, wait up to this long for an append to one of them (a group read
    /// blocks only when every position is <see cref="StreamPositionKind.Undelivered"/>). <see langword="null"/> (default):
    /// do not wait; <see cref="Timeout.InfiniteTimeSpan"/>: wait until an append or cancellation (Redis <c>BLOCK 0</c>).
    /// The wait runs on the broker's clock; a deleted stream or group wakes the waiter.
    /// </summary>
    public TimeSpan? Block { get; init; }

    /// <summary><c>NOACK</c> (group reads): delivered entries are not added to the pending entries list. Default false.</summary>
    public bool NoAck { get; init; }
}

/// <summary>The entries one read returned from one stream.</summary>
/// <param name="Stream">The stream name.</param>
/// <param name="Entries">The entries in id order.</param>
public sealed record StreamReadResult(string Stream, IReadOnlyList<StreamEntry> Entries);

/// <summary>Options of a consumer group's creation (XGROUP CREATE) and Sluice's per-group policy.</summary>
public sealed record StreamGroupOptions
{
    /// <summary>
    /// The group's last-delivered id: <see langword="null"/> (default) is <c>$</c>, the stream's last id (only new
    /// entries are delivered); <see cref="StreamEntryId.MinValue"/> delivers the whole stream.
    /// </summary>
    public StreamEntryId? LastDeliveredId { get; init; }

    /// <summary><c>MKSTREAM</c>: create the stream (empty) when it does not exist. Default false.</summary>
    public bool MakeStream { get; init; }

    /// <summary><c>ENTRIESREAD</c>: the group's entries-read counter (for lag); 0 or more. Default <see langword="null"/>: unknown, estimated as Redis does.</summary>
    public long? EntriesRead { get; init; }

    /// <summary>
    /// Beyond Redis: the most times an entry is delivered to this group. A delivery that would exceed it (a re-read,
    /// XCLAIM or XAUTOCLAIM of an entry delivered this many times) instead appends the entry to
    /// <see cref="DeadLetterStream"/> with the reason and acknowledges it in the group. 1 or more; default
    /// <see langword="null"/>: unlimited.
    /// </summary>
    public int? MaxDeliveries { get; init; }

    /// <summary>
    /// The dead-letter stream for <see cref="MaxDeliveries"/> (created on first use; not the stream itself). Required
    /// with <see cref="MaxDeliveries"/>. Its entries carry the original fields followed by <c>sluice-dl-stream</c>,
    /// <c>sluice-dl-id</c>, <c>sluice-dl-group</c>, <c>sluice-dl-consumer</c> and <c>sluice-dl-deliveries</c>.
    /// </summary>
    public string? DeadLetterStream { get; init; }
}

/// <summary>Options of XCLAIM.</summary>
public sealed record StreamClaimOptions
{
    /// <summary><c>IDLE</c>: set the claimed entries' idle time to this (their delivery time = now - idle). Default: 0.</summary>
    public TimeSpan? Idle { get; init; }

    /// <summary><c>TIME</c>: set the claimed entries' delivery time (a future time counts as now). Default: now.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary><c>RETRYCOUNT</c>: set the delivery count to this (otherwise a claim adds 1, except with <see cref="JustId"/>).</summary>
    public long? RetryCount { get; init; }

    /// <summary><c>FORCE</c>: claim an id that is in no pending list, if the entry exists in the stream. Default false.</summary>
    public bool Force { get; init; }

    /// <summary><c>JUSTID</c>: return ids only and do not add to the delivery count. Default false.</summary>
    public bool JustId { get; init; }

    /// <summary><c>LASTID</c>: raise the group's last-delivered id to this when it is greater. Default none.</summary>
    public StreamEntryId? LastId { get; init; }
}

/// <summary>The result of XAUTOCLAIM.</summary>
/// <param name="Next">The id to pass as the next call's start; 0-0 when the scan reached the end of the pending list.</param>
/// <param name="Claimed">The claimed entries (with <see cref="StreamEntry.Fields"/> <see langword="null"/> when JUSTID).</param>
/// <param name="Deleted">Pending ids whose entries no longer exist in the stream; they were removed from the pending list.</param>
public sealed record StreamAutoClaimResult(StreamEntryId Next, IReadOnlyList<StreamEntry> Claimed, IReadOnlyList<StreamEntryId> Deleted)
{
    /// <summary>Entries moved to the group's dead-letter stream instead of being claimed (max-deliveries policy).</summary>
    public IReadOnlyList<StreamDeadLetter> DeadLettered { get; init; } = [];
}

/// <summary>A filter of the extended XPENDING form.</summary>
public sealed record StreamPendingQuery
{
    /// <summary>The smallest id (inclusive). Default 0-0 (<c>-</c>).</summary>
    public StreamEntryId Start { get; init; } = StreamEntryId.MinValue;

    /// <summary>The largest id (inclusive). Default the maximum (<c>+</c>).</summary>
    public StreamEntryId End { get; init; } = StreamEntryId.MaxValue;

    /// <summary>The most rows; 0 or more. Default 10.</summary>
    public long Count { get; init; } = 10;

    /// <summary>Only this consumer's entries. Default all.</summary>
    public string? Consumer { get; init; }

    /// <summary><c>IDLE</c>: only entries idle at least this long. Default all.</summary>
    public TimeSpan? MinIdle { get; init; }
}

/// <summary>One row of the extended XPENDING form (and of XINFO STREAM FULL's pending lists).</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Consumer">The consumer that holds it.</param>
/// <param name="Idle">Time since its last delivery.</param>
/// <param name="DeliveryCount">Times it was delivered.</param>
/// <param name="DeliveredAt">Its last delivery time.</param>
public sealed record StreamPendingEntry(StreamEntryId Id, string Consumer, TimeSpan Idle, long DeliveryCount, DateTimeOffset DeliveredAt);

/// <summary>The summary form of XPENDING.</summary>
/// <param name="Count">Pending entries of the group.</param>
/// <param name="Smallest">The smallest pending id, or <see langword="null"/> when none.</param>
/// <param name="Largest">The largest pending id, or <see langword="null"/> when none.</param>
/// <param name="Consumers">Consumers with at least one pending entry and their counts, ordered by name (ordinal).</param>
public sealed record StreamPendingSummary(long Count, StreamEntryId? Smallest, StreamEntryId? Largest, IReadOnlyList<StreamConsumerPending> Consumers);

/// <summary>A consumer's pending count.</summary>
/// <param name="Consumer">The consumer name.</param>
/// <param name="Count">Its pending entries.</param>
public sealed record StreamConsumerPending(string Consumer, long Count);

/// <summary>Sluice's retention of a stream, applied on append and by the broker's sweeper.</summary>
public sealed record StreamRetention
{
    /// <summary>The most entries kept (oldest removed first). Default none.</summary>
    public long? MaxLength { get; init; }

    /// <summary>The most bytes kept (sum of field name and value lengths; oldest removed first). Default none.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>Entries whose id's millisecond part is older than this are removed (by the sweeper). Default none.</summary>
    public TimeSpan? MaxAge { get; init; }
}

/// <summary>A stream's state (XINFO STREAM).</summary>
public sealed record StreamInfo
{
    /// <summary>The stream name.</summary>
    public required string Name { get; init; }

    /// <summary>Entries in the stream.</summary>
    public long Length { get; init; }

    /// <summary>Bytes of the entries (field names and values).</summary>
    public long Bytes { get; init; }

    /// <summary>The last generated id (also when that entry was deleted); 0-0 for a stream never appended to.</summary>
    public StreamEntryId LastGeneratedId { get; init; }

    /// <summary>The largest id ever removed by XDEL; 0-0 when none.</summary>
    public StreamEntryId MaxDeletedEntryId { get; init; }

    /// <summary>Entries ever appended (trims and deletions do not lower it).</summary>
    public long EntriesAdded { get; init; }

    /// <summary>The id of the first entry; 0-0 when empty (XINFO's <c>recorded-first-entry-id</c>).</summary>
    public StreamEntryId RecordedFirstEntryId { get; init; }

    /// <summary>Consumer groups.</summary>
    public long Groups { get; init; }

    /// <summary>The first entry, or <see langword="null"/> when empty.</summary>
    public StreamEntry? FirstEntry { get; init; }

    /// <summary>The last entry, or <see langword="null"/> when empty.</summary>
    public StreamEntry? LastEntry { get; init; }

    /// <summary>Sluice's retention of the stream.</summary>
    public StreamRetention Retention { get; init; } = new();

    /// <summary>When the stream was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A consumer group's state (XINFO GROUPS).</summary>
public sealed record StreamGroupInfo
{
    /// <summary>The group name.</summary>
    public required string Name { get; init; }

    /// <summary>Consumers of the group.</summary>
    public long Consumers { get; init; }

    /// <summary>Entries delivered and not yet acknowledged.</summary>
    public long Pending { get; init; }

    /// <summary>The last id delivered to the group.</summary>
    public StreamEntryId LastDeliveredId { get; init; }

    /// <summary>The logical read counter (entries-read), or <see langword="null"/> when unknown.</summary>
    public long? EntriesRead { get; init; }

    /// <summary>Entries not yet delivered to the group, or <see langword="null"/> when it cannot be known (Redis's rules).</summary>
    public long? Lag { get; init; }

    /// <summary>Sluice's max-deliveries policy, if any.</summary>
    public int? MaxDeliveries { get; init; }

    /// <summary>The dead-letter stream of the max-deliveries policy, if any.</summary>
    public string? DeadLetterStream { get; init; }
}

/// <summary>A consumer's state (XINFO CONSUMERS).</summary>
/// <param name="Name">The consumer name.</param>
/// <param name="Pending">Its pending entries.</param>
/// <param name="Idle">Time since its last interaction (read, claim, creation).</param>
/// <param name="Inactive">Time since its last successful read or claim, or <see langword="null"/> when it never had one.</param>
/// <param name="SeenAt">Its last interaction.</param>
/// <param name="ActiveAt">Its last successful read or claim, if any.</param>
public sealed record StreamConsumerInfo(string Name, long Pending, TimeSpan Idle, TimeSpan? Inactive, DateTimeOffset SeenAt, DateTimeOffset? ActiveAt);

/// <summary>XINFO STREAM FULL: the stream with its entries and every group's pending entries and consumers.</summary>
/// <param name="Stream">The stream's state.</param>
/// <param name="Entries">The first entries (up to the count asked for).</param>
/// <param name="Groups">The groups with their pending entries and consumers.</param>
public sealed record StreamFullInfo(StreamInfo Stream, IReadOnlyList<StreamEntry> Entries, IReadOnlyList<StreamGroupFullInfo> Groups);

/// <summary>A group in XINFO STREAM FULL.</summary>
/// <param name="Group">The group's state.</param>
/// <param name="Pending">Its pending entries in id order (up to the count asked for).</param>
/// <param name="Consumers">Its consumers with their pending entries (up to the count asked for each).</param>
public sealed record StreamGroupFullInfo(StreamGroupInfo Group, IReadOnlyList<StreamPendingEntry> Pending, IReadOnlyList<StreamConsumerFullInfo> Consumers);

/// <summary>A consumer in XINFO STREAM FULL.</summary>
/// <param name="Consumer">The consumer's state.</param>
/// <param name="Pending">Its pending entries in id order.</param>
public sealed record StreamConsumerFullInfo(StreamConsumerInfo Consumer, IReadOnlyList<StreamPendingEntry> Pending);

/// <summary>XSETID: the stream's last id and, optionally, its counters.</summary>
/// <param name="LastId">The new last id; not smaller than the last entry's id.</param>
/// <param name="EntriesAdded">ENTRIESADDED: not smaller than the length. Default unchanged.</param>
/// <param name="MaxDeletedId">MAXDELETEDID: not greater than <paramref name="LastId"/>. Default unchanged.</param>
public sealed record StreamSetIdOptions(StreamEntryId LastId, long? EntriesAdded = null, StreamEntryId? MaxDeletedId = null);

/// <summary>An entry moved to a dead-letter stream by a group's max-deliveries policy.</summary>
/// <param name="Id">The entry's id in the source stream.</param>
/// <param name="DeadLetterStream">Where it went.</param>
/// <param name="DeadLetterId">Its id there.</param>
/// <param name="Deliveries">Its delivery count when it moved.</param>
public sealed record StreamDeadLetter(StreamEntryId Id, string DeadLetterStream, StreamEntryId DeadLetterId, long Deliveries);

/// <summary>One entry of a batch append (<see cref="Broker.StreamAppendAllAsync"/>).</summary>
/// <param name="Fields">One or more field-value pairs, binary-safe.</param>
/// <param name="Options">Id, NOMKSTREAM and trim; default <c>*</c>, no trim.</param>
public sealed record StreamAppendItem(IReadOnlyList<StreamField> Fields, StreamAppendOptions? Options = null);
