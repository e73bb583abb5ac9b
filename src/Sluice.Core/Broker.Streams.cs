using System.Globalization;
using Sluice.Internal;
using Sluice.Storage;

namespace Sluice;

/// <summary>
/// Streams with consumer groups: the Redis stream commands (the Redis command reference: XADD, XRANGE, XREVRANGE, XREAD,
/// XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XGROUP, XINFO, XTRIM, XDEL, XLEN, XSETID) plus retention and a
/// max-deliveries policy. The store must implement <see cref="IStreamStore"/>; otherwise every method throws
/// not_supported. Names of streams, groups and consumers: 1-1,024 characters without control characters
/// (invalid_stream_name). Bad input changes no state.
/// </summary>
public sealed partial class Broker
{
    /// <summary>Longest stream, group or consumer name, in characters.</summary>
    public const int MaxStreamNameLength = 1024;

    private readonly StreamSignals _streamSignals = new();

    /// <summary>Whether the store implements streams.</summary>
    public bool SupportsStreams => _store is IStreamStore;

    /// <summary>Stream reads blocked right now (XREAD/XREADGROUP with BLOCK).</summary>
    public int BlockedStreamReaders => _streamSignals.BlockedCount;

    private IStreamStore Streams => StoreFor<IStreamStore>("streams");

    /// <summary>XADD: appends an entry and wakes readers blocked on the stream.</summary>
    /// <param name="stream">The stream name (created unless <see cref="StreamAppendOptions.NoMakeStream"/>).</param>
    /// <param name="fields">One or more field-value pairs, binary-safe; copied by the store.</param>
    /// <param name="options">Id, NOMKSTREAM and trim; default <c>*</c>, no trim.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the entry may still be appended.</param>
    /// <returns>The new id, or <see langword="null"/> with NOMKSTREAM when the stream does not exist.</returns>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument (no fields, a bad trim), stream_id_too_small, stream_id_exhausted.</exception>
    public async ValueTask<StreamEntryId?> StreamAppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Publish, stream);
        options = AppendArgs(stream, fields, options);
        var id = await Shared(async store =>
        {
            var id = await store.AppendAsync(stream, fields, options, cancellationToken).ConfigureAwait(false);
            if (id is not null)
            {
                Touch(stream);
            }

            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (id is not null)
        {
            Metrics.StreamAppended.Add(1, new KeyValuePair<string, object?>(Metrics.QueueTag, stream));
            NotifyStream(stream);
        }

        return id;
    }

    /// <summary>
    /// Appends several entries to one stream, all or none: inside <see cref="RunStreamTransactionAsync{T}"/>, every
    /// entry's id is worked out first (<c>*</c> from the clock, <c>&lt;ms&gt;-*</c>, explicit ids above the stream's last
    /// id and above the entries before them), so a refused batch appends nothing; then each is appended (trims and
    /// NOMKSTREAM as in <see cref="StreamAppendAsync"/>). No other caller's stream operation comes between them.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="entries">One or more entries, appended in order.</param>
    /// <param name="cancellationToken">Cancels the wait; once appending started, the entries may still be appended.</param>
    /// <returns>The new ids in order, or <see langword="null"/> when the first entry has NOMKSTREAM and the stream does not exist.</returns>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_id_too_small, stream_id_exhausted; an entry's field is named <c>entries[i].id</c> or <c>entries[i].fields</c>.</exception>
    public async ValueTask<IReadOnlyList<StreamEntryId>?> StreamAppendAllAsync(string stream, IReadOnlyList<StreamAppendItem> entries, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Publish, stream);
        ArgumentNullException.ThrowIfNull(entries);
        Validation.Entries(entries.Count, int.MaxValue, "entries");

        var options = new StreamAppendOptions[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var index = i;
            options[i] = OfEntry(index, () => AppendArgs(stream, entries[index].Fields, entries[index].Options));
        }

        return await RunStreamTransactionAsync<IReadOnlyList<StreamEntryId>?>(async ct =>
        {
            var top = await Streams.GetLastIdAsync(stream, ct).ConfigureAwait(false);
            if (top is null && options[0].NoMakeStream)
            {
                return null;
            }

            var now = (ulong)Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds());
            var ids = new StreamEntryId[options.Length];
            var last = top ?? StreamEntryId.MinValue;
            for (var i = 0; i < ids.Length; i++)
            {
                var index = i;
                last = ids[i] = OfEntry(index, () => StreamEngine.NextId(stream, last, options[index], now));
            }

            for (var i = 0; i < ids.Length; i++)
            {
                _ = await StreamAppendAsync(stream, entries[i].Fields, options[i] with { IdMode = StreamIdMode.Explicit, Id = ids[i], NoMakeStream = false }, ct)
                    .ConfigureAwait(false);
            }

            return ids;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a check of entry <paramref name="index"/> of a batch; its error names the entry's field (<c>entries[i].id</c>).</summary>
    private static T OfEntry<T>(int index, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (SluiceException e) when (e.Field is { } field)
        {
            throw new SluiceException(e.ErrorCode, $"{e.Message} (entry {index} of the batch; nothing was appended)",
                string.Create(CultureInfo.InvariantCulture, $"entries[{index}].{field}"), e.IsTransient, e);
        }
    }

    private static StreamAppendOptions AppendArgs(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions? options)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Validation.Entries(fields.Count, int.MaxValue, "fields");

        options ??= new StreamAppendOptions();
        if (options.IdMode == StreamIdMode.Explicit && options.Id.IsZero)
        {
            throw StreamErrors.IdTooSmall(stream, options.Id, StreamEntryId.MinValue);
        }

        if (options.Trim is { } trim)
        {
            Trim(trim);
        }

        return options;
    }

    /// <summary>XLEN: entries in the stream (0 when it does not exist).</summary>
    /// <exception cref="SluiceException">invalid_stream_name.</exception>
    public ValueTask<long> StreamLengthAsync(string stream, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        return Shared(store => store.LengthAsync(stream, cancellationToken), cancellationToken);
    }

    /// <summary>XRANGE (or XREVRANGE when <paramref name="reverse"/>): entries with <paramref name="first"/> &lt;= id &lt;= <paramref name="last"/>.</summary>
    /// <param name="stream">The stream (a missing one is empty).</param>
    /// <param name="first">The smallest id, inclusive (Redis <c>-</c> is <see cref="StreamEntryId.MinValue"/>; an exclusive <c>(id</c> is the id's <see cref="StreamEntryId.TryIncrement"/>).</param>
    /// <param name="last">The largest id, inclusive (Redis <c>+</c> is <see cref="StreamEntryId.MaxValue"/>).</param>
    /// <param name="count">The most entries, 0 or more (0 returns none); default all.</param>
    /// <param name="reverse">Newest first (XREVRANGE; the bounds keep their meaning).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument (negative count).</exception>
    public async ValueTask<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count = null, bool reverse = false, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        if (count < 0)
        {
            throw SluiceException.Invalid("count", $"count {count} is negative: use 0 or more");
        }

        if (count == 0 || first > last)
        {
            return [];
        }

        return await Shared(store => store.RangeAsync(stream, first, last, count, reverse, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// XREAD: entries after each position, from every stream that has some (streams without entries are left out).
    /// With <see cref="StreamReadOptions.Block"/>, when no stream has entries, waits for an append to any of them
    /// (<c>$</c> is fixed to each stream's last id when the call starts) or the timeout (then returns an empty list).
    /// </summary>
    /// <param name="positions">One or more streams with <see cref="StreamPositionKind.After"/> or <see cref="StreamPositionKind.New"/>.</param>
    /// <param name="options">COUNT and BLOCK; default neither.</param>
    /// <param name="cancellationToken">Ends a blocked wait with <see cref="OperationCanceledException"/> (nothing was read).</param>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument.</exception>
    public async ValueTask<IReadOnlyList<StreamReadResult>> StreamReadAsync(IReadOnlyList<StreamPosition> positions, StreamReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new StreamReadOptions();
        ReadOptions(positions, options);
        // Without BLOCK, $ (the last id now) can have nothing after it: no store call. With BLOCK it is fixed first.
        var after = new StreamEntryId[positions.Count];
        for (var i = 0; i < positions.Count; i++)
        {
            after[i] = positions[i].Kind switch
            {
                StreamPositionKind.After => positions[i].Id,
                StreamPositionKind.New when options.Block is null => StreamEntryId.MaxValue,
                StreamPositionKind.New => await Shared(store => store.GetLastIdAsync(positions[i].Stream, cancellationToken), cancellationToken).ConfigureAwait(false) ?? StreamEntryId.MinValue,
                _ => throw SluiceException.Invalid("positions", $"'>' is only for group reads (stream '{positions[i].Stream}'): use an id or $"),
            };
        }

        return await BlockingReadAsync(positions, options, _ => Shared(async store =>
        {
#pragma warning disable CA2012 // IssueInOrderAsync awaits each call exactly once.
            var ranges = await IssueInOrderAsync<IReadOnlyList<StreamEntry>>(positions.Count, i => after[i].TryIncrement(out var start)
                ? store.RangeAsync(positions[i].Stream, start, StreamEntryId.MaxValue, options.Count, false, cancellationToken)
                : null).ConfigureAwait(false);
#pragma warning restore CA2012
            List<StreamReadResult>? results = null;
            for (var i = 0; i < positions.Count; i++)
            {
                if (ranges[i] is { Count: > 0 } entries)
                {
                    (results ??= []).Add(new StreamReadResult(positions[i].Stream, entries));
                }
            }

            return results;
        }, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// XREADGROUP: reads as <paramref name="consumer"/> of <paramref name="group"/> (creating the consumer). For
    /// <c>&gt;</c> positions, entries never delivered to the group (streams without any are left out); for an id, the
    /// consumer's own pending entries after it (always reported, possibly empty; deleted entries have
    /// <see langword="null"/> fields), which never blocks. With <see cref="StreamReadOptions.Block"/> and only
    /// <c>&gt;</c> positions, waits for an append; a destroyed group wakes the reader with stream_group_not_found, a
    /// deleted stream (DEL, FLUSHDB, a RENAME away) with stream_not_found.
    /// Entries past the group's max deliveries go to its dead-letter stream instead.
    /// </summary>
    /// <param name="group">The group name.</param>
    /// <param name="consumer">The consumer name.</param>
    /// <param name="positions">One or more streams with <see cref="StreamPositionKind.Undelivered"/> or <see cref="StreamPositionKind.After"/>.</param>
    /// <param name="options">COUNT, BLOCK, NOACK; default none.</param>
    /// <param name="cancellationToken">Ends a blocked wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_group_not_found, stream_not_found (deleted while waiting).</exception>
    public async ValueTask<IReadOnlyList<StreamReadResult>> StreamReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, StreamReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StreamName(group, "group");
        StreamName(consumer, "consumer");
        options ??= new StreamReadOptions();
        ReadOptions(positions, options);
        if (positions.Any(p => p.Kind == StreamPositionKind.New))
        {
            throw SluiceException.Invalid("positions", "$ is not allowed in a group read: use > for new entries or an id for the consumer's pending entries");
        }

        var history = positions.Any(p => p.Kind == StreamPositionKind.After);
        if (history)
        {
            options = options with { Block = null };
        }

        return await BlockingReadAsync(positions, options, woken => Shared(async store =>
        {
            // One store call for every stream: as Redis, each must have the group before any is read.
            IReadOnlyList<StreamDelivery> deliveries;
            try
            {
                deliveries = await store.ReadGroupAsync(group, consumer, positions, options.Count, options.NoAck, cancellationToken).ConfigureAwait(false);
            }
            catch (SluiceException e) when (woken && e.ErrorCode == ErrorCodes.StreamGroupNotFound && e.Resource is { } gone)
            {
                // Woken by a delete, FLUSHDB or a RENAME over it: the stream is gone (Redis: UNBLOCKED), or the group is.
                if (await store.GetLastIdAsync(gone, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw StreamErrors.DeletedWhileWaiting(gone);
                }

                throw;
            }

            List<StreamReadResult>? results = null;
            for (var i = 0; i < positions.Count; i++)
            {
                var delivery = deliveries[i];
                NotifyDeadLetters(delivery.DeadLettered);
                if (delivery.Entries.Count > 0 || positions[i].Kind == StreamPositionKind.After)
                {
                    (results ??= []).Add(new StreamReadResult(positions[i].Stream, delivery.Entries));
                }
            }

            return results;
        }, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes <paramref name="count"/> store calls (<paramref name="issue"/> returns <see langword="null"/> to skip one)
    /// before awaiting any, then awaits them in order. A store runs one caller's calls in the order issued, so a read
    /// of several streams takes its effect at one point of the caller's sequence: a command pipelined behind it cannot
    /// come between two of its calls. Every call is awaited; the first failure is thrown after all have ended.
    /// </summary>
    private static async ValueTask<T?[]> IssueInOrderAsync<T>(int count, Func<int, ValueTask<T>?> issue)
    {
        var calls = new ValueTask<T>?[count];
        Exception? failure = null;
        try
        {
            for (var i = 0; i < count; i++)
            {
                calls[i] = issue(i);
            }
        }
#pragma warning disable CA1031 // Rethrown below, once the calls already made have ended.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }

        var results = new T?[count];
        for (var i = 0; i < count; i++)
        {
            if (calls[i] is not { } call)
            {
                continue;
            }

            try
            {
                results[i] = await call.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Rethrown below, once every call has ended.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure ??= ex;
            }
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return results;
    }

    private async ValueTask<IReadOnlyList<StreamReadResult>> BlockingReadAsync(
        IReadOnlyList<StreamPosition> positions, StreamReadOptions options, Func<bool, ValueTask<List<StreamReadResult>?>> read, CancellationToken cancellationToken)
    {
        // read(woken): woken is false on the first attempt and true after a wait.
        var block = InStreamTransaction ? null : options.Block;
        var deadline = block is { } b && b != Timeout.InfiniteTimeSpan ? _time.GetUtcNow() + b : (DateTimeOffset?)null;
        string[]? streams = null;
        var woken = false;
        while (true)
        {
            var ticket = _streamSignals.Ticket;
            if (await read(woken).ConfigureAwait(false) is { } results)
            {
                return results;
            }

            if (block is null)
            {
                return [];
            }

            var remaining = deadline is { } d ? d - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (deadline is not null && remaining <= TimeSpan.Zero)
            {
                return [];
            }

            streams ??= positions.Select(p => p.Stream).Distinct(StringComparer.Ordinal).ToArray();
            if (!await _streamSignals.WaitAsync(streams, ticket, remaining, _time, cancellationToken).ConfigureAwait(false))
            {
                return [];
            }

            woken = true;
        }
    }

    /// <summary>XACK: acknowledges pending entries of a group.</summary>
    /// <returns>How many were pending (0 when the stream or group does not exist, as Redis replies).</returns>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument (no ids).</exception>
    public ValueTask<long> StreamAckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        StreamName(group, "group");
        Ids(ids);
        return Shared(async store =>
        {
            var acked = await store.AckAsync(stream, group, ids, cancellationToken).ConfigureAwait(false);

            return acked;
        }, cancellationToken);
    }

    /// <summary>XPENDING summary form: count, smallest and largest id, and per-consumer counts.</summary>
    /// <exception cref="SluiceException">invalid_stream_name, stream_group_not_found.</exception>
    public ValueTask<StreamPendingSummary> StreamPendingSummaryAsync(string stream, string group, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        StreamName(group, "group");
        return Shared(store => store.PendingSummaryAsync(stream, group, cancellationToken), cancellationToken);
    }

    /// <summary>XPENDING extended form: pending entries in id order with consumer, idle time and delivery count.</summary>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument (negative count or idle), stream_group_not_found.</exception>
    public async ValueTask<IReadOnlyList<StreamPendingEntry>> StreamPendingAsync(string stream, string group, StreamPendingQuery query, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        StreamName(group, "group");
        ArgumentNullException.ThrowIfNull(query);
        if (query.Count < 0)
        {
            throw SluiceException.Invalid("count", $"count {query.Count} is negative: use 0 or more");
        }

        if (query.MinIdle < TimeSpan.Zero)
        {
            throw SluiceException.Invalid("minIdle", "the minimum idle time is negative: use 0 or more");
        }

        if (query.Consumer is { } consumer)
        {
            StreamName(consumer, "consumer");
        }

        if (query.Count == 0 || query.Start > query.End)
        {
            // Redis still checks the group first.
            await Shared(store => store.PendingSummaryAsync(stream, group, cancellationToken), cancellationToken).ConfigureAwait(false);
            return [];
        }

        return await Shared(store => store.PendingAsync(stream, group, query, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>XCLAIM: takes over pending entries idle at least <paramref name="minIdle"/> (see <see cref="IStreamStore.ClaimAsync"/>).</summary>
    /// <returns>The claimed entries in the order of <paramref name="ids"/> (fields <see langword="null"/> with JUSTID).</returns>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_group_not_found.</exception>
    public async ValueTask<IReadOnlyList<StreamEntry>> StreamClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, IReadOnlyList<StreamEntryId> ids, StreamClaimOptions? options = null, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        StreamName(group, "group");
        StreamName(consumer, "consumer");
        NonNegative(minIdle, "minIdle");
        Ids(ids);
        options ??= new StreamClaimOptions();
        if (options.Idle is { } idle)
        {
            NonNegative(idle, "idle");
        }

        if (options.RetryCount < 0)
        {
            throw SluiceException.Invalid("retryCount", $"retry count {options.RetryCount} is negative: use 0 or more");
        }

        return await Shared(async store =>
        {
            var delivery = await store.ClaimAsync(stream, group, consumer, minIdle, ids, options, cancellationToken).ConfigureAwait(false);
            NotifyDeadLetters(delivery.DeadLettered);
            return delivery.Entries;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>XAUTOCLAIM: claims up to <paramref name="count"/> entries idle at least <paramref name="minIdle"/>, scanning the pending list from <paramref name="start"/>.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="group">The group.</param>
    /// <param name="consumer">The consumer that takes the entries (created when missing).</param>
    /// <param name="minIdle">The least idle time, 0 or more.</param>
    /// <param name="start">Where the scan starts (inclusive); 0-0 from the beginning.</param>
    /// <param name="count">The most entries claimed, 1 to 10,000,000 (default 100); at most 10 × count are examined.</param>
    /// <param name="justId">JUSTID: ids only, delivery counts unchanged.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_group_not_found.</exception>
    public async ValueTask<StreamAutoClaimResult> StreamAutoClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, StreamEntryId start, int count = 100, bool justId = false, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        StreamName(group, "group");
        StreamName(consumer, "consumer");
        NonNegative(minIdle, "minIdle");
        if (count is < 1 or > 10_000_000)
        {
            throw SluiceException.Invalid("count", $"count {count} is out of range: use 1 to 10000000");
        }

        return await Shared(async store =>
        {
            var result = await store.AutoClaimAsync(stream, group, consumer, minIdle, start, count, justId, cancellationToken).ConfigureAwait(false);
            NotifyDeadLetters(result.DeadLettered);
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>XGROUP CREATE (with Sluice's max-deliveries policy).</summary>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_not_found (without MKSTREAM), stream_group_exists.</exception>
    public ValueTask StreamCreateGroupAsync(string stream, string group, StreamGroupOptions? options = null, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        StreamName(group, "group");
        options ??= new StreamGroupOptions();
        EntriesRead(options.EntriesRead);
        if (options.MaxDeliveries is { } max)
        {
            if (max < 1)
            {
                throw SluiceException.Invalid("maxDeliveries", $"maxDeliveries {max} is out of range: use 1 or more, or leave it unset for no limit");
            }

            if (options.DeadLetterStream is null)
            {
                throw SluiceException.Invalid("deadLetterStream", "maxDeliveries needs a deadLetterStream: name the stream that receives entries delivered too often");
            }
        }

        if (options.DeadLetterStream is { } dls)
        {
            StreamName(dls, "deadLetterStream");

            // Entries are moved (and the stream created) there on the group's behalf: as a queue's dead-letter queue, it
            // needs admin on both.
            SluiceAccess.Demand(SluicePermissions.Admin, dls);
            if (dls == stream)
            {
                throw SluiceException.Invalid("deadLetterStream", $"stream '{stream}' cannot be its own dead-letter stream: name another stream");
            }

            if (options.MaxDeliveries is null)
            {
                throw SluiceException.Invalid("maxDeliveries", "a deadLetterStream needs maxDeliveries: set how many deliveries an entry may have");
            }
        }

        return Shared(async store =>
        {
            // As Redis 7.0, a group change is not a write WATCH sees; creating the stream (MKSTREAM) is.
            var created = options.MakeStream && await store.GetLastIdAsync(stream, cancellationToken).ConfigureAwait(false) is null;
            await store.CreateGroupAsync(stream, group, options, cancellationToken).ConfigureAwait(false);
            if (created)
            {
                Touch(stream);
            }
        }, cancellationToken);
    }

    /// <summary>XGROUP SETID: sets the group's last-delivered id (<see langword="null"/>: <c>$</c>) and entries-read (<see langword="null"/>: unknown).</summary>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_not_found, stream_group_not_found.</exception>
    public ValueTask StreamSetGroupIdAsync(string stream, string group, StreamEntryId? lastDeliveredId, long? entriesRead = null, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        StreamName(group, "group");
        EntriesRead(entriesRead);
        return Shared(store => store.SetGroupIdAsync(stream, group, lastDeliveredId, entriesRead, cancellationToken), cancellationToken);
    }

    /// <summary>XGROUP DESTROY; readers blocked on the group wake with stream_group_not_found.</summary>
    /// <returns>Whether the group existed.</returns>
    /// <exception cref="SluiceException">invalid_stream_name, stream_not_found.</exception>
    public async ValueTask<bool> StreamDeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        StreamName(group, "group");
        var deleted = await Shared(async store =>
        {
            var deleted = await store.DeleteGroupAsync(stream, group, cancellationToken).ConfigureAwait(false);
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            NotifyStream(stream);
        }

        return deleted;
    }

    /// <summary>XGROUP CREATECONSUMER.</summary>
    /// <returns>Whether it was created.</returns>
    /// <exception cref="SluiceException">invalid_stream_name, stream_not_found, stream_group_not_found.</exception>
    public ValueTask<bool> StreamCreateConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        StreamName(group, "group");
        StreamName(consumer, "consumer");
        return Shared(async store =>
        {
            var created = await store.CreateConsumerAsync(stream, group, consumer, cancellationToken).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    /// <summary>XGROUP DELCONSUMER: deletes the consumer and its pending entries.</summary>
    /// <returns>The pending entries it had.</returns>
    /// <exception cref="SluiceException">invalid_stream_name, stream_not_found, stream_group_not_found.</exception>
    public ValueTask<long> StreamDeleteConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        StreamName(group, "group");
        StreamName(consumer, "consumer");
        return Shared(async store =>
        {
            var pending = await store.DeleteConsumerAsync(stream, group, consumer, cancellationToken).ConfigureAwait(false);
            return pending;
        }, cancellationToken);
    }

    /// <summary>XINFO STREAM.</summary>
    /// <exception cref="SluiceException">invalid_stream_name, stream_not_found.</exception>
    public async ValueTask<StreamInfo> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        return await Shared(store => store.GetStreamInfoAsync(stream, cancellationToken), cancellationToken).ConfigureAwait(false) ?? throw StreamErrors.NotFound(stream);
    }

    /// <summary>XINFO STREAM FULL [COUNT count]: at most <paramref name="count"/> entries and pending rows per list (0: all; default 10).</summary>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_not_found.</exception>
    public async ValueTask<StreamFullInfo> GetStreamFullInfoAsync(string stream, int count = 10, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        if (count < 0)
        {
            throw SluiceException.Invalid("count", $"count {count} is negative: use 0 (all) or more");
        }

        return await Shared(store => store.GetStreamFullInfoAsync(stream, count, cancellationToken), cancellationToken).ConfigureAwait(false) ?? throw StreamErrors.NotFound(stream);
    }

    /// <summary>XINFO GROUPS.</summary>
    /// <exception cref="SluiceException">invalid_stream_name, stream_not_found.</exception>
    public ValueTask<IReadOnlyList<StreamGroupInfo>> GetStreamGroupsAsync(string stream, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        return Shared(store => store.GetGroupsAsync(stream, cancellationToken), cancellationToken);
    }

    /// <summary>XINFO CONSUMERS.</summary>
    /// <exception cref="SluiceException">invalid_stream_name, stream_not_found, stream_group_not_found.</exception>
    public ValueTask<IReadOnlyList<StreamConsumerInfo>> GetStreamConsumersAsync(string stream, string group, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Consume, stream);
        StreamName(group, "group");
        return Shared(store => store.GetConsumersAsync(stream, group, cancellationToken), cancellationToken);
    }

    /// <summary>XTRIM.</summary>
    /// <returns>Entries removed (0 when the stream does not exist).</returns>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument.</exception>
    public ValueTask<long> StreamTrimAsync(string stream, StreamTrim trim, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        Trim(trim);
        return Shared(async store =>
        {
            var removed = await store.TrimAsync(stream, trim, cancellationToken).ConfigureAwait(false);
            if (removed > 0)
            {
                Touch(stream);
            }

            return removed;
        }, cancellationToken);
    }

    /// <summary>XDEL: deletes entries (pending lists keep their ids).</summary>
    /// <returns>Entries deleted.</returns>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument (no ids).</exception>
    public ValueTask<long> StreamDeleteEntriesAsync(string stream, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        Ids(ids);
        return Shared(async store =>
        {
            var removed = await store.DeleteEntriesAsync(stream, ids, cancellationToken).ConfigureAwait(false);
            if (removed > 0)
            {
                Touch(stream);
            }

            return removed;
        }, cancellationToken);
    }

    /// <summary>XSETID.</summary>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument, stream_not_found, stream_id_too_small.</exception>
    public ValueTask StreamSetIdAsync(string stream, StreamSetIdOptions options, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        ArgumentNullException.ThrowIfNull(options);
        if (options.EntriesAdded < 0)
        {
            throw SluiceException.Invalid("entriesAdded", "entriesAdded is negative: use 0 or more");
        }

        if (options.MaxDeletedId is { } maxDeleted && maxDeleted > options.LastId)
        {
            throw SluiceException.Invalid("maxDeletedId", $"maxDeletedId {maxDeleted} is greater than the last id {options.LastId}: it must not be");
        }

        return Shared(store => store.SetIdAsync(stream, options, cancellationToken), cancellationToken);
    }

    /// <summary>Sets a stream's retention (creating it, empty, when missing); the count and byte limits apply at once, the age limit at each sweep.</summary>
    /// <exception cref="SluiceException">invalid_stream_name, invalid_argument.</exception>
    public ValueTask<StreamInfo> SetStreamRetentionAsync(string stream, StreamRetention retention, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        ArgumentNullException.ThrowIfNull(retention);
        if (retention.MaxLength < 0 || retention.MaxBytes < 0)
        {
            throw SluiceException.Invalid("retention", "maxLength and maxBytes must be 0 or more");
        }

        if (retention.MaxAge is { } age)
        {
            NonNegative(age, "maxAge");
        }

        return Shared(async store =>
        {
            var info = await store.SetRetentionAsync(stream, retention, cancellationToken).ConfigureAwait(false);
            Touch(stream);
            return info;
        }, cancellationToken);
    }

    /// <summary>Deletes a stream with its groups (DEL); blocked group readers wake with stream_group_not_found.</summary>
    /// <returns>Whether it existed.</returns>
    /// <exception cref="SluiceException">invalid_stream_name.</exception>
    public async ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        SluiceAccess.Demand(SluicePermissions.Admin, stream);
        var deleted = await Shared(async store =>
        {
            var deleted = await store.DeleteStreamAsync(stream, cancellationToken).ConfigureAwait(false);
            if (deleted)
            {
                Touch(stream);
            }

            return deleted;
        }, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            NotifyStream(stream);
        }

        return deleted;
    }

    /// <summary>RENAME (<paramref name="replace"/>) or RENAMENX: moves a stream with its groups to another name.</summary>
    /// <returns><see langword="false"/> when the destination exists and <paramref name="replace"/> is not set.</returns>
    /// <exception cref="SluiceException">invalid_stream_name, stream_not_found.</exception>
    public async ValueTask<bool> RenameStreamAsync(string source, string destination, bool replace = true, CancellationToken cancellationToken = default)
    {
        StreamName(source, "source");
        StreamName(destination, "destination");
        SluiceAccess.Demand(SluicePermissions.Admin, source);
        SluiceAccess.Demand(SluicePermissions.Admin, destination);
        var renamed = await Shared(async store =>
        {
            var renamed = await store.RenameStreamAsync(source, destination, replace, cancellationToken).ConfigureAwait(false);
            if (renamed && source != destination)
            {
                Touch(source);
                Touch(destination);
            }

            return renamed;
        }, cancellationToken).ConfigureAwait(false);
        if (renamed)
        {
            NotifyStream(source);
            NotifyStream(destination);
        }

        return renamed;
    }

    /// <summary>Whether the stream exists (an emptied stream still exists until deleted).</summary>
    /// <exception cref="SluiceException">invalid_stream_name.</exception>
    public ValueTask<bool> StreamExistsAsync(string stream, CancellationToken cancellationToken = default)
    {
        StreamName(stream);
        DemandSee(stream);
        return Shared(store => store.StreamExistsAsync(stream, cancellationToken), cancellationToken);
    }

    /// <summary>Every stream name, ordered (ordinal).</summary>
    public async ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default) =>
        Visible(await Shared(store => store.ListStreamsAsync(cancellationToken), cancellationToken).ConfigureAwait(false), s => s);

    /// <summary>Applies every stream's retention now (the sweeper also runs it every <see cref="BrokerOptions.SweepInterval"/>).</summary>
    /// <returns>Entries removed; 0 when the store has no streams.</returns>
    public async ValueTask<long> SweepStreamsAsync(CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Admin, null);
        return StartedStore is IStreamStore ? await Shared(store => store.SweepStreamsAsync(cancellationToken), cancellationToken).ConfigureAwait(false) : 0;
    }

    /// <summary>A store call without a result, under the gate.</summary>
    private async ValueTask Shared(Func<IStreamStore, ValueTask> call, CancellationToken cancellationToken) =>
        await Shared(async store =>
        {
            await call(store).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    private void NotifyDeadLetters(IReadOnlyList<StreamDeadLetter> deadLettered)
    {
        foreach (var d in deadLettered)
        {
            Touch(d.DeadLetterStream);
            NotifyStream(d.DeadLetterStream);
        }
    }

    /// <summary>Checks a stream, group or consumer name: 1-<see cref="MaxStreamNameLength"/> characters, no control characters.</summary>
    /// <exception cref="SluiceException">invalid_stream_name.</exception>
    public static void StreamName(string? name, string field = "stream")
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxStreamNameLength || name.AsSpan().ContainsAnyInRange('\0', '\u001f'))
        {
            // "stream name 'x'", "group name 'x'"; a field that is itself a name (REST's group "name") is not named twice.
            throw new SluiceException(ErrorCodes.InvalidStreamName,
                $"{(field == "name" ? "name" : field + " name")} '{Validation.Quote(name)}' is invalid: use 1-{MaxStreamNameLength} characters without control characters", field);
        }
    }

    private static void ReadOptions(IReadOnlyList<StreamPosition> positions, StreamReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(positions);
        Validation.Entries(positions.Count, int.MaxValue, "positions");

        foreach (var p in positions)
        {
            StreamName(p.Stream);
            SluiceAccess.Demand(SluicePermissions.Consume, p.Stream);
        }

        if (options.Count is < 1)
        {
            throw SluiceException.Invalid("count", $"count {options.Count} is out of range: use 1 or more, or leave it unset for no limit");
        }

        if (options.Block is { } block && block != Timeout.InfiniteTimeSpan)
        {
            NonNegative(block, "block");
        }
    }

    private static void Trim(StreamTrim trim)
    {
        ArgumentNullException.ThrowIfNull(trim);
        if (trim.Threshold < 0)
        {
            throw SluiceException.Invalid("threshold", $"MAXLEN {trim.Threshold} is negative: use 0 or more");
        }

        if (trim.Limit is { } limit)
        {
            if (!trim.Approximate)
            {
                throw SluiceException.Invalid("limit", "LIMIT needs an approximate trim (~): an exact trim always removes every entry it must");
            }

            if (limit < 0)
            {
                throw SluiceException.Invalid("limit", $"LIMIT {limit} is negative: use 0 (no limit) or more");
            }
        }
    }

    private static void Ids(IReadOnlyList<StreamEntryId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Validation.Entries(ids.Count, int.MaxValue, "ids");
    }

    private static void EntriesRead(long? entriesRead)
    {
        if (entriesRead < 0)
        {
            throw SluiceException.Invalid("entriesRead", $"entriesRead {entriesRead} is negative: use 0 or more, or leave it unset (unknown)");
        }
    }

    private static void NonNegative(TimeSpan value, string field)
    {
        if (value < TimeSpan.Zero)
        {
            throw SluiceException.Invalid(field, $"{field} is negative: use 0 or more");
        }
    }
}
