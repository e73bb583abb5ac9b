using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace Sluice.Contracts;

// Request and response bodies of /v1/streams (docs/rest-api.md, "Streams"). Ids are strings (<ms>-<seq>); durations
// are seconds; unknown properties are refused as on every route.

/// <summary>
/// One field-value pair of a stream entry: the name as <c>name</c> (UTF-8 text) or <c>nameBase64</c> (bytes), the value
/// as <c>value</c> or <c>valueBase64</c>; exactly one of each. Answers use the text form when the bytes are UTF-8.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamFieldDto
{
    /// <summary>The field name as UTF-8 text. Give this or nameBase64.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Utf8Text? Name { get; init; }

    /// <summary>The field name as bytes, base64-encoded. Give this or name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(Base64BytesConverter))]
    public ReadOnlyMemory<byte>? NameBase64 { get; init; }

    /// <summary>The value as UTF-8 text. Give this or valueBase64.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Utf8Text? Value { get; init; }

    /// <summary>The value as bytes, base64-encoded. Give this or value.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(Base64BytesConverter))]
    public ReadOnlyMemory<byte>? ValueBase64 { get; init; }

    /// <summary>A field in its answer form: text where the bytes are UTF-8, else base64.</summary>
    /// <param name="field">The field.</param>
    /// <returns>The field with exactly one of name / nameBase64 and one of value / valueBase64.</returns>
    public static StreamFieldDto From(StreamField field)
    {
        var nameIsText = Utf8.IsValid(field.Name.Span);
        var valueIsText = Utf8.IsValid(field.Value.Span);
        return new StreamFieldDto
        {
            Name = nameIsText ? new Utf8Text(field.Name) : null,
            NameBase64 = nameIsText ? (ReadOnlyMemory<byte>?)null : field.Name,
            Value = valueIsText ? new Utf8Text(field.Value) : null,
            ValueBase64 = valueIsText ? (ReadOnlyMemory<byte>?)null : field.Value,
        };
    }
}

/// <summary>
/// An entry's fields in a request: a JSON object of text names to text values (<c>{"id":"42","total":"99"}</c>, order
/// kept, each name once) or an array of <see cref="StreamFieldDto"/> (order kept, names may repeat, bytes allowed).
/// </summary>
/// <param name="Fields">The fields, in order.</param>
[JsonConverter(typeof(StreamFieldsInputConverter))]
public sealed record StreamFieldsInput(StreamField[] Fields);

/// <summary>
/// Reads <see cref="StreamFieldsInput"/> from either of its two shapes without an intermediate DOM. Its errors name the
/// position inside <c>fields</c> (<see cref="RestJsonError.Create(string, string?)"/>), which the serializer cannot see
/// inside a converter: <c>fields[2].valueBase64</c>, <c>fields['a b']</c>.
/// </summary>
public sealed class StreamFieldsInputConverter : JsonConverter<StreamFieldsInput>
{
    /// <inheritdoc/>
    public override StreamFieldsInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var fields = new List<StreamField>();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            HashSet<string>? seen = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                var at = Member(key);
                if (!(seen ??= new HashSet<string>(StringComparer.Ordinal)).Add(key))
                {
                    throw RestJsonError.Create($"field '{key}' appears twice: a name repeats only in the list form [{{\"name\":...,\"value\":...}}]", at);
                }

                var name = Utf8TextConverter.ReadBytes(ref reader, at);
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw RestJsonError.Create($"field '{key}' must have a string value (the list form takes valueBase64 for bytes)", at);
                }

                fields.Add(new StreamField(name, Utf8TextConverter.ReadBytes(ref reader, at)));
            }

            return new StreamFieldsInput([.. fields]);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw RestJsonError.Create("fields must be an object of name to text value, or an array of {name | nameBase64, value | valueBase64}");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            fields.Add(ReadPair(ref reader, $"[{fields.Count}]"));
        }

        return new StreamFieldsInput([.. fields]);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, StreamFieldsInput value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var type = (JsonTypeInfo<StreamFieldDto>)options.GetTypeInfo(typeof(StreamFieldDto));
        writer.WriteStartArray();
        foreach (var f in value.Fields)
        {
            JsonSerializer.Serialize(writer, StreamFieldDto.From(f), type);
        }

        writer.WriteEndArray();
    }

    /// <summary>One <see cref="StreamFieldDto"/> of the list form, read in place so an error can say where it is.</summary>
    private static StreamField ReadPair(ref Utf8JsonReader reader, string at)
    {
        const string Shape = "give {name | nameBase64, value | valueBase64}";
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw RestJsonError.Create($"a field is {(reader.TokenType == JsonTokenType.Null ? "null" : "not an object")}: {Shape}", at);
        }

        byte[]? name = null, value = null;
        string? nameKey = null, valueKey = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            var keyAt = at + Member(key);
            var isName = key is "name" or "nameBase64";
            if (!isName && key is not ("value" or "valueBase64"))
            {
                throw RestJsonError.Create($"property '{key}' is not one a field takes: {Shape}", keyAt);
            }

            if ((isName ? nameKey : valueKey) is { } earlier)
            {
                throw RestJsonError.Create(earlier == key ? $"property '{key}' appears twice: give each property once" : $"a field has {earlier} and {key}: give one", keyAt);
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            var bytes = key.EndsWith("Base64", StringComparison.Ordinal)
                ? reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var decoded) ? decoded : throw RestJsonError.Create("expected a base64 string", keyAt)
                : Utf8TextConverter.ReadBytes(ref reader, keyAt);
            if (isName)
            {
                (name, nameKey) = (bytes, key);
            }
            else
            {
                (value, valueKey) = (bytes, key);
            }
        }

        return new StreamField(
            name ?? throw RestJsonError.Create("a field has no name: give name (text) or nameBase64 (bytes)", at),
            value ?? throw RestJsonError.Create("a field has no value: give value (text) or valueBase64 (bytes)", at));
    }

    /// <summary>A property's step in a JSON path, as System.Text.Json writes it: <c>.name</c>, or <c>['a b']</c> for other names.</summary>
    private static string Member(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? "." + key : "['" + key.Replace("'", "\\'", StringComparison.Ordinal) + "']";
}

/// <summary>A stream's retention in <c>PUT /v1/streams/{name}</c>; a property left out (or null) sets no limit of that kind.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamRetentionRequest
{
    /// <summary>Most entries kept (the oldest are removed first): 0 or more. Default: no limit.</summary>
    public RestNumber? MaxLength { get; init; }

    /// <summary>Most bytes kept (field names and values; the oldest entries are removed first): 0 or more. Default: no limit.</summary>
    public RestNumber? MaxBytes { get; init; }

    /// <summary>Entries whose id time is older than this many seconds are removed at each sweep: 0 to 3155760000 (100 years). Default: no limit.</summary>
    public RestNumber? MaxAgeSeconds { get; init; }
}

/// <summary>One entry to append.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public record StreamEntryRequest
{
    /// <summary>The id: * (default: generated from the time), MS-* (the next sequence in millisecond MS) or MS-SEQ (greater than the stream's last id).</summary>
    public string? Id { get; init; }

    /// <summary>The fields, in order: an object of name to text value, or an array of {name | nameBase64, value | valueBase64}. At least one.</summary>
    public StreamFieldsInput? Fields { get; init; }
}

// The options are ordered after the entry's own properties, as clients have always written them.

/// <summary>An append body: one entry (<c>id</c>, <c>fields</c>) or <c>{"entries":[...]}</c>, with the options that apply to every entry.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamAppendRequest : StreamEntryRequest
{
    /// <summary>Several entries, appended in order (instead of id and fields).</summary>
    [JsonPropertyOrder(1)]
    public IReadOnlyList<StreamEntryRequest>? Entries { get; init; }

    /// <summary>Do not create a missing stream (XADD NOMKSTREAM): a missing stream is 404 stream_not_found. Default false.</summary>
    [JsonPropertyOrder(1)]
    public bool? NoMakeStream { get; init; }

    /// <summary>A trim after each append (XADD MAXLEN / MINID). Default none.</summary>
    [JsonPropertyOrder(1)]
    public StreamTrimRequest? Trim { get; init; }
}

/// <summary>A trim: exactly one of <c>maxLength</c> and <c>minId</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamTrimRequest
{
    /// <summary>Keep at most this many newest entries (MAXLEN): 0 or more.</summary>
    public RestNumber? MaxLength { get; init; }

    /// <summary>Remove entries with a smaller id (MINID): MS-SEQ or MS.</summary>
    public string? MinId { get; init; }

    /// <summary>Remove only whole blocks of 100 entries (Redis <c>~</c>), so more may stay. Default false (exact).</summary>
    public bool? Approximate { get; init; }

    /// <summary>With approximate: most entries one trim removes, 0 (no limit) or more. Default 10000.</summary>
    public RestNumber? Limit { get; init; }
}

/// <summary>A consumer group to create.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamGroupCreateRequest
{
    /// <summary>The group name: 1-1024 characters without control characters. Required.</summary>
    public string? Name { get; init; }

    /// <summary>The group's last-delivered id: <c>$</c> (default: only entries appended from now on), <c>0</c> (the whole stream) or an id.</summary>
    public string? StartId { get; init; }

    /// <summary>The group's entries-read counter (for lag, XGROUP CREATE ENTRIESREAD): 0 or more. Default unknown.</summary>
    public RestNumber? EntriesRead { get; init; }

    /// <summary>Create the stream (empty) when it does not exist (MKSTREAM). Default false.</summary>
    public bool? MakeStream { get; init; }

    /// <summary>Sluice only: most deliveries of an entry to this group; one more moves it to deadLetterStream. 1 to 2147483647; needs deadLetterStream. Default: unlimited.</summary>
    public RestNumber? MaxDeliveries { get; init; }

    /// <summary>Sluice only: the stream that receives entries delivered maxDeliveries times (not the stream itself). Needs maxDeliveries.</summary>
    public string? DeadLetterStream { get; init; }
}

/// <summary>A group's new position (XGROUP SETID).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamGroupUpdateRequest
{
    /// <summary>The new last-delivered id: <c>$</c> (the stream's last id), <c>0</c> or an id. Required.</summary>
    public string? LastDeliveredId { get; init; }

    /// <summary>The group's entries-read counter: 0 or more. Default unknown.</summary>
    public RestNumber? EntriesRead { get; init; }
}

/// <summary>A read as a consumer of a group (XREADGROUP).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamGroupReadRequest
{
    /// <summary>The consumer name (created when new): 1-1024 characters without control characters. Required.</summary>
    public string? Consumer { get; init; }

    /// <summary><c>&gt;</c> (default): entries never delivered to the group; an id: the consumer's own pending entries after it (never waits).</summary>
    public string? After { get; init; }

    /// <summary>Most entries: 1 to 10000. Default 100.</summary>
    public RestNumber? Count { get; init; }

    /// <summary>Do not add the delivered entries to the pending list (XREADGROUP NOACK). Default false.</summary>
    public bool? NoAck { get; init; }

    /// <summary>With <c>&gt;</c>: seconds to wait for an append when nothing is new, 0 to the server's MaxWaitTime (default 20). Default 0.</summary>
    public RestNumber? WaitSeconds { get; init; }
}

/// <summary>Entry ids to acknowledge.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamIdsRequest
{
    /// <summary>The entry ids: 1 to 10000. Required.</summary>
    public IReadOnlyList<string>? Ids { get; init; }
}

/// <summary>A claim of pending entries (XCLAIM).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamClaimRequest
{
    /// <summary>The consumer that takes the entries (created when new). Required.</summary>
    public string? Consumer { get; init; }

    /// <summary>The pending entry ids: 1 to 10000. Required.</summary>
    public IReadOnlyList<string>? Ids { get; init; }

    /// <summary>Claim only entries idle at least this many seconds: 0 to 3155760000. Default 0.</summary>
    public RestNumber? MinIdleSeconds { get; init; }

    /// <summary>Set the claimed entries' idle time, in seconds (XCLAIM IDLE): 0 to 3155760000. Default 0.</summary>
    public RestNumber? IdleSeconds { get; init; }

    /// <summary>Set the claimed entries' last delivery time (XCLAIM TIME); a future time counts as now. Default now.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>Set the delivery count (XCLAIM RETRYCOUNT): 0 or more. Default: one more than before.</summary>
    public RestNumber? RetryCount { get; init; }

    /// <summary>Claim an id in no pending list if the entry exists (XCLAIM FORCE). Default false.</summary>
    public bool? Force { get; init; }

    /// <summary>Answer <c>ids</c> (the claimed ids) in place of <c>entries</c> and leave delivery counts as they are (XCLAIM JUSTID). Default false.</summary>
    public bool? JustId { get; init; }

    /// <summary>Raise the group's last-delivered id to this when greater (XCLAIM LASTID). Default none.</summary>
    public string? LastId { get; init; }
}

/// <summary>An auto-claim of idle pending entries (XAUTOCLAIM).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StreamAutoClaimRequest
{
    /// <summary>The consumer that takes the entries (created when new). Required.</summary>
    public string? Consumer { get; init; }

    /// <summary>Claim only entries idle at least this many seconds: 0 to 3155760000. Default 0.</summary>
    public RestNumber? MinIdleSeconds { get; init; }

    /// <summary>Where the scan of the pending list starts (inclusive): an id, or the previous answer's next. Default 0-0.</summary>
    public string? Start { get; init; }

    /// <summary>Most entries claimed: 1 to 10000 (at most 10 times as many are examined). Default 100.</summary>
    public RestNumber? Count { get; init; }

    /// <summary>Answer <c>ids</c> (the claimed ids) in place of <c>entries</c> and leave delivery counts as they are (JUSTID). Default false.</summary>
    public bool? JustId { get; init; }
}

/// <summary>A stream entry in an answer.</summary>
/// <param name="Id">The entry id, <c>MS-SEQ</c>.</param>
/// <param name="Fields">Its fields in order; null for an entry the group's pending list holds but the stream no longer has (deleted or trimmed).</param>
public sealed record StreamEntryResponse(string Id, IReadOnlyList<StreamFieldDto>? Fields);

/// <summary>Entries of a range, read or group read.</summary>
/// <param name="Entries">The entries, in the order asked for.</param>
public sealed record StreamEntryListResponse(IReadOnlyList<StreamEntryResponse> Entries);

/// <summary>A stream's retention; a null limit is no limit of that kind.</summary>
/// <param name="MaxLength">Most entries kept.</param>
/// <param name="MaxBytes">Most bytes kept (field names and values).</param>
/// <param name="MaxAgeSeconds">Entries older than this many seconds are removed.</param>
public sealed record StreamRetentionResponse(long? MaxLength, long? MaxBytes, double? MaxAgeSeconds);

/// <summary>A stream's state (<c>GET /v1/streams/{name}</c>, XINFO STREAM).</summary>
/// <param name="Name">The stream name.</param>
/// <param name="Length">Entries it holds.</param>
/// <param name="Bytes">Bytes its entries hold (field names and values).</param>
/// <param name="LastGeneratedId">The last generated id (also when that entry was deleted); <c>0-0</c> for a stream never appended to.</param>
/// <param name="MaxDeletedEntryId">The largest id ever removed by a delete (XDEL); <c>0-0</c> when none.</param>
/// <param name="EntriesAdded">Entries ever appended (trims and deletions do not lower it).</param>
/// <param name="RecordedFirstEntryId">The first entry's id (<c>0-0</c> when empty).</param>
/// <param name="Groups">Consumer groups it has.</param>
/// <param name="FirstEntry">The first entry; null when empty.</param>
/// <param name="LastEntry">The last entry; null when empty.</param>
/// <param name="Retention">Its retention.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record StreamResponse(
    string Name,
    long Length,
    long Bytes,
    string LastGeneratedId,
    string MaxDeletedEntryId,
    long EntriesAdded,
    string RecordedFirstEntryId,
    long Groups,
    StreamEntryResponse? FirstEntry,
    StreamEntryResponse? LastEntry,
    StreamRetentionResponse Retention,
    DateTimeOffset CreatedAt);

/// <summary>A stream in the list (<c>GET /v1/streams</c>).</summary>
/// <param name="Name">The stream name.</param>
/// <param name="Length">Entries it holds.</param>
/// <param name="Bytes">Bytes its entries hold.</param>
/// <param name="FirstEntryId">The first entry's id; null when empty.</param>
/// <param name="LastEntryId">The last entry's id; null when empty.</param>
/// <param name="LastGeneratedId">The last generated id; <c>0-0</c> for a stream never appended to.</param>
/// <param name="Groups">Consumer groups it has.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record StreamSummaryResponse(string Name, long Length, long Bytes, string? FirstEntryId, string? LastEntryId, string LastGeneratedId, long Groups, DateTimeOffset CreatedAt);

/// <summary>Every stream, ordered by name.</summary>
/// <param name="Streams">The streams.</param>
public sealed record StreamListResponse(IReadOnlyList<StreamSummaryResponse> Streams);

/// <summary>An append's outcome.</summary>
/// <param name="Ids">The appended entries' ids, in order.</param>
public sealed record StreamAppendResponse(IReadOnlyList<string> Ids);

/// <summary>A count: entries deleted, trimmed or acknowledged.</summary>
/// <param name="Count">How many.</param>
public sealed record StreamCountResponse(long Count);

/// <summary>A consumer group (XINFO GROUPS).</summary>
/// <param name="Name">The group name.</param>
/// <param name="Consumers">Consumers it has.</param>
/// <param name="Pending">Entries delivered and not yet acknowledged.</param>
/// <param name="LastDeliveredId">The last id delivered to the group.</param>
/// <param name="EntriesRead">Entries the group has read; null when unknown.</param>
/// <param name="Lag">Entries not yet delivered to the group; null when unknown.</param>
/// <param name="MaxDeliveries">Sluice only: most deliveries of an entry before it is dead-lettered; null for unlimited.</param>
/// <param name="DeadLetterStream">Sluice only: the stream that receives dead-lettered entries; null for none.</param>
public sealed record StreamGroupResponse(
    string Name,
    long Consumers,
    long Pending,
    string LastDeliveredId,
    long? EntriesRead,
    long? Lag,
    int? MaxDeliveries,
    string? DeadLetterStream);

/// <summary>A stream's consumer groups, ordered by name.</summary>
/// <param name="Groups">The groups.</param>
public sealed record StreamGroupListResponse(IReadOnlyList<StreamGroupResponse> Groups);

/// <summary>A consumer of a group (XINFO CONSUMERS).</summary>
/// <param name="Name">The consumer name.</param>
/// <param name="Pending">Entries pending with it.</param>
/// <param name="IdleSeconds">Seconds since its last interaction (read, claim, creation).</param>
/// <param name="InactiveSeconds">Seconds since its last successful read or claim; null when it never had one.</param>
/// <param name="SeenAt">Its last interaction.</param>
/// <param name="ActiveAt">Its last successful read or claim; null when none.</param>
public sealed record StreamConsumerResponse(string Name, long Pending, double IdleSeconds, double? InactiveSeconds, DateTimeOffset SeenAt, DateTimeOffset? ActiveAt);

/// <summary>A group's consumers, ordered by name.</summary>
/// <param name="Consumers">The consumers.</param>
public sealed record StreamConsumerListResponse(IReadOnlyList<StreamConsumerResponse> Consumers);

/// <summary>One consumer's share of a group's pending entries.</summary>
/// <param name="Consumer">The consumer name.</param>
/// <param name="Count">Entries pending with it.</param>
public sealed record StreamPendingConsumerResponse(string Consumer, long Count);

/// <summary>A group's pending entries in summary (XPENDING without a range).</summary>
/// <param name="Count">Entries pending.</param>
/// <param name="SmallestId">The smallest pending id; null when none.</param>
/// <param name="LargestId">The largest pending id; null when none.</param>
/// <param name="Consumers">Consumers with pending entries and how many each has.</param>
public sealed record StreamPendingSummaryResponse(long Count, string? SmallestId, string? LargestId, IReadOnlyList<StreamPendingConsumerResponse> Consumers);

/// <summary>One pending entry (XPENDING with a range).</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Consumer">The consumer it is pending with.</param>
/// <param name="IdleSeconds">Seconds since it was last delivered.</param>
/// <param name="DeliveryCount">Times it was delivered.</param>
/// <param name="DeliveredAt">When it was last delivered.</param>
public sealed record StreamPendingEntryResponse(string Id, string Consumer, double IdleSeconds, long DeliveryCount, DateTimeOffset DeliveredAt);

/// <summary>Pending entries, in id order.</summary>
/// <param name="Entries">The entries.</param>
public sealed record StreamPendingListResponse(IReadOnlyList<StreamPendingEntryResponse> Entries);

/// <summary>A claim's answer: the claimed <c>entries</c>, or with <c>justId</c> their <c>ids</c> (never both; the other is left out).</summary>
/// <param name="Entries">The claimed entries.</param>
/// <param name="Ids">With justId: the claimed ids.</param>
public sealed record StreamClaimResponse(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<StreamEntryResponse>? Entries,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Ids);

/// <summary>An auto-claim's answer: <c>next</c>, the claimed <c>entries</c> or with <c>justId</c> their <c>ids</c> (never both), and <c>deleted</c>.</summary>
/// <param name="Next">Where the next scan starts (<c>0-0</c> when the scan is complete).</param>
/// <param name="Entries">The claimed entries.</param>
/// <param name="Ids">With justId: the claimed ids.</param>
/// <param name="Deleted">Pending ids whose entries no longer exist (removed from the pending list).</param>
public sealed record StreamAutoClaimResponse(
    string Next,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<StreamEntryResponse>? Entries,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Ids,
    IReadOnlyList<string> Deleted);
