using System.Globalization;
using System.Text.Json.Nodes;

namespace Sluice.Faces.Sqs;

/// <summary>
/// Turns the Query protocol's flattened form (<c>Attribute.1.Name=…</c>) into the JSON 1.0 request shape
/// (<c>{"Attributes":{…}}</c>), so one handler per action serves both protocols.
/// <para>
/// One rule for every list and map: its unindexed form is one entry (<c>AttributeName=All</c>,
/// <c>Attribute.Name=DelaySeconds&amp;Attribute.Value=3</c>, <c>Tag.Key=team&amp;Tag.Value=a</c>), taken before its indexed
/// entries. A list item given more than once keeps every value (<c>AttributeName=A&amp;AttributeName=B</c> is two items);
/// any other parameter given more than once, a map entry without its key or value, and a map key given twice are refused
/// (<c>MalformedQueryString</c>) rather than guessed at.
/// </para>
/// </summary>
internal static class SqsQueryForm
{
    // Flattened name → (JSON member, kind).
    private static readonly Dictionary<string, (string Member, Kind Kind)> Rules = new(StringComparer.Ordinal)
    {
        ["Attribute"] = ("Attributes", Kind.NameValueMap),
        ["MessageAttribute"] = ("MessageAttributes", Kind.NameStructMap),
        ["MessageSystemAttribute"] = ("MessageSystemAttributes", Kind.NameStructMap),
        ["Tag"] = ("Tags", Kind.KeyValueMap),
        ["AttributeName"] = ("AttributeNames", Kind.List),
        ["MessageSystemAttributeName"] = ("MessageSystemAttributeNames", Kind.List),
        ["MessageAttributeName"] = ("MessageAttributeNames", Kind.List),
        ["TagKey"] = ("TagKeys", Kind.List),
        ["AWSAccountId"] = ("AWSAccountIds", Kind.List),
        ["ActionName"] = ("Actions", Kind.List),
        ["SendMessageBatchRequestEntry"] = ("Entries", Kind.StructList),
        ["DeleteMessageBatchRequestEntry"] = ("Entries", Kind.StructList),
        ["ChangeMessageVisibilityBatchRequestEntry"] = ("Entries", Kind.StructList),
    };

    private static readonly HashSet<string> Integers = new(StringComparer.Ordinal)
    {
        "MaxNumberOfMessages", "WaitTimeSeconds", "VisibilityTimeout", "DelaySeconds", "MaxResults", "MaxNumberOfMessagesPerSecond",
    };

    /// <summary>Most fields in one request (a full SendMessageBatch with attributes needs a few hundred).</summary>
    internal const int MaxFields = 1000;

    /// <summary>Longest field name, in characters.</summary>
    internal const int MaxKeyLength = 256;

    /// <summary>Most dot-separated parts in a field name (<c>SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue</c> has 6).</summary>
    internal const int MaxKeyDepth = 10;

    private enum Kind
    {
        List,
        StructList,
        NameValueMap,
        KeyValueMap,
        NameStructMap,
    }

    /// <summary>Converts the form fields of one action into its JSON request shape.</summary>
    /// <param name="action">The action (CreateQueue's tags are the lower-case <c>tags</c> member).</param>
    /// <param name="fields">The form and query-string fields, every value of a repeated name; <c>Action</c> and <c>Version</c> are dropped.</param>
    /// <exception cref="SqsException"><c>MalformedQueryString</c> for too many or too long parameters and for the repeats and incomplete map entries described on the class.</exception>
    public static JsonObject ToShape(string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var root = new Node("");
        var count = 0;
        foreach (var (key, value) in fields)
        {
            if (++count > MaxFields)
            {
                throw new SqsException(SqsError.MalformedRequest, $"The request has more than {MaxFields} parameters.");
            }

            if (key is "Action" or "Version" || key.Length == 0)
            {
                continue;
            }

            if (key.Length > MaxKeyLength)
            {
                throw new SqsException(SqsError.MalformedRequest,
                    $"The parameter name {Validation.Quote(key)} is too long: parameter names have at most {MaxKeyLength} characters.");
            }

            if (key.AsSpan().Count('.') >= MaxKeyDepth)
            {
                throw new SqsException(SqsError.MalformedRequest,
                    $"The parameter name {Validation.Quote(key)} has too many parts: parameter names have at most {MaxKeyDepth} dot-separated parts.");
            }

            var node = root;
            foreach (var part in key.Split('.'))
            {
                node = node.Child(part);
            }

            node.Add(value);
        }

        var shape = ToStruct(root);
        if (action == "CreateQueue" && shape["Tags"] is { } tags)
        {
            shape.Remove("Tags");
            shape["tags"] = tags;
        }

        return shape;
    }

    /// <summary>
    /// Builds the structure of <paramref name="root"/> without recursion: the nodes that become structures are listed
    /// parent-first, then built in reverse order, so every child's structure exists before its parent's is built.
    /// </summary>
    private static JsonObject ToStruct(Node root)
    {
        var order = new List<Node>();
        var pending = new Stack<Node>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            order.Add(node);
            if (node.Children is null)
            {
                continue;
            }

            foreach (var (name, child) in node.Children)
            {
                if (child.Children is null)
                {
                    continue;
                }

                if (!Rules.TryGetValue(name, out var rule))
                {
                    if (child.Value is null)
                    {
                        pending.Push(child);
                    }

                    continue;
                }

                // A flattened list or map: its entries (StructList) or its entries' Value (NameStructMap) are structures;
                // an unindexed map entry is the map's node itself.
                foreach (var item in rule.Kind == Kind.NameStructMap ? child.Children.Values.Prepend(child) : child.Children.Values)
                {
                    if (rule.Kind == Kind.StructList && item.Children is not null)
                    {
                        pending.Push(item);
                    }
                    else if (rule.Kind == Kind.NameStructMap && item.Children?.GetValueOrDefault("Value") is { Children: not null } value)
                    {
                        pending.Push(value);
                    }
                }
            }
        }

        for (var i = order.Count - 1; i >= 0; i--)
        {
            order[i].Struct = BuildStruct(order[i]);
        }

        return root.Struct ?? [];
    }

    /// <summary>The structure of one node whose children's structures are built already.</summary>
    private static JsonObject BuildStruct(Node node)
    {
        var result = new JsonObject();
        if (node.Children is null)
        {
            return result;
        }

        foreach (var (name, child) in node.Children)
        {
            if (Rules.TryGetValue(name, out var rule) && (child.Children is not null || (rule.Kind == Kind.List && child.Values().Any(v => v.Length > 0))))
            {
                // A list also takes its unindexed form (AttributeName=All, as in AWS's own examples) as an item.
                result[rule.Member] = Convert(child, rule.Kind);
            }
            else if (child.Children is not null && child.Value is null)
            {
                result[name] = Take(child);
            }
            else if (child.Value is "" && child.Extra is null && EmptyCollection(name) is { } empty)
            {
                // botocore's query serializer sends an empty list or map as the bare name with an empty value.
                result[empty.Member] = empty.Node;
            }
            else if (child.Value is not null)
            {
                var text = Single(child);
                result[name] = Integers.Contains(name) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                    ? JsonValue.Create(n)
                    : JsonValue.Create(text);
            }
        }

        return result;
    }

    /// <summary>The empty list or map that <c>Name=</c> (flattened name or JSON member name, no index) stands for.</summary>
    private static (string Member, JsonNode Node)? EmptyCollection(string name)
    {
        var rule = Rules.TryGetValue(name, out var r) ? r : Rules.Values.FirstOrDefault(v => v.Member == name);
        return rule.Member is null ? null : (rule.Member, rule.Kind is Kind.List or Kind.StructList ? new JsonArray() : new JsonObject());
    }

    /// <summary>A child's built structure, handed out once (a JSON node has one parent).</summary>
    private static JsonObject Take(Node node)
    {
        var built = node.Struct ?? [];
        node.Struct = null;
        return built;
    }

    private static JsonNode Convert(Node node, Kind kind)
    {
        var items = Indexed(node);
        switch (kind)
        {
            case Kind.List:
                var list = new JsonArray();
                // The unindexed values (an empty one stands for no item) come first, then the indexed items.
                foreach (var value in node.Values().Where(v => v.Length > 0).Concat(items.SelectMany(i => i.Values())))
                {
                    list.Add(JsonValue.Create(value));
                }

                return list;
            case Kind.StructList:
                return new JsonArray([.. items.Where(i => i.Children is not null).Select(i => (JsonNode?)Take(i))]);
            default:
                var map = new JsonObject();
                var keyName = kind == Kind.KeyValueMap ? "Key" : "Name";
                var unindexed = node.Children!.ContainsKey(keyName) || node.Children.ContainsKey("Value");
                foreach (var item in unindexed ? items.Prepend(node) : items)
                {
                    if (item.Children?.GetValueOrDefault(keyName) is not { Value: not null } key)
                    {
                        throw Malformed($"The map entry {item.Path} has no {item.Path}.{keyName}: give each entry's {keyName} and Value.");
                    }

                    var value = item.Children.GetValueOrDefault("Value")
                        ?? throw Malformed($"The map entry {item.Path} has no {item.Path}.Value: give each entry's {keyName} and Value.");
                    var k = Single(key);
                    if (map.ContainsKey(k))
                    {
                        throw Malformed($"The map parameter {node.Path} gives the {keyName} '{Validation.Quote(k)}' more than once: give each {keyName} once.");
                    }

                    map[k] = kind == Kind.NameStructMap ? Take(value) : JsonValue.Create(value.Value is null ? "" : Single(value));
                }

                return map;
        }
    }

    private static List<Node> Indexed(Node node) =>
        node.Children is null ? [] : [.. node.Children
            .Select(kv => (Ok: int.TryParse(kv.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i), Index: i, Node: kv.Value))
            .Where(x => x.Ok)
            .OrderBy(x => x.Index)
            .Select(x => x.Node)];

    /// <summary>The one value of a scalar parameter; refused when the parameter was given more than once.</summary>
    private static string Single(Node node) =>
        node.Extra is null
            ? node.Value ?? ""
            : throw Malformed($"The parameter {node.Path} is given {node.Extra.Count + 1} times: give it once (only list items may repeat).");

    private static SqsException Malformed(string message) => new(SqsError.MalformedRequest, message);

    private sealed class Node(string path)
    {
        /// <summary>The parameter name of this node (<c>Attribute.1.Name</c>); empty for the root.</summary>
        public string Path => path;

        /// <summary>The first value given for this name.</summary>
        public string? Value { get; private set; }

        /// <summary>Further values given for this name (a repeated parameter), in order; null when given once.</summary>
        public List<string>? Extra { get; private set; }

        /// <summary>The structure built from the children (see <see cref="ToStruct"/>).</summary>
        public JsonObject? Struct { get; set; }

        public Dictionary<string, Node>? Children { get; private set; }

        public Node Child(string name)
        {
            Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!Children.TryGetValue(name, out var child))
            {
                child = new Node(path.Length == 0 ? name : $"{path}.{name}");
                Children[name] = child;
            }

            return child;
        }

        public void Add(string value)
        {
            if (Value is null)
            {
                Value = value;
            }
            else
            {
                (Extra ??= []).Add(value);
            }
        }

        /// <summary>Every value given for this name, in order.</summary>
        public IEnumerable<string> Values() => Value is null ? [] : Extra is null ? [Value] : Extra.Prepend(Value);
    }
}
