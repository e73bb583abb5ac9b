using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sluice.Server.Sqs;

/// <summary>What a handler needs from the request: region, account, URL base, the queue named by the path.</summary>
internal sealed class SqsEnv(SqsFace face, HttpContext context, string region)
{
    public string Region => region;

    public string Account => face.Options.AccountId;

    public string BaseUrl => face.Options.PublicUrl?.TrimEnd('/') ?? $"{context.Request.Scheme}://{context.Request.Host.Value}";

    public string QueueUrl(string name) => $"{BaseUrl}/{Account}/{name}";

    public string Arn(string name) => $"arn:aws:sqs:{region}:{Account}:{name}";

    /// <summary>
    /// The queue named by <c>QueueUrl</c> (any host), else by a <c>/account/name</c> request path. A URL or path naming
    /// another account than the configured one names no queue here (<c>NonExistentQueue</c>).
    /// </summary>
    public string QueueName(JsonObject input)
    {
        var url = SqsInput.String(input, "QueueUrl");
        string path;
        if (url is null)
        {
            path = context.Request.Path.Value ?? "";
            if (path.Split('/', StringSplitOptions.RemoveEmptyEntries).Length != 2)
            {
                throw SqsException.Missing("QueueUrl");
            }
        }
        else
        {
            path = Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsolutePath : url;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            throw SqsException.NoQueue();
        }

        var name = segments[^1];
        if (segments.Length >= 2 && segments[^2] != Account)
        {
            throw SqsException.NoQueue();
        }

        return Validation.IsValidQueueName(name) ? name : throw SqsException.NoQueue();
    }

    /// <summary>The queue name at the end of an ARN (<c>arn:aws:sqs:region:account:name</c>) of <paramref name="account"/>.</summary>
    public static string? NameFromArn(string arn, string account)
    {
        ArgumentNullException.ThrowIfNull(arn);
        var parts = arn.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "sqs" && parts[4] == account && Validation.IsValidQueueName(parts[5]) ? parts[5] : null;
    }
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

    public static long? Long(JsonObject input, string name)
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

        throw SqsException.Invalid(name, Plain(node), "must be an integer.");
    }

    public static int? Int(JsonObject input, string name, long min, long max)
    {
        var value = Long(input, name);
        if (value is { } v && (v < min || v > max))
        {
            throw SqsException.Invalid(name, v, $"Must be between {min} and {max}, if provided.");
        }

        return (int?)value;
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
                        throw new SqsException(error, $"Invalid value for the parameter {name}. Reason: {InvalidCharacters}");
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
                $"Value for parameter {name} is invalid. Reason: {name} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }
    }

    private static string Plain(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node.ToJsonString();
}
