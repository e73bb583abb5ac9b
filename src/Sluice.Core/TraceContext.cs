using System.Diagnostics;
using System.Globalization;

namespace Sluice;

/// <summary>
/// W3C trace context carried in a message's attributes, so a trace spans producer, broker, consumers, retries, dead
/// letters and redrives (docs/observability.md). The context is kept in the String attributes <see cref="TraceParent"/>
/// and <see cref="TraceState"/> (W3C Trace Context format); the SQS face's <c>AWSTraceHeader</c> system attribute
/// (AWS X-Ray format) is kept under <see cref="AwsTraceHeader"/> and read as the same context.
/// </summary>
public static class TraceContext
{
    /// <summary>The attribute holding the W3C <c>traceparent</c> (<c>00-{32 hex trace id}-{16 hex span id}-{2 hex flags}</c>).</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The attribute holding the W3C <c>tracestate</c>, when the producer had one.</summary>
    public const string TraceState = "tracestate";

    /// <summary>The attribute holding the SQS <c>AWSTraceHeader</c> system attribute (<c>Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled=1</c>).</summary>
    public const string AwsTraceHeader = "AWSTraceHeader";

    /// <summary>
    /// Reads the producer's context from a message's attributes: <see cref="TraceParent"/> (with <see cref="TraceState"/>)
    /// first, else <see cref="AwsTraceHeader"/>.
    /// </summary>
    /// <param name="attributes">The message's attributes.</param>
    /// <param name="context">The context, marked remote; default when none was found or it was malformed.</param>
    /// <returns>Whether a well-formed context was found.</returns>
    public static bool TryRead(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, out ActivityContext context)
    {
        context = default;
        if (attributes is null || attributes.Count == 0)
        {
            return false;
        }

        if (attributes.TryGetValue(TraceParent, out var parent) && parent.StringValue is { } traceParent)
        {
            var state = attributes.TryGetValue(TraceState, out var s) ? s.StringValue : null;
            if (ActivityContext.TryParse(traceParent, state, isRemote: true, out context))
            {
                return true;
            }
        }

        return attributes.TryGetValue(AwsTraceHeader, out var aws) && aws.StringValue is { } header && TryParseAwsTraceHeader(header, out context);
    }

    /// <summary>
    /// Converts an AWS X-Ray trace header (<c>Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1</c>)
    /// to a W3C context, as AWS documents the mapping: the trace id is the root's 8 hex digits of epoch seconds followed by
    /// its 24 hex digits, the span id is <c>Parent</c>, and <c>Sampled=1</c> is the sampled flag. Unknown fields (such as
    /// <c>Lineage</c>) are ignored.
    /// </summary>
    /// <param name="header">The header value.</param>
    /// <param name="context">The context, marked remote; default when the header is malformed or has no <c>Parent</c>.</param>
    /// <returns>Whether the header held a root and a parent in the X-Ray format.</returns>
    public static bool TryParseAwsTraceHeader(string? header, out ActivityContext context)
    {
        context = default;
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        string? root = null, parent = null;
        var sampled = false;
        foreach (var part in header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = part[..eq];
            var value = part[(eq + 1)..];
            if (key.Equals("Root", StringComparison.OrdinalIgnoreCase))
            {
                root = value;
            }
            else if (key.Equals("Parent", StringComparison.OrdinalIgnoreCase))
            {
                parent = value;
            }
            else if (key.Equals("Sampled", StringComparison.OrdinalIgnoreCase))
            {
                sampled = value == "1";
            }
        }

        // Root=1-{8 hex}-{24 hex}
        if (root is not { Length: 35 } || !root.StartsWith("1-", StringComparison.Ordinal) || root[10] != '-' || parent is not { Length: 16 })
        {
            return false;
        }

        var traceId = string.Concat(root.AsSpan(2, 8), root.AsSpan(11, 24)).ToLowerInvariant();
        var spanId = parent.ToLowerInvariant();
        if (!IsHex(traceId) || !IsHex(spanId) || traceId.All(c => c == '0') || spanId.All(c => c == '0'))
        {
            return false;
        }

        context = new ActivityContext(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateFromString(spanId),
            sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);
        return true;
    }

    /// <summary>
    /// Formats a context as an AWS X-Ray trace header (<c>Root=1-{first 8 hex of the trace id}-{last 24};Parent={span id};Sampled={0|1}</c>),
    /// the inverse of <see cref="TryParseAwsTraceHeader"/>.
    /// </summary>
    /// <param name="context">The context.</param>
    /// <returns>The header value.</returns>
    public static string ToAwsTraceHeader(ActivityContext context)
    {
        var traceId = context.TraceId.ToHexString();
        var sampled = (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "1" : "0";
        return string.Create(CultureInfo.InvariantCulture, $"Root=1-{traceId.AsSpan(0, 8)}-{traceId.AsSpan(8)};Parent={context.SpanId.ToHexString()};Sampled={sampled}");
    }

    /// <summary>Formats a context as a W3C <c>traceparent</c>: <c>00-{trace id}-{span id}-{flags}</c>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The header value.</returns>
    public static string ToTraceParent(ActivityContext context) =>
        string.Create(CultureInfo.InvariantCulture,
            $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}");

    private static bool IsHex(string s) => s.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
