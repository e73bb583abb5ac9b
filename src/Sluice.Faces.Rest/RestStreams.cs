using Microsoft.AspNetCore.Http;
using Sluice.Storage;

namespace Sluice.Faces.Rest;

/// <summary>
/// The handlers of <c>/v1/streams</c> (docs/rest-api.md, "Streams"): parse the path, query and body, call the broker's
/// stream API, shape the answer. Errors propagate as <see cref="SluiceException"/> and are rendered by the one filter.
/// </summary>
internal sealed class RestStreamHandlers(Broker broker, CancellationToken stopping)
{
    /// <summary>Most entries, ids or pending rows one request reads or names.</summary>
    public const int MaxCount = 10_000;

    /// <summary>Longest idle time a request may name: 100 years.</summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromDays(36525);

    private static readonly IResult s_noContent = TypedResults.NoContent();

    private static SluiceJsonContext Json => SluiceJsonContext.Wire;

    // Streams

    public async Task<IResult> ListStreamsAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var names = await broker.ListStreamsAsync(ct).ConfigureAwait(false);
        var list = new List<StreamSummaryResponse>(names.Count);
        foreach (var name in names)
        {
            try
            {
                var s = await broker.GetStreamInfoAsync(name, ct).ConfigureAwait(false);
                list.Add(new StreamSummaryResponse(s.Name, s.Length, s.Bytes, s.FirstEntry?.Id.ToString(), s.LastEntry?.Id.ToString(),
                    s.LastGeneratedId.ToString(), s.Groups, s.CreatedAt));
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.StreamNotFound)
            {
                // Deleted since it was listed.
            }
        }

        return TypedResults.Json(new StreamListResponse(list), Json.StreamListResponse);
    }

    public async Task<IResult> PutStreamAsync(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        var body = await RestBody.ReadAsync(context, Json.StreamRetentionRequest, optional: true).ConfigureAwait(false);
        var retention = new StreamRetention
        {
            MaxLength = RestMapping.Whole(body?.MaxLength, "maxLength", 0, long.MaxValue),
            MaxBytes = RestMapping.Whole(body?.MaxBytes, "maxBytes", 0, long.MaxValue),
            MaxAge = RestMapping.Seconds(body?.MaxAgeSeconds, "maxAgeSeconds", TimeSpan.Zero, MaxIdle),
        };
        Broker.StreamName(name);
        var existed = await broker.StreamExistsAsync(name, ct).ConfigureAwait(false);
        var info = await broker.SetStreamRetentionAsync(name, retention, ct).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(info), Json.StreamResponse, statusCode: existed ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }

    public async Task<IResult> GetStreamAsync(HttpContext context, string name) =>
        TypedResults.Json(ToResponse(await broker.GetStreamInfoAsync(name, context.RequestAborted).ConfigureAwait(false)), Json.StreamResponse);

    public async Task<IResult> DeleteStreamAsync(HttpContext context, string name) =>
        await broker.DeleteStreamAsync(name, context.RequestAborted).ConfigureAwait(false) ? s_noContent : throw StreamErrors.NotFound(name);

    // Entries

    public async Task<IResult> AppendAsync(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, Json.StreamAppendRequest, optional: false).ConfigureAwait(false))!;
        var trim = body.Trim is { } t ? ToTrim(t, "trim.") : null;
        if (body.Entries is { } batch)
        {
            if (body.Id is not null || body.Fields is not null)
            {
                throw RestMapping.SluiceBadField("entries", "is given with id or fields: send either one entry or {\"entries\":[...]}, not both");
            }

            Validation.Entries(batch.Count, MaxCount, "entries");

            var entries = new StreamAppendItem[batch.Count];
            for (var i = 0; i < entries.Length; i++)
            {
                var item = batch[i] ?? throw RestMapping.SluiceBadField($"entries[{i}]", "is null: give an entry object {id, fields}");
                var (options, fields) = ToAppend(item, $"entries[{i}].", body.NoMakeStream == true, trim);
                entries[i] = new StreamAppendItem(fields, options);
            }

            // All or nothing: the broker works out every id before it appends any.
            var added = await broker.StreamAppendAllAsync(name, entries, ct).ConfigureAwait(false) ?? throw StreamErrors.NotFound(name);
            return TypedResults.Json(new StreamAppendResponse([.. added.Select(id => id.ToString())]), Json.StreamAppendResponse);
        }

        var (one, oneFields) = ToAppend(body, "", body.NoMakeStream == true, trim);
        var id = await broker.StreamAppendAsync(name, oneFields, one, ct).ConfigureAwait(false) ?? throw StreamErrors.NotFound(name);
        string[] ids = [id.ToString()];
        return TypedResults.Json(new StreamAppendResponse(ids), Json.StreamAppendResponse);
    }

    public async Task<IResult> RangeAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        var count = Count(query, "count", 100);
        var reverse = query.TryGetValue("order", out var order) && order.ToString() switch
        {
            "asc" => false,
            "desc" => true,
            var o => throw RestMapping.SluiceBadField("order", $"'{Validation.Quote(o)}' is invalid: use asc or desc"),
        };
        var first = RangeStart(Text(context, "from") ?? "-", "from");
        var last = RangeEnd(Text(context, "to") ?? "+", "to");
        var entries = first is { } f && last is { } l
            ? await broker.StreamRangeAsync(name, f, l, count, reverse, context.RequestAborted).ConfigureAwait(false)
            : [];
        return TypedResults.Json(ToResponse(entries), Json.StreamEntryListResponse);
    }

    public async Task<IResult> ReadAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        var after = Text(context, "after") ?? throw RestMapping.SluiceBadField("after", "is missing: give an entry id to read after, or $ for entries appended from now on");
        var position = after == "$" ? StreamPosition.New(name) : StreamPosition.After(name, Id(after, "after"));
        var options = new StreamReadOptions
        {
            Count = Count(query, "count", 100),
            Block = Wait(query.TryGetValue("waitSeconds", out var w) ? new RestNumber(w.ToString()) : null, "waitSeconds"),
        };
        var results = await WaitAsync(context, options.Block, ct => broker.StreamReadAsync([position], options, ct)).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(results.Count > 0 ? results[0].Entries : []), Json.StreamEntryListResponse);
    }

    public async Task<IResult> DeleteEntryAsync(HttpContext context, string name, string id)
    {
        var deleted = await broker.StreamDeleteEntriesAsync(name, [Id(id, "id")], context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamCountResponse(deleted), Json.StreamCountResponse);
    }

    public async Task<IResult> DeleteEntriesAsync(HttpContext context, string name)
    {
        var body = (await RestBody.ReadAsync(context, Json.StreamIdsRequest, optional: false).ConfigureAwait(false))!;
        var deleted = await broker.StreamDeleteEntriesAsync(name, Ids(body.Ids, "ids"), context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamCountResponse(deleted), Json.StreamCountResponse);
    }

    public async Task<IResult> TrimAsync(HttpContext context, string name)
    {
        var body = (await RestBody.ReadAsync(context, Json.StreamTrimRequest, optional: false).ConfigureAwait(false))!;
        var removed = await broker.StreamTrimAsync(name, ToTrim(body, ""), context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamCountResponse(removed), Json.StreamCountResponse);
    }

    // Groups

    public async Task<IResult> ListGroupsAsync(HttpContext context, string name)
    {
        var groups = await broker.GetStreamGroupsAsync(name, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamGroupListResponse([.. groups.Select(ToResponse)]), Json.StreamGroupListResponse);
    }

    public async Task<IResult> CreateGroupAsync(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, Json.StreamGroupCreateRequest, optional: false).ConfigureAwait(false))!;
        var group = body.Name ?? throw RestMapping.SluiceBadField("name", "is missing: give the group name, 1-1024 characters without control characters");
        Broker.StreamName(group, "name");
        var options = new StreamGroupOptions
        {
            LastDeliveredId = GroupId(body.StartId ?? "$", "startId"),
            EntriesRead = RestMapping.Whole(body.EntriesRead, "entriesRead", 0, long.MaxValue),
            MakeStream = body.MakeStream == true,
            MaxDeliveries = RestMapping.WholeInt(body.MaxDeliveries, "maxDeliveries", 1, int.MaxValue),
            DeadLetterStream = body.DeadLetterStream,
        };
        try
        {
            await broker.StreamCreateGroupAsync(name, group, options, ct).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.Field == "group")
        {
            // The body names the group in "name".
            throw new SluiceException(ex.ErrorCode, ex.Message, "name", ex.IsTransient, ex);
        }

        var info = await FindGroupAsync(name, group, ct).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(info), Json.StreamGroupResponse, statusCode: StatusCodes.Status201Created);
    }

    public async Task<IResult> GetGroupAsync(HttpContext context, string name, string group) =>
        TypedResults.Json(ToResponse(await FindGroupAsync(name, group, context.RequestAborted).ConfigureAwait(false)), Json.StreamGroupResponse);

    public async Task<IResult> UpdateGroupAsync(HttpContext context, string name, string group)
    {
        var ct = context.RequestAborted;
        var body = (await RestBody.ReadAsync(context, Json.StreamGroupUpdateRequest, optional: false).ConfigureAwait(false))!;
        var id = GroupId(body.LastDeliveredId ?? throw RestMapping.SluiceBadField("lastDeliveredId", "is missing: give $ (the stream's last id), 0 or an entry id"), "lastDeliveredId");
        await broker.StreamSetGroupIdAsync(name, group, id, RestMapping.Whole(body.EntriesRead, "entriesRead", 0, long.MaxValue), ct).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(await FindGroupAsync(name, group, ct).ConfigureAwait(false)), Json.StreamGroupResponse);
    }

    public async Task<IResult> DeleteGroupAsync(HttpContext context, string name, string group) =>
        await broker.StreamDeleteGroupAsync(name, group, context.RequestAborted).ConfigureAwait(false) ? s_noContent : throw StreamErrors.GroupNotFound(name, group);

    public async Task<IResult> ListConsumersAsync(HttpContext context, string name, string group)
    {
        var consumers = await broker.GetStreamConsumersAsync(name, group, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamConsumerListResponse([.. consumers.Select(ToResponse)]), Json.StreamConsumerListResponse);
    }

    public async Task<IResult> CreateConsumerAsync(HttpContext context, string name, string group, string consumer)
    {
        var ct = context.RequestAborted;
        var created = await broker.StreamCreateConsumerAsync(name, group, consumer, ct).ConfigureAwait(false);
        var info = (await broker.GetStreamConsumersAsync(name, group, ct).ConfigureAwait(false)).FirstOrDefault(c => c.Name == consumer)
                   ?? throw StreamErrors.GroupNotFound(name, group);
        return TypedResults.Json(ToResponse(info), Json.StreamConsumerResponse, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    public async Task<IResult> DeleteConsumerAsync(HttpContext context, string name, string group, string consumer)
    {
        var pending = await broker.StreamDeleteConsumerAsync(name, group, consumer, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamCountResponse(pending), Json.StreamCountResponse);
    }

    // Reading as a consumer, acknowledging, pending lists and claims

    public async Task<IResult> GroupReadAsync(HttpContext context, string name, string group)
    {
        var body = (await RestBody.ReadAsync(context, Json.StreamGroupReadRequest, optional: false).ConfigureAwait(false))!;
        var consumer = Consumer(body.Consumer);
        var after = body.After ?? ">";
        var position = after == ">" ? StreamPosition.Undelivered(name) : StreamPosition.After(name, Id(after, "after"));
        var options = new StreamReadOptions
        {
            Count = RestMapping.WholeInt(body.Count, "count", 1, MaxCount) ?? 100,
            Block = Wait(body.WaitSeconds, "waitSeconds"),
            NoAck = body.NoAck == true,
        };
        var results = await WaitAsync(context, options.Block, ct => broker.StreamReadGroupAsync(group, consumer, [position], options, ct)).ConfigureAwait(false);
        return TypedResults.Json(ToResponse(results.Count > 0 ? results[0].Entries : []), Json.StreamEntryListResponse);
    }

    public async Task<IResult> AckAsync(HttpContext context, string name, string group)
    {
        var body = (await RestBody.ReadAsync(context, Json.StreamIdsRequest, optional: false).ConfigureAwait(false))!;
        var acked = await broker.StreamAckAsync(name, group, Ids(body.Ids, "ids"), context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamCountResponse(acked), Json.StreamCountResponse);
    }

    public async Task<IResult> PendingSummaryAsync(HttpContext context, string name, string group)
    {
        var s = await broker.StreamPendingSummaryAsync(name, group, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamPendingSummaryResponse(s.Count, s.Smallest?.ToString(), s.Largest?.ToString(),
            [.. s.Consumers.Select(c => new StreamPendingConsumerResponse(c.Consumer, c.Count))]), Json.StreamPendingSummaryResponse);
    }

    public async Task<IResult> PendingEntriesAsync(HttpContext context, string name, string group)
    {
        var query = context.Request.Query;
        var first = RangeStart(Text(context, "from") ?? "-", "from");
        var last = RangeEnd(Text(context, "to") ?? "+", "to");
        var consumer = Text(context, "consumer");
        if (consumer is not null)
        {
            Broker.StreamName(consumer, "consumer");
        }

        var pendingQuery = new StreamPendingQuery
        {
            Start = first ?? StreamEntryId.MaxValue,
            End = last ?? StreamEntryId.MinValue,
            Count = Count(query, "count", 10),
            Consumer = consumer,
            MinIdle = RestMapping.Seconds(query.TryGetValue("minIdleSeconds", out var m) ? new RestNumber(m.ToString()) : null, "minIdleSeconds", TimeSpan.Zero, MaxIdle),
        };
        var rows = await broker.StreamPendingAsync(name, group, pendingQuery, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamPendingListResponse([.. rows.Select(r =>
            new StreamPendingEntryResponse(r.Id.ToString(), r.Consumer, r.Idle.TotalSeconds, r.DeliveryCount, r.DeliveredAt))]), Json.StreamPendingListResponse);
    }

    public async Task<IResult> ClaimAsync(HttpContext context, string name, string group)
    {
        var body = (await RestBody.ReadAsync(context, Json.StreamClaimRequest, optional: false).ConfigureAwait(false))!;
        var consumer = Consumer(body.Consumer);
        var ids = Ids(body.Ids, "ids");
        var options = new StreamClaimOptions
        {
            Idle = RestMapping.Seconds(body.IdleSeconds, "idleSeconds", TimeSpan.Zero, MaxIdle),
            Time = body.Time,
            RetryCount = RestMapping.Whole(body.RetryCount, "retryCount", 0, long.MaxValue),
            Force = body.Force == true,
            JustId = body.JustId == true,
            LastId = body.LastId is { } lastId ? Id(lastId, "lastId") : null,
        };
        if (options.Idle is not null && options.Time is not null)
        {
            throw RestMapping.SluiceBadField("time", "is given with idleSeconds: give one of them");
        }

        var minIdle = RestMapping.Seconds(body.MinIdleSeconds, "minIdleSeconds", TimeSpan.Zero, MaxIdle) ?? TimeSpan.Zero;
        var claimed = await broker.StreamClaimAsync(name, group, consumer, minIdle, ids, options, context.RequestAborted).ConfigureAwait(false);
        var response = options.JustId ? new StreamClaimResponse(null, ToIds(claimed)) : new StreamClaimResponse(ToResponse(claimed).Entries, null);
        return TypedResults.Json(response, Json.StreamClaimResponse);
    }

    public async Task<IResult> AutoClaimAsync(HttpContext context, string name, string group)
    {
        var body = (await RestBody.ReadAsync(context, Json.StreamAutoClaimRequest, optional: false).ConfigureAwait(false))!;
        var consumer = Consumer(body.Consumer);
        var minIdle = RestMapping.Seconds(body.MinIdleSeconds, "minIdleSeconds", TimeSpan.Zero, MaxIdle) ?? TimeSpan.Zero;
        var start = body.Start is { } s ? RangeStart(s, "start") ?? StreamEntryId.MaxValue : StreamEntryId.MinValue;
        var count = RestMapping.WholeInt(body.Count, "count", 1, MaxCount) ?? 100;
        var justId = body.JustId == true;
        var result = await broker.StreamAutoClaimAsync(name, group, consumer, minIdle, start, count, justId, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new StreamAutoClaimResponse(result.Next.ToString(), justId ? null : ToResponse(result.Claimed).Entries,
            justId ? ToIds(result.Claimed) : null, [.. result.Deleted.Select(d => d.ToString())]), Json.StreamAutoClaimResponse);
    }

    // Parsing

    /// <summary>
    /// Runs a read that may wait: a wait ends early, empty, when the server stops (as a queue long poll does), so
    /// shutdown does not wait for every blocked reader.
    /// </summary>
    private async Task<IReadOnlyList<StreamReadResult>> WaitAsync(HttpContext context, TimeSpan? block, Func<CancellationToken, ValueTask<IReadOnlyList<StreamReadResult>>> read)
    {
        if (block is null)
        {
            return await read(context.RequestAborted).ConfigureAwait(false);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            return await read(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            return [];
        }
    }

    private TimeSpan? Wait(RestNumber? seconds, string field) =>
        RestMapping.Seconds(seconds, field, TimeSpan.Zero, broker.Options.MaxWaitTime) is { } w && w > TimeSpan.Zero ? w : null;

    /// <summary>
    /// A text query parameter (an id, a range bound, a name) decoded once from the raw query with <c>+</c> kept as
    /// <c>+</c> (RFC 3986; only HTML forms write a space as <c>+</c>), so <c>to=+</c> is the last id as a curl user
    /// writes it; <c>%2B</c> works too and a space is <c>%20</c>. The first of a repeated parameter counts.
    /// </summary>
    private static string? Text(HttpContext context, string name)
    {
        var query = context.Request.QueryString.Value.AsSpan();
        if (query.StartsWith('?'))
        {
            query = query[1..];
        }

        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            if (Uri.UnescapeDataString(key.ToString()) == name)
            {
                return equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].ToString());
            }
        }

        return null;
    }

    private static int Count(IQueryCollection query, string name, int fallback) =>
        query.TryGetValue(name, out var text) ? RestMapping.WholeInt(new RestNumber(text.ToString()), name, 1, MaxCount)!.Value : fallback;

    private static string Consumer(string? consumer)
    {
        var name = consumer ?? throw RestMapping.SluiceBadField("consumer", "is missing: name the consumer, 1-1024 characters without control characters");
        Broker.StreamName(name, "consumer");
        return name;
    }

    /// <summary>An entry id: <c>&lt;ms&gt;-&lt;seq&gt;</c> or <c>&lt;ms&gt;</c> (sequence 0).</summary>
    private static StreamEntryId Id(string text, string field) =>
        StreamEntryId.TryParse(text, 0, out var id) ? id : throw StreamErrors.IdInvalid(text, field);

    /// <summary>
    /// A group position: <c>$</c> (<see langword="null"/>, the stream's last id), <c>-</c> (0-0), <c>+</c> (the largest
    /// id) or an id, as XGROUP CREATE / SETID take it.
    /// </summary>
    private static StreamEntryId? GroupId(string text, string field) => text switch
    {
        "$" => null,
        "-" => StreamEntryId.MinValue,
        "+" => StreamEntryId.MaxValue,
        _ => Id(text, field),
    };

    /// <summary>A range start: <c>-</c>, an id (a missing sequence is 0), or <c>(id</c> exclusive; <see langword="null"/> when nothing can follow.</summary>
    private static StreamEntryId? RangeStart(string text, string field)
    {
        if (text == "-")
        {
            return StreamEntryId.MinValue;
        }

        if (text == "+")
        {
            return StreamEntryId.MaxValue;
        }

        var exclusive = text.StartsWith('(');
        var id = StreamEntryId.TryParse(text.AsSpan(exclusive ? 1 : 0), 0, out var parsed) ? parsed : throw StreamErrors.IdInvalid(text, field);
        return !exclusive ? id : id.TryIncrement(out var next) ? next : null;
    }

    /// <summary>A range end: <c>+</c>, an id (a missing sequence is the largest), or <c>(id</c> exclusive; <see langword="null"/> when nothing can precede.</summary>
    private static StreamEntryId? RangeEnd(string text, string field)
    {
        if (text == "+")
        {
            return StreamEntryId.MaxValue;
        }

        if (text == "-")
        {
            return StreamEntryId.MinValue;
        }

        var exclusive = text.StartsWith('(');
        var id = StreamEntryId.TryParse(text.AsSpan(exclusive ? 1 : 0), ulong.MaxValue, out var parsed) ? parsed : throw StreamErrors.IdInvalid(text, field);
        return !exclusive ? id : id.TryDecrement(out var previous) ? previous : null;
    }

    private static StreamEntryId[] Ids(IReadOnlyList<string>? ids, string field)
    {
        if (ids is null)
        {
            throw RestMapping.SluiceBadField(field, $"is missing: give 1 to {MaxCount} entry ids");
        }

        Validation.Entries(ids.Count, MaxCount, field);

        var result = new StreamEntryId[ids.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Id(ids[i] ?? throw RestMapping.SluiceBadField($"{field}[{i}]", "is null: give an entry id"), $"{field}[{i}]");
        }

        return result;
    }

    private static (StreamAppendOptions, StreamField[]) ToAppend(StreamEntryRequest entry, string prefix, bool noMakeStream, StreamTrim? trim)
    {
        var fields = entry.Fields?.Fields is { Length: > 0 } f
            ? f
            : throw RestMapping.SluiceBadField(prefix + "fields", "is missing or empty: give at least one field, {\"name\":\"value\"} or [{\"name\":...,\"value\":...}]");
        var options = new StreamAppendOptions { NoMakeStream = noMakeStream, Trim = trim };
        var text = entry.Id ?? "*";
        if (text == "*")
        {
            return (options, fields);
        }

        if (text.EndsWith("-*", StringComparison.Ordinal))
        {
            return StreamEntryId.TryParse(text.AsSpan(0, text.Length - 2), 0, out var ms) && !text.AsSpan(0, text.Length - 2).Contains('-')
                ? (options with { IdMode = StreamIdMode.AutoSequence, Id = ms }, fields)
                : throw StreamErrors.IdInvalid(text, prefix + "id");
        }

        return (options with { IdMode = StreamIdMode.Explicit, Id = Id(text, prefix + "id") }, fields);
    }

    private static StreamTrim ToTrim(StreamTrimRequest r, string prefix)
    {
        var approximate = r.Approximate == true;
        var limit = RestMapping.Whole(r.Limit, prefix + "limit", 0, long.MaxValue);
        if (limit is not null && !approximate)
        {
            throw RestMapping.SluiceBadField(prefix + "limit", "needs approximate: an exact trim always removes every entry it must");
        }

        return (r.MaxLength, r.MinId) switch
        {
            ({ } max, null) => StreamTrim.MaxLength(RestMapping.Whole(max, prefix + "maxLength", 0, long.MaxValue)!.Value, approximate, limit),
            (null, { } minId) => StreamTrim.ToMinId(Id(minId, prefix + "minId"), approximate, limit),
            (null, null) => throw RestMapping.SluiceBadField(prefix + "maxLength", "is missing: give maxLength (entries to keep) or minId (the smallest id to keep)"),
            _ => throw RestMapping.SluiceBadField(prefix + "minId", "is given with maxLength: give one of them"),
        };
    }

    private async Task<StreamGroupInfo> FindGroupAsync(string stream, string group, CancellationToken ct)
    {
        Broker.StreamName(group, "group");
        var groups = await broker.GetStreamGroupsAsync(stream, ct).ConfigureAwait(false);
        return groups.FirstOrDefault(g => g.Name == group) ?? throw StreamErrors.GroupNotFound(stream, group);
    }

    // Shaping answers

    private static StreamEntryResponse ToResponse(StreamEntry entry)
    {
        if (entry.Fields is not { } fields)
        {
            return new StreamEntryResponse(entry.Id.ToString(), null);
        }

        var list = new StreamFieldDto[fields.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = StreamFieldDto.From(fields[i]);
        }

        return new StreamEntryResponse(entry.Id.ToString(), list);
    }

    private static string[] ToIds(IReadOnlyList<StreamEntry> entries) => [.. entries.Select(e => e.Id.ToString())];

    private static StreamEntryListResponse ToResponse(IReadOnlyList<StreamEntry> entries)
    {
        var list = new StreamEntryResponse[entries.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = ToResponse(entries[i]);
        }

        return new StreamEntryListResponse(list);
    }

    private static StreamResponse ToResponse(StreamInfo s) => new(
        s.Name,
        s.Length,
        s.Bytes,
        s.LastGeneratedId.ToString(),
        s.MaxDeletedEntryId.ToString(),
        s.EntriesAdded,
        s.RecordedFirstEntryId.ToString(),
        s.Groups,
        s.FirstEntry is { } first ? ToResponse(first) : null,
        s.LastEntry is { } last ? ToResponse(last) : null,
        new StreamRetentionResponse(s.Retention.MaxLength, s.Retention.MaxBytes, s.Retention.MaxAge?.TotalSeconds),
        s.CreatedAt);

    private static StreamGroupResponse ToResponse(StreamGroupInfo g) =>
        new(g.Name, g.Consumers, g.Pending, g.LastDeliveredId.ToString(), g.EntriesRead, g.Lag, g.MaxDeliveries, g.DeadLetterStream);

    private static StreamConsumerResponse ToResponse(StreamConsumerInfo c) =>
        new(c.Name, c.Pending, c.Idle.TotalSeconds, c.Inactive?.TotalSeconds, c.SeenAt, c.ActiveAt);
}
