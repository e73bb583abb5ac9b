using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Sluice.Server.Tests.Sqs;

/// <summary>The two SQS wire protocols.</summary>
public enum Wire
{
    Json,
    Query,
}

/// <summary>One SQS answer on either protocol: status, error code and message, and the parsed body.</summary>
public sealed record SqsReply(HttpStatusCode Status, string? Code, string? Message, JsonObject? Json, XElement? Xml)
{
    private static readonly XNamespace Ns = "http://queue.amazonaws.com/doc/2012-11-05/";

    /// <summary>The JSON error's <c>__type</c> (JSON protocol only).</summary>
    public string? Type { get; init; }

    /// <summary>The queue attributes (GetQueueAttributes).</summary>
    public Dictionary<string, string> Attributes() => Json is not null
        ? (Json["Attributes"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>())
        : Xml!.Descendants(Ns + "Attribute").ToDictionary(a => a.Element(Ns + "Name")!.Value, a => a.Element(Ns + "Value")!.Value);

    /// <summary>The queue tags (ListQueueTags).</summary>
    public Dictionary<string, string> Tags() => Json is not null
        ? (Json["Tags"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>())
        : Xml!.Descendants(Ns + "Tag").ToDictionary(a => a.Element(Ns + "Key")!.Value, a => a.Element(Ns + "Value")!.Value);

    /// <summary>The one queue URL (CreateQueue, GetQueueUrl).</summary>
    public string QueueUrl() => Json is not null ? Json["QueueUrl"]!.GetValue<string>() : Xml!.Descendants(Ns + "QueueUrl").Single().Value;

    /// <summary>The queue URLs (ListQueues).</summary>
    public List<string> QueueUrls() => Json is not null
        ? [.. (Json["QueueUrls"] as JsonArray ?? Json["queueUrls"] as JsonArray ?? []).Select(u => u!.GetValue<string>())]
        : [.. Xml!.Descendants(Ns + "QueueUrl").Select(u => u.Value)];

    /// <summary>The message attribute names of each received message (ReceiveMessage).</summary>
    public List<List<string>> MessageAttributeNames() => Json is not null
        ? [.. (Json["Messages"] as JsonArray ?? []).Select(m => (m!["MessageAttributes"] as JsonObject ?? []).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList())]
        : [.. Xml!.Descendants(Ns + "Message").Select(m => m.Elements(Ns + "MessageAttribute").Select(a => a.Element(Ns + "Name")!.Value).Order(StringComparer.Ordinal).ToList())];

    /// <summary>The system attributes of each received message (ReceiveMessage).</summary>
    public List<Dictionary<string, string>> MessageSystemAttributes() => Json is not null
        ? [.. (Json["Messages"] as JsonArray ?? []).Select(m => (m!["Attributes"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>()))]
        : [.. Xml!.Descendants(Ns + "Message").Select(m => m.Elements(Ns + "Attribute").ToDictionary(a => a.Element(Ns + "Name")!.Value, a => a.Element(Ns + "Value")!.Value))];
}

/// <summary>
/// Sends one SQS action on either protocol as raw HTTP: the JSON 1.0 request shape is sent as is, or flattened into
/// the Query form (<c>Attribute.1.Name=…</c>). A region signs the request's credential scope (signatures are not checked).
/// </summary>
public sealed class SqsWireClient(HttpClient http)
{
    private static readonly XNamespace Ns = "http://queue.amazonaws.com/doc/2012-11-05/";

    private static readonly Dictionary<string, string> Lists = new(StringComparer.Ordinal)
    {
        ["AttributeNames"] = "AttributeName",
        ["MessageAttributeNames"] = "MessageAttributeName",
        ["MessageSystemAttributeNames"] = "MessageSystemAttributeName",
        ["TagKeys"] = "TagKey",
        ["AWSAccountIds"] = "AWSAccountId",
        ["Actions"] = "ActionName",
    };

    public async Task<SqsReply> CallAsync(Wire wire, string action, JsonObject input, string? region = null, string path = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (region is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization",
                $"AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/{region}/sqs/aws4_request, SignedHeaders=host, Signature=00");
        }

        if (wire == Wire.Json)
        {
            request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
            request.Content = new StringContent(input.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.0");
        }
        else
        {
            request.Content = new FormUrlEncodedContent(Flatten(action, input));
        }

        using var response = await http.SendAsync(request);
        return await ReplyAsync(wire, response);
    }

    /// <summary>Posts a raw Query form (fields exactly as given, repeats and unindexed names included).</summary>
    public async Task<SqsReply> PostFormAsync(params (string Key, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
        using var response = await http.PostAsync("/", content);
        return await ReplyAsync(Wire.Query, response);
    }

    /// <summary>Posts a raw JSON 1.0 body for <c>AmazonSQS.{action}</c>.</summary>
    public async Task<SqsReply> PostJsonAsync(string action, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        request.Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.0");
        using var response = await http.SendAsync(request);
        return await ReplyAsync(Wire.Json, response);
    }

    private static async Task<SqsReply> ReplyAsync(Wire wire, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (wire == Wire.Json)
        {
            Assert.Equal("application/x-amz-json-1.0", response.Content.Headers.ContentType?.MediaType);
            var json = (JsonObject)JsonNode.Parse(text)!;
            var code = response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single().Split(';')[0] : null;
            return new SqsReply(response.StatusCode, code, json["message"]?.GetValue<string>(), json, null) { Type = json["__type"]?.GetValue<string>() };
        }

        Assert.StartsWith("text/xml", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var root = XDocument.Parse(text).Root!;
        var error = root.Name.LocalName == "ErrorResponse" ? root.Element(Ns + "Error") : null;
        return new SqsReply(response.StatusCode, error?.Element(Ns + "Code")?.Value, error?.Element(Ns + "Message")?.Value, null, root);
    }

    /// <summary>The Query form of a JSON-shaped request (strings, lists, attribute/tag maps, message attributes).</summary>
    public static List<KeyValuePair<string, string>> Flatten(string action, JsonObject input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fields = new List<KeyValuePair<string, string>> { new("Action", action) };
        foreach (var (key, node) in input)
        {
            switch (key, node)
            {
                case (_, JsonArray list) when Lists.TryGetValue(key, out var item):
                    for (var i = 0; i < list.Count; i++)
                    {
                        fields.Add(new($"{item}.{i + 1}", list[i]!.GetValue<string>()));
                    }

                    break;
                case ("Attributes", JsonObject map):
                    Pairs(fields, "Attribute", "Name", map);
                    break;
                case ("Tags" or "tags", JsonObject map):
                    Pairs(fields, "Tag", "Key", map);
                    break;
                case ("MessageAttributes", JsonObject map):
                    var n = 0;
                    foreach (var (name, value) in map)
                    {
                        n++;
                        fields.Add(new($"MessageAttribute.{n}.Name", name));
                        foreach (var (member, v) in (JsonObject)value!)
                        {
                            fields.Add(new($"MessageAttribute.{n}.Value.{member}", v!.ToString()));
                        }
                    }

                    break;
                default:
                    fields.Add(new(key, node!.ToString()));
                    break;
            }
        }

        return fields;
    }

    private static void Pairs(List<KeyValuePair<string, string>> fields, string prefix, string keyName, JsonObject map)
    {
        var i = 0;
        foreach (var (key, value) in map)
        {
            i++;
            fields.Add(new($"{prefix}.{i}.{keyName}", key));
            fields.Add(new($"{prefix}.{i}.Value", value!.ToString()));
        }
    }
}
