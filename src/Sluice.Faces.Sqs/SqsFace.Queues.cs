using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sluice.Faces.Sqs;

internal sealed partial class SqsFace
{
    private const string LastModifiedProperty = "LastModifiedTimestamp";

    private static readonly HashSet<string> FifoOnly = new(StringComparer.Ordinal)
    {
        "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    };

    private static readonly HashSet<string> StoredProperties = new(StringComparer.Ordinal)
    {
        "Policy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "RedriveAllowPolicy", "FifoThroughputLimit",
    };

    /// <summary>Attributes that an empty value removes (as SQS: <c>SetQueueAttributes Policy=""</c> deletes the policy).</summary>
    private static readonly HashSet<string> ClearedByEmptyValue = new(StringComparer.Ordinal)
    {
        "Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId",
    };

    /// <summary>SQS's policy quotas: size in bytes, statements, actions per statement, principals, conditions.</summary>
    private const int MaxPolicyBytes = 8192;
    private static readonly string PolicyRule = $"Must be a JSON object of at most {MaxPolicyBytes} UTF-8 bytes.";
    private const int MaxPolicyStatements = 20;
    private const int MaxPolicyActions = 7;
    private const int MaxPolicyPrincipals = 50;
    private const int MaxPolicyConditions = 10;

    /// <summary>Longest KmsMasterKeyId (a KMS key id, alias or ARN), in characters.</summary>
    private const int MaxKmsKeyIdLength = 2048;

    /// <summary>Most tags on one queue; tag keys are 1-128 characters, values 0-256.</summary>
    private const int MaxTags = 50;
    private const int MaxTagKeyLength = 128;
    private const int MaxTagValueLength = 256;

    private static readonly string[] ReadableAttributes =
    [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "QueueArn",
        "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "Policy", "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
        "FifoThroughputLimit",
    ];

    /// <summary>Runs one action on its JSON-shaped input.</summary>
    internal ValueTask<JsonObject> DispatchAsync(string action, JsonObject input, SqsEnv env, CancellationToken ct) => action switch
    {
        "CreateQueue" => CreateQueueAsync(input, env, ct),
        "GetQueueUrl" => GetQueueUrlAsync(input, env, ct),
        "ListQueues" => ListQueuesAsync(input, env, ct),
        "DeleteQueue" => DeleteQueueAsync(input, env, ct),
        "GetQueueAttributes" => GetQueueAttributesAsync(input, env, ct),
        "SetQueueAttributes" => SetQueueAttributesAsync(input, env, ct),
        "PurgeQueue" => PurgeQueueAsync(input, env, ct),
        "TagQueue" => TagQueueAsync(input, env, ct),
        "UntagQueue" => UntagQueueAsync(input, env, ct),
        "ListQueueTags" => ListQueueTagsAsync(input, env, ct),
        "ListDeadLetterSourceQueues" => ListDeadLetterSourceQueuesAsync(input, env, ct),
        "AddPermission" => AddPermissionAsync(input, env, ct),
        "RemovePermission" => RemovePermissionAsync(input, env, ct),
        "SendMessage" => SendMessageAsync(input, env, ct),
        "SendMessageBatch" => SendMessageBatchAsync(input, env, ct),
        "ReceiveMessage" => ReceiveMessageAsync(input, env, ct),
        "DeleteMessage" => DeleteMessageAsync(input, env, ct),
        "DeleteMessageBatch" => DeleteMessageBatchAsync(input, env, ct),
        "ChangeMessageVisibility" => ChangeMessageVisibilityAsync(input, env, ct),
        "ChangeMessageVisibilityBatch" => ChangeMessageVisibilityBatchAsync(input, env, ct),
        "StartMessageMoveTask" => StartMessageMoveTaskAsync(input, env, ct),
        "ListMessageMoveTasks" => ListMessageMoveTasksAsync(input, env, ct),
        "CancelMessageMoveTask" => CancelMessageMoveTaskAsync(input, env, ct),
        "" => throw new SqsException(SqsError.MissingAction, "The request must contain the parameter Action."),
        _ => throw new SqsException(SqsError.InvalidAction, $"The action {action} is not valid for this web service."),
    };

    private async ValueTask<QueueInfo> QueueAsync(string name, CancellationToken ct)
    {
        try
        {
            return await broker.GetQueueAsync(name, ct).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode is ErrorCodes.QueueNotFound or ErrorCodes.InvalidQueueName)
        {
            throw SqsException.NoQueue();
        }
    }

    private async ValueTask<JsonObject> CreateQueueAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var sqsName = SqsInput.RequiredString(input, "QueueName");
        if (!SqsEnv.IsSqsName(sqsName))
        {
            throw SqsException.Invalid("QueueName", sqsName, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
        }

        var name = env.BrokerName(sqsName);

        var attributes = SqsInput.StringMap(input, "Attributes");
        var tags = SqsInput.StringMap(input, "tags");
        if (tags.Count == 0)
        {
            tags = SqsInput.StringMap(input, "Tags");
        }

        CheckTags(tags, sqsName);
        var fifoName = name.EndsWith(QueueOptions.FifoSuffix, StringComparison.Ordinal);
        var fifo = attributes.TryGetValue("FifoQueue", out var f) && ParseBool("FifoQueue", f);
        if (fifo != fifoName)
        {
            throw fifo
                ? new SqsException(SqsError.InvalidParameterValue, "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
                : SqsException.Invalid("QueueName", sqsName, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
        }

        for (var attempt = 0; ; attempt++)
        {
            var existing = await TryGetQueueAsync(name, ct).ConfigureAwait(false);
            if (existing is not null)
            {
                var differing = await DifferingAsync(name, existing.Options, attributes, tags, env, ct).ConfigureAwait(false);
                if (differing.Count > 0)
                {
                    throw new SqsException(SqsError.QueueNameExists, $"A queue already exists with the same name and a different value for attribute(s) {string.Join(", ", differing)}");
                }

                return new JsonObject { ["QueueUrl"] = env.QueueUrl(name) };
            }

            var options = await ApplyAttributesAsync(name, new QueueOptions { Fifo = fifo }, attributes, env, compareOnly: false, ct).ConfigureAwait(false);
            options = options with { Tags = tags };
            try
            {
                await broker.CreateQueueAsync(name, options, ct).ConfigureAwait(false);
                return new JsonObject { ["QueueUrl"] = env.QueueUrl(name) };
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueAlreadyExists && attempt == 0)
            {
                // Created concurrently: compare against what is there now.
            }
            catch (SluiceException ex) when (ex.ErrorCode is ErrorCodes.InvalidArgument)
            {
                throw new SqsException(ex.Field == "tags" ? SqsError.InvalidParameterValue : SqsError.InvalidAttributeValue, ex.Message, ex);
            }
        }
    }

    /// <summary>
    /// What a CreateQueue on an existing queue asks for that the queue does not have: each attribute it names whose
    /// value differs, and <c>tags</c> when it gives tags other than the queue's.
    /// </summary>
    private async ValueTask<List<string>> DifferingAsync(string name, QueueOptions existing, Dictionary<string, string> attributes,
        Dictionary<string, string> tags, SqsEnv env, CancellationToken ct)
    {
        var differing = new List<string>();
        var effective = WithoutDefaults(existing);
        foreach (var (key, value) in attributes)
        {
            var one = new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value };
            if (!WithoutDefaults(await ApplyAttributesAsync(name, existing, one, env, compareOnly: true, ct).ConfigureAwait(false)).Equals(effective))
            {
                differing.Add(key);
            }
        }

        if (tags.Count > 0 && !(existing with { Tags = tags }).Equals(existing))
        {
            differing.Add("tags");
        }

        return differing;
    }

    /// <summary>
    /// SQS's value of a stored attribute the queue was never given, and whether GetQueueAttributes shows it (as SQS
    /// does): SSE-SQS is on unless a KMS key is set; a KMS key's data key is reused for 300 seconds (shown with a KMS
    /// key); a FIFO queue's throughput limit is <c>perQueue</c>. Null for attributes without a default (Policy, ...).
    /// </summary>
    private static (string Value, bool Shown)? DefaultProperty(QueueOptions o, string key)
    {
        var kms = o.Properties.ContainsKey("KmsMasterKeyId");
        return key switch
        {
            "SqsManagedSseEnabled" => (kms ? "false" : "true", true),
            "KmsDataKeyReusePeriodSeconds" => ("300", kms),
            "FifoThroughputLimit" when o.Fifo => ("perQueue", true),
            _ => null,
        };
    }

    /// <summary>The options with every stored attribute that has its default value removed, so defaults compare equal to values given.</summary>
    private static QueueOptions WithoutDefaults(QueueOptions o)
    {
        var properties = new Dictionary<string, string>(o.Properties, StringComparer.Ordinal);
        foreach (var key in StoredProperties)
        {
            if (properties.TryGetValue(key, out var value) && DefaultProperty(o, key)?.Value == value)
            {
                properties.Remove(key);
            }
        }

        return o with { Properties = properties };
    }

    private async ValueTask<QueueInfo?> TryGetQueueAsync(string name, CancellationToken ct)
    {
        try
        {
            return await broker.GetQueueAsync(name, ct).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueNotFound)
        {
            return null;
        }
    }

    private async ValueTask<JsonObject> GetQueueUrlAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var sqsName = SqsInput.RequiredString(input, "QueueName");
        var owner = SqsInput.String(input, "QueueOwnerAWSAccountId");
        if (!SqsEnv.IsSqsName(sqsName) || (owner is not null && owner != env.Account))
        {
            throw SqsException.NoQueue();
        }

        var name = env.BrokerName(sqsName);

        await QueueAsync(name, ct).ConfigureAwait(false);
        return new JsonObject { ["QueueUrl"] = env.QueueUrl(name) };
    }

    private async ValueTask<JsonObject> ListQueuesAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var prefix = SqsInput.String(input, "QueueNamePrefix") ?? "";
        var max = SqsInput.Int(input, "MaxResults", 1, 1000);
        var after = DecodeToken(SqsInput.String(input, "NextToken"));
        var names = (await broker.ListQueuesAsync(ct).ConfigureAwait(false))
            .Select(q => q.Name)
            .Where(n => env.InRegion(n) && env.SqsName(n).StartsWith(prefix, StringComparison.Ordinal))
            .Where(n => after is null || string.CompareOrdinal(n, after) > 0)
            .ToList();
        return Page(names, max, "QueueUrls", env);
    }

    private static JsonObject Page(List<string> names, int? max, string member, SqsEnv env)
    {
        names.Sort(StringComparer.Ordinal);
        var take = Math.Min(names.Count, max ?? 1000);
        var result = new JsonObject();
        if (take > 0)
        {
            result[member] = new JsonArray([.. names.Take(take).Select(n => (JsonNode?)env.QueueUrl(n))]);
        }

        if (max is not null && names.Count > take)
        {
            result["NextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(names[take - 1]));
        }

        return result;
    }

    private static string? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException ex)
        {
            throw new SqsException(SqsError.InvalidParameterValue, $"Invalid NextToken value {token}.", ex);
        }
    }

    private async ValueTask<JsonObject> DeleteQueueAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        await QueueAsync(name, ct).ConfigureAwait(false);

        // SQS lets a dead-letter queue be deleted while sources still name it: detach them first.
        foreach (var source in (await broker.ListQueuesAsync(ct).ConfigureAwait(false)).Where(q => q.Name != name && q.Options.DeadLetterQueue == name))
        {
            await broker.UpdateQueueAsync(source.Name, source.Options with { DeadLetterQueue = null, MaxReceiveCount = null }, ct).ConfigureAwait(false);
        }

        try
        {
            await broker.DeleteQueueAsync(name, ct).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueNotFound)
        {
            throw SqsException.NoQueue();
        }

        return [];
    }

    private async ValueTask<JsonObject> PurgeQueueAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        await QueueAsync(name, ct).ConfigureAwait(false);
        await broker.PurgeAsync(name, ct).ConfigureAwait(false);
        return [];
    }

    private async ValueTask<JsonObject> GetQueueAttributesAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var wanted = SqsInput.Strings(input, "AttributeNames");
        foreach (var n in wanted)
        {
            if (n != "All" && !ReadableAttributes.Contains(n))
            {
                throw new SqsException(SqsError.InvalidAttributeName, $"Unknown Attribute {n}.");
            }
        }

        var all = wanted.Contains("All");
        var result = new JsonObject();
        if (wanted.Count == 0)
        {
            return result;
        }

        var stats = wanted.Any(n => all || n.StartsWith("ApproximateNumberOfMessages", StringComparison.Ordinal))
            ? await broker.GetStatsAsync(name, ct).ConfigureAwait(false)
            : null;
        var map = new JsonObject();
        foreach (var (key, value) in RenderAttributes(info, stats, env))
        {
            if (all || wanted.Contains(key))
            {
                map[key] = value;
            }
        }

        if (map.Count > 0)
        {
            result["Attributes"] = map;
        }

        return result;
    }

    private static IEnumerable<(string Key, string Value)> RenderAttributes(QueueInfo info, QueueStats? stats, SqsEnv env)
    {
        var o = info.Options;
        static string S(double seconds) => ((long)seconds).ToString(CultureInfo.InvariantCulture);
        if (stats is not null)
        {
            yield return ("ApproximateNumberOfMessages", stats.Ready.ToString(CultureInfo.InvariantCulture));
            yield return ("ApproximateNumberOfMessagesNotVisible", stats.InFlight.ToString(CultureInfo.InvariantCulture));
            yield return ("ApproximateNumberOfMessagesDelayed", stats.Delayed.ToString(CultureInfo.InvariantCulture));
        }

        var created = info.CreatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        yield return ("CreatedTimestamp", created);
        yield return ("LastModifiedTimestamp", o.Properties.TryGetValue(LastModifiedProperty, out var lm) ? lm : created);
        yield return ("DelaySeconds", S(o.DeliveryDelay.TotalSeconds));
        yield return ("MaximumMessageSize", o.MaxMessageSize.ToString(CultureInfo.InvariantCulture));
        yield return ("MessageRetentionPeriod", S(o.RetentionPeriod.TotalSeconds));
        yield return ("QueueArn", env.Arn(info.Name));
        yield return ("ReceiveMessageWaitTimeSeconds", S(o.ReceiveWaitTime.TotalSeconds));
        yield return ("VisibilityTimeout", S(o.VisibilityTimeout.TotalSeconds));
        if (o.DeadLetterQueue is { } dlq)
        {
            var policy = new JsonObject { ["deadLetterTargetArn"] = env.Arn(dlq), ["maxReceiveCount"] = o.MaxReceiveCount ?? 1 };
            yield return ("RedrivePolicy", policy.ToJsonString());
        }

        foreach (var key in StoredProperties)
        {
            if (o.Fifo || !FifoOnly.Contains(key))
            {
                if (o.Properties.TryGetValue(key, out var value))
                {
                    yield return (key, value);
                }
                else if (DefaultProperty(o, key) is { Shown: true } fallback)
                {
                    yield return (key, fallback.Value);
                }
            }
        }

        if (o.Fifo)
        {
            yield return ("FifoQueue", "true");
            yield return ("ContentBasedDeduplication", o.ContentBasedDeduplication ? "true" : "false");
            yield return ("DeduplicationScope", o.DeduplicationScope == DeduplicationScope.MessageGroup ? "messageGroup" : "queue");
        }
    }

    private async ValueTask<JsonObject> SetQueueAttributesAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var attributes = SqsInput.StringMap(input, "Attributes");
        if (input["Attributes"] is null)
        {
            throw SqsException.Missing("Attributes");
        }

        var options = await ApplyAttributesAsync(name, info.Options, attributes, env, compareOnly: false, ct).ConfigureAwait(false);
        await UpdateAsync(name, options, ct).ConfigureAwait(false);
        return [];
    }

    private async ValueTask UpdateAsync(string name, QueueOptions options, CancellationToken ct)
    {
        var properties = new Dictionary<string, string>(options.Properties, StringComparer.Ordinal)
        {
            [LastModifiedProperty] = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            await broker.UpdateQueueAsync(name, options with { Properties = properties }, ct).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.InvalidArgument)
        {
            throw new SqsException(ex.Field == "tags" ? SqsError.InvalidParameterValue : SqsError.InvalidAttributeValue, ex.Message, ex);
        }
    }

    /// <summary>Applies SQS queue attributes to options, with SQS's names, ranges and errors.</summary>
    private async ValueTask<QueueOptions> ApplyAttributesAsync(string name, QueueOptions current, Dictionary<string, string> attributes,
        SqsEnv env, bool compareOnly, CancellationToken ct)
    {
        var o = current;
        var properties = new Dictionary<string, string>(current.Properties, StringComparer.Ordinal);
        foreach (var (key, value) in attributes)
        {
            if (FifoOnly.Contains(key) && !current.Fifo)
            {
                throw new SqsException(SqsError.InvalidAttributeName, $"Unknown Attribute {key}.");
            }

            if (value.Length == 0 && ClearedByEmptyValue.Contains(key))
            {
                if (key == "RedrivePolicy")
                {
                    o = o with { DeadLetterQueue = null, MaxReceiveCount = null };
                }
                else
                {
                    properties.Remove(key);
                }

                continue;
            }

            switch (key)
            {
                case "DelaySeconds":
                    o = o with { DeliveryDelay = TimeSpan.FromSeconds(AttributeInt(key, value, 0, 900, SqsUnit.Seconds)) };
                    break;
                case "MaximumMessageSize":
                    o = o with { MaxMessageSize = (int)AttributeInt(key, value, 1024, 1_048_576, SqsUnit.Bytes) };
                    break;
                case "MessageRetentionPeriod":
                    o = o with { RetentionPeriod = TimeSpan.FromSeconds(AttributeInt(key, value, 60, 1_209_600, SqsUnit.Seconds)) };
                    break;
                case "ReceiveMessageWaitTimeSeconds":
                    o = o with { ReceiveWaitTime = TimeSpan.FromSeconds(AttributeInt(key, value, 0, 20, SqsUnit.Seconds)) };
                    break;
                case "VisibilityTimeout":
                    o = o with { VisibilityTimeout = TimeSpan.FromSeconds(AttributeInt(key, value, 0, 43_200, SqsUnit.Seconds)) };
                    break;
                case "RedrivePolicy":
                    o = await ApplyRedrivePolicyAsync(name, o, value, env, compareOnly, ct).ConfigureAwait(false);
                    break;
                case "RedriveAllowPolicy":
                    ValidateRedriveAllowPolicy(value);
                    properties[key] = value;
                    break;
                case "FifoQueue":
                    if (ParseBool(key, value) != current.Fifo)
                    {
                        throw AttributeValue(key, current.Fifo
                            ? "The queue is FIFO (its name ends in .fifo): FifoQueue must be true; a queue's type cannot be changed."
                            : "The queue is standard: FifoQueue must be false; a FIFO queue is created with FifoQueue true and a name that ends in .fifo.");
                    }

                    break;
                case "ContentBasedDeduplication":
                    o = o with { ContentBasedDeduplication = ParseBool(key, value) };
                    break;
                case "DeduplicationScope":
                    o = o with
                    {
                        DeduplicationScope = value switch
                        {
                            "queue" => DeduplicationScope.Queue,
                            "messageGroup" => DeduplicationScope.MessageGroup,
                            _ => throw AttributeValue(key, "Must be queue or messageGroup."),
                        },
                    };
                    break;
                case "FifoThroughputLimit":
                    properties[key] = value is "perQueue" or "perMessageGroupId" ? value : throw AttributeValue(key, "Must be perQueue or perMessageGroupId.");
                    break;
                case "KmsDataKeyReusePeriodSeconds":
                    AttributeInt(key, value, 60, 86_400, SqsUnit.Seconds);
                    properties[key] = value;
                    break;
                case "SqsManagedSseEnabled":
                    properties[key] = ParseBool(key, value) ? "true" : "false";
                    break;
                case "Policy":
                    CheckPolicy(value);
                    properties[key] = value;
                    break;
                case "KmsMasterKeyId":
                    properties[key] = value.Length <= MaxKmsKeyIdLength ? value : throw AttributeValue(key, $"Must be at most {MaxKmsKeyIdLength} characters.");
                    break;
                default:
                    throw new SqsException(SqsError.InvalidAttributeName, $"Unknown Attribute {key}.");
            }
        }

        return o with { Properties = properties };
    }

    private async ValueTask<QueueOptions> ApplyRedrivePolicyAsync(string name, QueueOptions o, string value, SqsEnv env, bool compareOnly, CancellationToken ct)
    {
        JsonObject policy;
        try
        {
            policy = JsonNode.Parse(value) as JsonObject ?? throw PolicyValue("RedrivePolicy", value, "must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new SqsException(SqsError.InvalidAttributeValue, $"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.", ex);
        }

        string? arn;
        long? count;
        try
        {
            arn = SqsInput.String(policy, "deadLetterTargetArn");
            count = SqsInput.Long(policy, "maxReceiveCount");
        }
        catch (SqsException ex)
        {
            throw new SqsException(SqsError.InvalidAttributeValue, $"Value {value} for parameter RedrivePolicy is invalid. Reason: maxReceiveCount must be an integer and deadLetterTargetArn a string.", ex);
        }

        if (arn is null || count is null)
        {
            throw PolicyValue("RedrivePolicy", value, "Redrive policy does not contain mandatory attribute: " + (arn is null ? "deadLetterTargetArn" : "maxReceiveCount") + ".");
        }

        if (count is < 1 or > 1000)
        {
            throw PolicyValue("RedrivePolicy", value, $"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive.");
        }

        var dlq = env.QueueFromArn(arn) ?? throw PolicyValue("RedrivePolicy", value, $"Dead letter target does not exist: {arn}.");
        if (!compareOnly)
        {
            var target = await TryGetQueueAsync(dlq, ct).ConfigureAwait(false)
                ?? throw PolicyValue("RedrivePolicy", value, $"Dead letter target does not exist: {arn}.");
            if (target.Options.Fifo != o.Fifo)
            {
                throw PolicyValue("RedrivePolicy", value, "Dead-letter queue must be of the same type as the source queue (FIFO or standard).");
            }

            if (target.Options.Properties.TryGetValue("RedriveAllowPolicy", out var allow) && !RedriveAllowed(allow, name, env))
            {
                throw PolicyValue("RedrivePolicy", value, $"Queue {env.Arn(name)} is not allowed to use {arn} as its dead-letter queue (RedriveAllowPolicy).");
            }
        }

        return o with { DeadLetterQueue = dlq, MaxReceiveCount = (int)count };
    }

    private static bool RedriveAllowed(string allowPolicy, string source, SqsEnv env)
    {
        try
        {
            if (JsonNode.Parse(allowPolicy) is not JsonObject policy)
            {
                return true;
            }

            return SqsInput.String(policy, "redrivePermission") switch
            {
                "denyAll" => false,
                "byQueue" => policy["sourceQueueArns"] is JsonArray arns &&
                             arns.Any(a => a is JsonValue v && v.GetValueKind() == JsonValueKind.String && env.AnyRegionQueueFromArn(v.GetValue<string>()) == source),
                _ => true,
            };
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private static void ValidateRedriveAllowPolicy(string value)
    {
        try
        {
            if (JsonNode.Parse(value) is not JsonObject policy)
            {
                throw PolicyValue("RedriveAllowPolicy", value, "must be a JSON object.");
            }

            var permission = SqsInput.String(policy, "redrivePermission");
            if (permission is not ("allowAll" or "denyAll" or "byQueue"))
            {
                throw PolicyValue("RedriveAllowPolicy", value, "redrivePermission must be allowAll, denyAll or byQueue.");
            }

            var arns = policy["sourceQueueArns"] as JsonArray;
            if (permission == "byQueue" && (arns is null || arns.Count is 0 or > 10))
            {
                throw PolicyValue("RedriveAllowPolicy", value, "byQueue needs sourceQueueArns with 1 to 10 queue ARNs.");
            }

            if (permission != "byQueue" && arns is { Count: > 0 })
            {
                throw PolicyValue("RedriveAllowPolicy", value, "sourceQueueArns is only allowed with redrivePermission byQueue.");
            }
        }
        catch (JsonException ex)
        {
            throw new SqsException(SqsError.InvalidAttributeValue, $"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: not valid JSON.", ex);
        }
    }

    /// <summary>A whole-number attribute from <paramref name="min"/> to <paramref name="max"/> in <paramref name="unit"/>; else InvalidAttributeValue stating the range.</summary>
    private static long AttributeInt(string key, string value, long min, long max, SqsUnit unit = SqsUnit.None) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw AttributeValue(key, $"Must be an integer {SqsInput.Between(min, max, unit)}.");

    private static bool ParseBool(string key, string value) => value switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => throw AttributeValue(key, "Must be true or false."),
    };

    /// <summary>SQS's error for a bad queue attribute value: its text, which names the attribute, then the rule broken.</summary>
    private static SqsException AttributeValue(string key, string reason, Exception? innerException = null) =>
        new(SqsError.InvalidAttributeValue, $"Invalid value for the parameter {key}. Reason: {reason}", innerException);

    /// <summary>SQS's error for a bad JSON policy attribute (RedrivePolicy, RedriveAllowPolicy): the value and the reason.</summary>
    private static SqsException PolicyValue(string key, string value, string reason) =>
        new(SqsError.InvalidAttributeValue, $"Value {value} for parameter {key} is invalid. Reason: {reason}");

    /// <summary>
    /// Checks a queue policy against SQS's quotas: a JSON object of at most 8192 UTF-8 bytes, 20 statements, 7 actions
    /// per statement, 50 principals and 10 conditions.
    /// </summary>
    private static void CheckPolicy(string value)
    {
        JsonObject? policy;
        try
        {
            policy = Encoding.UTF8.GetByteCount(value) <= MaxPolicyBytes ? JsonNode.Parse(value) as JsonObject : null;
        }
        catch (JsonException ex)
        {
            throw AttributeValue("Policy", PolicyRule, ex);
        }

        if (policy is null)
        {
            throw AttributeValue("Policy", PolicyRule);
        }

        if (PolicyOverLimit(policy) is { } overLimit)
        {
            throw AttributeValue("Policy", overLimit);
        }
    }

    /// <summary>The first of SQS's policy quotas (after the size) that <paramref name="policy"/> exceeds, as an OverLimit message; else null.</summary>
    private static string? PolicyOverLimit(JsonObject policy)
    {
        var statements = policy["Statement"] switch
        {
            JsonArray array => array.OfType<JsonObject>().ToList(),
            JsonObject one => [one],
            _ => [],
        };
        if (statements.Count > MaxPolicyStatements)
        {
            return $"{statements.Count} Statements were found, maximum allowed is {MaxPolicyStatements}.";
        }

        static int Count(JsonNode? node) => node switch
        {
            null => 0,
            JsonArray array => array.Count,
            JsonObject map => map.Sum(kv => Count(kv.Value)),
            _ => 1,
        };
        foreach (var statement in statements)
        {
            var actions = Count(statement["Action"]);
            if (actions > MaxPolicyActions)
            {
                return $"{actions} Actions were found, maximum allowed is {MaxPolicyActions}.";
            }
        }

        var principals = statements.Sum(s => Count(s["Principal"]));
        if (principals > MaxPolicyPrincipals)
        {
            return $"{principals} Principals were found, maximum allowed is {MaxPolicyPrincipals}.";
        }

        var conditions = statements.Sum(s => s["Condition"] is JsonObject c ? c.Sum(kv => kv.Value is JsonObject keys ? keys.Count : 1) : 0);
        return conditions > MaxPolicyConditions ? $"{conditions} Conditions were found, maximum allowed is {MaxPolicyConditions}." : null;
    }

    private async ValueTask<JsonObject> TagQueueAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var tags = SqsInput.StringMap(input, "Tags");
        if (tags.Count == 0)
        {
            throw SqsException.Missing("Tags");
        }

        var merged = new Dictionary<string, string>(info.Options.Tags, StringComparer.Ordinal);
        foreach (var (k, v) in tags)
        {
            merged[k] = v;
        }

        CheckTags(merged, env.SqsName(name));

        await UpdateAsync(name, info.Options with { Tags = merged }, ct).ConfigureAwait(false);
        return [];
    }

    private async ValueTask<JsonObject> UntagQueueAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var keys = SqsInput.Strings(input, "TagKeys");
        if (keys.Count == 0)
        {
            throw SqsException.Missing("TagKeys");
        }

        keys.ForEach(CheckTagKey);

        var remaining = info.Options.Tags.Where(t => !keys.Contains(t.Key)).ToDictionary(StringComparer.Ordinal);
        await UpdateAsync(name, info.Options with { Tags = remaining }, ct).ConfigureAwait(false);
        return [];
    }

    /// <summary>Checks a queue's tags against SQS's limits: at most 50, keys 1-128 characters, values at most 256.</summary>
    private static void CheckTags(Dictionary<string, string> tags, string queue)
    {
        if (tags.Count > MaxTags)
        {
            throw new SqsException(SqsError.InvalidParameterValue, $"Too many tags added for queue {queue}.");
        }

        foreach (var (key, value) in tags)
        {
            CheckTagKey(key);
            if (value.Length > MaxTagValueLength)
            {
                throw new SqsException(SqsError.InvalidParameterValue, $"Tag values must be between 0 and {MaxTagValueLength} characters in length.");
            }
        }
    }

    private static void CheckTagKey(string key)
    {
        if (key.Length is 0 or > MaxTagKeyLength)
        {
            throw new SqsException(SqsError.InvalidParameterValue, $"Tag keys must be between 1 and {MaxTagKeyLength} characters in length.");
        }
    }

    private async ValueTask<JsonObject> ListQueueTagsAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var info = await QueueAsync(env.QueueName(input), ct).ConfigureAwait(false);
        var result = new JsonObject();
        if (info.Options.Tags.Count > 0)
        {
            var tags = new JsonObject();
            foreach (var (k, v) in info.Options.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                tags[k] = v;
            }

            result["Tags"] = tags;
        }

        return result;
    }

    private async ValueTask<JsonObject> ListDeadLetterSourceQueuesAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        await QueueAsync(name, ct).ConfigureAwait(false);
        var max = SqsInput.Int(input, "MaxResults", 1, 1000);
        var after = DecodeToken(SqsInput.String(input, "NextToken"));
        var sources = (await broker.ListQueuesAsync(ct).ConfigureAwait(false))
            .Where(q => q.Options.DeadLetterQueue == name && env.InRegion(q.Name))
            .Select(q => q.Name)
            .Where(n => after is null || string.CompareOrdinal(n, after) > 0)
            .ToList();
        var result = Page(sources, max, "queueUrls", env);
        if (!result.ContainsKey("queueUrls"))
        {
            result["queueUrls"] = new JsonArray();
        }

        return result;
    }

    private async ValueTask<JsonObject> AddPermissionAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var label = CheckLabel(SqsInput.RequiredString(input, "Label"));
        var accounts = SqsInput.Strings(input, "AWSAccountIds");
        var actions = SqsInput.Strings(input, "Actions");
        if (accounts.Count == 0)
        {
            throw SqsException.Missing("AWSAccountIds");
        }

        if (actions.Count == 0)
        {
            throw SqsException.Missing("Actions");
        }

        if (actions.Count > MaxPolicyActions)
        {
            throw new SqsException(SqsError.OverLimit, $"{actions.Count} Actions were found, maximum allowed is {MaxPolicyActions}.");
        }

        if (accounts.FirstOrDefault(a => a.Length != 12 || !a.All(char.IsAsciiDigit)) is { } badAccount)
        {
            throw SqsException.Invalid("PrincipalId", badAccount, "Unable to verify.");
        }

        if (actions.FirstOrDefault(a => !GrantableActions.Contains(a)) is { } badAction)
        {
            // SQS's text for its owner-only actions; an action SQS does not have gets a text naming the rule.
            throw SqsException.Invalid("ActionName", "SQS:" + badAction, OwnerOnlyActions.Contains(badAction)
                ? "Only the queue owner is allowed to invoke this action."
                : $"{badAction} is not an SQS action: grant {string.Join(", ", GrantableActions)}.");
        }

        var policy = LoadPolicy(info, env);
        var statements = (JsonArray)policy["Statement"]!;
        if (statements.Any(s => s is JsonObject o && SqsInput.String(o, "Sid") == label))
        {
            throw SqsException.Invalid("Label", label, "Already exists.");
        }

        statements.Add(new JsonObject
        {
            ["Sid"] = label,
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["AWS"] = new JsonArray([.. accounts.Select(a => (JsonNode?)$"arn:aws:iam::{a}:root")]) },
            ["Action"] = new JsonArray([.. actions.Select(a => (JsonNode?)("SQS:" + a))]),
            ["Resource"] = env.Arn(name),
        });
        if (PolicyOverLimit(policy) is { } overLimit)
        {
            throw new SqsException(SqsError.OverLimit, overLimit);
        }

        if (Encoding.UTF8.GetByteCount(policy.ToJsonString()) > MaxPolicyBytes)
        {
            throw new SqsException(SqsError.OverLimit, $"The policy would be longer than {MaxPolicyBytes} bytes.");
        }

        var properties = new Dictionary<string, string>(info.Options.Properties, StringComparer.Ordinal) { ["Policy"] = policy.ToJsonString() };
        await UpdateAsync(name, info.Options with { Properties = properties }, ct).ConfigureAwait(false);
        return [];
    }

    private async ValueTask<JsonObject> RemovePermissionAsync(JsonObject input, SqsEnv env, CancellationToken ct)
    {
        var name = env.QueueName(input);
        var info = await QueueAsync(name, ct).ConfigureAwait(false);
        var label = CheckLabel(SqsInput.RequiredString(input, "Label"));
        var policy = LoadPolicy(info, env);
        var statements = (JsonArray)policy["Statement"]!;
        var match = statements.FirstOrDefault(s => s is JsonObject o && SqsInput.String(o, "Sid") == label)
            ?? throw SqsException.Invalid("Label", label, "can't find label on existing policy.");
        statements.Remove(match);
        var properties = new Dictionary<string, string>(info.Options.Properties, StringComparer.Ordinal);
        if (statements.Count == 0)
        {
            properties.Remove("Policy");
        }
        else
        {
            properties["Policy"] = policy.ToJsonString();
        }

        await UpdateAsync(name, info.Options with { Properties = properties }, ct).ConfigureAwait(false);
        return [];
    }

    /// <summary>The actions AddPermission may grant (the others are the queue owner's alone).</summary>
    private static readonly HashSet<string> GrantableActions = new(StringComparer.Ordinal)
    {
        "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl",
        "ListDeadLetterSourceQueues", "PurgeQueue",
    };

    /// <summary>The SQS actions only the queue owner may call (AddPermission refuses to grant them).</summary>
    private static readonly HashSet<string> OwnerOnlyActions = new(StringComparer.Ordinal)
    {
        "CreateQueue", "DeleteQueue", "ListQueues", "SetQueueAttributes", "AddPermission", "RemovePermission", "TagQueue", "UntagQueue",
        "ListQueueTags", "SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch", "StartMessageMoveTask",
        "ListMessageMoveTasks", "CancelMessageMoveTask",
    };

    /// <summary>Checks a permission label: 1-80 characters from A-Z a-z 0-9 - _.</summary>
    private static string CheckLabel(string label) =>
        label.Length <= 80 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? label
            : throw SqsException.Invalid("Label", label, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");

    private static JsonObject LoadPolicy(QueueInfo info, SqsEnv env)
    {
        JsonObject? policy = null;
        if (info.Options.Properties.TryGetValue("Policy", out var text))
        {
            try
            {
                policy = JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException)
            {
                policy = null;
            }
        }

        policy ??= new JsonObject { ["Version"] = "2012-10-17", ["Id"] = env.Arn(info.Name) + "/SQSDefaultPolicy" };
        if (policy["Statement"] is not JsonArray)
        {
            policy["Statement"] = new JsonArray();
        }

        return policy;
    }
}
