using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sluice.Faces.Sqs;

/// <summary>
/// What a handler needs from the request: region, account, URL base, the queue named by the path.
/// <para>
/// Queues live in a region, as in SQS: the request's region is its signature's credential scope (the configured
/// <see cref="SqsOptions.Region"/> when unsigned). Handlers work on broker names: a queue of the default region is the
/// broker queue of its plain name (the one REST and the CLI see); a queue of another region is the broker queue
/// <c>region:name</c>, which no plain name can collide with. Its URL carries the region as a path segment
/// (<c>{base}/{region}/{account}/{name}</c>; the default region's URLs are <c>{base}/{account}/{name}</c>), and its ARN
/// names the region. A URL or ARN of another region than the request's names no queue.
/// </para>
/// </summary>
internal sealed class SqsEnv(SqsFace face, HttpContext context, string region)
{
    public string Region => region;

    public string Account => face.Options.AccountId;

    public string BaseUrl => face.Options.PublicUrl?.TrimEnd('/') ?? $"{context.Request.Scheme}://{context.Request.Host.Value}";

    /// <summary>Whether <paramref name="name"/> is a queue name as SQS takes it (no region part).</summary>
    public static bool IsSqsName(string? name) =>
        Validation.IsValidQueueName(name) && !name!.Contains(Validation.RegionSeparator, StringComparison.Ordinal);

    /// <summary>The broker queue of the SQS queue <paramref name="name"/> in this request's region.</summary>
    public string BrokerName(string name) => BrokerName(region, name);

    private string BrokerName(string queueRegion, string name) =>
        queueRegion == face.Options.Region ? name : $"{queueRegion}{Validation.RegionSeparator}{name}";

    /// <summary>
    /// The region and SQS name of a broker queue; null when the broker queue is no SQS queue: <c>R:name</c> with
    /// <c>R</c> the default region (that region's queues are the plain names), made through REST or the CLI, or left
    /// over from an earlier default region.
    /// </summary>
    public (string Region, string Name)? Split(string brokerName)
    {
        ArgumentNullException.ThrowIfNull(brokerName);
        var split = brokerName.IndexOf(Validation.RegionSeparator, StringComparison.Ordinal);
        if (split < 0)
        {
            return (face.Options.Region, brokerName);
        }

        var queueRegion = brokerName[..split];
        return queueRegion == face.Options.Region ? null : (queueRegion, brokerName[(split + 1)..]);
    }

    /// <summary>Whether a broker queue is an SQS queue of this request's region.</summary>
    public bool InRegion(string brokerName) => Split(brokerName) is { } queue && queue.Region == region;

    /// <summary>The SQS name of a broker queue (its name without the region).</summary>
    public string SqsName(string brokerName) => Split(brokerName)?.Name ?? brokerName;

    /// <summary>
    /// The queue URL of a broker queue. A broker queue that is no SQS queue (see <see cref="Split"/>) keeps its whole
    /// name, so its URL names no queue.
    /// </summary>
    public string QueueUrl(string brokerName)
    {
        var (queueRegion, name) = Split(brokerName) ?? (face.Options.Region, brokerName);
        return queueRegion == face.Options.Region ? $"{BaseUrl}/{Account}/{name}" : $"{BaseUrl}/{queueRegion}/{Account}/{name}";
    }

    /// <summary>
    /// The ARN of a broker queue: <c>arn:aws:sqs:region:account:name</c> (a broker queue that is no SQS queue keeps its
    /// whole name, so its ARN names no queue).
    /// </summary>
    public string Arn(string brokerName)
    {
        var (queueRegion, name) = Split(brokerName) ?? (face.Options.Region, brokerName);
        return $"arn:aws:sqs:{queueRegion}:{Account}:{name}";
    }

    /// <summary>
    /// The broker queue named by <c>QueueUrl</c> (any host), else by the request path: <c>[/region]/account/name</c> after
    /// the <see cref="SqsOptions.PublicUrl"/> path. A URL or path of another account or region names no queue here
    /// (<c>NonExistentQueue</c>).
    /// </summary>
    public string QueueName(JsonObject input)
    {
        var url = SqsInput.String(input, "QueueUrl");
        string path;
        if (url is null)
        {
            path = context.Request.Path.Value ?? "";
            if (Segments(path).Length is not (2 or 3))
            {
                throw SqsException.Missing("QueueUrl");
            }
        }
        else
        {
            path = Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsolutePath : url;
        }

        var segments = Segments(path);
        string queueRegion;
        switch (segments.Length)
        {
            case 1:
                // A bare name (not a URL) is taken in the request's region.
                queueRegion = region;
                break;
            case 2 when segments[0] == Account:
                queueRegion = face.Options.Region;
                break;
            case 3 when segments[1] == Account:
                queueRegion = segments[0];
                break;
            default:
                throw SqsException.NoQueue();
        }

        var name = segments[^1];
        return queueRegion == region && IsSqsName(name) ? BrokerName(name) : throw SqsException.NoQueue();
    }

    /// <summary>The path's segments after the configured public URL's own path (when the path starts with it).</summary>
    private string[] Segments(string path)
    {
        var basePath = face.Options.PublicUrl is { } publicUrl && Uri.TryCreate(publicUrl, UriKind.Absolute, out var b)
            ? b.AbsolutePath.TrimEnd('/')
            : "";
        if (basePath.Length > 0 && path.StartsWith(basePath + "/", StringComparison.Ordinal))
        {
            path = path[basePath.Length..];
        }

        return path.Split('/', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// The broker queue an ARN (<c>arn:aws:sqs:region:account:name</c>) of this account names, in any region; null when
    /// it is not such an ARN.
    /// </summary>
    public string? AnyRegionQueueFromArn(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        var parts = arn.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "sqs" && parts[4] == Account && parts[3].Length > 0 && IsSqsName(parts[5]) &&
               Validation.IsValidQueueName(BrokerName(parts[3], parts[5]))
            ? BrokerName(parts[3], parts[5])
            : null;
    }

    /// <summary>The broker queue an ARN of this account and this request's region names; null otherwise.</summary>
    public string? QueueFromArn(string arn) => AnyRegionQueueFromArn(arn) is { } name && InRegion(name) ? name : null;
}

/// <summary>Reads members of a JSON-shaped request, with SQS's errors for missing or mistyped values.</summary>
internal static class SqsInput
{
    public static string? String(JsonObject input, string name) => input[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        var other => throw SqsException.Invalid(name, other.ToJsonString(), "must be a string."),
    };

    public static string RequiredString(JsonObject input, string name) =>
        String(input, name) is { Length: > 0 } s ? s : throw SqsException.Missing(name);

    public static long? Long(JsonObject input, string name) => Long(input, name, "must be an integer.");

    /// <summary>A whole number, refused (InvalidParameterValue) with <paramref name="reason"/> when it is not one.</summary>
    private static long? Long(JsonObject input, string name, string reason)
    {
        var node = input[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v)
        {
            switch (v.GetValueKind())
            {
                case JsonValueKind.Number when v.TryGetValue<long>(out var n):
                    return n;
                case JsonValueKind.Number when v.TryGetValue<int>(out var i):
                    return i;
                case JsonValueKind.Number when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 1e15:
                    return (long)d;
                case JsonValueKind.String when long.TryParse(v.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s):
                    return s;
                default:
                    break;
            }
        }

        throw SqsException.Invalid(name, Plain(node), reason);
    }

    /// <summary>
    /// An optional whole number from <paramref name="min"/> to <paramref name="max"/> (a count, or a duration in
    /// seconds when <paramref name="unit"/> says so); refused (InvalidParameterValue) with a message naming the
    /// parameter and the range, in SQS's words ("Must be between 0 and 43200 seconds (12 hours), if provided.").
    /// </summary>
    public static int? Int(JsonObject input, string name, long min, long max, SqsUnit unit = SqsUnit.None)
    {
        var range = Between(min, max, unit);
        var value = Long(input, name, $"Must be an integer {range}, if provided.");
        if (value is { } v && (v < min || v > max))
        {
            throw SqsException.Invalid(name, v, $"Must be {range}, if provided.");
        }

        return (int?)value;
    }

    /// <summary>
    /// A range as the error messages state it: "between 1 and 10", "between 1024 and 1048576 bytes", or for seconds
    /// "between 0 and 43200 seconds (12 hours)" (the maximum also in the largest whole unit of minutes, hours or days).
    /// </summary>
    public static string Between(long min, long max, SqsUnit unit = SqsUnit.None)
    {
        var range = string.Create(CultureInfo.InvariantCulture, $"between {min} and {max}");
        if (unit != SqsUnit.Seconds)
        {
            return unit == SqsUnit.Bytes ? range + " bytes" : range;
        }

        var (count, larger) = max switch
        {
            >= 86_400 when max % 86_400 == 0 => (max / 86_400, "day"),
            >= 3_600 when max % 3_600 == 0 => (max / 3_600, "hour"),
            >= 60 when max % 60 == 0 => (max / 60, "minute"),
            _ => (0, ""),
        };
        return count == 0
            ? range + " seconds"
            : string.Create(CultureInfo.InvariantCulture, $"{range} seconds ({count} {larger}{(count == 1 ? "" : "s")})");
    }

    public static bool? Bool(JsonObject input, string name) => input[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
        var other => throw SqsException.Invalid(name, Plain(other), "must be a boolean."),
    };

    public static List<string> Strings(JsonObject input, string name)
    {
        switch (input[name])
        {
            case null:
                return [];
            case JsonArray array:
                var list = new List<string>(array.Count);
                foreach (var item in array)
                {
                    list.Add(item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw SqsException.Invalid(name, item?.ToJsonString(), "must be a list of strings."));
                }

                return list;
            case var other:
                throw SqsException.Invalid(name, Plain(other), "must be a list of strings.");
        }
    }

    public static Dictionary<string, string> StringMap(JsonObject input, string name)
    {
        switch (input[name])
        {
            case null:
                return new Dictionary<string, string>(StringComparer.Ordinal);
            case JsonObject obj:
                var map = new Dictionary<string, string>(obj.Count, StringComparer.Ordinal);
                var error = name == "Attributes" ? SqsError.InvalidAttributeValue : SqsError.InvalidParameterValue;
                foreach (var (key, value) in obj)
                {
                    var text = value switch
                    {
                        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
                        _ => throw SqsException.Invalid($"{name}.{key}", value?.ToJsonString(), "must be a string."),
                    };
                    if (!IsAllowedText(key) || !IsAllowedText(text))
                    {
                        // Queue attributes answer SQS's text, which names the attribute; other maps name the parameter.
                        throw new SqsException(error, $"Invalid value for the parameter {(name == "Attributes" ? Validation.Quote(key) : name)}. Reason: {InvalidCharacters}");
                    }

                    map[key] = text;
                }

                return map;
            case var other:
                throw SqsException.Invalid(name, Plain(other), "must be a map of strings.");
        }
    }

    public static List<JsonObject> Entries(JsonObject input)
    {
        switch (input["Entries"])
        {
            case null:
                return [];
            case JsonArray array:
                return [.. array.Select(e => e as JsonObject ?? throw SqsException.Invalid("Entries", e?.ToJsonString(), "each entry must be an object."))];
            case var other:
                throw SqsException.Invalid("Entries", Plain(other), "must be a list.");
        }
    }

    /// <summary>The characters SQS allows in message bodies, attribute values, tags and queue attributes.</summary>
    public const string InvalidCharacters =
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

    /// <summary>Whether every character of <paramref name="text"/> is in SQS's allowed set (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).</summary>
    public static bool IsAllowedText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != OperationStatus.Done || !IsAllowed(rune.Value))
            {
                return false;
            }

            span = span[consumed..];
        }

        return true;
    }

    /// <summary>Whether a code point is one XML 1.0 (and so SQS) can carry.</summary>
    public static bool IsAllowed(int codePoint) =>
        codePoint is 0x9 or 0xA or 0xD || codePoint is >= 0x20 and <= 0xD7FF || codePoint is >= 0xE000 and <= 0xFFFD || codePoint is >= 0x10000 and <= 0x10FFFF;

    /// <summary>Checks an id SQS restricts to 1-128 alphanumeric and punctuation characters (group, deduplication and attempt ids).</summary>
    public static void CheckId(string? value, string name)
    {
        if (value is not null && (value.Length is 0 or > 128 || value.Any(c => c is < '!' or > '~')))
        {
            throw new SqsException(SqsError.InvalidParameterValue,
                $"Value {Validation.Quote(value)} for parameter {name} is invalid. Reason: {name} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }
    }

    private static string Plain(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node.ToJsonString();
}

/// <summary>The unit of a numeric parameter, as its range is stated in error messages.</summary>
internal enum SqsUnit
{
    /// <summary>A count: no unit.</summary>
    None,

    /// <summary>A duration in whole seconds.</summary>
    Seconds,

    /// <summary>A size in bytes.</summary>
    Bytes,
}
