using Google.Protobuf;
using Google.Protobuf.Collections;
using Sluice.DeadLetters;
using V1 = Sluice.Grpc.V1;

namespace Sluice.Grpc;

/// <summary>
/// The one translation between Sluice's model (<see cref="OutgoingMessage"/>, <see cref="QueueOptions"/>, ...) and the
/// <c>sluice.v1</c> messages (proto/sluice/v1/*.proto), both ways, used by the gRPC face and the remote client alike.
/// Durations travel as whole milliseconds, times as Unix milliseconds (UTC), message ids as canonical UUID text.
/// Conversions of request values the caller sent (durations, enums, ids) throw <see cref="SluiceException"/>
/// <c>invalid_argument</c> naming the proto field when a value cannot be represented; the broker checks the rules.
/// </summary>
public static class GrpcConvert
{
    // TimeSpan holds about 29,000 years in ticks; anything past 100 years is no valid duration of Sluice's anyway.
    private const long MaxDurationMs = 100L * 365 * 24 * 3600 * 1000;

    /// <summary>Milliseconds to a duration; <c>-1</c> is <see cref="Timeout.InfiniteTimeSpan"/> when <paramref name="allowInfinite"/>.</summary>
    /// <exception cref="SluiceException">invalid_argument naming <paramref name="field"/> when negative or beyond 100 years.</exception>
    public static TimeSpan Duration(long milliseconds, string field, bool allowInfinite = false)
    {
        if (allowInfinite && milliseconds == -1)
        {
            return Timeout.InfiniteTimeSpan;
        }

        if (milliseconds is < 0 or > MaxDurationMs)
        {
            throw new SluiceException(ErrorCodes.InvalidArgument,
                $"{field} {milliseconds} is out of range: give a duration in milliseconds from 0{(allowInfinite ? " (or -1 to wait without limit)" : "")}", field);
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>A duration in whole milliseconds (rounded down); <see cref="Timeout.InfiniteTimeSpan"/> is -1.</summary>
    public static long Milliseconds(TimeSpan duration) => duration == Timeout.InfiniteTimeSpan ? -1 : (long)duration.TotalMilliseconds;

    /// <summary>A point in time as Unix milliseconds (UTC).</summary>
    public static long UnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <summary>Unix milliseconds (UTC) to a point in time.</summary>
    public static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    /// <summary>Parses a message id (canonical UUID text).</summary>
    /// <exception cref="SluiceException">invalid_argument naming <paramref name="field"/>.</exception>
    public static Guid MessageId(string text, string field = "message_id") =>
        Guid.TryParse(text, out var id) ? id : throw new SluiceException(ErrorCodes.InvalidArgument, $"{field} '{text}' is not a UUID", field);

    /// <summary>A defined value of a proto enum, or invalid_argument naming <paramref name="field"/>.</summary>
    public static T Defined<T>(T value, string field)
        where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new SluiceException(ErrorCodes.InvalidArgument, $"{field} {Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)} is not a defined value of {typeof(T).Name}", field);

    // ---- Messages ----

    /// <summary>An attribute value to proto.</summary>
    public static V1.AttributeValue ToProto(MessageAttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var proto = new V1.AttributeValue { DataType = value.DataType };
        if (value.StringValue is not null)
        {
            proto.StringValue = value.StringValue;
        }

        if (value.BinaryValue is { } binary)
        {
            proto.BinaryValue = UnsafeByteOperations.UnsafeWrap(binary);
        }

        return proto;
    }

    /// <summary>A proto attribute value to the model.</summary>
    public static MessageAttributeValue FromProto(V1.AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // The cast matters: a bare null would convert to an empty ReadOnlyMemory (through byte[]), a binary value where there is none.
        return new(value.DataType, value.HasStringValue ? value.StringValue : null, value.HasBinaryValue ? value.BinaryValue.Memory : (ReadOnlyMemory<byte>?)null);
    }

    private static Dictionary<string, MessageAttributeValue>? Attributes(MapField<string, V1.AttributeValue> map)
    {
        if (map.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<string, MessageAttributeValue>(map.Count, StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            result[name] = FromProto(value);
        }

        return result;
    }

    private static void Attributes(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, MapField<string, V1.AttributeValue> map)
    {
        if (attributes is null)
        {
            return;
        }

        foreach (var (name, value) in attributes)
        {
            map[name] = ToProto(value);
        }
    }

    /// <summary>A message to publish, to proto (the body is wrapped, not copied).</summary>
    public static V1.OutgoingMessage ToProto(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var proto = new V1.OutgoingMessage { Body = UnsafeByteOperations.UnsafeWrap(message.Body), Priority = message.Priority };
        Attributes(message.Attributes, proto.Attributes);
        if (message.Delay is { } delay)
        {
            proto.DelayMs = Milliseconds(delay);
        }

        if (message.DeduplicationId is not null)
        {
            proto.DeduplicationId = message.DeduplicationId;
        }

        if (message.MessageGroupId is not null)
        {
            proto.MessageGroupId = message.MessageGroupId;
        }

        return proto;
    }

    /// <summary>A proto message to publish, to the model; <paramref name="field"/> prefixes the fields named in errors (<c>messages[3]</c>).</summary>
    public static OutgoingMessage FromProto(V1.OutgoingMessage message, string field)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new OutgoingMessage(message.Body.Memory)
        {
            Attributes = Attributes(message.Attributes),
            Priority = message.Priority,
            Delay = message.HasDelayMs ? Duration(message.DelayMs, field + ".delay_ms") : null,
            DeduplicationId = message.HasDeduplicationId ? message.DeduplicationId : null,
            MessageGroupId = message.HasMessageGroupId ? message.MessageGroupId : null,
        };
    }

    /// <summary>The <paramref name="index"/>-th message of a publish batch to the model; errors name <c>messages[index]</c> (the name is built only for an error).</summary>
    public static OutgoingMessage FromProto(V1.OutgoingMessage message, int index)
    {
        ArgumentNullException.ThrowIfNull(message);
        return FromProto(message, message.HasDelayMs ? $"messages[{index}]" : "messages");
    }

    /// <summary>A publish result to proto.</summary>
    public static V1.PublishResult ToProto(PublishResult result) =>
        new() { MessageId = result.MessageId.ToString(), Duplicate = result.Duplicate, SequenceNumber = result.SequenceNumber };

    /// <summary>A proto publish result to the model.</summary>
    public static PublishResult FromProto(V1.PublishResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(MessageId(result.MessageId), result.Duplicate) { SequenceNumber = result.SequenceNumber };
    }

    /// <summary>A delivered or peeked message to proto (the body is wrapped, not copied).</summary>
    public static V1.QueueMessage ToProto(QueueMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var proto = new V1.QueueMessage
        {
            MessageId = message.MessageId.ToString(),
            Body = UnsafeByteOperations.UnsafeWrap(message.Body),
            Priority = message.Priority,
            SentAtUnixMs = UnixMs(message.SentAt),
            ReceiveCount = message.ReceiveCount,
            VisibleAtUnixMs = UnixMs(message.VisibleAt),
            State = (V1.MessageState)(int)message.State,
            SequenceNumber = message.SequenceNumber,
        };
        Attributes(message.Attributes, proto.Attributes);
        if (message.FirstReceivedAt is { } first)
        {
            proto.FirstReceivedAtUnixMs = UnixMs(first);
        }

        if (message.ReceiptHandle is not null)
        {
            proto.ReceiptHandle = message.ReceiptHandle;
        }

        if (message.DeduplicationId is not null)
        {
            proto.DeduplicationId = message.DeduplicationId;
        }

        if (message.MessageGroupId is not null)
        {
            proto.MessageGroupId = message.MessageGroupId;
        }

        if (message.LastError is not null)
        {
            proto.LastError = message.LastError;
        }

        if (message.DeadLetter is { } dl)
        {
            proto.DeadLetter = new V1.DeadLetterInfo
            {
                SourceQueue = dl.SourceQueue,
                Reason = dl.Reason,
                Attempts = dl.Attempts,
                DeadLetteredAtUnixMs = UnixMs(dl.DeadLetteredAt),
            };
            if (dl.LastError is not null)
            {
                proto.DeadLetter.LastError = dl.LastError;
            }
        }

        return proto;
    }

    /// <summary>A proto delivered or peeked message to the model.</summary>
    public static QueueMessage FromProto(V1.QueueMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new QueueMessage
        {
            MessageId = MessageId(message.MessageId),
            Body = message.Body.Memory,
            Attributes = Attributes(message.Attributes) ?? (IReadOnlyDictionary<string, MessageAttributeValue>)EmptyAttributes,
            Priority = message.Priority,
            SentAt = Time(message.SentAtUnixMs),
            ReceiveCount = message.ReceiveCount,
            FirstReceivedAt = message.HasFirstReceivedAtUnixMs ? Time(message.FirstReceivedAtUnixMs) : null,
            VisibleAt = Time(message.VisibleAtUnixMs),
            State = (MessageState)(int)message.State,
            ReceiptHandle = message.HasReceiptHandle ? message.ReceiptHandle : null,
            DeduplicationId = message.HasDeduplicationId ? message.DeduplicationId : null,
            MessageGroupId = message.HasMessageGroupId ? message.MessageGroupId : null,
            SequenceNumber = message.SequenceNumber,
            LastError = message.HasLastError ? message.LastError : null,
            DeadLetter = message.DeadLetter is { } dl ? FromProto(dl) : null,
        };
    }

    private static readonly Dictionary<string, MessageAttributeValue> EmptyAttributes = new(StringComparer.Ordinal);

    /// <summary>A batch item result to proto.</summary>
    public static V1.ItemResult ToProto(BatchItemResult result) => new() { ErrorCode = result.ErrorCode ?? "", ErrorMessage = result.ErrorMessage ?? "" };

    /// <summary>A proto batch item result to the model.</summary>
    public static BatchItemResult FromProto(V1.ItemResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.ErrorCode.Length == 0 ? BatchItemResult.Ok : new BatchItemResult(result.ErrorCode, result.ErrorMessage);
    }

    // ---- Queues ----

    /// <summary>Queue options to proto (every field set).</summary>
    public static V1.QueueOptions ToProto(QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var proto = new V1.QueueOptions
        {
            Fifo = options.Fifo,
            ContentBasedDeduplication = options.ContentBasedDeduplication,
            DeduplicationScope = (V1.DeduplicationScope)(int)options.DeduplicationScope,
            ReceiveWaitTimeMs = Milliseconds(options.ReceiveWaitTime),
            VisibilityTimeoutMs = Milliseconds(options.VisibilityTimeout),
            DeliveryDelayMs = Milliseconds(options.DeliveryDelay),
            RetentionPeriodMs = Milliseconds(options.RetentionPeriod),
            MaxMessageSize = options.MaxMessageSize,
            OverflowPolicy = (V1.OverflowPolicy)(int)options.OverflowPolicy,
            DeduplicationWindowMs = Milliseconds(options.DeduplicationWindow),
        };
        foreach (var (key, value) in options.Tags)
        {
            proto.Tags[key] = value;
        }

        foreach (var (key, value) in options.Properties)
        {
            proto.Properties[key] = value;
        }

        if (options.MaxReceiveCount is { } maxReceive)
        {
            proto.MaxReceiveCount = maxReceive;
        }

        if (options.DeadLetterQueue is not null)
        {
            proto.DeadLetterQueue = options.DeadLetterQueue;
        }

        if (options.MaxLength is { } maxLength)
        {
            proto.MaxLength = maxLength;
        }

        if (options.MaxLengthBytes is { } maxBytes)
        {
            proto.MaxLengthBytes = maxBytes;
        }

        return proto;
    }

    /// <summary>Proto queue options to the model: unset fields take <see cref="QueueOptions"/>'s defaults; <see langword="null"/> is every default.</summary>
    public static QueueOptions FromProto(V1.QueueOptions? options)
    {
        var defaults = new QueueOptions();
        if (options is null)
        {
            return defaults;
        }

        return new QueueOptions
        {
            Fifo = options.Fifo,
            ContentBasedDeduplication = options.ContentBasedDeduplication,
            DeduplicationScope = (DeduplicationScope)(int)Defined(options.DeduplicationScope, "options.deduplication_scope"),
            ReceiveWaitTime = options.HasReceiveWaitTimeMs ? Duration(options.ReceiveWaitTimeMs, "options.receive_wait_time_ms") : defaults.ReceiveWaitTime,
            Tags = new Dictionary<string, string>(options.Tags, StringComparer.Ordinal),
            Properties = new Dictionary<string, string>(options.Properties, StringComparer.Ordinal),
            VisibilityTimeout = options.HasVisibilityTimeoutMs ? Duration(options.VisibilityTimeoutMs, "options.visibility_timeout_ms") : defaults.VisibilityTimeout,
            DeliveryDelay = options.HasDeliveryDelayMs ? Duration(options.DeliveryDelayMs, "options.delivery_delay_ms") : defaults.DeliveryDelay,
            RetentionPeriod = options.HasRetentionPeriodMs ? Duration(options.RetentionPeriodMs, "options.retention_period_ms") : defaults.RetentionPeriod,
            MaxMessageSize = options.HasMaxMessageSize ? options.MaxMessageSize : defaults.MaxMessageSize,
            MaxReceiveCount = options.HasMaxReceiveCount ? options.MaxReceiveCount : null,
            DeadLetterQueue = options.HasDeadLetterQueue ? options.DeadLetterQueue : null,
            MaxLength = options.HasMaxLength ? options.MaxLength : null,
            MaxLengthBytes = options.HasMaxLengthBytes ? options.MaxLengthBytes : null,
            OverflowPolicy = (OverflowPolicy)(int)Defined(options.OverflowPolicy, "options.overflow_policy"),
            DeduplicationWindow = options.HasDeduplicationWindowMs ? Duration(options.DeduplicationWindowMs, "options.deduplication_window_ms") : defaults.DeduplicationWindow,
        };
    }

    /// <summary>A queue to proto.</summary>
    public static V1.QueueInfo ToProto(QueueInfo queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new() { Name = queue.Name, Options = ToProto(queue.Options), CreatedAtUnixMs = UnixMs(queue.CreatedAt) };
    }

    /// <summary>A proto queue to the model.</summary>
    public static QueueInfo FromProto(V1.QueueInfo queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new(queue.Name, FromProto(queue.Options), Time(queue.CreatedAtUnixMs));
    }

    /// <summary>Queue statistics to proto.</summary>
    public static V1.QueueStats ToProto(QueueStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var proto = new V1.QueueStats
        {
            Queue = stats.Queue,
            Ready = stats.Ready,
            InFlight = stats.InFlight,
            Delayed = stats.Delayed,
            DeadLettered = stats.DeadLettered,
            Bytes = stats.Bytes,
            PublishRate = stats.PublishRate,
            AckRate = stats.AckRate,
        };
        if (stats.OldestAge is { } age)
        {
            proto.OldestAgeMs = Milliseconds(age);
        }

        return proto;
    }

    /// <summary>Proto queue statistics to the model.</summary>
    public static QueueStats FromProto(V1.QueueStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new QueueStats
        {
            Queue = stats.Queue,
            Ready = stats.Ready,
            InFlight = stats.InFlight,
            Delayed = stats.Delayed,
            DeadLettered = stats.DeadLettered,
            Bytes = stats.Bytes,
            OldestAge = stats.HasOldestAgeMs ? TimeSpan.FromMilliseconds(stats.OldestAgeMs) : null,
            PublishRate = stats.PublishRate,
            AckRate = stats.AckRate,
        };
    }

    /// <summary>A redrive task's progress to proto.</summary>
    public static V1.RedriveStatus ToProto(RedriveStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var proto = new V1.RedriveStatus
        {
            Id = status.Id,
            DeadLetterQueue = status.DeadLetterQueue,
            MaxPerSecond = status.MaxPerSecond,
            State = (V1.RedriveState)(int)status.State,
            Moved = status.Moved,
            Total = status.Total,
            StartedAtUnixMs = UnixMs(status.StartedAt),
        };
        if (status.Destination is not null)
        {
            proto.Destination = status.Destination;
        }

        if (status.FinishedAt is { } finished)
        {
            proto.FinishedAtUnixMs = UnixMs(finished);
        }

        if (status.Error is not null)
        {
            proto.Error = status.Error;
        }

        if (status.GroupId is not null)
        {
            proto.GroupId = status.GroupId;
        }

        return proto;
    }

    /// <summary>A proto redrive task's progress to the model.</summary>
    public static RedriveStatus FromProto(V1.RedriveStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new(status.Id, status.DeadLetterQueue, status.HasDestination ? status.Destination : null, status.MaxPerSecond,
            (RedriveState)(int)status.State, status.Moved, status.Total, Time(status.StartedAtUnixMs),
            status.HasFinishedAtUnixMs ? Time(status.FinishedAtUnixMs) : null, status.HasError ? status.Error : null)
        {
            GroupId = status.HasGroupId ? status.GroupId : null,
        };
    }

    // ---- Topics ----

    /// <summary>A topic to proto.</summary>
    public static V1.TopicInfo ToProto(TopicInfo topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return new()
        {
            Name = topic.Name,
            CreatedAtUnixMs = UnixMs(topic.CreatedAt),
            Published = topic.Counters.Published,
            Unrouted = topic.Counters.Unrouted,
            Delivered = topic.Counters.Delivered,
            SubscriptionCount = topic.SubscriptionCount,
        };
    }

    /// <summary>A proto topic to the model.</summary>
    public static TopicInfo FromProto(V1.TopicInfo topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return new(topic.Name, Time(topic.CreatedAtUnixMs), new TopicCounters(topic.Published, topic.Unrouted, topic.Delivered), topic.SubscriptionCount);
    }

    /// <summary>Subscription options to proto.</summary>
    public static V1.SubscriptionOptions ToProto(SubscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var proto = new V1.SubscriptionOptions();
        if (options.RoutingKeyPattern is not null)
        {
            proto.RoutingKeyPattern = options.RoutingKeyPattern;
        }

        if (options.FilterPolicy is not null)
        {
            proto.FilterPolicy = options.FilterPolicy;
        }

        return proto;
    }

    /// <summary>Proto subscription options to the model (<see langword="null"/>: no filter).</summary>
    public static SubscriptionOptions FromProto(V1.SubscriptionOptions? options) => options is null
        ? new SubscriptionOptions()
        : new SubscriptionOptions
        {
            RoutingKeyPattern = options.HasRoutingKeyPattern ? options.RoutingKeyPattern : null,
            FilterPolicy = options.HasFilterPolicy ? options.FilterPolicy : null,
        };

    /// <summary>A subscription to proto.</summary>
    public static V1.SubscriptionInfo ToProto(SubscriptionInfo subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return new() { Topic = subscription.Topic, Queue = subscription.Queue, Options = ToProto(subscription.Options), CreatedAtUnixMs = UnixMs(subscription.CreatedAt) };
    }

    /// <summary>A proto subscription to the model.</summary>
    public static SubscriptionInfo FromProto(V1.SubscriptionInfo subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return new(subscription.Topic, subscription.Queue, FromProto(subscription.Options), Time(subscription.CreatedAtUnixMs));
    }

    /// <summary>A topic message to proto.</summary>
    public static V1.TopicMessage ToProto(TopicMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var proto = new V1.TopicMessage { Message = ToProto(message.Message) };
        if (message.RoutingKey is not null)
        {
            proto.RoutingKey = message.RoutingKey;
        }

        return proto;
    }

    /// <summary>A proto topic message to the model; <paramref name="field"/> prefixes the fields named in errors.</summary>
    public static TopicMessage FromProto(V1.TopicMessage message, string field)
    {
        ArgumentNullException.ThrowIfNull(message);
        var inner = message.Message ?? throw new SluiceException(ErrorCodes.InvalidArgument, $"{field}.message is missing: give the message to publish", field + ".message");
        return new TopicMessage(FromProto(inner, field + ".message"), message.HasRoutingKey ? message.RoutingKey : null);
    }

    /// <summary>A topic publish result to proto.</summary>
    public static V1.TopicPublishResult ToProto(TopicPublishResult result) =>
        new() { MessageId = result.MessageId.ToString(), Queues = result.Queues, Duplicate = result.Duplicate };

    /// <summary>A proto topic publish result to the model.</summary>
    public static TopicPublishResult FromProto(V1.TopicPublishResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(MessageId(result.MessageId), result.Queues) { Duplicate = result.Duplicate };
    }

    // ---- Streams ----

    /// <summary>A stream entry id to proto.</summary>
    public static V1.StreamEntryId ToProto(StreamEntryId id) => new() { Ms = id.Milliseconds, Seq = id.Sequence };

    /// <summary>A proto stream entry id to the model (<see langword="null"/>: <paramref name="absent"/>).</summary>
    public static StreamEntryId FromProto(V1.StreamEntryId? id, StreamEntryId absent = default) => id is null ? absent : new(id.Ms, id.Seq);

    /// <summary>A stream field to proto (wrapped, not copied).</summary>
    public static V1.StreamField ToProto(StreamField field) =>
        new() { Name = UnsafeByteOperations.UnsafeWrap(field.Name), Value = UnsafeByteOperations.UnsafeWrap(field.Value) };

    /// <summary>A proto stream field to the model.</summary>
    public static StreamField FromProto(V1.StreamField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return new(field.Name.Memory, field.Value.Memory);
    }

    /// <summary>A stream entry to proto.</summary>
    public static V1.StreamEntry ToProto(StreamEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var proto = new V1.StreamEntry { Id = ToProto(entry.Id), Deleted = entry.Fields is null };
        if (entry.Fields is not null)
        {
            foreach (var f in entry.Fields)
            {
                proto.Fields.Add(ToProto(f));
            }
        }

        return proto;
    }

    /// <summary>A proto stream entry to the model.</summary>
    public static StreamEntry FromProto(V1.StreamEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(FromProto(entry.Id), entry.Deleted ? null : [.. entry.Fields.Select(FromProto)]);
    }

    /// <summary>Stream information to proto.</summary>
    public static V1.StreamInfo ToProto(StreamInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var retention = new V1.StreamRetention();
        if (info.Retention.MaxLength is { } maxLength)
        {
            retention.MaxLength = maxLength;
        }

        if (info.Retention.MaxBytes is { } maxBytes)
        {
            retention.MaxBytes = maxBytes;
        }

        if (info.Retention.MaxAge is { } maxAge)
        {
            retention.MaxAgeMs = Milliseconds(maxAge);
        }

        return new V1.StreamInfo
        {
            Name = info.Name,
            Length = info.Length,
            Bytes = info.Bytes,
            LastGeneratedId = ToProto(info.LastGeneratedId),
            MaxDeletedEntryId = ToProto(info.MaxDeletedEntryId),
            EntriesAdded = info.EntriesAdded,
            RecordedFirstEntryId = ToProto(info.RecordedFirstEntryId),
            Groups = info.Groups,
            FirstEntry = info.FirstEntry is null ? null : ToProto(info.FirstEntry),
            LastEntry = info.LastEntry is null ? null : ToProto(info.LastEntry),
            Retention = retention,
            CreatedAtUnixMs = UnixMs(info.CreatedAt),
        };
    }

    /// <summary>Proto stream information to the model.</summary>
    public static StreamInfo FromProto(V1.StreamInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var r = info.Retention ?? new V1.StreamRetention();
        return new StreamInfo
        {
            Name = info.Name,
            Length = info.Length,
            Bytes = info.Bytes,
            LastGeneratedId = FromProto(info.LastGeneratedId),
            MaxDeletedEntryId = FromProto(info.MaxDeletedEntryId),
            EntriesAdded = info.EntriesAdded,
            RecordedFirstEntryId = FromProto(info.RecordedFirstEntryId),
            Groups = info.Groups,
            FirstEntry = info.FirstEntry is null ? null : FromProto(info.FirstEntry),
            LastEntry = info.LastEntry is null ? null : FromProto(info.LastEntry),
            Retention = new StreamRetention
            {
                MaxLength = r.HasMaxLength ? r.MaxLength : null,
                MaxBytes = r.HasMaxBytes ? r.MaxBytes : null,
                MaxAge = r.HasMaxAgeMs ? TimeSpan.FromMilliseconds(r.MaxAgeMs) : null,
            },
            CreatedAt = Time(info.CreatedAtUnixMs),
        };
    }

    // ---- Key-value records ----

    /// <summary>A key-value record to proto (the value is wrapped, not copied).</summary>
    public static V1.KeyValueRecord ToProto(KeyValueRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var proto = new V1.KeyValueRecord { Key = record.Key, Value = UnsafeByteOperations.UnsafeWrap(record.Value), Version = record.Version };
        if (record.ExpiresAt is { } expires)
        {
            proto.ExpiresAtUnixMs = UnixMs(expires);
        }

        return proto;
    }

    /// <summary>A proto key-value record to the model.</summary>
    public static KeyValueRecord FromProto(V1.KeyValueRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Key, record.Value.Memory, record.Version, record.HasExpiresAtUnixMs ? Time(record.ExpiresAtUnixMs) : null);
    }

    // ---- Dead-letter groups (server to client) ----

    private static V1.DeadLetterSourceCount ToProto(DeadLetterSourceCount count) => new() { Queue = count.Queue, Count = count.Count };

    private static V1.DeadLetterInfo ToProto(DeadLetterInfo info)
    {
        var proto = new V1.DeadLetterInfo { SourceQueue = info.SourceQueue, Reason = info.Reason, Attempts = info.Attempts, DeadLetteredAtUnixMs = UnixMs(info.DeadLetteredAt) };
        if (info.LastError is not null)
        {
            proto.LastError = info.LastError;
        }

        return proto;
    }

    /// <summary>A queue's dead-letter groups to proto.</summary>
    public static V1.DeadLetterGroupList ToProto(DeadLetterGroupList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var proto = new V1.DeadLetterGroupList { Queue = list.Queue, Scanned = list.Scanned, TotalGroups = list.TotalGroups, Truncated = list.Truncated, Untracked = list.Untracked };
        foreach (var g in list.Groups)
        {
            var sample = new V1.DeadLetterSample
            {
                MessageId = g.Sample.MessageId.ToString(),
                SequenceNumber = g.Sample.SequenceNumber,
                BodyPreview = g.Sample.BodyPreview,
                BodyIsText = g.Sample.BodyIsText,
                BodySize = g.Sample.BodySize,
                DeadLetter = g.Sample.DeadLetter is null ? null : ToProto(g.Sample.DeadLetter),
            };
            if (g.Sample.Failure is { } failure)
            {
                sample.Failure = failure.ToErrorText();
            }

            var group = new V1.DeadLetterGroup
            {
                GroupId = g.GroupId,
                Count = g.Count,
                FirstDeadLetteredAtUnixMs = UnixMs(g.FirstDeadLetteredAt),
                LastDeadLetteredAtUnixMs = UnixMs(g.LastDeadLetteredAt),
                Source = (V1.FailureSource)(int)g.Source,
                Fingerprint = g.Fingerprint,
                Sample = sample,
            };
            if (g.ExceptionType is not null)
            {
                group.ExceptionType = g.ExceptionType;
            }

            group.SourceQueues.AddRange(g.SourceQueues.Select(ToProto));
            group.Frames.AddRange(g.Frames);
            proto.Groups.Add(group);
        }

        return proto;
    }

    /// <summary>A dead-letter group action's outcome to proto.</summary>
    public static V1.DeadLetterGroupActionResult ToProto(DeadLetterGroupActionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var proto = new V1.DeadLetterGroupActionResult
        {
            Queue = result.Queue,
            GroupId = result.GroupId,
            Action = (V1.DeadLetterGroupAction)(int)result.Action,
            DryRun = result.DryRun,
            CutoffUnixMs = UnixMs(result.Cutoff),
            Affected = result.Affected,
            SkippedLeased = result.SkippedLeased,
            SkippedUnmovable = result.SkippedUnmovable,
            Redrive = result.Redrive is null ? null : ToProto(result.Redrive),
        };
        if (result.Destination is not null)
        {
            proto.Destination = result.Destination;
        }

        proto.SourceQueues.AddRange(result.SourceQueues.Select(ToProto));
        return proto;
    }

    // ---- Dead-letter groups (client side) ----

    private static DeadLetterSourceCount FromProto(V1.DeadLetterSourceCount count) => new(count.Queue, count.Count);

    private static DeadLetterInfo FromProto(V1.DeadLetterInfo info) =>
        new(info.SourceQueue, info.Reason, info.Attempts, info.HasLastError ? info.LastError : null, Time(info.DeadLetteredAtUnixMs));

    private static DeadLetterSample FromProto(V1.DeadLetterSample? sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return new(MessageId(sample.MessageId, "sample.message_id"), sample.SequenceNumber, sample.BodyPreview, sample.BodyIsText, sample.BodySize,
            sample.DeadLetter is null ? null : FromProto(sample.DeadLetter),
            sample.HasFailure && FailureDetails.TryParse(sample.Failure, out var failure) ? failure : null);
    }

    /// <summary>A proto list of a queue's dead-letter groups to the model.</summary>
    public static DeadLetterGroupList FromProto(V1.DeadLetterGroupList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var groups = list.Groups.Select(g => new DeadLetterGroup(
            g.GroupId, g.Count, Time(g.FirstDeadLetteredAtUnixMs), Time(g.LastDeadLetteredAtUnixMs), [.. g.SourceQueues.Select(FromProto)],
            (FailureSource)(int)g.Source, g.HasExceptionType ? g.ExceptionType : null, [.. g.Frames], g.Fingerprint, FromProto(g.Sample)));
        return new DeadLetterGroupList(list.Queue, list.Scanned, [.. groups], list.TotalGroups, list.Truncated, list.Untracked);
    }

    /// <summary>A proto dead-letter group action's outcome to the model.</summary>
    public static DeadLetterGroupActionResult FromProto(V1.DeadLetterGroupActionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new DeadLetterGroupActionResult(result.Queue, result.GroupId, (DeadLetterGroupAction)(int)result.Action, result.DryRun,
            result.HasDestination ? result.Destination : null, Time(result.CutoffUnixMs), result.Affected, result.SkippedLeased, result.SkippedUnmovable,
            [.. result.SourceQueues.Select(FromProto)])
        {
            Redrive = result.Redrive is null ? null : FromProto(result.Redrive),
        };
    }
}
