namespace Sluice.Storage;

/// <summary>The result of a consumer-group read or claim in a store.</summary>
/// <param name="Entries">The entries delivered (or, for a history read, re-delivered), in id order.</param>
/// <param name="DeadLettered">Entries moved to the group's dead-letter stream instead of being delivered (max-deliveries policy).</param>
public sealed record StreamDelivery(IReadOnlyList<StreamEntry> Entries, IReadOnlyList<StreamDeadLetter> DeadLettered)
{
    /// <summary>Nothing delivered.</summary>
    public static StreamDelivery Empty { get; } = new([], []);
}

/// <summary>
/// The storage contract for streams with consumer groups (the semantics of the Redis stream commands, plus Sluice's
/// retention and max-deliveries policy). A store declares stream support by implementing it next to its queue
/// contract. Every method is atomic, reads time from the store's <see cref="TimeProvider"/> (the broker's clock), and
/// returns only once its effect is durable (for a durable store). The broker validates names, ids and counts first.
/// </summary>
/// <remarks>
/// <para>
/// The semantics are written once in <see cref="StreamEngine"/> over the primitives of <see cref="IStreamState"/>; a
/// store implements the primitives and runs each engine call atomically (the in-memory store under its lock, the
/// SQLite store on its writer inside one savepoint). A store may implement a method natively (for example in SQL) as
/// long as it passes <c>StreamConformanceTests</c>.
/// </para>
/// <para>
/// Order of calls: calls one caller makes without awaiting the earlier ones take effect in the order they were made,
/// each seeing the effects of those before it (a call is issued when the method returns, not when it is awaited).
/// The RESP face relies on it to run a connection's pipelined commands without waiting for each commit. The in-memory
/// store runs each call before returning; the SQLite store queues calls to its single writer in order, and the writer
/// applies them in that order within group commits.
/// </para>
/// <para>Semantics every store keeps (the Redis command reference and <c>src/t_stream.c</c>):</para>
/// <list type="bullet">
/// <item>Ids strictly increase; a stream remembers its last generated id, the largest id deleted by XDEL, entries ever
/// added, and its first entry's id, also when entries are trimmed or deleted. An emptied stream still exists.</item>
/// <item>A group has a last-delivered id and an entries-read counter; its pending entries list records per entry the
/// consumer, the last delivery time and the delivery count. Consumers are created by a read, a claim or
/// CREATECONSUMER.</item>
/// <item>A pending entry whose stream entry was deleted stays pending until acknowledged, claimed away (XCLAIM drops it,
/// XAUTOCLAIM reports it as deleted) or its consumer/group is deleted.</item>
/// </list>
/// </remarks>
public interface IStreamStore
{
    /// <summary>XADD: appends an entry, creating the stream unless <see cref="StreamAppendOptions.NoMakeStream"/>, then applies the trim and the stream's retention.</summary>
    /// <returns>The new id, or <see langword="null"/> when the stream does not exist and <see cref="StreamAppendOptions.NoMakeStream"/> is set.</returns>
    /// <exception cref="SluiceException">stream_id_too_small, stream_id_exhausted.</exception>
    ValueTask<StreamEntryId?> AppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options, CancellationToken cancellationToken = default);

    /// <summary>XLEN: entries in the stream; 0 when it does not exist.</summary>
    ValueTask<long> LengthAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>XRANGE / XREVRANGE: entries with <paramref name="first"/> &lt;= id &lt;= <paramref name="last"/>, ascending (or descending when <paramref name="reverse"/>), at most <paramref name="count"/> (null: all). Empty when the stream does not exist.</summary>
    ValueTask<IReadOnlyList<StreamEntry>> RangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count, bool reverse, CancellationToken cancellationToken = default);

    /// <summary>The stream's last generated id (XREAD's <c>$</c>), or <see langword="null"/> when it does not exist.</summary>
    ValueTask<StreamEntryId?> GetLastIdAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>
    /// XREADGROUP on one or more streams, as one atomic step: every stream must have the group before any is read (a
    /// missing one changes nothing). Per stream: <see cref="StreamPositionKind.Undelivered"/>: entries after the group's last-delivered
    /// id; each advances it (and entries-read), and unless <paramref name="noAck"/> enters the pending list with
    /// delivery count 1 for <paramref name="consumer"/> (an id already pending moves to this consumer, count 1).
    /// <see cref="StreamPositionKind.After"/>: the consumer's own pending entries after the id, each with delivery count
    /// + 1 and delivery time now (a deleted entry is returned with <see langword="null"/> fields and not counted).
    /// The consumer is created when missing; its seen time is set, and its active time when entries were delivered.
    /// </summary>
    /// <returns>One delivery per position, in order.</returns>
    /// <exception cref="SluiceException">stream_group_not_found (also when a stream does not exist), naming that stream in <see cref="SluiceException.Resource"/>.</exception>
    ValueTask<IReadOnlyList<StreamDelivery>> ReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, int? count, bool noAck, CancellationToken cancellationToken = default);

    /// <summary>XTRIM: removes entries by the trim.</summary>
    /// <returns>Entries removed; 0 when the stream does not exist.</returns>
    ValueTask<long> TrimAsync(string stream, StreamTrim trim, CancellationToken cancellationToken = default);

    /// <summary>XDEL: deletes entries by id (pending lists keep them).</summary>
    /// <returns>Entries deleted (ids not present are not counted).</returns>
    ValueTask<long> DeleteEntriesAsync(string stream, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default);

    /// <summary>XGROUP CREATE.</summary>
    /// <exception cref="SluiceException">stream_not_found (without MKSTREAM), stream_group_exists.</exception>
    ValueTask CreateGroupAsync(string stream, string group, StreamGroupOptions options, CancellationToken cancellationToken = default);

    /// <summary>XGROUP SETID: sets the last-delivered id (<see langword="null"/>: the stream's last id) and the entries-read counter (<see langword="null"/>: unknown).</summary>
    /// <exception cref="SluiceException">stream_not_found, stream_group_not_found.</exception>
    ValueTask SetGroupIdAsync(string stream, string group, StreamEntryId? lastDeliveredId, long? entriesRead, CancellationToken cancellationToken = default);

    /// <summary>XGROUP DESTROY.</summary>
    /// <returns>Whether the group existed.</returns>
    /// <exception cref="SluiceException">stream_not_found.</exception>
    ValueTask<bool> DeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default);

    /// <summary>XGROUP CREATECONSUMER.</summary>
    /// <returns>Whether it was created (<see langword="false"/>: it existed).</returns>
    /// <exception cref="SluiceException">stream_not_found, stream_group_not_found.</exception>
    ValueTask<bool> CreateConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default);

    /// <summary>XGROUP DELCONSUMER: deletes the consumer and its pending entries.</summary>
    /// <returns>The pending entries it had (0 when it did not exist).</returns>
    /// <exception cref="SluiceException">stream_not_found, stream_group_not_found.</exception>
    ValueTask<long> DeleteConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default);

    /// <summary>XACK: removes ids from the group's pending list.</summary>
    /// <returns>Ids that were pending (0 when the stream or group does not exist).</returns>
    ValueTask<long> AckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default);

    /// <summary>XPENDING summary form.</summary>
    /// <exception cref="SluiceException">stream_group_not_found (also when the stream does not exist).</exception>
    ValueTask<StreamPendingSummary> PendingSummaryAsync(string stream, string group, CancellationToken cancellationToken = default);

    /// <summary>XPENDING extended form, in id order.</summary>
    /// <exception cref="SluiceException">stream_group_not_found (also when the stream does not exist).</exception>
    ValueTask<IReadOnlyList<StreamPendingEntry>> PendingAsync(string stream, string group, StreamPendingQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// XCLAIM: for each id pending in the group (or, with FORCE, present in the stream) and idle at least
    /// <paramref name="minIdle"/>: moves it to <paramref name="consumer"/>, sets its delivery time (now, or IDLE/TIME) and
    /// count (+1 unless JUSTID, or RETRYCOUNT). A pending id whose entry was deleted is removed from the pending list
    /// and not returned.
    /// </summary>
    /// <exception cref="SluiceException">stream_group_not_found (also when the stream does not exist).</exception>
    ValueTask<StreamDelivery> ClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, IReadOnlyList<StreamEntryId> ids, StreamClaimOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// XAUTOCLAIM: scans the group's pending list from <paramref name="start"/>, examining at most 10 ×
    /// <paramref name="count"/> entries, and claims up to <paramref name="count"/> idle at least <paramref name="minIdle"/>
    /// (delivery count + 1 unless <paramref name="justId"/>); pending ids whose entries were deleted are removed and reported.
    /// </summary>
    /// <exception cref="SluiceException">stream_group_not_found (also when the stream does not exist).</exception>
    ValueTask<StreamAutoClaimResult> AutoClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, StreamEntryId start, int count, bool justId, CancellationToken cancellationToken = default);

    /// <summary>XINFO STREAM, or <see langword="null"/> when the stream does not exist.</summary>
    ValueTask<StreamInfo?> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>XINFO STREAM FULL with at most <paramref name="count"/> entries and pending rows per list (0: all), or <see langword="null"/> when the stream does not exist.</summary>
    ValueTask<StreamFullInfo?> GetStreamFullInfoAsync(string stream, int count, CancellationToken cancellationToken = default);

    /// <summary>XINFO GROUPS, ordered by name (ordinal).</summary>
    /// <exception cref="SluiceException">stream_not_found.</exception>
    ValueTask<IReadOnlyList<StreamGroupInfo>> GetGroupsAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>XINFO CONSUMERS, ordered by name (ordinal).</summary>
    /// <exception cref="SluiceException">stream_not_found, stream_group_not_found.</exception>
    ValueTask<IReadOnlyList<StreamConsumerInfo>> GetConsumersAsync(string stream, string group, CancellationToken cancellationToken = default);

    /// <summary>XSETID.</summary>
    /// <exception cref="SluiceException">stream_not_found, stream_id_too_small, invalid_argument.</exception>
    ValueTask SetIdAsync(string stream, StreamSetIdOptions options, CancellationToken cancellationToken = default);

    /// <summary>Sets the stream's retention (creating the stream, empty, when missing) and applies its count and byte limits at once.</summary>
    ValueTask<StreamInfo> SetRetentionAsync(string stream, StreamRetention retention, CancellationToken cancellationToken = default);

    /// <summary>Deletes a stream with its entries, groups, consumers and pending lists (DEL).</summary>
    /// <returns>Whether it existed.</returns>
    ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>RENAME / RENAMENX: renames a stream with everything in it; an existing destination is replaced when <paramref name="replace"/>.</summary>
    /// <returns><see langword="false"/> when the destination exists and <paramref name="replace"/> is not set (nothing changed).</returns>
    /// <exception cref="SluiceException">stream_not_found (the source).</exception>
    ValueTask<bool> RenameStreamAsync(string source, string destination, bool replace, CancellationToken cancellationToken = default);

    /// <summary>Whether a stream exists (EXISTS, TYPE).</summary>
    ValueTask<bool> StreamExistsAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>Every stream name, ordered (ordinal) (KEYS, SCAN).</summary>
    ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies every stream's retention (count, bytes, age against the store's clock).</summary>
    /// <returns>Entries removed.</returns>
    ValueTask<long> SweepStreamsAsync(CancellationToken cancellationToken = default);
}
