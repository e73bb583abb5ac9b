using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>Streams in memory: the <see cref="StreamEngine"/> over sorted in-memory structures, under the store's one lock.</summary>
public sealed partial class InMemoryMessageStore : IStreamStore
{
    private readonly MemoryStreams _streams = new();
    private StreamEngine? _streamEngine;

    private StreamEngine Engine => _streamEngine ??= new StreamEngine(_time);

    private ValueTask<T> Atomic<T>(Func<StreamEngine, IStreamState, T> operation)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult(operation(Engine, _streams));
        }
    }

    private ValueTask Atomic(Action<StreamEngine, IStreamState> operation)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            operation(Engine, _streams);
            return ValueTask.CompletedTask;
        }
    }

    /// <inheritdoc />
    public ValueTask<StreamEntryId?> AppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.Append(s, stream, fields, options));

    /// <inheritdoc />
    public ValueTask<long> LengthAsync(string stream, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.Length(s, stream));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamEntry>> RangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count, bool reverse, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.Range(s, stream, first, last, count, reverse));

    /// <inheritdoc />
    public ValueTask<StreamEntryId?> GetLastIdAsync(string stream, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.LastId(s, stream));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamDelivery>> ReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, int? count, bool noAck, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.ReadGroup(s, group, consumer, positions, count, noAck));

    /// <inheritdoc />
    public ValueTask<long> TrimAsync(string stream, StreamTrim trim, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.Trim(s, stream, trim));

    /// <inheritdoc />
    public ValueTask<long> DeleteEntriesAsync(string stream, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.DeleteEntries(s, stream, ids));

    /// <inheritdoc />
    public ValueTask CreateGroupAsync(string stream, string group, StreamGroupOptions options, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.CreateGroup(s, stream, group, options));

    /// <inheritdoc />
    public ValueTask SetGroupIdAsync(string stream, string group, StreamEntryId? lastDeliveredId, long? entriesRead, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.SetGroupId(s, stream, group, lastDeliveredId, entriesRead));

    /// <inheritdoc />
    public ValueTask<bool> DeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.DeleteGroup(s, stream, group));

    /// <inheritdoc />
    public ValueTask<bool> CreateConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.CreateConsumer(s, stream, group, consumer));

    /// <inheritdoc />
    public ValueTask<long> DeleteConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.DeleteConsumer(s, stream, group, consumer));

    /// <inheritdoc />
    public ValueTask<long> AckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.Ack(s, stream, group, ids));

    /// <inheritdoc />
    public ValueTask<StreamPendingSummary> PendingSummaryAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.PendingSummary(s, stream, group));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamPendingEntry>> PendingAsync(string stream, string group, StreamPendingQuery query, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.Pending(s, stream, group, query));

    /// <inheritdoc />
    public ValueTask<StreamDelivery> ClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, IReadOnlyList<StreamEntryId> ids, StreamClaimOptions options, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.Claim(s, stream, group, consumer, minIdle, ids, options));

    /// <inheritdoc />
    public ValueTask<StreamAutoClaimResult> AutoClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, StreamEntryId start, int count, bool justId, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.AutoClaim(s, stream, group, consumer, minIdle, start, count, justId));

    /// <inheritdoc />
    public ValueTask<StreamInfo?> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.Info(s, stream));

    /// <inheritdoc />
    public ValueTask<StreamFullInfo?> GetStreamFullInfoAsync(string stream, int count, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.FullInfo(s, stream, count));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamGroupInfo>> GetGroupsAsync(string stream, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.Groups(s, stream));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamConsumerInfo>> GetConsumersAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.Consumers(s, stream, group));

    /// <inheritdoc />
    public ValueTask SetIdAsync(string stream, StreamSetIdOptions options, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.SetId(s, stream, options));

    /// <inheritdoc />
    public ValueTask<StreamInfo> SetRetentionAsync(string stream, StreamRetention retention, CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.SetRetention(s, stream, retention));

    /// <inheritdoc />
    public ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.DeleteStream(s, stream));

    /// <inheritdoc />
    public ValueTask<bool> RenameStreamAsync(string source, string destination, bool replace, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => StreamEngine.RenameStream(s, source, destination, replace));

    /// <inheritdoc />
    public ValueTask<bool> StreamExistsAsync(string stream, CancellationToken cancellationToken = default) =>
        Atomic((_, s) => s.GetStream(stream) is not null);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default) =>
        Atomic((_, s) => s.ListStreams());

    /// <inheritdoc />
    public ValueTask<long> SweepStreamsAsync(CancellationToken cancellationToken = default) =>
        Atomic((e, s) => e.Sweep(s));

    /// <summary>The in-memory stream primitives: sorted sets of ids with a map to their fields, per stream and per group.</summary>
    private sealed class MemoryStreams : IStreamState
    {
        private readonly SortedDictionary<string, MemoryStream> _streams = new(StringComparer.Ordinal);

        public StreamRecord? GetStream(string stream) => _streams.TryGetValue(stream, out var s) ? s.Record : null;

        public void PutStream(StreamRecord record)
        {
            if (_streams.TryGetValue(record.Name, out var s))
            {
                s.Record = record;
            }
            else
            {
                _streams[record.Name] = new MemoryStream(record);
            }
        }

        public void DeleteStream(string stream) => _streams.Remove(stream);

        public void RenameStream(string source, string destination)
        {
            if (_streams.Remove(source, out var s))
            {
                s.Record = s.Record with { Name = destination };
                _streams[destination] = s;
            }
        }

        public IReadOnlyList<string> ListStreams() => [.. _streams.Keys];

        public void InsertEntry(string stream, StreamEntryId id, IReadOnlyList<StreamField> fields)
        {
            var s = Stream(stream);
            var copy = new StreamField[fields.Count];
            for (var i = 0; i < copy.Length; i++)
            {
                copy[i] = new StreamField(fields[i].Name.ToArray(), fields[i].Value.ToArray());
            }

            s.Ids.Add(id);
            s.Entries[id] = copy;
        }

        public IReadOnlyList<StreamEntry> ReadEntries(string stream, StreamEntryId first, StreamEntryId last, int limit, bool reverse)
        {
            if (!_streams.TryGetValue(stream, out var s) || s.Ids.Count == 0 || first > last)
            {
                return [];
            }

            var view = s.Ids.GetViewBetween(first, last);
            return (reverse ? view.Reverse() : view).Take(limit).Select(id => new StreamEntry(id, s.Entries[id])).ToList();
        }

        public bool EntryExists(string stream, StreamEntryId id) => _streams.TryGetValue(stream, out var s) && s.Entries.ContainsKey(id);

        public long DeleteEntry(string stream, StreamEntryId id)
        {
            if (!_streams.TryGetValue(stream, out var s) || !s.Entries.Remove(id, out var fields))
            {
                return -1;
            }

            s.Ids.Remove(id);
            return Size(fields);
        }

        public (long Count, long Bytes) DeleteOldest(string stream, long maxCount, StreamEntryId? below)
        {
            if (!_streams.TryGetValue(stream, out var s))
            {
                return (0, 0);
            }

            long count = 0, bytes = 0;
            while (count < maxCount && s.Ids.Count > 0)
            {
                var id = s.Ids.Min;
                if (below is { } b && id >= b)
                {
                    break;
                }

                s.Ids.Remove(id);
                s.Entries.Remove(id, out var fields);
                bytes += Size(fields!);
                count++;
            }

            return (count, bytes);
        }

        public long CountBelow(string stream, StreamEntryId below)
        {
            if (!_streams.TryGetValue(stream, out var s) || s.Ids.Count == 0 || below.IsZero)
            {
                return 0;
            }

            below.TryDecrement(out var last);
            return s.Ids.GetViewBetween(StreamEntryId.MinValue, last).Count;
        }

        public StreamEntryId? EdgeId(string stream, bool last) =>
            _streams.TryGetValue(stream, out var s) && s.Ids.Count > 0 ? (last ? s.Ids.Max : s.Ids.Min) : null;

        public IReadOnlyList<long> OldestSizes(string stream, int limit) =>
            _streams.TryGetValue(stream, out var s) ? s.Ids.Take(limit).Select(id => Size(s.Entries[id])).ToList() : [];

        public StreamGroupRecord? GetGroup(string stream, string group) => Group(stream, group)?.Record;

        public void PutGroup(string stream, StreamGroupRecord record)
        {
            var s = Stream(stream);
            if (s.Groups.TryGetValue(record.Name, out var g))
            {
                g.Record = record;
            }
            else
            {
                s.Groups[record.Name] = new MemoryGroup(record);
            }
        }

        public void DeleteGroup(string stream, string group) => Stream(stream).Groups.Remove(group);

        public IReadOnlyList<StreamGroupRecord> ListGroups(string stream) =>
            _streams.TryGetValue(stream, out var s) ? s.Groups.Values.Select(g => g.Record).ToList() : [];

        public StreamConsumerRecord? GetConsumer(string stream, string group, string consumer) =>
            Group(stream, group) is { } g && g.Consumers.TryGetValue(consumer, out var c) ? c : null;

        public void PutConsumer(string stream, string group, StreamConsumerRecord record) => RequireGroup(stream, group).Consumers[record.Name] = record;

        public long DeleteConsumer(string stream, string group, string consumer)
        {
            var g = RequireGroup(stream, group);
            g.Consumers.Remove(consumer);
            var mine = g.Pending.Values.Where(p => p.Consumer == consumer).Select(p => p.Id).ToList();
            foreach (var id in mine)
            {
                g.Pending.Remove(id);
                g.PendingIds.Remove(id);
            }

            return mine.Count;
        }

        public IReadOnlyList<StreamConsumerRecord> ListConsumers(string stream, string group) =>
            Group(stream, group) is { } g ? [.. g.Consumers.Values] : [];

        public StreamPendingRecord? GetPending(string stream, string group, StreamEntryId id) =>
            Group(stream, group) is { } g && g.Pending.TryGetValue(id, out var p) ? p : null;

        public void PutPending(string stream, string group, StreamPendingRecord record)
        {
            var g = RequireGroup(stream, group);
            g.Pending[record.Id] = record;
            g.PendingIds.Add(record.Id);
        }

        public bool DeletePending(string stream, string group, StreamEntryId id) =>
            Group(stream, group) is { } g && g.Pending.Remove(id) && g.PendingIds.Remove(id);

        public IReadOnlyList<StreamPendingRecord> ScanPending(string stream, string group, StreamEntryId first, StreamEntryId last, string? consumer, int limit)
        {
            if (Group(stream, group) is not { } g || g.PendingIds.Count == 0 || first > last)
            {
                return [];
            }

            return g.PendingIds.GetViewBetween(first, last).Select(id => g.Pending[id])
                .Where(p => consumer is null || p.Consumer == consumer).Take(limit).ToList();
        }

        public (StreamEntryId Smallest, StreamEntryId Largest)? PendingBounds(string stream, string group) =>
            Group(stream, group) is { PendingIds.Count: > 0 } g ? (g.PendingIds.Min, g.PendingIds.Max) : null;

        public IReadOnlyList<StreamConsumerPending> CountPending(string stream, string group) =>
            Group(stream, group) is { } g
                ? g.Pending.Values.GroupBy(p => p.Consumer, StringComparer.Ordinal).OrderBy(x => x.Key, StringComparer.Ordinal)
                    .Select(x => new StreamConsumerPending(x.Key, x.LongCount())).ToList()
                : [];

        public void Clear() => _streams.Clear();

        /// <summary>Writes every stream (by name) with its entries (by id), groups (by name), consumers (by name) and pending entries (by id).</summary>
        public void Write(SnapshotWriter w)
        {
            var writer = w.Writer;
            writer.Write(_streams.Count);
            foreach (var s in _streams.Values)
            {
                var r = s.Record;
                w.String(r.Name);
                w.EntryId(r.LastId);
                w.EntryId(r.MaxDeletedId);
                w.EntryId(r.FirstId);
                writer.Write(r.EntriesAdded);
                writer.Write(r.Length);
                writer.Write(r.Bytes);
                w.NullableLong(r.Retention.MaxLength);
                w.NullableLong(r.Retention.MaxBytes);
                w.NullableDuration(r.Retention.MaxAge);
                w.Time(r.CreatedAt);

                writer.Write(s.Ids.Count);
                foreach (var id in s.Ids)
                {
                    w.EntryId(id);
                    var fields = s.Entries[id];
                    writer.Write(fields.Length);
                    foreach (var f in fields)
                    {
                        w.Bytes(f.Name.Span);
                        w.Bytes(f.Value.Span);
                    }
                }

                writer.Write(s.Groups.Count);
                foreach (var g in s.Groups.Values)
                {
                    var gr = g.Record;
                    w.String(gr.Name);
                    w.EntryId(gr.LastDeliveredId);
                    w.NullableLong(gr.EntriesRead);
                    w.NullableInt(gr.MaxDeliveries);
                    w.NullableString(gr.DeadLetterStream);
                    w.Time(gr.CreatedAt);
                    writer.Write(g.Consumers.Count);
                    foreach (var c in g.Consumers.Values)
                    {
                        w.String(c.Name);
                        w.Time(c.SeenAt);
                        w.NullableTime(c.ActiveAt);
                    }

                    writer.Write(g.PendingIds.Count);
                    foreach (var id in g.PendingIds)
                    {
                        var p = g.Pending[id];
                        w.EntryId(p.Id);
                        w.String(p.Consumer);
                        w.Time(p.DeliveredAt);
                        writer.Write(p.DeliveryCount);
                    }
                }
            }
        }

        /// <summary>Reads what <see cref="Write"/> wrote into this empty state.</summary>
        public void Read(SnapshotReader r)
        {
            var reader = r.Reader;
            var streams = r.Count();
            for (var i = 0; i < streams; i++)
            {
                var record = new StreamRecord
                {
                    Name = r.String(),
                    LastId = r.EntryId(),
                    MaxDeletedId = r.EntryId(),
                    FirstId = r.EntryId(),
                    EntriesAdded = reader.ReadInt64(),
                    Length = reader.ReadInt64(),
                    Bytes = reader.ReadInt64(),
                    Retention = new StreamRetention { MaxLength = r.NullableLong(), MaxBytes = r.NullableLong(), MaxAge = r.NullableDuration() },
                    CreatedAt = r.Time(),
                };
                var s = new MemoryStream(record);
                var entries = r.Count();
                for (var k = 0; k < entries; k++)
                {
                    var id = r.EntryId();
                    var fields = new StreamField[r.Count()];
                    for (var f = 0; f < fields.Length; f++)
                    {
                        fields[f] = new StreamField(r.Bytes(), r.Bytes());
                    }

                    if (!s.Ids.Add(id))
                    {
                        throw new InvalidDataException($"the store snapshot holds entry {id} of stream '{record.Name}' twice");
                    }

                    s.Entries.Add(id, fields);
                }

                var groups = r.Count();
                for (var k = 0; k < groups; k++)
                {
                    var g = new MemoryGroup(new StreamGroupRecord
                    {
                        Name = r.String(),
                        LastDeliveredId = r.EntryId(),
                        EntriesRead = r.NullableLong(),
                        MaxDeliveries = r.NullableInt(),
                        DeadLetterStream = r.NullableString(),
                        CreatedAt = r.Time(),
                    });
                    var consumers = r.Count();
                    for (var c = 0; c < consumers; c++)
                    {
                        var consumer = new StreamConsumerRecord(r.String(), r.Time(), r.NullableTime());
                        g.Consumers.Add(consumer.Name, consumer);
                    }

                    var pending = r.Count();
                    for (var p = 0; p < pending; p++)
                    {
                        var entry = new StreamPendingRecord(r.EntryId(), r.String(), r.Time(), reader.ReadInt64());
                        g.Pending.Add(entry.Id, entry);
                        g.PendingIds.Add(entry.Id);
                    }

                    s.Groups.Add(g.Record.Name, g);
                }

                _streams.Add(record.Name, s);
            }
        }

        private static long Size(StreamField[] fields)
        {
            long size = 0;
            foreach (var f in fields)
            {
                size += f.Size;
            }

            return size;
        }

        private MemoryStream Stream(string stream) => _streams[stream];

        private MemoryGroup? Group(string stream, string group) =>
            _streams.TryGetValue(stream, out var s) && s.Groups.TryGetValue(group, out var g) ? g : null;

        private MemoryGroup RequireGroup(string stream, string group) => Stream(stream).Groups[group];
    }

    private sealed class MemoryStream(StreamRecord record)
    {
        public StreamRecord Record { get; set; } = record;

        public SortedSet<StreamEntryId> Ids { get; } = [];

        public Dictionary<StreamEntryId, StreamField[]> Entries { get; } = [];

        public SortedDictionary<string, MemoryGroup> Groups { get; } = new(StringComparer.Ordinal);
    }

    private sealed class MemoryGroup(StreamGroupRecord record)
    {
        public StreamGroupRecord Record { get; set; } = record;

        public SortedDictionary<string, StreamConsumerRecord> Consumers { get; } = new(StringComparer.Ordinal);

        public SortedSet<StreamEntryId> PendingIds { get; } = [];

        public Dictionary<StreamEntryId, StreamPendingRecord> Pending { get; } = [];
    }
}
