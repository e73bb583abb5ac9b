using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sluice.Routing;

/// <summary>
/// An attribute filter policy in the shape of Amazon SNS filter policies (attribute-based filtering): a JSON object
/// whose keys are message attribute names and whose values are arrays of conditions. Every key must match (AND); a key
/// matches when any of its conditions does (OR). Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>Conditions (string comparisons are case-sensitive and ordinal):</para>
/// <list type="bullet">
/// <item><c>"eu-west"</c>: a String attribute (any <c>String</c> data type, custom suffixes included) equal to the text.</item>
/// <item><c>42</c>: a Number attribute whose value equals the number.</item>
/// <item><c>{"prefix": "eu-"}</c>: a String attribute starting with the text (1 or more characters).</item>
/// <item><c>{"numeric": [">=", 10, "&lt;", 20]}</c>: a Number attribute within the bounds: one or two of <c>&gt;</c>,
/// <c>&gt;=</c>, <c>&lt;</c>, <c>&lt;=</c> each followed by a number (at most one lower and one upper bound, lower not
/// above upper, not an empty range such as <c>["&gt;", 5, "&lt;", 5]</c>), or <c>["=", n]</c>.</item>
/// <item><c>{"exists": true}</c>: the attribute is present (any data type); <c>{"exists": false}</c>: it is absent.</item>
/// </list>
/// <para>
/// A missing attribute matches only <c>{"exists": false}</c>; a Binary attribute only <c>{"exists": true}</c>. Numbers
/// are compared as IEEE doubles; numbers in a policy lie within ±1,000,000,000 (as SNS). Limits as SNS: at most
/// <see cref="MaxKeys"/> keys and <see cref="MaxCombinations"/> combinations (the product of the arrays' lengths);
/// the policy text is at most <see cref="MaxLength"/> characters.
/// </para>
/// </remarks>
public sealed class FilterPolicy
{
    /// <summary>Most keys (attribute names) in one policy (as SNS).</summary>
    public const int MaxKeys = 5;

    /// <summary>Most combinations in one policy: the product of the lengths of its arrays (as SNS).</summary>
    public const int MaxCombinations = 150;

    /// <summary>Longest policy text, in characters.</summary>
    public const int MaxLength = 16 * 1024;

    /// <summary>Largest magnitude of a number in a policy (as SNS: 10^9).</summary>
    public const double MaxNumber = 1_000_000_000;

    private readonly (string Name, Condition[] AnyOf)[] _keys;

    private FilterPolicy(string text, (string Name, Condition[] AnyOf)[] keys)
    {
        Text = text;
        _keys = keys;
    }

    /// <summary>
    /// The policy in canonical form: compact JSON, keys sorted (ordinal), each condition in one spelling (numbers as
    /// the shortest round-trip form of their double), strings escaped only where JSON requires it (quote, backslash,
    /// control characters; other characters, non-ASCII included, as they are). Two policies with equal texts are equal.
    /// </summary>
    public string Text { get; }

    /// <summary>Parses and checks a policy a user gave, its length included (<see cref="MaxLength"/> characters of the text as sent).</summary>
    /// <param name="json">The policy JSON.</param>
    /// <param name="field">The request field named in errors.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidArgument"/> naming the field, the key and the rule broken.</exception>
    public static FilterPolicy Parse(string json, string field = "filterPolicy")
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxLength)
        {
            throw SluiceException.Invalid(field, $"{field} is {json.Length} characters: use at most {MaxLength}");
        }

        return ParseUnlimited(json, field);
    }

    /// <summary>
    /// Parses a stored policy's <see cref="Text"/> (checked when it was subscribed): every rule but the length, which
    /// applies to the text the user sent, not to its canonical form.
    /// </summary>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidArgument"/>: the text is no valid policy.</exception>
    public static FilterPolicy ParseCanonical(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ParseUnlimited(text, "filterPolicy");
    }

    private static FilterPolicy ParseUnlimited(string json, string field)
    {

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw SluiceException.Invalid(field, $"{field} is not valid JSON ({ex.Message}): give an object such as {{\"region\": [\"eu-west\", {{\"prefix\": \"us-\"}}]}}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw SluiceException.Invalid(field, $"{field} must be a JSON object of attribute names to arrays of conditions, such as {{\"region\": [\"eu-west\"]}}");
            }

            var keys = new List<(string, Condition[])>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long combinations = 1;
            foreach (var property in root.EnumerateObject())
            {
                var name = NameOf(property, field);
                var keyField = $"{field}.{name}";
                if (!seen.Add(name))
                {
                    throw SluiceException.Invalid(keyField, $"{field} names the attribute '{Validation.Quote(name)}' twice: give each attribute once, with all its conditions in one array");
                }

                // Keys are message attribute names: a key no attribute could have is a mistake, not a filter.
                Validation.AttributeName(name, field);

                if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() == 0)
                {
                    throw SluiceException.Invalid(keyField,
                        $"{field} key '{Validation.Quote(name)}' must map to a non-empty array of conditions (any may match), such as [\"eu-west\", {{\"prefix\": \"us-\"}}]");
                }

                var conditions = property.Value.EnumerateArray().Select(c => Condition.Parse(c, keyField)).ToArray();
                combinations *= conditions.Length;
                keys.Add((name, conditions));
            }

            if (keys.Count is 0 or > MaxKeys)
            {
                throw SluiceException.Invalid(field,
                    $"{field} has {keys.Count} keys: use 1-{MaxKeys} attribute names (omit the policy to match every message)");
            }

            if (combinations > MaxCombinations)
            {
                throw SluiceException.Invalid(field,
                    $"{field} has {combinations} combinations (the product of its arrays' lengths): use at most {MaxCombinations}");
            }

            return new FilterPolicy(Canonical(keys), [.. keys]);
        }
    }

    /// <summary>Whether a message with <paramref name="attributes"/> matches: every key has a matching condition.</summary>
    /// <param name="attributes">The message's attributes; <see langword="null"/> for none.</param>
    public bool Matches(IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        foreach (var (name, anyOf) in _keys)
        {
            MessageAttributeValue? value = null;
            _ = attributes?.TryGetValue(name, out value);
            var matched = false;
            foreach (var condition in anyOf)
            {
                if (condition.Matches(value))
                {
                    matched = true;
                    break;
                }
            }

            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static string Canonical(List<(string Name, Condition[] AnyOf)> keys)
    {
        var text = new StringBuilder();
        text.Append('{');
        foreach (var (name, anyOf) in keys.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }

            WriteString(text, name);
            text.Append(":[");
            for (var k = 0; k < anyOf.Length; k++)
            {
                if (k > 0)
                {
                    text.Append(',');
                }

                anyOf[k].Write(text);
            }

            text.Append(']');
        }

        return text.Append('}').ToString();
    }

    /// <summary>A JSON string escaping only what JSON requires: quote, backslash and control characters.</summary>
    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                < ' ' => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        text.Append('"');
    }

    /// <summary>A number in one spelling: the shortest text that round-trips its double (no negative zero).</summary>
    private static void WriteNumber(StringBuilder text, double value) =>
        text.Append((value == 0 ? 0d : value).ToString("R", CultureInfo.InvariantCulture));

    /// <summary>
    /// A string of the policy. Every string is read through here or <see cref="NameOf"/>: JSON allows escapes of lone
    /// UTF-16 surrogates (<c>"\ud800"</c>), which are no text, so the policy is refused naming <paramref name="field"/>.
    /// </summary>
    private static string TextOf(JsonElement e, string field)
    {
        try
        {
            return e.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw LoneSurrogate(field);
        }
    }

    /// <summary>A property name of the policy (see <see cref="TextOf"/>).</summary>
    private static string NameOf(JsonProperty p, string field)
    {
        try
        {
            return p.Name;
        }
        catch (InvalidOperationException)
        {
            throw LoneSurrogate(field);
        }
    }

    private static SluiceException LoneSurrogate(string field) => SluiceException.Invalid(field,
        $"{field} has a string with a lone UTF-16 surrogate escape (such as \ud800), which is no text: escape a character as a surrogate pair or send it unescaped");

    private static string BaseType(MessageAttributeValue value)
    {
        var dot = value.DataType.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? value.DataType : value.DataType[..dot];
    }

    private static double? NumberOf(MessageAttributeValue? value) =>
        value is not null && BaseType(value) == "Number" &&
        double.TryParse(value.StringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number : null;

    private static string? StringOf(MessageAttributeValue? value) =>
        value is not null && BaseType(value) == "String" ? value.StringValue : null;

    private abstract class Condition
    {
        public abstract bool Matches(MessageAttributeValue? value);

        /// <summary>Writes the condition's canonical JSON.</summary>
        public abstract void Write(StringBuilder text);

        public static Condition Parse(JsonElement c, string field)
        {
            switch (c.ValueKind)
            {
                case JsonValueKind.String:
                    return new EqualsText(TextOf(c, field));
                case JsonValueKind.Number:
                    return new InRange(Number(c, field), true, Number(c, field), true) { Literal = true };
                case JsonValueKind.Object:
                    var properties = c.EnumerateObject().ToArray();
                    if (properties.Length != 1)
                    {
                        throw Unknown(field);
                    }

                    var (op, operand) = (NameOf(properties[0], field), properties[0].Value);
                    return op switch
                    {
                        "prefix" when operand.ValueKind == JsonValueKind.String && TextOf(operand, field) is { Length: > 0 } prefix => new Prefix(prefix),
                        "prefix" => throw SluiceException.Invalid(field, $"{field}: \"prefix\" takes a non-empty string, as in {{\"prefix\": \"eu-\"}}"),
                        "exists" when operand.ValueKind is JsonValueKind.True or JsonValueKind.False => new Exists(operand.GetBoolean()),
                        "exists" => throw SluiceException.Invalid(field, $"{field}: \"exists\" takes true or false, as in {{\"exists\": true}}"),
                        "numeric" => Numeric(operand, field),
                        _ => throw Unknown(field),
                    };
                default:
                    throw Unknown(field);
            }
        }

        private static SluiceException Unknown(string field) => SluiceException.Invalid(field,
            $"{field} has a condition Sluice does not know: use a string, a number, {{\"prefix\": \"text\"}}, " +
            "{\"numeric\": [\">=\", 10, \"<\", 20]} or {\"exists\": true|false}");

        private static double Number(JsonElement e, string field)
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var value) || double.IsInfinity(value) || Math.Abs(value) > MaxNumber)
            {
                throw SluiceException.Invalid(field, $"{field}: '{Validation.Quote(e.GetRawText())}' is not a number from -{MaxNumber:0} to {MaxNumber:0}");
            }

            return value;
        }

        private static InRange Numeric(JsonElement operand, string field)
        {
            const string Rule = "\"numeric\" takes one or two comparisons, each an operator (>, >=, <, <=) and a number, at most one lower and one upper bound, " +
                                "or [\"=\", n]: as in {\"numeric\": [\">=\", 10, \"<\", 20]}";
            var items = operand.ValueKind == JsonValueKind.Array ? operand.EnumerateArray().ToArray() : [];
            if (items.Length is not (2 or 4) || items.Where((_, i) => i % 2 == 0).Any(e => e.ValueKind != JsonValueKind.String))
            {
                throw SluiceException.Invalid(field, $"{field}: {Rule}");
            }

            var operators = items.Where((_, i) => i % 2 == 0).Select(e => TextOf(e, field)).ToArray();

            double? low = null, high = null;
            bool lowInclusive = false, highInclusive = false;
            for (var i = 0; i < items.Length; i += 2)
            {
                var n = Number(items[i + 1], field);
                var op = operators[i / 2];
                switch (op)
                {
                    case "=" when items.Length == 2:
                        return new InRange(n, true, n, true);
                    case ">" or ">=" when low is null:
                        (low, lowInclusive) = (n, op == ">=");
                        break;
                    case "<" or "<=" when high is null:
                        (high, highInclusive) = (n, op == "<=");
                        break;
                    default:
                        throw SluiceException.Invalid(field, $"{field}: {Rule}");
                }
            }

            if (low > high || (low == high && !(lowInclusive && highInclusive)))
            {
                throw SluiceException.Invalid(field, $"{field}: the range from {low} to {high} is empty (lower bound above the upper, or equal with either end exclusive): no number could match");
            }

            return new InRange(low, lowInclusive, high, highInclusive);
        }
    }

    private sealed class EqualsText(string expected) : Condition
    {
        public override bool Matches(MessageAttributeValue? value) => string.Equals(StringOf(value), expected, StringComparison.Ordinal);

        public override void Write(StringBuilder text) => WriteString(text, expected);
    }

    private sealed class Prefix(string prefix) : Condition
    {
        public override bool Matches(MessageAttributeValue? value) => StringOf(value)?.StartsWith(prefix, StringComparison.Ordinal) == true;

        public override void Write(StringBuilder text)
        {
            text.Append("{\"prefix\":");
            WriteString(text, prefix);
            text.Append('}');
        }
    }

    private sealed class Exists(bool present) : Condition
    {
        public override bool Matches(MessageAttributeValue? value) => (value is not null) == present;

        public override void Write(StringBuilder text) => text.Append(present ? "{\"exists\":true}" : "{\"exists\":false}");
    }

    private sealed class InRange(double? low, bool lowInclusive, double? high, bool highInclusive) : Condition
    {
        /// <summary>Written as a bare number (<c>42</c>), not as <c>{"numeric":["=",42]}</c>.</summary>
        public bool Literal { get; init; }

        public override bool Matches(MessageAttributeValue? value) =>
            NumberOf(value) is { } n &&
            (low is not { } l || (lowInclusive ? n >= l : n > l)) &&
            (high is not { } h || (highInclusive ? n <= h : n < h));

        public override void Write(StringBuilder text)
        {
            if (Literal)
            {
                WriteNumber(text, low!.Value);
                return;
            }

            text.Append("{\"numeric\":[");
            if (low == high && lowInclusive && highInclusive)
            {
                text.Append("\"=\",");
                WriteNumber(text, low!.Value);
            }
            else
            {
                if (low is { } l)
                {
                    text.Append(lowInclusive ? "\">=\"," : "\">\",");
                    WriteNumber(text, l);
                }

                if (high is { } h)
                {
                    text.Append(low is null ? "" : ",").Append(highInclusive ? "\"<=\"," : "\"<\",");
                    WriteNumber(text, h);
                }
            }

            text.Append("]}");
        }
    }
}
