using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sluice.Faces.Sqs;

internal sealed partial class SqsFace
{
    /// <summary>The message attribute name the AWSTraceHeader system attribute is stored under.</summary>
    internal const string TraceAttribute = "AWSTraceHeader";

    private const int MaxBatchEntries = 10;
    private const int MaxBatchBytes = 1_048_576;
    private static readonly SearchValues<char> DataTypeChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");
    private static readonly SearchValues<char> BatchIdChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static readonly string[] SystemAttributeNames =
    [
        "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "SequenceNumber",
        "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn",
    ];

    private async ValueTask<JsonObject> SendMessageAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var prepared = Prepare(input, info);
        var published = await broker.PublishAsync(name, prepared.Message, ct).ConfigureAwait(false);
        return prepared.Result(published, info, null);
    }

    private async ValueTask<JsonObject> SendMessageBatchAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var entries = CheckBatch(input, "SendMessageBatchRequestEntry");
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var total = 0L;
        foreach (var entry in entries)
        {
            // Only well-formed bodies count here: a mistyped body fails its own entry in Prepare, not the whole batch.
            var body = entry["MessageBody"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";
            total += Encoding.UTF8.GetByteCount(body) + AttributesSize(entry["MessageAttributes"] as JsonObject);
        }

        if (total > MaxBatchBytes)
        {
            throw new SqsException(SqsError.BatchRequestTooLong, $"Batch requests cannot be longer than {MaxBatchBytes} bytes. You have sent {total} bytes.");
        }

        var successful = new JsonArray();
        var failed = new JsonArray();
        var ready = new List<(string Id, Prepared Prepared)>(entries.Count);
        foreach (var entry in entries)
        {
            var id = SqsInput.String(entry, "Id")!;
            try
            {
                ready.Add((id, Prepare(entry, info)));
            }
            catch (SqsException ex)
            {
                failed.Add(Failure(id, ex.Error, ex));
            }
            catch (SluiceException ex)
            {
                failed.Add(Failure(id, SqsError.From(ex), ex));
            }
        }

        if (ready.Count > 0)
        {
            try
            {
                var results = await broker.PublishBatchAsync(name, [.. ready.Select(r => r.Prepared.Message)], ct).ConfigureAwait(false);
                for (var i = 0; i < ready.Count; i++)
                {
                    successful.Add(ready[i].Prepared.Result(results[i], info, ready[i].Id));
                }
            }
            catch (SluiceException ex) when (ex.ErrorCode != ErrorCodes.QueueNotFound)
            {
                var error = SqsError.From(ex);
                foreach (var (id, _) in ready)
                {
                    failed.Add(Failure(id, error, ex));
                }
            }
        }

        return new JsonObject { ["Successful"] = successful, ["Failed"] = failed };
    }

    /// <summary>A failed batch entry; a service-side failure is logged and answered with a generic message.</summary>
    private JsonObject Failure(string id, SqsError error, Exception exception)
    {
        if (!error.Sender)
        {
            SqsLog.BatchEntryFailed(logger, exception, id, error.QueryCode);
        }

        return Failure(id, error, exception.Message);
    }

    private static JsonObject Failure(string id, SqsError error, string message) => new()
    {
        ["Id"] = id,
        ["SenderFault"] = error.Sender,
        ["Code"] = error.QueryCode,
        ["Message"] = error.ClientMessage(message),
    };

    /// <summary>Checks a batch request's shape: 1-10 entries with distinct, well-formed ids.</summary>
    private static List<JsonObject> CheckBatch(JsonObject input, string entryName)
    {
        var entries = SqsInput.Entries(input);
        if (entries.Count == 0)
        {
            throw new SqsException(SqsError.EmptyBatchRequest, $"There should be at least one {entryName} in the request.");
        }

        if (entries.Count > MaxBatchEntries)
        {
            throw new SqsException(SqsError.TooManyEntriesInBatchRequest, $"Maximum number of entries per request are {MaxBatchEntries}. You have sent {entries.Count}.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var id = SqsInput.String(entry, "Id");
            if (id is null)
            {
                throw SqsException.Missing($"{entryName}.Id");
            }

            if (id.Length is 0 or > 80 || id.AsSpan().ContainsAnyExcept(BatchIdChars))
            {
                throw new SqsException(SqsError.InvalidBatchEntryId,
                    $"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
            }

            if (!ids.Add(id))
            {
                throw new SqsException(SqsError.BatchEntryIdsNotDistinct, $"Id {id} repeated.");
            }
        }

        return entries;
    }

    /// <summary>A validated message and what its result reports.</summary>
    private sealed record Prepared(OutgoingMessage Message, string BodyMd5, string? AttributesMd5, string? SystemMd5)
    {
        public JsonObject Result(PublishResult published, QueueInfo info, string? id)
        {
            var result = new JsonObject();
            if (id is not null)
            {
                result["Id"] = id;
            }

            result["MessageId"] = published.MessageId.ToString();
            result["MD5OfMessageBody"] = BodyMd5;
            if (AttributesMd5 is not null)
            {
                result["MD5OfMessageAttributes"] = AttributesMd5;
            }

            if (SystemMd5 is not null)
            {
                result["MD5OfMessageSystemAttributes"] = SystemMd5;
            }

            if (info.Options.Fifo)
            {
                result["SequenceNumber"] = published.SequenceNumber.ToString(CultureInfo.InvariantCulture);
            }

            return result;
        }
    }

    private static Prepared Prepare(JsonObject entry, QueueInfo info)
    {
        var body = SqsInput.String(entry, "MessageBody") ?? throw SqsException.Missing("MessageBody");
        if (body.Length == 0)
        {
            throw SqsException.Invalid("MessageBody", "", "Message must be at least one character.");
        }

        CheckCharacters(body);
        var attributes = MessageAttributes(entry, "MessageAttributes");
        var system = MessageAttributes(entry, "MessageSystemAttributes");
        foreach (var key in system.Keys)
        {
            if (key != TraceAttribute || system[key].DataType != "String")
            {
                throw SqsException.Invalid("MessageSystemAttributes", key, "only AWSTraceHeader of DataType String is supported.");
            }
        }

        if (attributes.ContainsKey(TraceAttribute))
        {
            throw SqsException.Invalid("MessageAttributes", TraceAttribute, "this name is reserved for the AWSTraceHeader system attribute.");
        }

        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var size = bodyBytes.Length + AttributesSize(entry["MessageAttributes"] as JsonObject);
        if (size > info.Options.MaxMessageSize)
        {
            throw new SqsException(SqsError.InvalidParameterValue,
                $"One or more parameters are invalid. Reason: Message must be shorter than {info.Options.MaxMessageSize} bytes.");
        }

        var delay = SqsInput.Int(entry, "DelaySeconds", 0, 900, SqsUnit.Seconds);
        var group = SqsInput.String(entry, "MessageGroupId");
        var dedup = SqsInput.String(entry, "MessageDeduplicationId");
        SqsInput.CheckId(group, "MessageGroupId");
        SqsInput.CheckId(dedup, "MessageDeduplicationId");
        if (info.Options.Fifo)
        {
            if (delay is > 0)
            {
                throw SqsException.Invalid("DelaySeconds", delay, "The request include parameter that is not valid for this queue type.");
            }

            delay = null;
            if (group is null)
            {
                throw SqsException.Missing("MessageGroupId");
            }

            if (dedup is null && !info.Options.ContentBasedDeduplication)
            {
                throw new SqsException(SqsError.InvalidParameterValue,
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
            }
        }
        else if (dedup is not null)
        {
            throw SqsException.Invalid("MessageDeduplicationId", dedup, "The request include parameter that is not valid for this queue type.");
        }

        var stored = attributes;
        if (system.TryGetValue(TraceAttribute, out var trace))
        {
            stored = new Dictionary<string, MessageAttributeValue>(attributes, StringComparer.Ordinal) { [TraceAttribute] = trace };
        }

        var message = new OutgoingMessage(bodyBytes)
        {
            Attributes = stored.Count > 0 ? stored : null,
            Delay = delay is { } d ? TimeSpan.FromSeconds(d) : null,
            MessageGroupId = group,
            DeduplicationId = dedup,
        };
        if (attributes.Count > 0)
        {
            Validation.Attributes(attributes, "MessageAttributes");
        }

        Validation.Message(message with { Attributes = attributes.Count > 0 ? attributes : null }, info.Options);
        return new Prepared(message, SqsMd5.OfBytes(bodyBytes), SqsMd5.OfAttributes(attributes), SqsMd5.OfAttributes(system));
    }

    private static long AttributesSize(JsonObject? attributes)
    {
        if (attributes is null)
        {
            return 0;
        }

        long size = 0;
        foreach (var (name, value) in attributes)
        {
            size += Encoding.UTF8.GetByteCount(name);
            if (value is JsonObject v)
            {
                foreach (var (member, node) in v)
                {
                    if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String)
                    {
                        var text = s.GetValue<string>();
                        size += member == "BinaryValue" ? text.Length * 3 / 4 : Encoding.UTF8.GetByteCount(text);
                    }
                }
            }
        }

        return size;
    }

    /// <summary>Rejects characters SQS does not allow: only #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.</summary>
    private static void CheckCharacters(string body)
    {
        if (!SqsInput.IsAllowedText(body))
        {
            throw new SqsException(SqsError.InvalidMessageContents, SqsInput.InvalidCharacters);
        }
    }

    /// <summary>Checks an attribute's data type: String, Number or Binary, then an optional custom suffix of letters, digits, _ - and .</summary>
    private static void CheckDataType(string name, string type)
    {
        var baseLength = type.StartsWith("String", StringComparison.Ordinal) ? 6
            : type.StartsWith("Number", StringComparison.Ordinal) ? 6
            : type.StartsWith("Binary", StringComparison.Ordinal) ? 6
            : -1;
        var ok = baseLength > 0 && type.Length <= 256 &&
                 (type.Length == baseLength || (type[baseLength] == '.' && !type.AsSpan(baseLength + 1).ContainsAnyExcept(DataTypeChars)));
        if (!ok)
        {
            throw new SqsException(SqsError.InvalidParameterValue,
                $"The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
        }
    }

    private static Dictionary<string, MessageAttributeValue> MessageAttributes(JsonObject entry, string member)
    {
        var result = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        switch (entry[member])
        {
            case null:
                return result;
            case JsonObject map:
                if (map.Count > Validation.MaxAttributes)
                {
                    throw new SqsException(SqsError.InvalidParameterValue,
                        $"Number of message attributes [{map.Count}] exceeds the allowed maximum [{Validation.MaxAttributes}].");
                }

                foreach (var (name, node) in map)
                {
                    if (name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new SqsException(SqsError.InvalidParameterValue,
                            "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use.");
                    }

                    if (node is not JsonObject value)
                    {
                        throw SqsException.Invalid($"{member}.{name}", node?.ToJsonString(), "must be a structure with DataType and a value.");
                    }

                    var type = SqsInput.String(value, "DataType");
                    if (string.IsNullOrEmpty(type))
                    {
                        throw new SqsException(SqsError.InvalidParameterValue, $"The message attribute '{name}' must contain non-empty message attribute type.");
                    }

                    CheckDataType(name, type);

                    var text = SqsInput.String(value, "StringValue");
                    var binary = SqsInput.String(value, "BinaryValue");
                    if (type.StartsWith("Binary", StringComparison.Ordinal))
                    {
                        if (string.IsNullOrEmpty(binary))
                        {
                            throw new SqsException(SqsError.InvalidParameterValue, $"The message attribute '{name}' with type 'Binary' must use field 'Binary'.");
                        }

                        byte[] bytes;
                        try
                        {
                            bytes = Convert.FromBase64String(binary);
                        }
                        catch (FormatException ex)
                        {
                            throw new SqsException(SqsError.InvalidParameterValue, $"The message attribute '{name}' has a BinaryValue that is not valid base64.", ex);
                        }

                        result[name] = new MessageAttributeValue(type, null, bytes);
                    }
                    else
                    {
                        if (string.IsNullOrEmpty(text))
                        {
                            throw new SqsException(SqsError.InvalidParameterValue, $"The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{type}'.");
                        }

                        CheckCharacters(text);
                        if (type.StartsWith("Number", StringComparison.Ordinal) && !Validation.IsNumber(text))
                        {
                            throw new SqsException(SqsError.InvalidParameterValue,
                                $"The message attribute '{name}' has type '{type}' but its value '{Validation.Quote(text)}' is not a number: use an optional sign, digits, an optional fraction and exponent (1E+100), at most {Validation.MaxNumberDigits} significant digits, magnitude 10^{Validation.MinNumberExponent} to 10^+{Validation.MaxNumberExponent}.");
                        }

                        result[name] = new MessageAttributeValue(type, text);
                    }
                }

                return result;
            case var other:
                throw SqsException.Invalid(member, other.ToJsonString(), "must be a map.");
        }
    }

    private async ValueTask<JsonObject> ReceiveMessageAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var max = SqsInput.Int(input, "MaxNumberOfMessages", 1, 10) ?? 1;
        var wait = SqsInput.Int(input, "WaitTimeSeconds", 0, 20, SqsUnit.Seconds);
        var visibility = SqsInput.Int(input, "VisibilityTimeout", 0, 43_200, SqsUnit.Seconds);
        var attemptId = SqsInput.String(input, "ReceiveRequestAttemptId");
        SqsInput.CheckId(attemptId, "ReceiveRequestAttemptId");
        var systemNames = SqsInput.Strings(input, "AttributeNames");
        systemNames.AddRange(SqsInput.Strings(input, "MessageSystemAttributeNames"));
        var attributeNames = SqsInput.Strings(input, "MessageAttributeNames");
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        if (attemptId is not null && !info.Options.Fifo)
        {
            attemptId = null;
        }

        IReadOnlyList<QueueMessage> messages;
        try
        {
            messages = await broker.ReceiveAsync(name, new ReceiveOptions
            {
                MaxMessages = max,
                WaitTime = wait is { } w ? TimeSpan.FromSeconds(w) : null,
                VisibilityTimeout = visibility is { } v ? TimeSpan.FromSeconds(v) : null,
                ReceiveRequestAttemptId = attemptId,
            }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            messages = [];
        }
        catch (SluiceException ex) when (ex is { ErrorCode: ErrorCodes.InvalidArgument, Field: "receiveRequestAttemptId" })
        {
            // A retry after a message of the attempt was deleted or had its visibility changed: SQS's answer and text.
            throw new SqsException(SqsError.InvalidParameterValue,
                $"Value {attemptId} for parameter ReceiveRequestAttemptId is invalid. Reason: The receiveRequestAttemptId is not valid anymore since the receive call is not retryable.", ex);
        }

        var result = new JsonObject();
        if (messages.Count == 0)
        {
            return result;
        }

        var allSystem = systemNames.Contains("All");
        var list = new JsonArray();
        foreach (var m in messages)
        {
            list.Add(RenderMessage(m, info.Options.Fifo, env, allSystem, systemNames, attributeNames));
        }

        result["Messages"] = list;
        return result;
    }

    /// <summary>
    /// The AWSTraceHeader system attribute: as the producer sent it on this face, else the W3C trace context another
    /// face (or the broker's publish span) recorded, in the X-Ray format AWS maps it to.
    /// </summary>
    private static string? TraceHeader(IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        if (attributes.TryGetValue(TraceAttribute, out var aws) && aws.StringValue is { } header)
        {
            return header;
        }

        return attributes.TryGetValue(TraceContext.TraceParent, out var parent) &&
               System.Diagnostics.ActivityContext.TryParse(parent.StringValue, null, out var context)
            ? TraceContext.ToAwsTraceHeader(context)
            : null;
    }

    private static JsonObject RenderMessage(QueueMessage m, bool fifo, SqsEnv env, bool allSystem, List<string> systemNames, List<string> attributeNames)
    {
        var body = Encoding.UTF8.GetString(m.Body.Span);
        var message = new JsonObject
        {
            ["MessageId"] = m.MessageId.ToString(),
            ["ReceiptHandle"] = m.ReceiptHandle,
            // Valid UTF-8 (every body sent through SQS) hashes as stored; other bytes hash as the text the client sees.
            ["MD5OfBody"] = System.Text.Unicode.Utf8.IsValid(m.Body.Span) ? SqsMd5.OfBytes(m.Body.Span) : SqsMd5.OfText(body),
            ["Body"] = body,
        };
        if (allSystem || systemNames.Count > 0)
        {
            var attrs = new JsonObject();
            foreach (var key in SystemAttributeNames)
            {
                if (!allSystem && !systemNames.Contains(key))
                {
                    continue;
                }

                var value = key switch
                {
                    "SenderId" => env.Account,
                    "SentTimestamp" => m.SentAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                    "ApproximateReceiveCount" => m.ReceiveCount.ToString(CultureInfo.InvariantCulture),
                    "ApproximateFirstReceiveTimestamp" => (m.FirstReceivedAt ?? m.SentAt).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                    "SequenceNumber" => fifo ? m.SequenceNumber.ToString(CultureInfo.InvariantCulture) : null,
                    "MessageDeduplicationId" => fifo ? m.DeduplicationId : null,
                    "MessageGroupId" => m.MessageGroupId,
                    "AWSTraceHeader" => TraceHeader(m.Attributes),
                    "DeadLetterQueueSourceArn" => m.DeadLetter is { } dl ? env.Arn(dl.SourceQueue) : null,
                    _ => null,
                };
                if (value is not null)
                {
                    attrs[key] = value;
                }
            }

            if (attrs.Count > 0)
            {
                message["Attributes"] = attrs;
            }
        }

        if (attributeNames.Count > 0 && m.Attributes.Count > 0)
        {
            // Trace context travels in AWSTraceHeader on this face; the W3C attributes other faces carry stay out of MessageAttributes.
            var selected = m.Attributes.Where(a => a.Key is not (TraceAttribute or TraceContext.TraceParent or TraceContext.TraceState) && Wanted(a.Key, attributeNames)).ToList();
            if (selected.Count > 0)
            {
                var map = new JsonObject();
                foreach (var (key, value) in selected.OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    var v = new JsonObject();
                    if (value.BinaryValue is { } bin)
                    {
                        v["BinaryValue"] = Convert.ToBase64String(bin.Span);
                    }
                    else
                    {
                        v["StringValue"] = value.StringValue;
                    }

                    v["DataType"] = value.DataType;
                    map[key] = v;
                }

                message["MD5OfMessageAttributes"] = SqsMd5.OfAttributes(selected);
                message["MessageAttributes"] = map;
            }
        }

        return message;
    }

    private static bool Wanted(string name, List<string> patterns)
    {
        foreach (var p in patterns)
        {
            // "All", ".*" and "prefix.*" (every name starting with prefix, as SQS documents it).
            if (p == "All" || p == name ||
                (p.EndsWith(".*", StringComparison.Ordinal) && name.StartsWith(p[..^2], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask<JsonObject> DeleteMessageAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var handle = SqsInput.RequiredString(input, "ReceiptHandle");
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var outcome = (await broker.AckBatchAsync(name, [handle], ct).ConfigureAwait(false))[0];
        if (DeleteError(outcome, info, handle) is { } error)
        {
            throw error;
        }

        return [];
    }

    private async ValueTask<JsonObject> DeleteMessageBatchAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var entries = CheckBatch(input, "DeleteMessageBatchRequestEntry");
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var successful = new JsonArray();
        var failed = new JsonArray();
        var handles = new List<(string Id, string Handle)>(entries.Count);
        foreach (var entry in entries)
        {
            var id = SqsInput.String(entry, "Id")!;
            try
            {
                handles.Add((id, SqsInput.RequiredString(entry, "ReceiptHandle")));
            }
            catch (SqsException ex)
            {
                failed.Add(Failure(id, ex.Error, ex));
            }
        }

        if (handles.Count > 0)
        {
            var outcomes = await broker.AckBatchAsync(name, [.. handles.Select(h => h.Handle)], ct).ConfigureAwait(false);
            for (var i = 0; i < handles.Count; i++)
            {
                if (DeleteError(outcomes[i], info, handles[i].Handle) is { } error)
                {
                    failed.Add(Failure(handles[i].Id, error.Error, error));
                }
                else
                {
                    successful.Add(new JsonObject { ["Id"] = handles[i].Id });
                }
            }
        }

        return new JsonObject { ["Successful"] = successful, ["Failed"] = failed };
    }

    /// <summary>
    /// SQS delete semantics over the broker's ack: an old handle or an already-deleted message is success on a
    /// standard queue; a FIFO queue refuses an expired handle.
    /// </summary>
    private static SqsException? DeleteError(BatchItemResult outcome, QueueInfo info, string handle) => outcome.ErrorCode switch
    {
        null => null,
        ErrorCodes.MessageNotFound => null,
        ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotInFlight when !info.Options.Fifo => null,
        ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotInFlight =>
            SqsException.Invalid("ReceiptHandle", handle, "The receipt handle has expired."),
        ErrorCodes.ReceiptHandleInvalid => new SqsException(SqsError.ReceiptHandleIsInvalid, $"The input receipt handle \"{handle}\" is not a valid receipt handle."),
        var code => new SqsException(SqsError.From(new SluiceException(code, outcome.ErrorMessage ?? code)), outcome.ErrorMessage ?? code),
    };

    private async ValueTask<JsonObject> ChangeMessageVisibilityAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var handle = SqsInput.RequiredString(input, "ReceiptHandle");
        var timeout = SqsInput.Int(input, "VisibilityTimeout", 0, 43_200, SqsUnit.Seconds) ?? throw SqsException.Missing("VisibilityTimeout");
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        if (await ChangeVisibilityAsync(name, info, handle, timeout, ct).ConfigureAwait(false) is { } error)
        {
            throw error;
        }

        return [];
    }

    private async ValueTask<JsonObject> ChangeMessageVisibilityBatchAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var entries = CheckBatch(input, "ChangeMessageVisibilityBatchRequestEntry");
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var successful = new JsonArray();
        var failed = new JsonArray();
        foreach (var entry in entries)
        {
            var id = SqsInput.String(entry, "Id")!;
            SqsException? error;
            try
            {
                var handle = SqsInput.RequiredString(entry, "ReceiptHandle");
                var timeout = SqsInput.Int(entry, "VisibilityTimeout", 0, 43_200, SqsUnit.Seconds) ?? throw SqsException.Missing("VisibilityTimeout");
                error = await ChangeVisibilityAsync(name, info, handle, timeout, ct).ConfigureAwait(false);
            }
            catch (SqsException ex)
            {
                error = ex;
            }

            if (error is null)
            {
                successful.Add(new JsonObject { ["Id"] = id });
            }
            else
            {
                failed.Add(Failure(id, error.Error, error));
            }
        }

        return new JsonObject { ["Successful"] = successful, ["Failed"] = failed };
    }

    private async ValueTask<SqsException?> ChangeVisibilityAsync(string name, QueueInfo info, string handle, int timeout, CancellationToken ct)
    {
        try
        {
            await broker.ExtendLeaseAsync(name, handle, TimeSpan.FromSeconds(timeout), ct).ConfigureAwait(false);
            return null;
        }
        catch (SluiceException ex)
        {
            return ex.ErrorCode switch
            {
                ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotInFlight when !info.Options.Fifo => null,
                ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotInFlight =>
                    SqsException.Invalid("ReceiptHandle", handle, "The receipt handle has expired."),
                ErrorCodes.MessageNotFound => SqsException.Invalid("ReceiptHandle", handle,
                    "Message does not exist or is not available for visibility timeout change."),
                ErrorCodes.InvalidArgument when ex.Field == "visibilityTimeout" =>
                    SqsException.Invalid("VisibilityTimeout", timeout, "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]"),
                ErrorCodes.ReceiptHandleInvalid => new SqsException(SqsError.ReceiptHandleIsInvalid, $"The input receipt handle \"{handle}\" is not a valid receipt handle."),
                ErrorCodes.QueueNotFound => throw SqsException.NoQueue(),
                _ => new SqsException(SqsError.From(ex), ex.Message, ex),
            };
        }
    }
}
