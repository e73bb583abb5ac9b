using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Sluice.Faces.Rest;

// Request and response bodies of /v1/streams (docs/rest-api.md, "Streams"). Ids are strings (<ms>-<seq>); durations
// are seconds; unknown properties are refused as on every route.

/// <summary>
/// One field-value pair of a stream entry: the name as <c>name</c> (UTF-8 text) or <c>nameBase64</c> (bytes), the value
/// as <c>value</c> or <c>valueBase64</c>; exactly one of each. Answers use the text form when the bytes are UTF-8.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamFieldDto
{
    /// <summary>The field name as UTF-8 text. Give this or nameBase64.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Utf8Text? Name { get; set; }

    /// <summary>The field name as bytes, base64-encoded. Give this or name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(Base64BytesConverter))]
    public ReadOnlyMemory<byte>? NameBase64 { get; set; }

    /// <summary>The value as UTF-8 text. Give this or valueBase64.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Utf8Text? Value { get; set; }

    /// <summary>The value as bytes, base64-encoded. Give this or value.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(Base64BytesConverter))]
    public ReadOnlyMemory<byte>? ValueBase64 { get; set; }

    public static StreamFieldDto From(StreamField field)
    {
        var dto = new StreamFieldDto();
        if (Utf8.IsValid(field.Name.Span))
        {
            dto.Name = new Utf8Text(field.Name);
        }
        else
        {
            dto.NameBase64 = field.Name;
        }

        if (Utf8.IsValid(field.Value.Span))
        {
            dto.Value = new Utf8Text(field.Value);
        }
        else
        {
            dto.ValueBase64 = field.Value;
        }

        return dto;
    }
}

/// <summary>
/// An entry's fields in a request: a JSON object of text names to text values (<c>{"id":"42","total":"99"}</c>, order
/// kept, each name once) or an array of <see cref="StreamFieldDto"/> (order kept, names may repeat, bytes allowed).
/// </summary>
[JsonConverter(typeof(StreamFieldsInputConverter))]
internal sealed record StreamFieldsInput(StreamField[] Fields);

/// <summary>
/// Reads <see cref="StreamFieldsInput"/> from either of its two shapes without an intermediate DOM. Its errors name the
/// position inside <c>fields</c> (<see cref="RestJsonError.Create(string, string?)"/>), which the serializer cannot see
/// inside a converter: <c>fields[2].valueBase64</c>, <c>fields['a b']</c>.
/// </summary>
internal sealed class StreamFieldsInputConverter : JsonConverter<StreamFieldsInput>
{
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

    public override void Write(Utf8JsonWriter writer, StreamFieldsInput value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var f in value.Fields)
        {
            JsonSerializer.Serialize(writer, StreamFieldDto.From(f), RestStreamJsonContext.Web.StreamFieldDto);
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
internal sealed class StreamRetentionRequest
{
    /// <summary>Most entries kept (the oldest are removed first): 0 or more. Default: no limit.</summary>
    public RestNumber? MaxLength { get; set; }

    /// <summary>Most bytes kept (field names and values; the oldest entries are removed first): 0 or more. Default: no limit.</summary>
    public RestNumber? MaxBytes { get; set; }

    /// <summary>Entries whose id time is older than this many seconds are removed at each sweep: 0 to 3155760000 (100 years). Default: no limit.</summary>
    public RestNumber? MaxAgeSeconds { get; set; }
}

/// <summary>One entry to append.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal class StreamEntryRequest
{
    /// <summary>The id: * (default: generated from the time), MS-* (the next sequence in millisecond MS) or MS-SEQ (greater than the stream's last id).</summary>
    public string? Id { get; set; }

    /// <summary>The fields, in order: an object of name to text value, or an array of {name | nameBase64, value | valueBase64}. At least one.</summary>
    public StreamFieldsInput? Fields { get; set; }
}

/// <summary>An append body: one entry (<c>id</c>, <c>fields</c>) or <c>{"entries":[...]}</c>, with the options that apply to every entry.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamAppendRequest : StreamEntryRequest
{
    /// <summary>Several entries, appended in order (instead of id and fields).</summary>
    public List<StreamEntryRequest>? Entries { get; set; }

    /// <summary>Do not create a missing stream (XADD NOMKSTREAM): a missing stream is 404 stream_not_found. Default false.</summary>
    public bool? NoMakeStream { get; set; }

    /// <summary>A trim after each append (XADD MAXLEN / MINID). Default none.</summary>
    public StreamTrimRequest? Trim { get; set; }
}

/// <summary>A trim: exactly one of <c>maxLength</c> and <c>minId</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamTrimRequest
{
    /// <summary>Keep at most this many newest entries (MAXLEN): 0 or more.</summary>
    public RestNumber? MaxLength { get; set; }

    /// <summary>Remove entries with a smaller id (MINID): MS-SEQ or MS.</summary>
    public string? MinId { get; set; }

    /// <summary>Remove only whole blocks of 100 entries (Redis <c>~</c>), so more may stay. Default false (exact).</summary>
    public bool? Approximate { get; set; }

    /// <summary>With approximate: most entries one trim removes, 0 (no limit) or more. Default 10000.</summary>
    public RestNumber? Limit { get; set; }
}

/// <summary>A consumer group to create.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamGroupCreateRequest
{
    /// <summary>The group name: 1-1024 characters without control characters. Required.</summary>
    public string? Name { get; set; }

    /// <summary>The group's last-delivered id: <c>$</c> (default: only entries appended from now on), <c>0</c> (the whole stream) or an id.</summary>
    public string? StartId { get; set; }

    /// <summary>The group's entries-read counter (for lag, XGROUP CREATE ENTRIESREAD): 0 or more. Default unknown.</summary>
    public RestNumber? EntriesRead { get; set; }

    /// <summary>Create the stream (empty) when it does not exist (MKSTREAM). Default false.</summary>
    public bool? MakeStream { get; set; }

    /// <summary>Sluice only: most deliveries of an entry to this group; one more moves it to deadLetterStream. 1 to 2147483647; needs deadLetterStream. Default: unlimited.</summary>
    public RestNumber? MaxDeliveries { get; set; }

    /// <summary>Sluice only: the stream that receives entries delivered maxDeliveries times (not the stream itself). Needs maxDeliveries.</summary>
    public string? DeadLetterStream { get; set; }
}

/// <summary>A group's new position (XGROUP SETID).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamGroupUpdateRequest
{
    /// <summary>The new last-delivered id: <c>$</c> (the stream's last id), <c>0</c> or an id. Required.</summary>
    public string? LastDeliveredId { get; set; }

    /// <summary>The group's entries-read counter: 0 or more. Default unknown.</summary>
    public RestNumber? EntriesRead { get; set; }
}

/// <summary>A read as a consumer of a group (XREADGROUP).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamGroupReadRequest
{
    /// <summary>The consumer name (created when new): 1-1024 characters without control characters. Required.</summary>
    public string? Consumer { get; set; }

    /// <summary><c>&gt;</c> (default): entries never delivered to the group; an id: the consumer's own pending entries after it (never waits).</summary>
    public string? After { get; set; }

    /// <summary>Most entries: 1 to 10000. Default 100.</summary>
    public RestNumber? Count { get; set; }

    /// <summary>Do not add the delivered entries to the pending list (XREADGROUP NOACK). Default false.</summary>
    public bool? NoAck { get; set; }

    /// <summary>With <c>&gt;</c>: seconds to wait for an append when nothing is new, 0 to the server's MaxWaitTime (default 20). Default 0.</summary>
    public RestNumber? WaitSeconds { get; set; }
}

/// <summary>Entry ids to acknowledge.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamIdsRequest
{
    /// <summary>The entry ids: 1 to 10000. Required.</summary>
    public List<string>? Ids { get; set; }
}

/// <summary>A claim of pending entries (XCLAIM).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamClaimRequest
{
    /// <summary>The consumer that takes the entries (created when new). Required.</summary>
    public string? Consumer { get; set; }

    /// <summary>The pending entry ids: 1 to 10000. Required.</summary>
    public List<string>? Ids { get; set; }

    /// <summary>Claim only entries idle at least this many seconds: 0 to 3155760000. Default 0.</summary>
    public RestNumber? MinIdleSeconds { get; set; }

    /// <summary>Set the claimed entries' idle time, in seconds (XCLAIM IDLE): 0 to 3155760000. Default 0.</summary>
    public RestNumber? IdleSeconds { get; set; }

    /// <summary>Set the claimed entries' last delivery time (XCLAIM TIME); a future time counts as now. Default now.</summary>
    public DateTimeOffset? Time { get; set; }

    /// <summary>Set the delivery count (XCLAIM RETRYCOUNT): 0 or more. Default: one more than before.</summary>
    public RestNumber? RetryCount { get; set; }

    /// <summary>Claim an id in no pending list if the entry exists (XCLAIM FORCE). Default false.</summary>
    public bool? Force { get; set; }

    /// <summary>Answer <c>ids</c> (the claimed ids) in place of <c>entries</c> and leave delivery counts as they are (XCLAIM JUSTID). Default false.</summary>
    public bool? JustId { get; set; }

    /// <summary>Raise the group's last-delivered id to this when greater (XCLAIM LASTID). Default none.</summary>
    public string? LastId { get; set; }
}

/// <summary>An auto-claim of idle pending entries (XAUTOCLAIM).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class StreamAutoClaimRequest
{
    /// <summary>The consumer that takes the entries (created when new). Required.</summary>
    public string? Consumer { get; set; }

    /// <summary>Claim only entries idle at least this many seconds: 0 to 3155760000. Default 0.</summary>
    public RestNumber? MinIdleSeconds { get; set; }

    /// <summary>Where the scan of the pending list starts (inclusive): an id, or the previous answer's next. Default 0-0.</summary>
    public string? Start { get; set; }

    /// <summary>Most entries claimed: 1 to 10000 (at most 10 times as many are examined). Default 100.</summary>
    public RestNumber? Count { get; set; }

    /// <summary>Answer <c>ids</c> (the claimed ids) in place of <c>entries</c> and leave delivery counts as they are (JUSTID). Default false.</summary>
    public bool? JustId { get; set; }
}

// Responses.

internal sealed record StreamEntryResponse(string Id, IReadOnlyList<StreamFieldDto>? Fields);

internal sealed record StreamEntryListResponse(IReadOnlyList<StreamEntryResponse> Entries);

internal sealed record StreamRetentionResponse(long? MaxLength, long? MaxBytes, double? MaxAgeSeconds);

internal sealed record StreamResponse(
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

internal sealed record StreamSummaryResponse(string Name, long Length, long Bytes, string? FirstEntryId, string? LastEntryId, string LastGeneratedId, long Groups, DateTimeOffset CreatedAt);

internal sealed record StreamListResponse(IReadOnlyList<StreamSummaryResponse> Streams);

internal sealed record StreamAppendResponse(IReadOnlyList<string> Ids);

internal sealed record StreamCountResponse(long Count);

internal sealed record StreamGroupResponse(
    string Name,
    long Consumers,
    long Pending,
    string LastDeliveredId,
    long? EntriesRead,
    long? Lag,
    int? MaxDeliveries,
    string? DeadLetterStream);

internal sealed record StreamGroupListResponse(IReadOnlyList<StreamGroupResponse> Groups);

internal sealed record StreamConsumerResponse(string Name, long Pending, double IdleSeconds, double? InactiveSeconds, DateTimeOffset SeenAt, DateTimeOffset? ActiveAt);

internal sealed record StreamConsumerListResponse(IReadOnlyList<StreamConsumerResponse> Consumers);

internal sealed record StreamPendingConsumerResponse(string Consumer, long Count);

internal sealed record StreamPendingSummaryResponse(long Count, string? SmallestId, string? LargestId, IReadOnlyList<StreamPendingConsumerResponse> Consumers);

internal sealed record StreamPendingEntryResponse(string Id, string Consumer, double IdleSeconds, long DeliveryCount, DateTimeOffset DeliveredAt);

internal sealed record StreamPendingListResponse(IReadOnlyList<StreamPendingEntryResponse> Entries);

/// <summary>A claim's answer: the claimed <c>entries</c>, or with <c>justId</c> their <c>ids</c> (never both).</summary>
internal sealed record StreamClaimResponse(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<StreamEntryResponse>? Entries,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Ids);

/// <summary>An auto-claim's answer: <c>next</c>, the claimed <c>entries</c> or with <c>justId</c> their <c>ids</c> (never both), and <c>deleted</c>.</summary>
internal sealed record StreamAutoClaimResponse(
    string Next,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<StreamEntryResponse>? Entries,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Ids,
    IReadOnlyList<string> Deleted);

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(StreamFieldDto))]
[JsonSerializable(typeof(StreamRetentionRequest))]
[JsonSerializable(typeof(StreamAppendRequest))]
[JsonSerializable(typeof(StreamTrimRequest))]
[JsonSerializable(typeof(StreamGroupCreateRequest))]
[JsonSerializable(typeof(StreamGroupUpdateRequest))]
[JsonSerializable(typeof(StreamGroupReadRequest))]
[JsonSerializable(typeof(StreamIdsRequest))]
[JsonSerializable(typeof(StreamClaimRequest))]
[JsonSerializable(typeof(StreamAutoClaimRequest))]
[JsonSerializable(typeof(StreamEntryListResponse))]
[JsonSerializable(typeof(StreamResponse))]
[JsonSerializable(typeof(StreamListResponse))]
[JsonSerializable(typeof(StreamAppendResponse))]
[JsonSerializable(typeof(StreamCountResponse))]
[JsonSerializable(typeof(StreamGroupResponse))]
[JsonSerializable(typeof(StreamGroupListResponse))]
[JsonSerializable(typeof(StreamConsumerResponse))]
[JsonSerializable(typeof(StreamConsumerListResponse))]
[JsonSerializable(typeof(StreamPendingSummaryResponse))]
[JsonSerializable(typeof(StreamPendingListResponse))]
[JsonSerializable(typeof(StreamClaimResponse))]
[JsonSerializable(typeof(StreamAutoClaimResponse))]
internal sealed partial class RestStreamJsonContext : JsonSerializerContext
{
    /// <summary>The context the stream routes use: the same settings as <see cref="RestJsonContext.Web"/>.</summary>
    public static RestStreamJsonContext Web { get; } = new(new JsonSerializerOptions(RestJsonContext.Web.Options));
}
