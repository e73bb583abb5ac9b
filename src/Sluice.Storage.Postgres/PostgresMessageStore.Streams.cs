using System.Data.Common;
using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

/// <summary>
/// Streams in PostgreSQL: the <see cref="StreamEngine"/> runs in one transaction per call over tables keyed by a
/// stream's row id (children cascade on delete, so deleting a stream or group is one statement and a rename rewrites
/// one row). An entry's fields are two <c>bytea[]</c> columns (names, values). Ids are stored as two order-preserving
/// signed integers (<see cref="Key"/>), so indexes sort them as unsigned 64-bit numbers.
/// </summary>
/// <remarks>
/// <para>Nodes: the first time a call touches a stream it takes a transaction-scoped advisory lock on the stream's name,
/// so calls on one stream run one at a time across the cluster (two calls that lock two streams in opposite orders
/// deadlock, PostgreSQL aborts one, and it runs again).</para>
/// <para>Order of calls: this store starts its stream calls one at a time, in the order they were made, so calls one
/// caller makes without awaiting take effect in that order (<see cref="IStreamStore"/>). The engine's primitives are
/// synchronous: each is one round trip made with Npgsql's synchronous API on the call's connection.</para>
/// </remarks>
public sealed partial class PostgresMessageStore : IStreamStore
{
    private const string StreamId = "(SELECT id FROM streams WHERE name = $1)";

    private readonly Lock _streamOrder = new();
    private Task _streamTail = Task.CompletedTask;
    private StreamEngine? _streamEngine;

    private StreamEngine Engine => _streamEngine ??= new StreamEngine(_time);

    /// <summary>Runs one engine call in one transaction, after every stream call this store started before it.</summary>
    private async ValueTask<T> Streams<T>(Func<StreamEngine, IStreamState, T> operation, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_streamOrder)
        {
            previous = _streamTail;
            _streamTail = done.Task;
        }

        try
        {
            await previous.ConfigureAwait(false);
            return await RunAsync((c, _, _) => Task.FromResult(operation(Engine, new PostgresStreamState(c, _options.Schema))), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            done.SetResult();
        }
    }

    private async ValueTask Streams(Action<StreamEngine, IStreamState> operation, CancellationToken cancellationToken) =>
        await Streams((e, s) =>
        {
            operation(e, s);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<StreamEntryId?> AppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.Append(s, stream, fields, options), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> LengthAsync(string stream, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.Length(s, stream), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamEntry>> RangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count, bool reverse, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.Range(s, stream, first, last, count, reverse), cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamEntryId?> GetLastIdAsync(string stream, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.LastId(s, stream), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamDelivery>> ReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, int? count, bool noAck, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.ReadGroup(s, group, consumer, positions, count, noAck), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> TrimAsync(string stream, StreamTrim trim, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.Trim(s, stream, trim), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> DeleteEntriesAsync(string stream, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.DeleteEntries(s, stream, ids), cancellationToken);

    /// <inheritdoc />
    public ValueTask CreateGroupAsync(string stream, string group, StreamGroupOptions options, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.CreateGroup(s, stream, group, options), cancellationToken);

    /// <inheritdoc />
    public ValueTask SetGroupIdAsync(string stream, string group, StreamEntryId? lastDeliveredId, long? entriesRead, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.SetGroupId(s, stream, group, lastDeliveredId, entriesRead), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.DeleteGroup(s, stream, group), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> CreateConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.CreateConsumer(s, stream, group, consumer), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> DeleteConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.DeleteConsumer(s, stream, group, consumer), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> AckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.Ack(s, stream, group, ids), cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamPendingSummary> PendingSummaryAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.PendingSummary(s, stream, group), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamPendingEntry>> PendingAsync(string stream, string group, StreamPendingQuery query, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.Pending(s, stream, group, query), cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamDelivery> ClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, IReadOnlyList<StreamEntryId> ids, StreamClaimOptions options, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.Claim(s, stream, group, consumer, minIdle, ids, options), cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamAutoClaimResult> AutoClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, StreamEntryId start, int count, bool justId, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.AutoClaim(s, stream, group, consumer, minIdle, start, count, justId), cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamInfo?> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.Info(s, stream), cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamFullInfo?> GetStreamFullInfoAsync(string stream, int count, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.FullInfo(s, stream, count), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamGroupInfo>> GetGroupsAsync(string stream, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.Groups(s, stream), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamConsumerInfo>> GetConsumersAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.Consumers(s, stream, group), cancellationToken);

    /// <inheritdoc />
    public ValueTask SetIdAsync(string stream, StreamSetIdOptions options, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.SetId(s, stream, options), cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamInfo> SetRetentionAsync(string stream, StreamRetention retention, CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.SetRetention(s, stream, retention), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.DeleteStream(s, stream), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> RenameStreamAsync(string source, string destination, bool replace, CancellationToken cancellationToken = default) =>
        Streams((_, s) => StreamEngine.RenameStream(s, source, destination, replace), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> StreamExistsAsync(string stream, CancellationToken cancellationToken = default) =>
        Streams((_, s) => s.GetStream(stream) is not null, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default) =>
        Streams((_, s) => s.ListStreams(), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> SweepStreamsAsync(CancellationToken cancellationToken = default) =>
        Streams((e, s) => e.Sweep(s), cancellationToken);

    /// <summary>An unsigned 64-bit id part as a signed integer that sorts the same way (the sign bit flipped).</summary>
    private static long Key(ulong value) => unchecked((long)(value ^ 0x8000_0000_0000_0000UL));

    private static ulong Unkey(long value) => unchecked((ulong)value ^ 0x8000_0000_0000_0000UL);

    /// <summary>The engine's primitives over the stream tables, for one call's transaction; each primitive is one synchronous round trip.</summary>
    private sealed class PostgresStreamState(NpgsqlConnection connection, string schema) : IStreamState
    {
        private const string GroupColumns = "name, last_ms, last_seq, entries_read, max_deliveries, dead_letter, created_at";
        private const string PendingColumns = "ms, seq, consumer, delivered_at, delivery_count";

        private readonly HashSet<string> _locked = new(StringComparer.Ordinal);

        /// <summary>Takes the stream's advisory lock the first time this transaction touches it (held to the end of the transaction).</summary>
        private void Touch(string stream)
        {
            if (_locked.Add(stream))
            {
                Execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "sluice stream " + schema + " " + stream);
            }
        }

        private int Execute(string sql, params object?[] values)
        {
            using var cmd = Command(connection, sql, values);
            return cmd.ExecuteNonQuery();
        }

        private object? Scalar(string sql, params object?[] values)
        {
            using var cmd = Command(connection, sql, values);
            var value = cmd.ExecuteScalar();
            return value is DBNull ? null : value;
        }

        private List<TRow> Query<TRow>(string sql, Func<DbDataReader, TRow> read, params object?[] values)
        {
            using var cmd = Command(connection, sql, values);
            using var r = cmd.ExecuteReader();
            var rows = new List<TRow>();
            while (r.Read())
            {
                rows.Add(read(r));
            }

            return rows;
        }

        private static StreamEntryId ReadId(DbDataReader r, int ordinal) => new(Unkey(r.GetInt64(ordinal)), Unkey(r.GetInt64(ordinal + 1)));

        private static long? NullableLong(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt64(ordinal);

        public StreamRecord? GetStream(string stream)
        {
            Touch(stream);
            return Query(
                "SELECT name, last_ms, last_seq, maxdel_ms, maxdel_seq, first_ms, first_seq, entries_added, length, bytes, max_length, max_bytes, max_age_ms, created_at " +
                "FROM streams WHERE name = $1",
                r => new StreamRecord
                {
                    Name = r.GetString(0),
                    LastId = ReadId(r, 1),
                    MaxDeletedId = ReadId(r, 3),
                    FirstId = ReadId(r, 5),
                    EntriesAdded = r.GetInt64(7),
                    Length = r.GetInt64(8),
                    Bytes = r.GetInt64(9),
                    Retention = new StreamRetention
                    {
                        MaxLength = NullableLong(r, 10),
                        MaxBytes = NullableLong(r, 11),
                        MaxAge = NullableLong(r, 12) is { } age ? TimeSpan.FromMilliseconds(age) : null,
                    },
                    CreatedAt = Time.FromMs(r.GetInt64(13)),
                }, stream) is [var record] ? record : null;
        }

        public void PutStream(StreamRecord record)
        {
            Touch(record.Name);
            Execute(
                "INSERT INTO streams(name, last_ms, last_seq, maxdel_ms, maxdel_seq, first_ms, first_seq, entries_added, length, bytes, max_length, max_bytes, max_age_ms, created_at) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) " +
                "ON CONFLICT (name) DO UPDATE SET last_ms = excluded.last_ms, last_seq = excluded.last_seq, maxdel_ms = excluded.maxdel_ms, " +
                "maxdel_seq = excluded.maxdel_seq, first_ms = excluded.first_ms, first_seq = excluded.first_seq, entries_added = excluded.entries_added, " +
                "length = excluded.length, bytes = excluded.bytes, max_length = excluded.max_length, max_bytes = excluded.max_bytes, max_age_ms = excluded.max_age_ms",
                record.Name, Key(record.LastId.Milliseconds), Key(record.LastId.Sequence), Key(record.MaxDeletedId.Milliseconds), Key(record.MaxDeletedId.Sequence),
                Key(record.FirstId.Milliseconds), Key(record.FirstId.Sequence), record.EntriesAdded, record.Length, record.Bytes,
                record.Retention.MaxLength, record.Retention.MaxBytes, record.Retention.MaxAge is { } age ? (long)age.TotalMilliseconds : null,
                record.CreatedAt.ToUnixTimeMilliseconds());
        }

        public void DeleteStream(string stream)
        {
            Touch(stream);
            Execute("DELETE FROM streams WHERE name = $1", stream);
        }

        public void RenameStream(string source, string destination)
        {
            Touch(source);
            Touch(destination);
            Execute("UPDATE streams SET name = $2 WHERE name = $1", source, destination);
        }

        public IReadOnlyList<string> ListStreams()
        {
            var names = Query("SELECT name FROM streams", r => r.GetString(0));
            names.Sort(StringComparer.Ordinal);
            return names;
        }

        public void InsertEntry(string stream, StreamEntryId id, IReadOnlyList<StreamField> fields)
        {
            Touch(stream);
            var names = new byte[fields.Count][];
            var values = new byte[fields.Count][];
            long size = 0;
            for (var i = 0; i < fields.Count; i++)
            {
                names[i] = fields[i].Name.ToArray();
                values[i] = fields[i].Value.ToArray();
                size += fields[i].Size;
            }

            Execute($"INSERT INTO stream_entries(stream_id, ms, seq, names, vals, size) VALUES ({StreamId}, $2, $3, $4, $5, $6)",
                stream, Key(id.Milliseconds), Key(id.Sequence), names, values, size);
        }

        public IReadOnlyList<StreamEntry> ReadEntries(string stream, StreamEntryId first, StreamEntryId last, int limit, bool reverse)
        {
            Touch(stream);
            return Query(
                $"SELECT ms, seq, names, vals FROM stream_entries WHERE stream_id = {StreamId} AND (ms, seq) >= ($2, $3) AND (ms, seq) <= ($4, $5) " +
                (reverse ? "ORDER BY ms DESC, seq DESC" : "ORDER BY ms, seq") + " LIMIT $6",
                r =>
                {
                    var names = r.GetFieldValue<byte[][]>(2);
                    var values = r.GetFieldValue<byte[][]>(3);
                    var fields = new StreamField[names.Length];
                    for (var i = 0; i < fields.Length; i++)
                    {
                        fields[i] = new StreamField(names[i], values[i]);
                    }

                    return new StreamEntry(ReadId(r, 0), fields);
                },
                stream, Key(first.Milliseconds), Key(first.Sequence), Key(last.Milliseconds), Key(last.Sequence), (long)limit);
        }

        public bool EntryExists(string stream, StreamEntryId id)
        {
            Touch(stream);
            return Scalar($"SELECT 1 FROM stream_entries WHERE stream_id = {StreamId} AND ms = $2 AND seq = $3", stream, Key(id.Milliseconds), Key(id.Sequence)) is not null;
        }

        public long DeleteEntry(string stream, StreamEntryId id)
        {
            Touch(stream);
            return Scalar($"DELETE FROM stream_entries WHERE stream_id = {StreamId} AND ms = $2 AND seq = $3 RETURNING size",
                stream, Key(id.Milliseconds), Key(id.Sequence)) is long size ? size : -1;
        }

        public (long Count, long Bytes) DeleteOldest(string stream, long maxCount, StreamEntryId? below)
        {
            Touch(stream);
            var b = below ?? StreamEntryId.MaxValue;
            var sizes = Query(
                $"DELETE FROM stream_entries e USING (SELECT stream_id, ms, seq FROM stream_entries WHERE stream_id = {StreamId} " +
                (below is null ? "" : "AND (ms, seq) < ($2, $3) ") +
                "ORDER BY ms, seq LIMIT $4) o WHERE e.stream_id = o.stream_id AND e.ms = o.ms AND e.seq = o.seq RETURNING e.size",
                r => r.GetInt64(0), stream, Key(b.Milliseconds), Key(b.Sequence), maxCount);
            return (sizes.Count, sizes.Sum());
        }

        public long CountBelow(string stream, StreamEntryId below)
        {
            Touch(stream);
            return (long)Scalar($"SELECT count(*) FROM stream_entries WHERE stream_id = {StreamId} AND (ms, seq) < ($2, $3)",
                stream, Key(below.Milliseconds), Key(below.Sequence))!;
        }

        public StreamEntryId? EdgeId(string stream, bool last)
        {
            Touch(stream);
            return Query($"SELECT ms, seq FROM stream_entries WHERE stream_id = {StreamId} " + (last ? "ORDER BY ms DESC, seq DESC" : "ORDER BY ms, seq") + " LIMIT 1",
                r => ReadId(r, 0), stream) is [var id] ? id : null;
        }

        public IReadOnlyList<long> OldestSizes(string stream, int limit)
        {
            Touch(stream);
            return Query($"SELECT size FROM stream_entries WHERE stream_id = {StreamId} ORDER BY ms, seq LIMIT $2", r => r.GetInt64(0), stream, (long)limit);
        }

        private static StreamGroupRecord ReadGroup(DbDataReader r) => new()
        {
            Name = r.GetString(0),
            LastDeliveredId = ReadId(r, 1),
            EntriesRead = NullableLong(r, 3),
            MaxDeliveries = r.IsDBNull(4) ? null : r.GetInt32(4),
            DeadLetterStream = r.IsDBNull(5) ? null : r.GetString(5),
            CreatedAt = Time.FromMs(r.GetInt64(6)),
        };

        public StreamGroupRecord? GetGroup(string stream, string group)
        {
            Touch(stream);
            return Query($"SELECT {GroupColumns} FROM stream_groups WHERE stream_id = {StreamId} AND name = $2", ReadGroup, stream, group) is [var g] ? g : null;
        }

        public void PutGroup(string stream, StreamGroupRecord record)
        {
            Touch(stream);
            Execute(
                "INSERT INTO stream_groups(stream_id, name, last_ms, last_seq, entries_read, max_deliveries, dead_letter, created_at) " +
                $"VALUES ({StreamId}, $2, $3, $4, $5, $6, $7, $8) " +
                "ON CONFLICT (stream_id, name) DO UPDATE SET last_ms = excluded.last_ms, last_seq = excluded.last_seq, entries_read = excluded.entries_read, " +
                "max_deliveries = excluded.max_deliveries, dead_letter = excluded.dead_letter, created_at = excluded.created_at",
                stream, record.Name, Key(record.LastDeliveredId.Milliseconds), Key(record.LastDeliveredId.Sequence), record.EntriesRead,
                record.MaxDeliveries, record.DeadLetterStream, record.CreatedAt.ToUnixTimeMilliseconds());
        }

        public void DeleteGroup(string stream, string group)
        {
            Touch(stream);
            Execute($"DELETE FROM stream_groups WHERE stream_id = {StreamId} AND name = $2", stream, group);
        }

        public IReadOnlyList<StreamGroupRecord> ListGroups(string stream)
        {
            Touch(stream);
            var groups = Query($"SELECT {GroupColumns} FROM stream_groups WHERE stream_id = {StreamId}", ReadGroup, stream);
            groups.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return groups;
        }

        private static StreamConsumerRecord ReadConsumer(DbDataReader r) =>
            new(r.GetString(0), Time.FromMs(r.GetInt64(1)), r.IsDBNull(2) ? null : Time.FromMs(r.GetInt64(2)));

        public StreamConsumerRecord? GetConsumer(string stream, string group, string consumer)
        {
            Touch(stream);
            return Query($"SELECT name, seen_at, active_at FROM stream_consumers WHERE stream_id = {StreamId} AND group_name = $2 AND name = $3",
                ReadConsumer, stream, group, consumer) is [var c] ? c : null;
        }

        public void PutConsumer(string stream, string group, StreamConsumerRecord record)
        {
            Touch(stream);
            Execute(
                $"INSERT INTO stream_consumers(stream_id, group_name, name, seen_at, active_at) VALUES ({StreamId}, $2, $3, $4, $5) " +
                "ON CONFLICT (stream_id, group_name, name) DO UPDATE SET seen_at = excluded.seen_at, active_at = excluded.active_at",
                stream, group, record.Name, record.SeenAt.ToUnixTimeMilliseconds(), record.ActiveAt?.ToUnixTimeMilliseconds());
        }

        public long DeleteConsumer(string stream, string group, string consumer)
        {
            Touch(stream);
            Execute($"DELETE FROM stream_consumers WHERE stream_id = {StreamId} AND group_name = $2 AND name = $3", stream, group, consumer);
            return Execute($"DELETE FROM stream_pending WHERE stream_id = {StreamId} AND group_name = $2 AND consumer = $3", stream, group, consumer);
        }

        public IReadOnlyList<StreamConsumerRecord> ListConsumers(string stream, string group)
        {
            Touch(stream);
            var consumers = Query($"SELECT name, seen_at, active_at FROM stream_consumers WHERE stream_id = {StreamId} AND group_name = $2", ReadConsumer, stream, group);
            consumers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return consumers;
        }

        private static StreamPendingRecord ReadPending(DbDataReader r) =>
            new(ReadId(r, 0), r.GetString(2), Time.FromMs(r.GetInt64(3)), r.GetInt64(4));

        public StreamPendingRecord? GetPending(string stream, string group, StreamEntryId id)
        {
            Touch(stream);
            return Query($"SELECT {PendingColumns} FROM stream_pending WHERE stream_id = {StreamId} AND group_name = $2 AND ms = $3 AND seq = $4",
                ReadPending, stream, group, Key(id.Milliseconds), Key(id.Sequence)) is [var p] ? p : null;
        }

        public void PutPending(string stream, string group, StreamPendingRecord record)
        {
            Touch(stream);
            Execute(
                $"INSERT INTO stream_pending(stream_id, group_name, ms, seq, consumer, delivered_at, delivery_count) VALUES ({StreamId}, $2, $3, $4, $5, $6, $7) " +
                "ON CONFLICT (stream_id, group_name, ms, seq) DO UPDATE SET consumer = excluded.consumer, delivered_at = excluded.delivered_at, delivery_count = excluded.delivery_count",
                stream, group, Key(record.Id.Milliseconds), Key(record.Id.Sequence), record.Consumer, record.DeliveredAt.ToUnixTimeMilliseconds(), record.DeliveryCount);
        }

        public bool DeletePending(string stream, string group, StreamEntryId id)
        {
            Touch(stream);
            return Execute($"DELETE FROM stream_pending WHERE stream_id = {StreamId} AND group_name = $2 AND ms = $3 AND seq = $4",
                stream, group, Key(id.Milliseconds), Key(id.Sequence)) > 0;
        }

        public IReadOnlyList<StreamPendingRecord> ScanPending(string stream, string group, StreamEntryId first, StreamEntryId last, string? consumer, int limit)
        {
            Touch(stream);
            return Query(
                $"SELECT {PendingColumns} FROM stream_pending WHERE stream_id = {StreamId} AND group_name = $2 AND (ms, seq) >= ($3, $4) AND (ms, seq) <= ($5, $6) " +
                "AND ($8::text IS NULL OR consumer = $8) ORDER BY ms, seq LIMIT $7",
                ReadPending, stream, group, Key(first.Milliseconds), Key(first.Sequence), Key(last.Milliseconds), Key(last.Sequence), (long)limit, consumer);
        }

        public (StreamEntryId Smallest, StreamEntryId Largest)? PendingBounds(string stream, string group)
        {
            Touch(stream);
            return Query(
                $"SELECT * FROM (SELECT ms, seq FROM stream_pending WHERE stream_id = {StreamId} AND group_name = $2 ORDER BY ms, seq LIMIT 1) f, " +
                $"(SELECT ms, seq FROM stream_pending WHERE stream_id = {StreamId} AND group_name = $2 ORDER BY ms DESC, seq DESC LIMIT 1) l",
                r => (ReadId(r, 0), ReadId(r, 2)), stream, group) is [var bounds] ? bounds : null;
        }

        public IReadOnlyList<StreamConsumerPending> CountPending(string stream, string group)
        {
            Touch(stream);
            var counts = Query($"SELECT consumer, count(*) FROM stream_pending WHERE stream_id = {StreamId} AND group_name = $2 GROUP BY consumer",
                r => new StreamConsumerPending(r.GetString(0), r.GetInt64(1)), stream, group);
            counts.Sort((a, b) => string.CompareOrdinal(a.Consumer, b.Consumer));
            return counts;
        }
    }
}
