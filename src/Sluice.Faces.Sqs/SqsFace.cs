using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Sluice.Faces.Http;

namespace Sluice.Faces.Sqs;

/// <summary>
/// The SQS face: detects the protocol, turns the request into the JSON 1.0 shape, runs the action's handler and
/// renders the result (or error) in the request's protocol.
/// </summary>
internal sealed partial class SqsFace(Broker broker, SqsOptions options, TimeProvider time, ILogger logger, CancellationToken stopping,
    Sluice.Security.ICredentialStore? credentials = null)
{
    private const string JsonContentType = "application/x-amz-json-1.0";
    private const string TargetPrefix = "AmazonSQS.";
    private const string TargetFamily = "AmazonSQS";

    // Bodies are text: keep non-ASCII characters as they are instead of \uXXXX escapes (smaller responses).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Answers the request if it is an SQS request; returns <see langword="false"/> to pass it on. Claimed (and answered
    /// in the request's protocol, with a 400 when malformed): an <c>X-Amz-Target</c> starting with <c>AmazonSQS</c> or an
    /// <c>application/x-amz-json-1.0</c> body (JSON); any form-encoded POST, and a GET carrying <c>Action</c> (Query).
    /// The REST API uses neither form bodies nor x-amz-json, so nothing of its own is taken. On a path the REST face owns
    /// (<paramref name="restPath"/>) only the JSON markers claim: a form POST or an <c>Action</c> there is a REST call.
    /// </summary>
    public async Task<bool> TryHandleAsync(HttpContext context, bool restPath = false)
    {
        var request = context.Request;
        var target = request.Headers["X-Amz-Target"].ToString();
        bool json;
        string? action = null;
        byte[] body;
        SluiceException? bodyError = null;
        if (target.StartsWith(TargetFamily, StringComparison.Ordinal) ||
            request.ContentType?.StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase) == true)
        {
            json = true;
            // A target outside AmazonSQS.<Action> is named whole, so the client is told which target was not understood.
            action = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : target;
            (body, bodyError) = await ReadBodyAsync(context).ConfigureAwait(false);
        }
        else if (restPath)
        {
            return false;
        }
        else if (HttpMethods.IsGet(request.Method) && request.Query.ContainsKey("Action"))
        {
            json = false;
            body = [];
        }
        else if (HttpMethods.IsPost(request.Method) &&
                 request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            json = false;
            (body, bodyError) = await ReadBodyAsync(context).ConfigureAwait(false);
        }
        else
        {
            return false;
        }

        var call = new SqsCall(this, context, json, action ?? "", body, bodyError);
        await call.RunAsync().ConfigureAwait(false);
        return true;
    }

    // A body Kestrel refuses (too large, too slow) becomes the call's error, answered in the request's protocol.
    private static async Task<(byte[] Body, SluiceException? Error)> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            return ([], HttpBodyErrors.From(context, ex));
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>One request in flight: its protocol, shape, identity and the response it writes.</summary>
    private sealed class SqsCall(SqsFace face, HttpContext context, bool json, string action, byte[] body, SluiceException? bodyError)
    {
        private readonly string _requestId = Guid.NewGuid().ToString();

        public async Task RunAsync()
        {
            string? region = null;
            try
            {
                if (bodyError is not null)
                {
                    throw bodyError;
                }

                var auth = SqsSignature.Parse(context.Request.Headers.Authorization.ToString());
                region = auth?.Region;
                var principal = await face.AuthenticateAsync(context.Request, body, auth, context.RequestAborted).ConfigureAwait(false);
                // The broker checks every operation against the principal (SluiceAccess.Demand); none: everything allowed.
                using var access = SqsFace.Enter(principal);
                JsonObject input;
                if (json)
                {
                    if (action.Length == 0)
                    {
                        throw new SqsException(SqsError.InvalidAction, "The request has no X-Amz-Target header: name the operation as AmazonSQS.<Action>.");
                    }

                    input = ParseJson(body);
                }
                else
                {
                    var fields = QueryFields(context.Request, body);

                    action = fields.FirstOrDefault(f => f.Key == "Action").Value ?? "";
                    input = SqsQueryForm.ToShape(action, fields);
                }

                region ??= face.Options.Region;
                if (region.Length is 0 or > 32 || !region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                {
                    throw new SqsException(SqsError.InvalidParameterValue,
                        $"The credential scope's region {Validation.Quote(region)} is not a region name: sign with a region such as us-east-1 (lowercase letters, digits and '-').");
                }

                var env = new SqsEnv(face, context, region);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, face.Stopping);
                var result = await face.DispatchAsync(action, input, env, linked.Token).ConfigureAwait(false);
                await WriteResultAsync(result).ConfigureAwait(false);
            }
            catch (SqsException ex)
            {
                LogRefused(ex.Error, ex.InnerException ?? ex);
                await WriteErrorAsync(ex.Error, ex.Error.ClientMessage(ex.Message)).ConfigureAwait(false);
            }
            catch (SluiceException ex)
            {
                var error = SqsError.From(ex);
                LogRefused(error, ex);
                await WriteErrorAsync(error, error == SqsError.QueueDoesNotExist ? "The specified queue does not exist." : error.ClientMessage(ex.Message)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: nothing to answer.
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not BadHttpRequestException)
            {
                SqsLog.ActionFailed(face.Logger, ex, action, _requestId);
                await WriteErrorAsync(SqsError.InternalError, SqsError.InternalMessage).ConfigureAwait(false);
            }
        }

        /// <summary>Service-side errors are logged with their exception (the client sees a generic message); refusals at Debug.</summary>
        private void LogRefused(SqsError error, Exception exception)
        {
            if (error.Sender)
            {
                SqsLog.ActionRefused(face.Logger, action, error.QueryCode, _requestId);
            }
            else if (error.Status == StatusCodes.Status503ServiceUnavailable)
            {
                SqsLog.ServiceFailure(face.Logger, exception, action, _requestId);
            }
            else
            {
                SqsLog.ActionInternalError(face.Logger, exception, action, _requestId);
            }
        }

        /// <summary>
        /// The Query parameters: a GET's query string, a POST's body (what AWS signs). A POST whose query string gives a
        /// parameter of its body a different value is refused rather than guessed at (MalformedQueryString). A repeated
        /// name gives each of its values, in order.
        /// </summary>
        private static List<KeyValuePair<string, string>> QueryFields(HttpRequest request, byte[] body)
        {
            var fields = new List<KeyValuePair<string, string>>();
            if (HttpMethods.IsGet(request.Method))
            {
                AddEach(fields, request.Query);
                return fields;
            }

            Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form = [];

            if (body.Length > 0)
            {
                if (!IsStrictFormEncoding(body))
                {
                    throw new SqsException(SqsError.MalformedRequest,
                        "The form body has invalid percent-encoding or does not decode to UTF-8: encode each parameter as application/x-www-form-urlencoded UTF-8.");
                }

                form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
                AddEach(fields, form);
            }

            foreach (var (key, values) in request.Query)
            {
                if (form.TryGetValue(key, out var inBody) && inBody != values)
                {
                    throw new SqsException(SqsError.MalformedRequest,
                        $"The parameter {Validation.Quote(key)} is given in the query string and in the body with different values: send a POST's parameters in its body only.");
                }
            }

            return fields;
        }

        private static void AddEach(List<KeyValuePair<string, string>> fields, IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> parameters)
        {
            foreach (var (key, values) in parameters)
            {
                if (values.Count == 0)
                {
                    fields.Add(new(key, ""));
                }

                foreach (var value in values)
                {
                    fields.Add(new(key, value ?? ""));
                }
            }
        }

        /// <summary>
        /// Whether a form body is well-formed: every <c>%</c> starts two hex digits and the decoded bytes are UTF-8.
        /// (The form decoder keeps bad escapes as literal text, which would store a different body than the client sent.)
        /// </summary>
        private static bool IsStrictFormEncoding(ReadOnlySpan<byte> body)
        {
            var decoded = System.Buffers.ArrayPool<byte>.Shared.Rent(body.Length);
            try
            {
                var n = 0;
                for (var i = 0; i < body.Length; i++)
                {
                    var b = body[i];
                    if (b == (byte)'%')
                    {
                        if (i + 2 >= body.Length || !Uri.IsHexDigit((char)body[i + 1]) || !Uri.IsHexDigit((char)body[i + 2]))
                        {
                            return false;
                        }

                        b = (byte)((Uri.FromHex((char)body[i + 1]) << 4) | Uri.FromHex((char)body[i + 2]));
                        i += 2;
                    }

                    decoded[n++] = b;
                }

                return System.Text.Unicode.Utf8.IsValid(decoded.AsSpan(0, n));
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(decoded);
            }
        }

        private static JsonObject ParseJson(byte[] body)
        {
            if (body.Length == 0)
            {
                return [];
            }

            CheckJsonSyntax(body);
            JsonObject root;
            try
            {
                root = JsonNode.Parse(body) as JsonObject ?? throw new SqsException(SqsError.SerializationException, "The request body must be a JSON object.");
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or DecoderFallbackException)
            {
                // CheckJsonSyntax has read the whole body already; this is only a backstop.
                throw new SqsException(SqsError.SerializationException, "The request body is not valid JSON.", ex);
            }

            DecodeStrings(root);
            return root;
        }

        /// <summary>
        /// Reads the body once with the JSON reader before it becomes a document, so a client is told plainly what is
        /// wrong (<c>SerializationException</c>): malformed JSON at a line and byte position, or a member given twice in
        /// one object (which JSON leaves undefined, so it is refused rather than one of the values taken).
        /// </summary>
        private static void CheckJsonSyntax(byte[] body)
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            var members = new Stack<HashSet<string>?>();
            try
            {
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.StartObject:
                            members.Push(new HashSet<string>(StringComparer.Ordinal));
                            break;
                        case JsonTokenType.StartArray:
                            members.Push(null);
                            break;
                        case JsonTokenType.EndObject or JsonTokenType.EndArray:
                            members.Pop();
                            break;
                        case JsonTokenType.PropertyName when TryName(ref reader) is { } name && !members.Peek()!.Add(name):
                            throw new SqsException(SqsError.SerializationException,
                                $"The request body gives the member '{Validation.Quote(name)}' more than once in one object: give each member once.");
                        default:
                            break;
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new SqsException(SqsError.SerializationException,
                    $"The request body is malformed JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}: send one JSON object.", ex);
            }
        }

        /// <summary>A member name, or null when it is not valid Unicode (reported by <see cref="DecodeStrings"/>).</summary>
        private static string? TryName(ref Utf8JsonReader reader)
        {
            try
            {
                return reader.GetString();
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        /// <summary>
        /// Decodes every member name and string of the request now, so text that is not valid Unicode (invalid UTF-8,
        /// an unpaired surrogate escape such as <c>\ud800</c>) is the client's 400 here, not an exception in a handler:
        /// <c>InvalidMessageContents</c> for bodies and attribute values, <c>InvalidParameterValue</c> for anything else.
        /// </summary>
        private static void DecodeStrings(JsonObject root)
        {
            var pending = new Stack<(string Name, JsonNode Node)>();
            pending.Push(("", root));
            while (pending.Count > 0)
            {
                var (name, node) = pending.Pop();
                try
                {
                    switch (node)
                    {
                        case JsonObject obj:
                            foreach (var (key, child) in obj)
                            {
                                if (child is not null)
                                {
                                    pending.Push((key, child));
                                }
                            }

                            break;
                        case JsonArray array:
                            foreach (var child in array)
                            {
                                if (child is not null)
                                {
                                    pending.Push((name, child));
                                }
                            }

                            break;
                        case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                            _ = value.GetValue<string>();
                            break;
                        default:
                            break;
                    }
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or JsonException or DecoderFallbackException)
                {
                    throw name is "MessageBody" or "StringValue"
                        ? new SqsException(SqsError.InvalidMessageContents, SqsInput.InvalidCharacters, ex)
                        : new SqsException(SqsError.InvalidParameterValue,
                            $"Value for parameter {(name.Length > 0 ? name : "(request)")} is invalid. Reason: not valid Unicode text (invalid UTF-8 or an unpaired surrogate).", ex);
                }
            }
        }

        private async Task WriteResultAsync(JsonObject result)
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.Headers["x-amzn-RequestId"] = _requestId;
            using var buffer = new MemoryStream();
            if (json)
            {
                response.ContentType = JsonContentType;
                using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
                {
                    result.WriteTo(writer);
                }
            }
            else
            {
                response.ContentType = "text/xml";
                SqsXml.WriteResult(buffer, action, result, _requestId);
            }

            response.ContentLength = buffer.Length;
            await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
        }

        private async Task WriteErrorAsync(SqsError error, string message)
        {
            var response = context.Response;
            if (response.HasStarted)
            {
                return;
            }

            response.StatusCode = error.Status;
            response.Headers["x-amzn-RequestId"] = _requestId;
            using var buffer = new MemoryStream();
            if (json)
            {
                response.ContentType = JsonContentType;
                response.Headers["x-amzn-query-error"] = $"{error.QueryCode};{error.FaultType}";
                using var writer = new Utf8JsonWriter(buffer, WriterOptions);
                writer.WriteStartObject();
                writer.WriteString("__type", error.JsonType);
                writer.WriteString("message", message);
                writer.WriteEndObject();
            }
            else
            {
                response.ContentType = "text/xml";
                SqsXml.WriteError(buffer, error, message, _requestId);
            }

            response.ContentLength = buffer.Length;
            await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), CancellationToken.None).ConfigureAwait(false);
        }
    }

    internal SqsOptions Options => options;

    internal ILogger Logger => logger;

    internal CancellationToken Stopping => stopping;

    internal Broker Broker => broker;

    internal TimeProvider Time => time;
}
