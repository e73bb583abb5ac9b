using Microsoft.Data.Sqlite;
using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

/// <summary>
/// Streams in SQLite: the <see cref="StreamEngine"/> runs on the writer thread, one operation per savepoint inside the
/// group commit, over tables keyed by a stream's row id (so a rename rewrites one row). Entry fields are one blob per
/// entry, read only by the call that returns them. Ids are stored as two order-preserving signed integers
/// (<see cref="Key"/>), so SQLite's indexes sort them as unsigned 64-bit numbers.
/// </summary>
public sealed partial class SqliteMessageStore : IStreamStore
{
    private const string StreamSchema = """
        CREATE TABLE IF NOT EXISTS streams(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            last_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL,
            maxdel_ms INTEGER NOT NULL, maxdel_seq INTEGER NOT NULL,
            first_ms INTEGER NOT NULL, first_seq INTEGER NOT NULL,
            entries_added INTEGER NOT NULL,
            length INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            max_length INTEGER, max_bytes INTEGER, max_age INTEGER,
            created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS stream_entries(
            stream_id INTEGER NOT NULL, ms INTEGER NOT NULL, seq INTEGER NOT NULL,
            fields BLOB NOT NULL, size INTEGER NOT NULL,
            PRIMARY KEY(stream_id, ms, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stream_groups(
            stream_id INTEGER NOT NULL, name TEXT NOT NULL,
            last_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL,
            entries_read INTEGER, max_deliveries INTEGER, dead_letter TEXT, created_at INTEGER NOT NULL,
            PRIMARY KEY(stream_id, name)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stream_consumers(
            stream_id INTEGER NOT NULL, group_name TEXT NOT NULL, name TEXT NOT NULL,
            seen_at INTEGER NOT NULL, active_at INTEGER,
            PRIMARY KEY(stream_id, group_name, name)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stream_pending(
            stream_id INTEGER NOT NULL, group_name TEXT NOT NULL, ms INTEGER NOT NULL, seq INTEGER NOT NULL,
            consumer TEXT NOT NULL, delivered_at INTEGER NOT NULL, delivery_count INTEGER NOT NULL,
            PRIMARY KEY(stream_id, group_name, ms, seq)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS stream_pending_consumer ON stream_pending(stream_id, group_name, consumer, ms, seq);
        """;

    private const string Sid = "(SELECT id FROM streams WHERE name = $s)";

    private readonly Dictionary<string, SqliteCommand> _streamCommands = new(StringComparer.Ordinal);
    private StreamEngine? _streamEngine;
    private SqliteStreamState? _streamState;

    private StreamEngine Engine => _streamEngine ??= new StreamEngine(_time);

    private IStreamState StreamState => _streamState ??= new SqliteStreamState(this);

    private ValueTask<T> Streams<T>(Func<StreamEngine, IStreamState, T> operation, CancellationToken cancellationToken) =>
        RunAsync(() => operation(Engine, StreamState), cancellationToken);

    private async ValueTask Streams(Action<StreamEngine, IStreamState> operation, CancellationToken cancellationToken) =>
        await RunAsync(() =>
        {
            operation(Engine, StreamState);
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

    /// <summary>A prepared command for a constant SQL text, kept for the connection's life (the connection disposes it).</summary>
    private SqliteCommand StreamCommand(string sql, params string[] parameters)
    {
        if (!_streamCommands.TryGetValue(sql, out var cmd))
        {
            cmd = Command(sql, parameters);
            _streamCommands.Add(sql, cmd);
        }

        return cmd;
    }

    /// <summary>An unsigned 64-bit id part as a signed integer that sorts the same way (the sign bit flipped).</summary>
    private static long Key(ulong value) => unchecked((long)(value ^ 0x8000_0000_0000_0000UL));

    private static ulong Unkey(long value) => unchecked((ulong)value ^ 0x8000_0000_0000_0000UL);

    /// <summary>The primitives over the stream tables; runs on the writer thread only.</summary>
    private sealed class SqliteStreamState(SqliteMessageStore store) : IStreamState
    {
        private SqliteCommand Cmd(string sql, params object?[] values)
        {
            var names = new string[values.Length];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var cmd = store.StreamCommand(sql, names);
            for (var i = 0; i < values.Length; i++)
            {
                cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            return cmd;
        }

        private static StreamEntryId ReadId(SqliteDataReader r, int ordinal) => new(Unkey(r.GetInt64(ordinal)), Unkey(r.GetInt64(ordinal + 1)));

        private static long? NullableLong(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt64(ordinal);

        public StreamRecord? GetStream(string stream)
        {
            using var r = Cmd("SELECT name, last_ms, last_seq, maxdel_ms, maxdel_seq, first_ms, first_seq, entries_added, length, bytes, max_length, max_bytes, max_age, created_at FROM streams WHERE name = $p0;", stream).ExecuteReader();
            if (!r.Read())
            {
                return null;
            }

            return new StreamRecord
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
            };
        }

        public void PutStream(StreamRecord record) => Cmd("""
            INSERT INTO streams(name, last_ms, last_seq, maxdel_ms, maxdel_seq, first_ms, first_seq, entries_added, length, bytes, max_length, max_bytes, max_age, created_at)
            VALUES($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11, $p12, $p13)
            ON CONFLICT(name) DO UPDATE SET last_ms = excluded.last_ms, last_seq = excluded.last_seq, maxdel_ms = excluded.maxdel_ms,
                maxdel_seq = excluded.maxdel_seq, first_ms = excluded.first_ms, first_seq = excluded.first_seq, entries_added = excluded.entries_added,
                length = excluded.length, bytes = excluded.bytes, max_length = excluded.max_length, max_bytes = excluded.max_bytes, max_age = excluded.max_age;
            """,
            record.Name, Key(record.LastId.Milliseconds), Key(record.LastId.Sequence), Key(record.MaxDeletedId.Milliseconds), Key(record.MaxDeletedId.Sequence),
            Key(record.FirstId.Milliseconds), Key(record.FirstId.Sequence), record.EntriesAdded, record.Length, record.Bytes,
            record.Retention.MaxLength, record.Retention.MaxBytes, record.Retention.MaxAge is { } age ? (long)age.TotalMilliseconds : null,
            record.CreatedAt.ToUnixTimeMilliseconds()).ExecuteNonQuery();

        public void DeleteStream(string stream) => Cmd($"""
            DELETE FROM stream_entries WHERE stream_id = {Sid.Replace("$s", "$p0", StringComparison.Ordinal)};
            DELETE FROM stream_groups WHERE stream_id = {Sid.Replace("$s", "$p0", StringComparison.Ordinal)};
            DELETE FROM stream_consumers WHERE stream_id = {Sid.Replace("$s", "$p0", StringComparison.Ordinal)};
            DELETE FROM stream_pending WHERE stream_id = {Sid.Replace("$s", "$p0", StringComparison.Ordinal)};
            DELETE FROM streams WHERE name = $p0;
            """, stream).ExecuteNonQuery();

        public void RenameStream(string source, string destination) =>
            Cmd("UPDATE streams SET name = $p1 WHERE name = $p0;", source, destination).ExecuteNonQuery();

        public IReadOnlyList<string> ListStreams()
        {
            var names = new List<string>();
            using var r = Cmd("SELECT name FROM streams ORDER BY name;").ExecuteReader();
            while (r.Read())
            {
                names.Add(r.GetString(0));
            }

            names.Sort(StringComparer.Ordinal);
            return names;
        }

        public void InsertEntry(string stream, StreamEntryId id, IReadOnlyList<StreamField> fields)
        {
            var (blob, size) = StreamFieldCodec.Encode(fields);
            Cmd($"INSERT INTO stream_entries(stream_id, ms, seq, fields, size) VALUES({S0}, $p1, $p2, $p3, $p4);",
                stream, Key(id.Milliseconds), Key(id.Sequence), blob, size).ExecuteNonQuery();
        }

        private const string S0 = "(SELECT id FROM streams WHERE name = $p0)";

        public IReadOnlyList<StreamEntry> ReadEntries(string stream, StreamEntryId first, StreamEntryId last, int limit, bool reverse)
        {
            var sql = reverse
                ? $"SELECT ms, seq, fields FROM stream_entries WHERE stream_id = {S0} AND (ms, seq) >= ($p1, $p2) AND (ms, seq) <= ($p3, $p4) ORDER BY ms DESC, seq DESC LIMIT $p5;"
                : $"SELECT ms, seq, fields FROM stream_entries WHERE stream_id = {S0} AND (ms, seq) >= ($p1, $p2) AND (ms, seq) <= ($p3, $p4) ORDER BY ms, seq LIMIT $p5;";
            var entries = new List<StreamEntry>();
            using var r = Cmd(sql, stream, Key(first.Milliseconds), Key(first.Sequence), Key(last.Milliseconds), Key(last.Sequence), (long)limit).ExecuteReader();
            while (r.Read())
            {
                entries.Add(new StreamEntry(ReadId(r, 0), StreamFieldCodec.Decode((byte[])r.GetValue(2))));
            }

            return entries;
        }

        public bool EntryExists(string stream, StreamEntryId id) =>
            Cmd($"SELECT 1 FROM stream_entries WHERE stream_id = {S0} AND ms = $p1 AND seq = $p2;", stream, Key(id.Milliseconds), Key(id.Sequence)).ExecuteScalar() is not null;

        public long DeleteEntry(string stream, StreamEntryId id) =>
            Cmd($"DELETE FROM stream_entries WHERE stream_id = {S0} AND ms = $p1 AND seq = $p2 RETURNING size;", stream, Key(id.Milliseconds), Key(id.Sequence)).ExecuteScalar() is long size ? size : -1;

        public (long Count, long Bytes) DeleteOldest(string stream, long maxCount, StreamEntryId? below)
        {
            var b = below ?? StreamEntryId.MaxValue;
            var sql = below is null
                ? $"DELETE FROM stream_entries WHERE stream_id = {S0} AND (ms, seq) IN (SELECT ms, seq FROM stream_entries WHERE stream_id = {S0} ORDER BY ms, seq LIMIT $p3) RETURNING size;"
                : $"DELETE FROM stream_entries WHERE stream_id = {S0} AND (ms, seq) IN (SELECT ms, seq FROM stream_entries WHERE stream_id = {S0} AND (ms, seq) < ($p1, $p2) ORDER BY ms, seq LIMIT $p3) RETURNING size;";
            long count = 0, bytes = 0;
            using var r = Cmd(sql, stream, Key(b.Milliseconds), Key(b.Sequence), maxCount).ExecuteReader();
            while (r.Read())
            {
                count++;
                bytes += r.GetInt64(0);
            }

            return (count, bytes);
        }

        public long CountBelow(string stream, StreamEntryId below) =>
            (long)Cmd($"SELECT COUNT(*) FROM stream_entries WHERE stream_id = {S0} AND (ms, seq) < ($p1, $p2);", stream, Key(below.Milliseconds), Key(below.Sequence)).ExecuteScalar()!;

        public StreamEntryId? EdgeId(string stream, bool last)
        {
            var sql = last
                ? $"SELECT ms, seq FROM stream_entries WHERE stream_id = {S0} ORDER BY ms DESC, seq DESC LIMIT 1;"
                : $"SELECT ms, seq FROM stream_entries WHERE stream_id = {S0} ORDER BY ms, seq LIMIT 1;";
            using var r = Cmd(sql, stream).ExecuteReader();
            return r.Read() ? ReadId(r, 0) : null;
        }

        public IReadOnlyList<long> OldestSizes(string stream, int limit)
        {
            var sizes = new List<long>();
            using var r = Cmd($"SELECT size FROM stream_entries WHERE stream_id = {S0} ORDER BY ms, seq LIMIT $p1;", stream, (long)limit).ExecuteReader();
            while (r.Read())
            {
                sizes.Add(r.GetInt64(0));
            }

            return sizes;
        }

        private const string GroupColumns = "name, last_ms, last_seq, entries_read, max_deliveries, dead_letter, created_at";

        private static StreamGroupRecord ReadGroup(SqliteDataReader r) => new()
        {
            Name = r.GetString(0),
            LastDeliveredId = ReadId(r, 1),
            EntriesRead = NullableLong(r, 3),
            MaxDeliveries = NullableLong(r, 4) is { } max ? (int)max : null,
            DeadLetterStream = r.IsDBNull(5) ? null : r.GetString(5),
            CreatedAt = Time.FromMs(r.GetInt64(6)),
        };

        public StreamGroupRecord? GetGroup(string stream, string group)
        {
            using var r = Cmd($"SELECT {GroupColumns} FROM stream_groups WHERE stream_id = {S0} AND name = $p1;", stream, group).ExecuteReader();
            return r.Read() ? ReadGroup(r) : null;
        }

        public void PutGroup(string stream, StreamGroupRecord record) => Cmd($"""
            INSERT OR REPLACE INTO stream_groups(stream_id, name, last_ms, last_seq, entries_read, max_deliveries, dead_letter, created_at)
            VALUES({S0}, $p1, $p2, $p3, $p4, $p5, $p6, $p7);
            """, stream, record.Name, Key(record.LastDeliveredId.Milliseconds), Key(record.LastDeliveredId.Sequence), record.EntriesRead,
            record.MaxDeliveries, record.DeadLetterStream, record.CreatedAt.ToUnixTimeMilliseconds()).ExecuteNonQuery();

        public void DeleteGroup(string stream, string group) => Cmd($"""
            DELETE FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1;
            DELETE FROM stream_consumers WHERE stream_id = {S0} AND group_name = $p1;
            DELETE FROM stream_groups WHERE stream_id = {S0} AND name = $p1;
            """, stream, group).ExecuteNonQuery();

        public IReadOnlyList<StreamGroupRecord> ListGroups(string stream)
        {
            var groups = new List<StreamGroupRecord>();
            using var r = Cmd($"SELECT {GroupColumns} FROM stream_groups WHERE stream_id = {S0} ORDER BY name;", stream).ExecuteReader();
            while (r.Read())
            {
                groups.Add(ReadGroup(r));
            }

            groups.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return groups;
        }

        private static StreamConsumerRecord ReadConsumer(SqliteDataReader r) =>
            new(r.GetString(0), Time.FromMs(r.GetInt64(1)), r.IsDBNull(2) ? null : Time.FromMs(r.GetInt64(2)));

        public StreamConsumerRecord? GetConsumer(string stream, string group, string consumer)
        {
            using var r = Cmd($"SELECT name, seen_at, active_at FROM stream_consumers WHERE stream_id = {S0} AND group_name = $p1 AND name = $p2;", stream, group, consumer).ExecuteReader();
            return r.Read() ? ReadConsumer(r) : null;
        }

        public void PutConsumer(string stream, string group, StreamConsumerRecord record) => Cmd($"""
            INSERT OR REPLACE INTO stream_consumers(stream_id, group_name, name, seen_at, active_at) VALUES({S0}, $p1, $p2, $p3, $p4);
            """, stream, group, record.Name, record.SeenAt.ToUnixTimeMilliseconds(), record.ActiveAt?.ToUnixTimeMilliseconds()).ExecuteNonQuery();

        public long DeleteConsumer(string stream, string group, string consumer)
        {
            Cmd($"DELETE FROM stream_consumers WHERE stream_id = {S0} AND group_name = $p1 AND name = $p2;", stream, group, consumer).ExecuteNonQuery();
            return Cmd($"DELETE FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1 AND consumer = $p2;", stream, group, consumer).ExecuteNonQuery();
        }

        public IReadOnlyList<StreamConsumerRecord> ListConsumers(string stream, string group)
        {
            var consumers = new List<StreamConsumerRecord>();
            using var r = Cmd($"SELECT name, seen_at, active_at FROM stream_consumers WHERE stream_id = {S0} AND group_name = $p1 ORDER BY name;", stream, group).ExecuteReader();
            while (r.Read())
            {
                consumers.Add(ReadConsumer(r));
            }

            consumers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return consumers;
        }

        private static StreamPendingRecord ReadPending(SqliteDataReader r) =>
            new(ReadId(r, 0), r.GetString(2), Time.FromMs(r.GetInt64(3)), r.GetInt64(4));

        public StreamPendingRecord? GetPending(string stream, string group, StreamEntryId id)
        {
            using var r = Cmd($"SELECT ms, seq, consumer, delivered_at, delivery_count FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1 AND ms = $p2 AND seq = $p3;",
                stream, group, Key(id.Milliseconds), Key(id.Sequence)).ExecuteReader();
            return r.Read() ? ReadPending(r) : null;
        }

        public void PutPending(string stream, string group, StreamPendingRecord record) => Cmd($"""
            INSERT OR REPLACE INTO stream_pending(stream_id, group_name, ms, seq, consumer, delivered_at, delivery_count) VALUES({S0}, $p1, $p2, $p3, $p4, $p5, $p6);
            """, stream, group, Key(record.Id.Milliseconds), Key(record.Id.Sequence), record.Consumer, record.DeliveredAt.ToUnixTimeMilliseconds(), record.DeliveryCount).ExecuteNonQuery();

        public bool DeletePending(string stream, string group, StreamEntryId id) =>
            Cmd($"DELETE FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1 AND ms = $p2 AND seq = $p3;", stream, group, Key(id.Milliseconds), Key(id.Sequence)).ExecuteNonQuery() > 0;

        public IReadOnlyList<StreamPendingRecord> ScanPending(string stream, string group, StreamEntryId first, StreamEntryId last, string? consumer, int limit)
        {
            var sql = consumer is null
                ? $"SELECT ms, seq, consumer, delivered_at, delivery_count FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1 AND (ms, seq) >= ($p2, $p3) AND (ms, seq) <= ($p4, $p5) ORDER BY ms, seq LIMIT $p6;"
                : $"SELECT ms, seq, consumer, delivered_at, delivery_count FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1 AND (ms, seq) >= ($p2, $p3) AND (ms, seq) <= ($p4, $p5) AND consumer = $p7 ORDER BY ms, seq LIMIT $p6;";
            var rows = new List<StreamPendingRecord>();
            object?[] values = consumer is null
                ? [stream, group, Key(first.Milliseconds), Key(first.Sequence), Key(last.Milliseconds), Key(last.Sequence), (long)limit]
                : [stream, group, Key(first.Milliseconds), Key(first.Sequence), Key(last.Milliseconds), Key(last.Sequence), (long)limit, consumer];
            using var r = Cmd(sql, values).ExecuteReader();
            while (r.Read())
            {
                rows.Add(ReadPending(r));
            }

            return rows;
        }

        public (StreamEntryId Smallest, StreamEntryId Largest)? PendingBounds(string stream, string group)
        {
            StreamEntryId? Edge(string order)
            {
                using var r = Cmd($"SELECT ms, seq FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1 ORDER BY {order} LIMIT 1;", stream, group).ExecuteReader();
                return r.Read() ? ReadId(r, 0) : null;
            }

            return Edge("ms, seq") is { } smallest ? (smallest, Edge("ms DESC, seq DESC")!.Value) : null;
        }

        public IReadOnlyList<StreamConsumerPending> CountPending(string stream, string group)
        {
            var counts = new List<StreamConsumerPending>();
            using var r = Cmd($"SELECT consumer, COUNT(*) FROM stream_pending WHERE stream_id = {S0} AND group_name = $p1 GROUP BY consumer;", stream, group).ExecuteReader();
            while (r.Read())
            {
                counts.Add(new StreamConsumerPending(r.GetString(0), r.GetInt64(1)));
            }

            counts.Sort((a, b) => string.CompareOrdinal(a.Consumer, b.Consumer));
            return counts;
        }
    }
}
