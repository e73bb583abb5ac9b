namespace Sluice.Storage;

/// <summary>A stream's stored metadata (one row per stream).</summary>
public sealed record StreamRecord
{
    /// <summary>The stream name.</summary>
    public required string Name { get; init; }

    /// <summary>The last generated id.</summary>
    public StreamEntryId LastId { get; init; }

    /// <summary>The largest id XDEL removed (0-0: none).</summary>
    public StreamEntryId MaxDeletedId { get; init; }

    /// <summary>The first entry's id (0-0 when empty).</summary>
    public StreamEntryId FirstId { get; init; }

    /// <summary>Entries ever appended.</summary>
    public long EntriesAdded { get; init; }

    /// <summary>Entries now in the stream.</summary>
    public long Length { get; init; }

    /// <summary>Bytes of the entries now in the stream.</summary>
    public long Bytes { get; init; }

    /// <summary>Sluice's retention.</summary>
    public StreamRetention Retention { get; init; } = new();

    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A consumer group's stored state.</summary>
public sealed record StreamGroupRecord
{
    /// <summary>The group name.</summary>
    public required string Name { get; init; }

    /// <summary>The last id delivered to the group.</summary>
    public StreamEntryId LastDeliveredId { get; init; }

    /// <summary>The entries-read counter, or <see langword="null"/> when unknown.</summary>
    public long? EntriesRead { get; init; }

    /// <summary>The max-deliveries policy, if any.</summary>
    public int? MaxDeliveries { get; init; }

    /// <summary>The dead-letter stream of the policy, if any.</summary>
    public string? DeadLetterStream { get; init; }

    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A consumer's stored state.</summary>
/// <param name="Name">The consumer name.</param>
/// <param name="SeenAt">Its last interaction.</param>
/// <param name="ActiveAt">Its last successful read or claim, if any.</param>
public sealed record StreamConsumerRecord(string Name, DateTimeOffset SeenAt, DateTimeOffset? ActiveAt);

/// <summary>A pending entry: delivered to a group's consumer, not yet acknowledged.</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Consumer">The consumer holding it.</param>
/// <param name="DeliveredAt">Its last delivery time.</param>
/// <param name="DeliveryCount">Times delivered.</param>
public sealed record StreamPendingRecord(StreamEntryId Id, string Consumer, DateTimeOffset DeliveredAt, long DeliveryCount);

/// <summary>
/// The storage primitives <see cref="StreamEngine"/> runs on. A store implements them over its backend and calls the
/// engine inside one atomic unit (a lock, a transaction); the primitives themselves keep no rules: the engine keeps
/// <see cref="StreamRecord"/> counters, ids and pending lists consistent, and stores a stream's record before anything
/// of the stream. All lists are ordered by id or name (ordinal).
/// </summary>
public interface IStreamState
{
    /// <summary>The stream's record, or <see langword="null"/>.</summary>
    StreamRecord? GetStream(string stream);

    /// <summary>Inserts or replaces a stream's record.</summary>
    void PutStream(StreamRecord record);

    /// <summary>Deletes a stream with its entries, groups, consumers and pending entries.</summary>
    void DeleteStream(string stream);

    /// <summary>Moves a stream with everything in it to a name that is free.</summary>
    void RenameStream(string source, string destination);

    /// <summary>Every stream name, ordered.</summary>
    IReadOnlyList<string> ListStreams();

    /// <summary>Stores an entry (the id is new and above every stored one); the fields must be copied.</summary>
    void InsertEntry(string stream, StreamEntryId id, IReadOnlyList<StreamField> fields);

    /// <summary>Entries with <paramref name="first"/> &lt;= id &lt;= <paramref name="last"/>, ascending (descending when <paramref name="reverse"/>), at most <paramref name="limit"/>.</summary>
    IReadOnlyList<StreamEntry> ReadEntries(string stream, StreamEntryId first, StreamEntryId last, int limit, bool reverse);

    /// <summary>Whether the entry exists.</summary>
    bool EntryExists(string stream, StreamEntryId id);

    /// <summary>Deletes one entry.</summary>
    /// <returns>Its size in bytes, or -1 when it did not exist.</returns>
    long DeleteEntry(string stream, StreamEntryId id);

    /// <summary>Deletes up to <paramref name="maxCount"/> oldest entries (only those with an id below <paramref name="below"/> when given).</summary>
    /// <returns>Entries and bytes deleted.</returns>
    (long Count, long Bytes) DeleteOldest(string stream, long maxCount, StreamEntryId? below);

    /// <summary>Entries with an id below <paramref name="below"/>.</summary>
    long CountBelow(string stream, StreamEntryId below);

    /// <summary>The first (or, when <paramref name="last"/>, the last) entry's id, or <see langword="null"/> when the stream has no entries.</summary>
    StreamEntryId? EdgeId(string stream, bool last);

    /// <summary>The sizes of up to <paramref name="limit"/> oldest entries, oldest first (byte retention).</summary>
    IReadOnlyList<long> OldestSizes(string stream, int limit);

    /// <summary>The group's record, or <see langword="null"/>.</summary>
    StreamGroupRecord? GetGroup(string stream, string group);

    /// <summary>Inserts or replaces a group's record.</summary>
    void PutGroup(string stream, StreamGroupRecord record);

    /// <summary>Deletes a group with its consumers and pending entries.</summary>
    void DeleteGroup(string stream, string group);

    /// <summary>The stream's groups, ordered by name.</summary>
    IReadOnlyList<StreamGroupRecord> ListGroups(string stream);

    /// <summary>The consumer's record, or <see langword="null"/>.</summary>
    StreamConsumerRecord? GetConsumer(string stream, string group, string consumer);

    /// <summary>Inserts or replaces a consumer's record.</summary>
    void PutConsumer(string stream, string group, StreamConsumerRecord record);

    /// <summary>Deletes a consumer's record and its pending entries.</summary>
    /// <returns>Pending entries deleted.</returns>
    long DeleteConsumer(string stream, string group, string consumer);

    /// <summary>The group's consumers, ordered by name.</summary>
    IReadOnlyList<StreamConsumerRecord> ListConsumers(string stream, string group);

    /// <summary>A pending entry, or <see langword="null"/>.</summary>
    StreamPendingRecord? GetPending(string stream, string group, StreamEntryId id);

    /// <summary>Inserts or replaces a pending entry.</summary>
    void PutPending(string stream, string group, StreamPendingRecord record);

    /// <summary>Deletes a pending entry.</summary>
    /// <returns>Whether it existed.</returns>
    bool DeletePending(string stream, string group, StreamEntryId id);

    /// <summary>Pending entries with <paramref name="first"/> &lt;= id &lt;= <paramref name="last"/> (of one consumer when given), ascending, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<StreamPendingRecord> ScanPending(string stream, string group, StreamEntryId first, StreamEntryId last, string? consumer, int limit);

    /// <summary>The smallest and largest pending id of the group, or <see langword="null"/> when none is pending.</summary>
    (StreamEntryId Smallest, StreamEntryId Largest)? PendingBounds(string stream, string group);

    /// <summary>Pending entries per consumer (consumers with at least one), ordered by consumer name.</summary>
    IReadOnlyList<StreamConsumerPending> CountPending(string stream, string group);
}
