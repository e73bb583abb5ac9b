using System.Globalization;
using System.Text;

namespace Sluice.Storage;

/// <summary>
/// The stream semantics, written once (the Redis command reference and <c>src/t_stream.c</c>), over a store's
/// <see cref="IStreamState"/> primitives. A store calls one method per <see cref="IStreamStore"/> operation inside one
/// atomic unit (a lock, a transaction); the engine keeps no state of its own besides the clock, so it is thread-safe
/// as long as the store serialises its atomic units. Every method validates against the stored state before it
/// writes, so a refused operation changes nothing.
/// </summary>
/// <param name="time">The store's clock (the broker's); times are kept to the millisecond.</param>
public sealed class StreamEngine(TimeProvider time)
{
    /// <summary>How many pending entries XAUTOCLAIM examines per entry it may claim (Redis's attempts factor).</summary>
    public const int AutoClaimAttemptsFactor = 10;

    /// <summary>Default LIMIT of an approximate trim: 100 blocks.</summary>
    public const long DefaultApproximateLimit = 100L * StreamTrim.ApproximateBlock;

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>XADD (see <see cref="IStreamStore.AppendAsync"/>).</summary>
    public StreamEntryId? Append(IStreamState state, string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(options);
        var record = state.GetStream(stream);
        if (record is null)
        {
            if (options.NoMakeStream)
            {
                return null;
            }

            record = new StreamRecord { Name = stream, CreatedAt = Now() };
            var first = NextId(record, options);
            state.PutStream(record);
            return Complete(state, record, first, fields, options);
        }

        return Complete(state, record, NextId(record, options), fields, options);
    }

    private StreamEntryId Complete(IStreamState state, StreamRecord record, StreamEntryId id, IReadOnlyList<StreamField> fields, StreamAppendOptions options)
    {
        record = Insert(state, record, id, fields);
        if (options.Trim is { } trim)
        {
            record = TrimCore(state, record, trim);
        }

        record = ApplyRetention(state, record, withAge: false);
        state.PutStream(record);
        return id;
    }

    private static StreamRecord Insert(IStreamState state, StreamRecord record, StreamEntryId id, IReadOnlyList<StreamField> fields)
    {
        long size = 0;
        foreach (var f in fields)
        {
            size += f.Size;
        }

        state.InsertEntry(record.Name, id, fields);
        return record with
        {
            LastId = id,
            EntriesAdded = record.EntriesAdded + 1,
            Length = record.Length + 1,
            Bytes = record.Bytes + size,
            FirstId = record.Length == 0 ? id : record.FirstId,
        };
    }

    private StreamEntryId NextId(StreamRecord record, StreamAppendOptions options) =>
        NextId(record.Name, record.LastId, options, (ulong)Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds()));

    /// <summary>
    /// The id XADD gives an entry appended after <paramref name="last"/> (0-0 for a new stream): <c>*</c> takes
    /// <paramref name="nowMilliseconds"/> (or the last id + 1 when that is not earlier), <c>&lt;ms&gt;-*</c> the next free
    /// sequence, an explicit id itself when it is above <paramref name="last"/>.
    /// </summary>
    /// <exception cref="SluiceException">stream_id_too_small, stream_id_exhausted (the last id is the largest possible).</exception>
    public static StreamEntryId NextId(string stream, StreamEntryId last, StreamAppendOptions options, ulong nowMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (last == StreamEntryId.MaxValue)
        {
            throw StreamErrors.IdExhausted(stream);
        }

        switch (options.IdMode)
        {
            case StreamIdMode.Auto:
                if (nowMilliseconds > last.Milliseconds)
                {
                    return new StreamEntryId(nowMilliseconds, 0);
                }

                last.TryIncrement(out var next);
                return next;
            case StreamIdMode.AutoSequence:
                var wanted = options.Id.Milliseconds;
                if (wanted > last.Milliseconds)
                {
                    return new StreamEntryId(wanted, 0);
                }

                if (wanted == last.Milliseconds && last.Sequence < ulong.MaxValue)
                {
                    return new StreamEntryId(wanted, last.Sequence + 1);
                }

                throw StreamErrors.IdTooSmall(stream, new StreamEntryId(wanted, last.Sequence), last);
            default:
                if (options.Id <= last || options.Id.IsZero)
                {
                    throw StreamErrors.IdTooSmall(stream, options.Id, last);
                }

                return options.Id;
        }
    }

    /// <summary>XLEN.</summary>
    public static long Length(IStreamState state, string stream) => Guard(state).GetStream(stream)?.Length ?? 0;

    /// <summary>XRANGE / XREVRANGE.</summary>
    public static IReadOnlyList<StreamEntry> Range(IStreamState state, string stream, StreamEntryId first, StreamEntryId last, int? count, bool reverse) =>
        Guard(state).GetStream(stream) is null || first > last ? [] : state.ReadEntries(stream, first, last, count ?? int.MaxValue, reverse);

    /// <summary>The last generated id, or <see langword="null"/> when the stream does not exist.</summary>
    public static StreamEntryId? LastId(IStreamState state, string stream) => Guard(state).GetStream(stream)?.LastId;

    /// <summary>XREADGROUP on one or more streams (see <see cref="IStreamStore.ReadGroupAsync"/>).</summary>
    public IReadOnlyList<StreamDelivery> ReadGroup(IStreamState state, string group, string consumer, IReadOnlyList<StreamPosition> positions, int? count, bool noAck)
    {
        ArgumentNullException.ThrowIfNull(positions);
        foreach (var position in positions)
        {
            RequireGroup(state, position.Stream, group);
        }

        var deliveries = new StreamDelivery[positions.Count];
        for (var i = 0; i < positions.Count; i++)
        {
            deliveries[i] = ReadGroup(state, positions[i].Stream, group, consumer, positions[i], count, noAck);
        }

        return deliveries;
    }

    private StreamDelivery ReadGroup(IStreamState state, string stream, string group, string consumer, StreamPosition position, int? count, bool noAck)
    {
        var (record, g) = RequireGroup(state, stream, group);
        var now = Now();
        var c = (state.GetConsumer(stream, group, consumer) ?? new StreamConsumerRecord(consumer, now, null)) with { SeenAt = now };
        var limit = count ?? int.MaxValue;
        var entries = new List<StreamEntry>();
        List<StreamDeadLetter>? deadLettered = null;
        if (position.Kind == StreamPositionKind.Undelivered)
        {
            if (g.LastDeliveredId.TryIncrement(out var start))
            {
                foreach (var entry in state.ReadEntries(stream, start, StreamEntryId.MaxValue, limit, false))
                {
                    g = g with
                    {
                        EntriesRead = g.EntriesRead is { } read && !HasTombstones(record, entry.Id) ? read + 1
                            : record.EntriesAdded > 0 ? EstimateEntriesRead(record, entry.Id) : g.EntriesRead,
                        LastDeliveredId = entry.Id,
                    };
                    if (!noAck)
                    {
                        state.PutPending(stream, group, new StreamPendingRecord(entry.Id, consumer, now, 1));
                    }

                    entries.Add(entry);
                }
            }

            if (entries.Count > 0)
            {
                c = c with { ActiveAt = now };
                state.PutGroup(stream, g);
            }
        }
        else if (position.Id.TryIncrement(out var after))
        {
            foreach (var pending in state.ScanPending(stream, group, after, StreamEntryId.MaxValue, consumer, limit))
            {
                var entry = GetEntry(state, stream, pending.Id);
                if (entry is null)
                {
                    entries.Add(new StreamEntry(pending.Id, null));
                    continue;
                }

                if (ExceedsMaxDeliveries(g, pending.DeliveryCount))
                {
                    (deadLettered ??= []).Add(DeadLetter(state, stream, g, pending, entry));
                    continue;
                }

                state.PutPending(stream, group, pending with { DeliveredAt = now, DeliveryCount = pending.DeliveryCount + 1 });
                entries.Add(entry);
            }
        }

        state.PutConsumer(stream, group, c);
        return new StreamDelivery(entries, deadLettered ?? []);
    }

    /// <summary>XTRIM.</summary>
    public static long Trim(IStreamState state, string stream, StreamTrim trim)
    {
        ArgumentNullException.ThrowIfNull(trim);
        if (Guard(state).GetStream(stream) is not { } record)
        {
            return 0;
        }

        var trimmed = TrimCore(state, record, trim);
        state.PutStream(trimmed);
        return record.Length - trimmed.Length;
    }

    private static StreamRecord TrimCore(IStreamState state, StreamRecord record, StreamTrim trim)
    {
        long remove;
        StreamEntryId? below = null;
        if (trim.Strategy == StreamTrimStrategy.MaxLength)
        {
            remove = record.Length - trim.Threshold;
        }
        else
        {
            below = trim.MinId;
            remove = state.CountBelow(record.Name, trim.MinId);
        }

        if (trim.Approximate)
        {
            var limit = trim.Limit ?? DefaultApproximateLimit;
            if (limit > 0)
            {
                remove = Math.Min(remove, limit);
            }

            remove = WholeBlocks(record, remove);
        }

        return DeleteOldest(state, record, remove, below);
    }

    /// <summary>
    /// The most of <paramref name="remove"/> oldest entries that end on a block boundary. Blocks are Redis's radix-tree
    /// nodes: every <see cref="StreamTrim.ApproximateBlock"/> entries added start a new one, so a block an exact trim
    /// or XDEL thinned out is removed whole. The oldest entry is taken to be entry number EntriesAdded − Length + 1,
    /// which is exact while entries left only from the oldest end (trims); an XDEL inside the stream shifts the
    /// boundaries, which only makes a <c>~</c> trim keep more or fewer entries above its threshold. The newest block
    /// may be partly filled: it ends at the newest entry, so a trim that covers every entry removes them all, as Redis's
    /// <c>streamTrim</c> removes any node whose entries the trim covers (<c>t_stream.c</c>).
    /// </summary>
    private static long WholeBlocks(StreamRecord record, long remove)
    {
        if (remove >= record.Length)
        {
            return record.Length;
        }

        const int block = StreamTrim.ApproximateBlock;
        var addedBefore = Math.Max(0, record.EntriesAdded - record.Length);
        var oldestBlockRest = block - (addedBefore % block);
        return remove < oldestBlockRest ? 0 : oldestBlockRest + ((remove - oldestBlockRest) / block * block);
    }

    private static StreamRecord DeleteOldest(IStreamState state, StreamRecord record, long remove, StreamEntryId? below)
    {
        if (remove <= 0)
        {
            return record;
        }

        var (count, bytes) = state.DeleteOldest(record.Name, remove, below);
        if (count == 0)
        {
            return record;
        }

        return record with
        {
            Length = record.Length - count,
            Bytes = record.Bytes - bytes,
            FirstId = state.EdgeId(record.Name, last: false) ?? StreamEntryId.MinValue,
        };
    }

    private StreamRecord ApplyRetention(IStreamState state, StreamRecord record, bool withAge)
    {
        var retention = record.Retention;
        if (retention.MaxLength is { } maxLength && record.Length > maxLength)
        {
            record = DeleteOldest(state, record, record.Length - maxLength, null);
        }

        if (retention.MaxBytes is { } maxBytes)
        {
            while (record.Bytes > maxBytes && record.Length > 0)
            {
                var excess = record.Bytes - maxBytes;
                long n = 0;
                foreach (var size in state.OldestSizes(record.Name, 256))
                {
                    n++;
                    excess -= size;
                    if (excess <= 0)
                    {
                        break;
                    }
                }

                record = DeleteOldest(state, record, n, null);
            }
        }

        if (withAge && retention.MaxAge is { } maxAge)
        {
            var cutoff = time.GetUtcNow() - maxAge;
            var ms = (ulong)Math.Max(0, cutoff.ToUnixTimeMilliseconds());
            record = DeleteOldest(state, record, long.MaxValue, new StreamEntryId(ms, 0));
        }

        return record;
    }

    /// <summary>XDEL.</summary>
    public static long DeleteEntries(IStreamState state, string stream, IReadOnlyList<StreamEntryId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (Guard(state).GetStream(stream) is not { } record)
        {
            return 0;
        }

        long deleted = 0, bytes = 0;
        var maxDeleted = record.MaxDeletedId;
        foreach (var id in ids)
        {
            var size = state.DeleteEntry(stream, id);
            if (size >= 0)
            {
                deleted++;
                bytes += size;
                maxDeleted = StreamEntryId.Max(maxDeleted, id);
            }
        }

        if (deleted > 0)
        {
            state.PutStream(record with
            {
                Length = record.Length - deleted,
                Bytes = record.Bytes - bytes,
                MaxDeletedId = maxDeleted,
                FirstId = state.EdgeId(stream, last: false) ?? StreamEntryId.MinValue,
            });
        }

        return deleted;
    }

    /// <summary>XGROUP CREATE.</summary>
    public void CreateGroup(IStreamState state, string stream, string group, StreamGroupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var record = Guard(state).GetStream(stream);
        if (record is null)
        {
            if (!options.MakeStream)
            {
                throw StreamErrors.NotFoundForGroup(stream);
            }

            record = new StreamRecord { Name = stream, CreatedAt = Now() };
        }

        if (state.GetGroup(stream, group) is not null)
        {
            throw StreamErrors.GroupExists(stream, group);
        }

        state.PutStream(record);
        state.PutGroup(stream, new StreamGroupRecord
        {
            Name = group,
            LastDeliveredId = options.LastDeliveredId ?? record.LastId,
            EntriesRead = options.EntriesRead,
            MaxDeliveries = options.MaxDeliveries,
            DeadLetterStream = options.DeadLetterStream,
            CreatedAt = Now(),
        });
    }

    /// <summary>XGROUP SETID.</summary>
    public static void SetGroupId(IStreamState state, string stream, string group, StreamEntryId? lastDeliveredId, long? entriesRead)
    {
        var record = Guard(state).GetStream(stream) ?? throw StreamErrors.NotFound(stream);
        var g = state.GetGroup(stream, group) ?? throw StreamErrors.GroupNotFound(stream, group);
        state.PutGroup(stream, g with { LastDeliveredId = lastDeliveredId ?? record.LastId, EntriesRead = entriesRead });
    }

    /// <summary>XGROUP DESTROY.</summary>
    public static bool DeleteGroup(IStreamState state, string stream, string group)
    {
        _ = Guard(state).GetStream(stream) ?? throw StreamErrors.NotFound(stream);
        if (state.GetGroup(stream, group) is null)
        {
            return false;
        }

        state.DeleteGroup(stream, group);
        return true;
    }

    /// <summary>XGROUP CREATECONSUMER.</summary>
    public bool CreateConsumer(IStreamState state, string stream, string group, string consumer)
    {
        _ = Guard(state).GetStream(stream) ?? throw StreamErrors.NotFound(stream);
        _ = state.GetGroup(stream, group) ?? throw StreamErrors.GroupNotFound(stream, group);
        if (state.GetConsumer(stream, group, consumer) is not null)
        {
            return false;
        }

        state.PutConsumer(stream, group, new StreamConsumerRecord(consumer, Now(), null));
        return true;
    }

    /// <summary>XGROUP DELCONSUMER.</summary>
    public static long DeleteConsumer(IStreamState state, string stream, string group, string consumer)
    {
        _ = Guard(state).GetStream(stream) ?? throw StreamErrors.NotFound(stream);
        _ = state.GetGroup(stream, group) ?? throw StreamErrors.GroupNotFound(stream, group);
        return state.GetConsumer(stream, group, consumer) is null ? 0 : state.DeleteConsumer(stream, group, consumer);
    }

    /// <summary>XACK.</summary>
    public static long Ack(IStreamState state, string stream, string group, IReadOnlyList<StreamEntryId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (Guard(state).GetStream(stream) is null || state.GetGroup(stream, group) is null)
        {
            return 0;
        }

        long acked = 0;
        foreach (var id in ids)
        {
            if (state.DeletePending(stream, group, id))
            {
                acked++;
            }
        }

        return acked;
    }

    /// <summary>XPENDING summary form.</summary>
    public static StreamPendingSummary PendingSummary(IStreamState state, string stream, string group)
    {
        RequireGroup(state, stream, group);
        var counts = state.CountPending(stream, group);
        var bounds = state.PendingBounds(stream, group);
        return new StreamPendingSummary(counts.Sum(c => c.Count), bounds?.Smallest, bounds?.Largest, counts);
    }

    /// <summary>XPENDING extended form.</summary>
    public IReadOnlyList<StreamPendingEntry> Pending(IStreamState state, string stream, string group, StreamPendingQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        RequireGroup(state, stream, group);
        var now = Now();
        var limit = (int)Math.Min(query.Count, int.MaxValue);
        var rows = state.ScanPending(stream, group, query.Start, query.End, query.Consumer, query.MinIdle is null ? limit : int.MaxValue);
        var result = new List<StreamPendingEntry>();
        foreach (var row in rows)
        {
            var idle = Idle(now, row.DeliveredAt);
            if (query.MinIdle is { } minIdle && idle < minIdle)
            {
                continue;
            }

            result.Add(new StreamPendingEntry(row.Id, row.Consumer, idle, row.DeliveryCount, row.DeliveredAt));
            if (result.Count >= limit)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>XCLAIM (see <see cref="IStreamStore.ClaimAsync"/>).</summary>
    public StreamDelivery Claim(IStreamState state, string stream, string group, string consumer, TimeSpan minIdle, IReadOnlyList<StreamEntryId> ids, StreamClaimOptions options)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(options);
        var (_, g) = RequireGroup(state, stream, group);
        var now = Now();
        if (options.LastId is { } lastId && lastId > g.LastDeliveredId)
        {
            g = g with { LastDeliveredId = lastId };
            state.PutGroup(stream, g);
        }

        var deliveredAt = options.Time ?? (options.Idle is { } idle ? now - idle : now);
        if (deliveredAt > now)
        {
            deliveredAt = now;
        }

        deliveredAt = DateTimeOffset.FromUnixTimeMilliseconds(deliveredAt.ToUnixTimeMilliseconds());
        var c = (state.GetConsumer(stream, group, consumer) ?? new StreamConsumerRecord(consumer, now, null)) with { SeenAt = now };
        var entries = new List<StreamEntry>();
        List<StreamDeadLetter>? deadLettered = null;
        foreach (var id in ids)
        {
            var pending = state.GetPending(stream, group, id);
            var entry = GetEntry(state, stream, id);
            if (entry is null)
            {
                if (pending is not null)
                {
                    state.DeletePending(stream, group, id);
                }

                continue;
            }

            var forced = false;
            if (pending is null)
            {
                if (!options.Force)
                {
                    continue;
                }

                pending = new StreamPendingRecord(id, consumer, now, 1);
                forced = true;
            }

            if (!forced && minIdle > TimeSpan.Zero && Idle(now, pending.DeliveredAt) < minIdle)
            {
                continue;
            }

            var counts = options.RetryCount is null && !options.JustId;
            if (counts && ExceedsMaxDeliveries(g, pending.DeliveryCount))
            {
                (deadLettered ??= []).Add(DeadLetter(state, stream, g, pending, entry));
                continue;
            }

            var deliveries = options.RetryCount ?? (options.JustId ? pending.DeliveryCount : pending.DeliveryCount + 1);
            state.PutPending(stream, group, new StreamPendingRecord(id, consumer, deliveredAt, deliveries));
            entries.Add(options.JustId ? new StreamEntry(id, null) : entry);
            c = c with { ActiveAt = now };
        }

        state.PutConsumer(stream, group, c);
        return new StreamDelivery(entries, deadLettered ?? []);
    }

    /// <summary>XAUTOCLAIM (see <see cref="IStreamStore.AutoClaimAsync"/>).</summary>
    public StreamAutoClaimResult AutoClaim(IStreamState state, string stream, string group, string consumer, TimeSpan minIdle, StreamEntryId start, int count, bool justId)
    {
        var (_, g) = RequireGroup(state, stream, group);
        var now = Now();
        var c = (state.GetConsumer(stream, group, consumer) ?? new StreamConsumerRecord(consumer, now, null)) with { SeenAt = now };
        var attempts = (long)count * AutoClaimAttemptsFactor;
        var rows = state.ScanPending(stream, group, start, StreamEntryId.MaxValue, null, (int)Math.Min(attempts + 1, int.MaxValue));
        var claimed = new List<StreamEntry>();
        var deleted = new List<StreamEntryId>();
        List<StreamDeadLetter>? deadLettered = null;
        var remaining = count;
        var i = 0;
        for (; i < rows.Count && attempts > 0 && remaining > 0; i++)
        {
            attempts--;
            var pending = rows[i];
            var entry = GetEntry(state, stream, pending.Id);
            if (entry is null)
            {
                state.DeletePending(stream, group, pending.Id);
                deleted.Add(pending.Id);
                remaining--;
                continue;
            }

            if (minIdle > TimeSpan.Zero && Idle(now, pending.DeliveredAt) < minIdle)
            {
                continue;
            }

            if (!justId && ExceedsMaxDeliveries(g, pending.DeliveryCount))
            {
                (deadLettered ??= []).Add(DeadLetter(state, stream, g, pending, entry));
                continue;
            }

            state.PutPending(stream, group, new StreamPendingRecord(pending.Id, consumer, now, justId ? pending.DeliveryCount : pending.DeliveryCount + 1));
            claimed.Add(justId ? new StreamEntry(pending.Id, null) : entry);
            remaining--;
            c = c with { ActiveAt = now };
        }

        state.PutConsumer(stream, group, c);
        var next = i < rows.Count ? rows[i].Id : StreamEntryId.MinValue;
        return new StreamAutoClaimResult(next, claimed, deleted) { DeadLettered = deadLettered ?? [] };
    }

    /// <summary>XINFO STREAM.</summary>
    public static StreamInfo? Info(IStreamState state, string stream)
    {
        if (Guard(state).GetStream(stream) is not { } record)
        {
            return null;
        }

        var first = state.ReadEntries(stream, StreamEntryId.MinValue, StreamEntryId.MaxValue, 1, false);
        var last = state.ReadEntries(stream, StreamEntryId.MinValue, StreamEntryId.MaxValue, 1, true);
        return new StreamInfo
        {
            Name = stream,
            Length = record.Length,
            Bytes = record.Bytes,
            LastGeneratedId = record.LastId,
            MaxDeletedEntryId = record.MaxDeletedId,
            EntriesAdded = record.EntriesAdded,
            RecordedFirstEntryId = record.FirstId,
            Groups = state.ListGroups(stream).Count,
            FirstEntry = first.Count > 0 ? first[0] : null,
            LastEntry = last.Count > 0 ? last[0] : null,
            Retention = record.Retention,
            CreatedAt = record.CreatedAt,
        };
    }

    /// <summary>XINFO STREAM FULL.</summary>
    public StreamFullInfo? FullInfo(IStreamState state, string stream, int count)
    {
        if (Info(state, stream) is not { } info)
        {
            return null;
        }

        var record = state.GetStream(stream)!;
        var limit = count == 0 ? int.MaxValue : count;
        var now = Now();
        var groups = new List<StreamGroupFullInfo>();
        foreach (var g in state.ListGroups(stream))
        {
            var pending = state.ScanPending(stream, g.Name, StreamEntryId.MinValue, StreamEntryId.MaxValue, null, limit)
                .Select(p => new StreamPendingEntry(p.Id, p.Consumer, Idle(now, p.DeliveredAt), p.DeliveryCount, p.DeliveredAt)).ToList();
            var consumers = Consumers(state, stream, g.Name, now).Select(ci => new StreamConsumerFullInfo(ci,
                state.ScanPending(stream, g.Name, StreamEntryId.MinValue, StreamEntryId.MaxValue, ci.Name, limit)
                    .Select(p => new StreamPendingEntry(p.Id, p.Consumer, Idle(now, p.DeliveredAt), p.DeliveryCount, p.DeliveredAt)).ToList())).ToList();
            groups.Add(new StreamGroupFullInfo(GroupInfo(state, record, g), pending, consumers));
        }

        return new StreamFullInfo(info, state.ReadEntries(stream, StreamEntryId.MinValue, StreamEntryId.MaxValue, limit, false), groups);
    }

    /// <summary>XINFO GROUPS.</summary>
    public static IReadOnlyList<StreamGroupInfo> Groups(IStreamState state, string stream)
    {
        var record = Guard(state).GetStream(stream) ?? throw StreamErrors.NotFound(stream);
        return state.ListGroups(stream).Select(g => GroupInfo(state, record, g)).ToList();
    }

    /// <summary>XINFO CONSUMERS.</summary>
    public IReadOnlyList<StreamConsumerInfo> Consumers(IStreamState state, string stream, string group)
    {
        _ = Guard(state).GetStream(stream) ?? throw StreamErrors.NotFound(stream);
        _ = state.GetGroup(stream, group) ?? throw StreamErrors.GroupNotFound(stream, group);
        return Consumers(state, stream, group, Now());
    }

    private static List<StreamConsumerInfo> Consumers(IStreamState state, string stream, string group, DateTimeOffset now)
    {
        var counts = state.CountPending(stream, group).ToDictionary(c => c.Consumer, c => c.Count, StringComparer.Ordinal);
        return state.ListConsumers(stream, group).Select(c => new StreamConsumerInfo(
            c.Name, counts.GetValueOrDefault(c.Name), Idle(now, c.SeenAt), c.ActiveAt is { } a ? Idle(now, a) : null, c.SeenAt, c.ActiveAt)).ToList();
    }

    private static StreamGroupInfo GroupInfo(IStreamState state, StreamRecord record, StreamGroupRecord g) => new()
    {
        Name = g.Name,
        Consumers = state.ListConsumers(record.Name, g.Name).Count,
        Pending = state.CountPending(record.Name, g.Name).Sum(c => c.Count),
        LastDeliveredId = g.LastDeliveredId,
        EntriesRead = g.EntriesRead,
        Lag = Lag(record, g),
        MaxDeliveries = g.MaxDeliveries,
        DeadLetterStream = g.DeadLetterStream,
    };

    /// <summary>XSETID.</summary>
    public static void SetId(IStreamState state, string stream, StreamSetIdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var record = Guard(state).GetStream(stream) ?? throw StreamErrors.NotFound(stream);

        // As Redis: only a stream with entries bounds the new last id (by its top entry); an emptied stream may go back.
        if (record.Length > 0)
        {
            var top = state.EdgeId(stream, last: true) ?? StreamEntryId.MinValue;
            if (options.LastId < top)
            {
                throw StreamErrors.IdTooSmall(stream, options.LastId, top);
            }

            if (options.EntriesAdded is { } added && added < record.Length)
            {
                throw SluiceException.Invalid("entriesAdded", $"entriesAdded {added} is smaller than the length {record.Length} of stream '{stream}'");
            }
        }

        state.PutStream(record with
        {
            LastId = options.LastId,
            EntriesAdded = options.EntriesAdded ?? record.EntriesAdded,
            MaxDeletedId = options.MaxDeletedId is { IsZero: false } maxDeleted ? maxDeleted : record.MaxDeletedId,
        });
    }

    /// <summary>Sets a stream's retention (creating the stream) and applies its count and byte limits.</summary>
    public StreamInfo SetRetention(IStreamState state, string stream, StreamRetention retention)
    {
        var record = (Guard(state).GetStream(stream) ?? new StreamRecord { Name = stream, CreatedAt = Now() }) with { Retention = retention };
        state.PutStream(ApplyRetention(state, record, withAge: false));
        return Info(state, stream)!;
    }

    /// <summary>DEL of a stream.</summary>
    public static bool DeleteStream(IStreamState state, string stream)
    {
        if (Guard(state).GetStream(stream) is null)
        {
            return false;
        }

        state.DeleteStream(stream);
        return true;
    }

    /// <summary>RENAME / RENAMENX.</summary>
    public static bool RenameStream(IStreamState state, string source, string destination, bool replace)
    {
        _ = Guard(state).GetStream(source) ?? throw StreamErrors.NotFound(source);
        if (source == destination)
        {
            return replace;
        }

        if (state.GetStream(destination) is not null)
        {
            if (!replace)
            {
                return false;
            }

            state.DeleteStream(destination);
        }

        state.RenameStream(source, destination);
        return true;
    }

    /// <summary>Applies every stream's retention.</summary>
    public long Sweep(IStreamState state)
    {
        long removed = 0;
        foreach (var name in Guard(state).ListStreams())
        {
            if (state.GetStream(name) is { } record && (record.Retention.MaxLength ?? record.Retention.MaxBytes ?? (object?)record.Retention.MaxAge) is not null)
            {
                var after = ApplyRetention(state, record, withAge: true);
                if (after.Length != record.Length)
                {
                    state.PutStream(after);
                    removed += record.Length - after.Length;
                }
            }
        }

        return removed;
    }

    private static IStreamState Guard(IStreamState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state;
    }

    private static (StreamRecord Stream, StreamGroupRecord Group) RequireGroup(IStreamState state, string stream, string group)
    {
        var record = Guard(state).GetStream(stream) ?? throw StreamErrors.GroupNotFound(stream, group);
        var g = state.GetGroup(stream, group) ?? throw StreamErrors.GroupNotFound(stream, group);
        return (record, g);
    }

    private static StreamEntry? GetEntry(IStreamState state, string stream, StreamEntryId id)
    {
        var found = state.ReadEntries(stream, id, id, 1, false);
        return found.Count > 0 ? found[0] : null;
    }

    private static TimeSpan Idle(DateTimeOffset now, DateTimeOffset since) => since >= now ? TimeSpan.Zero : now - since;

    private static bool ExceedsMaxDeliveries(StreamGroupRecord g, long deliveryCount) =>
        g.MaxDeliveries is { } max && g.DeadLetterStream is not null && deliveryCount >= max;

    /// <summary>Fields appended to a dead-lettered entry after its own: why it was moved.</summary>
    public static class DeadLetterFields
    {
        /// <summary>The source stream.</summary>
        public const string Stream = "sluice-dl-stream";

        /// <summary>The entry's id in the source stream.</summary>
        public const string Id = "sluice-dl-id";

        /// <summary>The group whose policy moved it.</summary>
        public const string Group = "sluice-dl-group";

        /// <summary>The consumer that held it last.</summary>
        public const string Consumer = "sluice-dl-consumer";

        /// <summary>Its delivery count when it moved.</summary>
        public const string Deliveries = "sluice-dl-deliveries";
    }

    private StreamDeadLetter DeadLetter(IStreamState state, string stream, StreamGroupRecord g, StreamPendingRecord pending, StreamEntry entry)
    {
        var target = g.DeadLetterStream!;
        var fields = new List<StreamField>(entry.Fields!)
        {
            StreamField.FromText(DeadLetterFields.Stream, stream),
            StreamField.FromText(DeadLetterFields.Id, pending.Id.ToString()),
            StreamField.FromText(DeadLetterFields.Group, g.Name),
            StreamField.FromText(DeadLetterFields.Consumer, pending.Consumer),
            new(Encoding.UTF8.GetBytes(DeadLetterFields.Deliveries), Encoding.UTF8.GetBytes(pending.DeliveryCount.ToString(CultureInfo.InvariantCulture))),
        };
        var id = Append(state, target, fields, new StreamAppendOptions())!.Value;
        state.DeletePending(stream, g.Name, pending.Id);
        return new StreamDeadLetter(pending.Id, target, id, pending.DeliveryCount);
    }

    /// <summary>Whether an XDEL tombstone lies at or after <paramref name="from"/> (Redis <c>streamRangeHasTombstones</c> with an open end).</summary>
    private static bool HasTombstones(StreamRecord record, StreamEntryId from) =>
        record.Length > 0 && !record.MaxDeletedId.IsZero && from <= record.MaxDeletedId;

    /// <summary>Redis <c>streamEstimateDistanceFromFirstEverEntry</c>: the entries-read counter an id stands for, or null when unknown.</summary>
    private static long? EstimateEntriesRead(StreamRecord record, StreamEntryId id)
    {
        if (record.EntriesAdded == 0)
        {
            return 0;
        }

        if (record.Length == 0 && id <= record.LastId)
        {
            return record.EntriesAdded;
        }

        var vsLast = id.CompareTo(record.LastId);
        if (vsLast == 0)
        {
            return record.EntriesAdded;
        }

        if (vsLast > 0)
        {
            return null;
        }

        if (record.MaxDeletedId.IsZero || record.MaxDeletedId < record.FirstId)
        {
            var vsFirst = id.CompareTo(record.FirstId);
            if (vsFirst < 0)
            {
                return record.EntriesAdded - record.Length;
            }

            if (vsFirst == 0)
            {
                return record.EntriesAdded - record.Length + 1;
            }
        }

        return null;
    }

    /// <summary>The group's lag as XINFO GROUPS reports it, or null when it cannot be known.</summary>
    private static long? Lag(StreamRecord record, StreamGroupRecord g)
    {
        if (record.EntriesAdded == 0)
        {
            return 0;
        }

        if (g.EntriesRead is { } read && !HasTombstones(record, g.LastDeliveredId))
        {
            return record.EntriesAdded - read;
        }

        return EstimateEntriesRead(record, g.LastDeliveredId) is { } estimated ? record.EntriesAdded - estimated : null;
    }
}
