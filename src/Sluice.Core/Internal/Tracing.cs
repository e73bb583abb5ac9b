using System.Diagnostics;

namespace Sluice.Internal;

/// <summary>
/// The broker's spans on the fixed activity source <c>Sluice</c> (OpenTelemetry messaging conventions): <c>publish
/// {queue}</c> (producer), <c>receive {queue}</c> (consumer, one per delivered message, parented to the message's
/// producer context) and <c>ack|nack|dead_letter {queue}</c> under the caller's context. Retries and redrives need no
/// span of their own: a moved or released message keeps its trace attributes, so its next delivery joins the trace.
/// Without a listener nothing is allocated beyond the trace attributes a publish carries forward.
/// </summary>
internal static class Tracing
{
    public const string SourceName = "Sluice";

    public static readonly ActivitySource Source = new(SourceName, "1.0");

    /// <summary>
    /// Starts the publish span and stamps each message that carries no <see cref="TraceContext.TraceParent"/> with the
    /// context a consumer should continue: the publish span's, else the caller's (<see cref="Activity.Current"/>, such as
    /// the HTTP request's). Messages are returned unchanged when there is no context at all.
    /// </summary>
    public static IReadOnlyList<OutgoingMessage> StartPublish(string queue, IReadOnlyList<OutgoingMessage> messages, out Activity? activity)
    {
        activity = null;
        var ambient = Activity.Current;
        if (!Source.HasListeners() && ambient is null)
        {
            return messages;
        }

        if (Source.HasListeners())
        {
            // A single message that carries its producer's context (an SQS AWSTraceHeader, a traceparent attribute)
            // is published as that producer's child; otherwise the span is the caller's child, linked to each producer.
            ActivityContext parent = default;
            List<ActivityLink>? links = null;
            if (messages.Count == 1 && TraceContext.TryRead(messages[0].Attributes, out var own))
            {
                parent = own;
            }
            else
            {
                foreach (var m in messages)
                {
                    if (TraceContext.TryRead(m.Attributes, out var context))
                    {
                        (links ??= []).Add(new ActivityLink(context));
                    }
                }
            }

            activity = parent == default
                ? Source.StartActivity(ActivityKind.Producer, links: links, name: "publish " + queue)
                : Source.StartActivity("publish " + queue, ActivityKind.Producer, parent);
            if (activity is not null)
            {
                activity.SetTag("messaging.system", "sluice");
                activity.SetTag("messaging.operation.type", "send");
                activity.SetTag("messaging.operation.name", "publish");
                activity.SetTag(Metrics.QueueTag, queue);
                if (messages.Count > 1)
                {
                    activity.SetTag("messaging.batch.message_count", messages.Count);
                }
            }
        }

        var carrier = activity ?? ambient;
        if (carrier is null || carrier.IdFormat != ActivityIdFormat.W3C)
        {
            return messages;
        }

        OutgoingMessage[]? stamped = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Attributes is { } a && a.ContainsKey(TraceContext.TraceParent))
            {
                continue;
            }

            stamped ??= [.. messages];
            var attributes = m.Attributes is null ? new Dictionary<string, MessageAttributeValue>(2, StringComparer.Ordinal) : new Dictionary<string, MessageAttributeValue>(m.Attributes, StringComparer.Ordinal);
            attributes[TraceContext.TraceParent] = MessageAttributeValue.FromString(carrier.Id!);
            if (carrier.TraceStateString is { Length: > 0 } state)
            {
                attributes[TraceContext.TraceState] = MessageAttributeValue.FromString(state);
            }

            stamped[i] = m with { Attributes = attributes };
        }

        return stamped ?? messages;
    }

    /// <summary>One short consumer span per delivered message, parented to its producer context and linked to the caller's.</summary>
    public static void Received(string queue, IReadOnlyList<QueueMessage> messages)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var caller = Activity.Current;
        foreach (var m in messages)
        {
            if (!TraceContext.TryRead(m.Attributes, out var producer))
            {
                producer = default;
            }

            ActivityLink[]? links = caller is null ? null : [new ActivityLink(caller.Context)];
            using var activity = producer == default
                ? Source.StartActivity(ActivityKind.Consumer, links: links, name: "receive " + queue)
                : Source.StartActivity("receive " + queue, ActivityKind.Consumer, producer, links: links);
            if (activity is null)
            {
                continue;
            }

            activity.SetTag("messaging.system", "sluice");
            activity.SetTag("messaging.operation.type", "receive");
            activity.SetTag("messaging.operation.name", "receive");
            activity.SetTag(Metrics.QueueTag, queue);
            activity.SetTag("messaging.message.id", m.MessageId.ToString());
            activity.SetTag("messaging.message.delivery_count", m.ReceiveCount);
        }
    }

    /// <summary>A settle span (<c>ack</c>, <c>nack</c>, <c>dead_letter</c>) under the caller's context; null without a listener.</summary>
    public static Activity? Start(string operation, string queue, string operationType = "settle")
    {
        var activity = Source.StartActivity(operation + " " + queue, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "sluice");
            activity.SetTag("messaging.operation.type", operationType);
            activity.SetTag("messaging.operation.name", operation);
            activity.SetTag(Metrics.QueueTag, queue);
        }

        return activity;
    }
}
