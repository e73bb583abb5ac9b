using System.Globalization;
using System.Text.Unicode;

namespace Sluice.Faces.Rest;

/// <summary>Translates between the REST DTOs and the model; only shape and units change here, never semantics.</summary>
internal static class RestMapping
{
    private static readonly QueueOptions s_defaults = new();

    public static QueueResponse ToResponse(QueueInfo queue)
    {
        var o = queue.Options;
        return new QueueResponse(
            queue.Name,
            queue.CreatedAt,
            o.VisibilityTimeout.TotalSeconds,
            o.DeliveryDelay.TotalSeconds,
            o.RetentionPeriod.TotalSeconds,
            o.MaxMessageSize,
            o.MaxReceiveCount,
            o.DeadLetterQueue,
            o.MaxLength,
            o.MaxLengthBytes,
            EnumNames.Of(o.OverflowPolicy),
            o.DeduplicationWindow.TotalSeconds,
            o.Fifo,
            o.ContentBasedDeduplication,
            EnumNames.Of(o.DeduplicationScope),
            o.ReceiveWaitTime.TotalSeconds,
            o.Tags);
    }

    public static StatsResponse ToResponse(QueueStats stats, int waitingReceivers) => new(
        stats.Queue,
        stats.Ready,
        stats.InFlight,
        stats.Delayed,
        stats.DeadLettered,
        stats.Bytes,
        stats.OldestAge?.TotalSeconds,
        stats.PublishRate,
        stats.AckRate,
        waitingReceivers);

    public static MessageResponse ToResponse(QueueMessage message)
    {
        var isText = Utf8.IsValid(message.Body.Span);
        return new MessageResponse(
            message.MessageId,
            isText ? new Utf8Text(message.Body) : null,
            isText ? null : (ReadOnlyMemory<byte>?)message.Body,
            message.Attributes,
            message.Priority,
            message.SentAt,
            message.ReceiveCount,
            message.FirstReceivedAt,
            message.VisibleAt,
            Spell(message.State),
            message.ReceiptHandle,
            message.DeduplicationId,
            message.MessageGroupId,
            message.SequenceNumber,
            message.DeadLetter is { } d ? new DeadLetterResponse(d.SourceQueue, d.Reason, d.Attempts, d.LastError, d.DeadLetteredAt) : null);
    }

    /// <summary>A message's state in kebab-case, as every enum value of this face: ready, delayed or in-flight.</summary>
    public static string Spell(MessageState state) => state switch
    {
        MessageState.Ready => "ready",
        MessageState.Delayed => "delayed",
        MessageState.InFlight => "in-flight",
        _ => state.ToString(),
    };

    /// <summary>A redrive's state: running, completed, cancelled or failed.</summary>
    public static string Spell(RedriveState state) => state switch
    {
        RedriveState.Running => "running",
        RedriveState.Completed => "completed",
        RedriveState.Cancelled => "cancelled",
        RedriveState.Failed => "failed",
        _ => state.ToString(),
    };

    public static MessageListResponse ToResponse(IReadOnlyList<QueueMessage> messages)
    {
        var list = new MessageResponse[messages.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = ToResponse(messages[i]);
        }

        return new MessageListResponse(list);
    }

    public static RedriveResponse ToResponse(RedriveStatus status) => new(
        status.Id,
        status.DeadLetterQueue,
        status.Destination,
        status.MaxPerSecond,
        Spell(status.State),
        status.Moved,
        status.Total,
        status.StartedAt,
        status.FinishedAt,
        status.Error);

    /// <summary>
    /// Applies the properties a body named to <paramref name="baseline"/>: a value replaces the setting, a JSON null
    /// clears an optional setting or restores a default one.
    /// </summary>
    public static QueueOptions ApplyTo(QueueOptionsRequest r, QueueOptions baseline)
    {
        var o = baseline;
        if (r.Has(nameof(r.VisibilityTimeoutSeconds)))
        {
            o = o with { VisibilityTimeout = Seconds(r.VisibilityTimeoutSeconds, "visibilityTimeoutSeconds", TimeSpan.Zero, Validation.MaxVisibilityTimeout) ?? s_defaults.VisibilityTimeout };
        }

        if (r.Has(nameof(r.DeliveryDelaySeconds)))
        {
            o = o with { DeliveryDelay = Seconds(r.DeliveryDelaySeconds, "deliveryDelaySeconds", TimeSpan.Zero, Validation.MaxDelay) ?? s_defaults.DeliveryDelay };
        }

        if (r.Has(nameof(r.RetentionPeriodSeconds)))
        {
            o = o with { RetentionPeriod = Seconds(r.RetentionPeriodSeconds, "retentionPeriodSeconds", Validation.MinRetentionPeriod, Validation.MaxRetentionPeriod) ?? s_defaults.RetentionPeriod };
        }

        if (r.Has(nameof(r.MaxMessageSize)))
        {
            o = o with { MaxMessageSize = WholeInt(r.MaxMessageSize, "maxMessageSize", 1, Validation.MaxMessageSizeLimit) ?? s_defaults.MaxMessageSize };
        }

        if (r.Has(nameof(r.MaxReceiveCount)))
        {
            o = o with { MaxReceiveCount = WholeInt(r.MaxReceiveCount, "maxReceiveCount", 1, Validation.MaxReceiveCountLimit) };
        }

        if (r.Has(nameof(r.DeadLetterQueue)))
        {
            o = o with { DeadLetterQueue = r.DeadLetterQueue };
        }

        if (r.Has(nameof(r.MaxLength)))
        {
            o = o with { MaxLength = Whole(r.MaxLength, "maxLength", 1, long.MaxValue) };
        }

        if (r.Has(nameof(r.MaxLengthBytes)))
        {
            o = o with { MaxLengthBytes = Whole(r.MaxLengthBytes, "maxLengthBytes", 1, long.MaxValue) };
        }

        if (r.Has(nameof(r.OverflowPolicy)))
        {
            o = o with
            {
                OverflowPolicy = r.OverflowPolicy is null ? s_defaults.OverflowPolicy
                    : EnumNames.TryParse(r.OverflowPolicy, out OverflowPolicy policy) ? policy
                    : throw SluiceBadField("overflowPolicy", $"'{Validation.Quote(r.OverflowPolicy)}' is invalid: use {EnumNames.OverflowPolicies}"),
            };
        }

        if (r.Has(nameof(r.DeduplicationWindowSeconds)))
        {
            o = o with { DeduplicationWindow = Seconds(r.DeduplicationWindowSeconds, "deduplicationWindowSeconds", TimeSpan.Zero, Validation.MaxDeduplicationWindow) ?? s_defaults.DeduplicationWindow };
        }

        if (r.Has(nameof(r.Fifo)))
        {
            o = o with { Fifo = r.Fifo ?? s_defaults.Fifo };
        }

        if (r.Has(nameof(r.ContentBasedDeduplication)))
        {
            o = o with { ContentBasedDeduplication = r.ContentBasedDeduplication ?? s_defaults.ContentBasedDeduplication };
        }

        if (r.Has(nameof(r.DeduplicationScope)))
        {
            o = o with
            {
                DeduplicationScope = r.DeduplicationScope is null ? s_defaults.DeduplicationScope
                    : EnumNames.TryParse(r.DeduplicationScope, out DeduplicationScope scope) ? scope
                    : throw SluiceBadField("deduplicationScope", $"'{Validation.Quote(r.DeduplicationScope)}' is invalid: use {EnumNames.DeduplicationScopes}"),
            };
        }

        if (r.Has(nameof(r.ReceiveWaitTimeSeconds)))
        {
            o = o with { ReceiveWaitTime = Seconds(r.ReceiveWaitTimeSeconds, "receiveWaitTimeSeconds", TimeSpan.Zero, Validation.MaxReceiveWaitTime) ?? s_defaults.ReceiveWaitTime };
        }

        if (r.Has(nameof(r.Tags)))
        {
            o = o with { Tags = r.Tags ?? s_defaults.Tags };
        }

        return o;
    }

    /// <summary>Builds one message to publish; <paramref name="prefix"/> is the field path of the message in the body.</summary>
    public static OutgoingMessage ToOutgoing(OutgoingMessageRequest r, string prefix)
    {
        ReadOnlyMemory<byte> body;
        if (r.Body is { } text)
        {
            body = r.BodyBase64 is null
                ? text.Bytes
                : throw SluiceBadField(prefix + "body", "and bodyBase64 are both given: give either body (text) or bodyBase64 (bytes), not both");
        }
        else
        {
            body = r.BodyBase64 ?? throw SluiceBadField(prefix + "body", "is missing: give body (text) or bodyBase64 (bytes)");
        }

        return new OutgoingMessage(body)
        {
            Attributes = r.Attributes,
            Priority = WholeInt(r.Priority, prefix + "priority", 0, OutgoingMessage.MaxPriority) ?? 0,
            Delay = Seconds(r.DelaySeconds, prefix + "delaySeconds", TimeSpan.Zero, Validation.MaxDelay),
            DeduplicationId = r.DeduplicationId,
            MessageGroupId = r.MessageGroupId,
        };
    }

    /// <summary>
    /// Converts a number of seconds as sent to a duration after checking it against [<paramref name="min"/>,
    /// <paramref name="max"/>] as a number (so 43200.0000001 is not rounded into range, and 1e308 is not clamped);
    /// the error quotes the number as sent. <see langword="null"/> stays <see langword="null"/>.
    /// </summary>
    /// <exception cref="SluiceException">invalid_argument naming <paramref name="field"/>.</exception>
    public static TimeSpan? Seconds(RestNumber? seconds, string field, TimeSpan min, TimeSpan max)
    {
        if (seconds is not { } n)
        {
            return null;
        }

        var value = decimal.TryParse(n.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (decimal?)null;
        var minSeconds = (decimal)min.Ticks / TimeSpan.TicksPerSecond;
        var maxSeconds = (decimal)max.Ticks / TimeSpan.TicksPerSecond;
        if (value is not { } v || v < minSeconds || v > maxSeconds)
        {
            throw SluiceBadField(field, $"{Validation.Quote(n.Text)} s is out of range: use {minSeconds.ToString(CultureInfo.InvariantCulture)} to {maxSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
        }

        // In range, so it fits a TimeSpan; sub-tick digits are rounded to the nearest 100 ns.
        return TimeSpan.FromTicks((long)Math.Round(v * TimeSpan.TicksPerSecond, MidpointRounding.AwayFromZero));
    }

    /// <summary>
    /// Converts a count, size or priority as sent to a whole number after checking it against [<paramref name="min"/>,
    /// <paramref name="max"/>]; a fraction (2.5) is refused, an exponent form of a whole number (1e3) is taken.
    /// The error quotes the number as sent. <see langword="null"/> stays <see langword="null"/>.
    /// </summary>
    /// <exception cref="SluiceException">invalid_argument naming <paramref name="field"/>.</exception>
    public static long? Whole(RestNumber? number, string field, long min, long max)
    {
        if (number is not { } n)
        {
            return null;
        }

        var rule = $"use a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        var parsed = decimal.TryParse(n.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v);
        if (parsed && v != decimal.Truncate(v))
        {
            throw SluiceBadField(field, $"{Validation.Quote(n.Text)} is not a whole number: {rule}");
        }

        if (!parsed && !double.TryParse(n.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw SluiceBadField(field, $"'{Validation.Quote(n.Text)}' is not a number: {rule}");
        }

        return parsed && v >= min && v <= max ? (long)v : throw SluiceBadField(field, $"{Validation.Quote(n.Text)} is out of range: {rule}");
    }

    /// <summary><see cref="Whole"/> for a property of type <see cref="int"/>.</summary>
    public static int? WholeInt(RestNumber? number, string field, int min, int max) => (int?)Whole(number, field, min, max);

    public static SluiceException SluiceBadField(string field, string rule) =>
        new(ErrorCodes.InvalidArgument, $"{field} {rule}", field);
}
