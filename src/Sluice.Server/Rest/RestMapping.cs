using System.Text.Unicode;

namespace Sluice.Server.Rest;

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
            Sluice.Storage.StoreErrors.ApiName(o.OverflowPolicy),
            o.DeduplicationWindow.TotalSeconds,
            o.Fifo,
            o.ContentBasedDeduplication,
            o.DeduplicationScope == DeduplicationScope.MessageGroup ? "messageGroup" : "queue",
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
            message.State switch
            {
                MessageState.Ready => "ready",
                MessageState.Delayed => "delayed",
                MessageState.InFlight => "inFlight",
                _ => message.State.ToString(),
            },
            message.ReceiptHandle,
            message.DeduplicationId,
            message.MessageGroupId,
            message.SequenceNumber,
            message.DeadLetter is { } d ? new DeadLetterResponse(d.SourceQueue, d.Reason, d.Attempts, d.LastError, d.DeadLetteredAt) : null);
    }

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
        status.State switch
        {
            RedriveState.Running => "running",
            RedriveState.Completed => "completed",
            RedriveState.Cancelled => "cancelled",
            RedriveState.Failed => "failed",
            _ => status.State.ToString(),
        },
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
            o = o with { VisibilityTimeout = Seconds(r.VisibilityTimeoutSeconds) ?? s_defaults.VisibilityTimeout };
        }

        if (r.Has(nameof(r.DeliveryDelaySeconds)))
        {
            o = o with { DeliveryDelay = Seconds(r.DeliveryDelaySeconds) ?? s_defaults.DeliveryDelay };
        }

        if (r.Has(nameof(r.RetentionPeriodSeconds)))
        {
            o = o with { RetentionPeriod = Seconds(r.RetentionPeriodSeconds) ?? s_defaults.RetentionPeriod };
        }

        if (r.Has(nameof(r.MaxMessageSize)))
        {
            o = o with { MaxMessageSize = r.MaxMessageSize ?? s_defaults.MaxMessageSize };
        }

        if (r.Has(nameof(r.MaxReceiveCount)))
        {
            o = o with { MaxReceiveCount = r.MaxReceiveCount };
        }

        if (r.Has(nameof(r.DeadLetterQueue)))
        {
            o = o with { DeadLetterQueue = r.DeadLetterQueue };
        }

        if (r.Has(nameof(r.MaxLength)))
        {
            o = o with { MaxLength = r.MaxLength };
        }

        if (r.Has(nameof(r.MaxLengthBytes)))
        {
            o = o with { MaxLengthBytes = r.MaxLengthBytes };
        }

        if (r.Has(nameof(r.OverflowPolicy)))
        {
            o = o with { OverflowPolicy = r.OverflowPolicy is null ? s_defaults.OverflowPolicy : ParseOverflowPolicy(r.OverflowPolicy) };
        }

        if (r.Has(nameof(r.DeduplicationWindowSeconds)))
        {
            o = o with { DeduplicationWindow = Seconds(r.DeduplicationWindowSeconds) ?? s_defaults.DeduplicationWindow };
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
                DeduplicationScope = r.DeduplicationScope switch
                {
                    null or "queue" => DeduplicationScope.Queue,
                    "messageGroup" => DeduplicationScope.MessageGroup,
                    _ => throw new SluiceException(ErrorCodes.InvalidArgument,
                        $"deduplicationScope '{r.DeduplicationScope}' is invalid: use queue or messageGroup", "deduplicationScope"),
                },
            };
        }

        if (r.Has(nameof(r.ReceiveWaitTimeSeconds)))
        {
            o = o with { ReceiveWaitTime = Seconds(r.ReceiveWaitTimeSeconds) ?? s_defaults.ReceiveWaitTime };
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
            Priority = r.Priority ?? 0,
            Delay = Seconds(r.DelaySeconds),
            DeduplicationId = r.DeduplicationId,
            MessageGroupId = r.MessageGroupId,
        };
    }

    /// <summary>
    /// Converts seconds to a duration. Values beyond what a <see cref="TimeSpan"/> holds are clamped, so the broker
    /// refuses them with its range message instead of the conversion overflowing.
    /// </summary>
    public static TimeSpan? Seconds(double? seconds)
    {
        if (seconds is not { } s)
        {
            return null;
        }

        if (double.IsNaN(s))
        {
            return TimeSpan.MinValue;
        }

        return s >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue
            : s <= TimeSpan.MinValue.TotalSeconds ? TimeSpan.MinValue
            : TimeSpan.FromSeconds(s);
    }

    public static SluiceException SluiceBadField(string field, string rule) =>
        new(ErrorCodes.InvalidArgument, $"{field} {rule}", field);

    private static OverflowPolicy ParseOverflowPolicy(string value) => value switch
    {
        "reject" => OverflowPolicy.Reject,
        "drop-head" => OverflowPolicy.DropHead,
        "dead-letter-head" => OverflowPolicy.DeadLetterHead,
        _ => throw new SluiceException(ErrorCodes.InvalidArgument,
            $"overflowPolicy '{value}' is invalid: use reject, drop-head or dead-letter-head", "overflowPolicy"),
    };
}
