using System.Collections.Frozen;
using System.Text;
using Grpc.Core;
using Sluice.Grpc;

namespace Sluice.Faces.Grpc;

/// <summary>
/// The gRPC face's one table from <see cref="ErrorCodes"/> to gRPC status codes (docs/grpc.md, "Errors"), and the
/// trailers (<see cref="GrpcErrorTrailers"/>) every failed call carries.
/// </summary>
public static class GrpcErrors
{
    private static readonly FrozenDictionary<string, StatusCode> s_status = new Dictionary<string, StatusCode>(StringComparer.Ordinal)
    {
        [ErrorCodes.InvalidArgument] = StatusCode.InvalidArgument,
        [ErrorCodes.Unauthenticated] = StatusCode.Unauthenticated,
        [ErrorCodes.AccessDenied] = StatusCode.PermissionDenied,
        [ErrorCodes.InvalidQueueName] = StatusCode.InvalidArgument,
        [ErrorCodes.InvalidTopicName] = StatusCode.InvalidArgument,
        [ErrorCodes.InvalidStreamName] = StatusCode.InvalidArgument,
        [ErrorCodes.ReceiptHandleInvalid] = StatusCode.InvalidArgument,
        [ErrorCodes.MalformedRequest] = StatusCode.InvalidArgument,
        [ErrorCodes.StreamIdInvalid] = StatusCode.InvalidArgument,
        [ErrorCodes.StreamIdTooSmall] = StatusCode.InvalidArgument,
        [ErrorCodes.MessageTooLarge] = StatusCode.InvalidArgument,
        [ErrorCodes.StreamIdExhausted] = StatusCode.FailedPrecondition,
        [ErrorCodes.QueueNotFound] = StatusCode.NotFound,
        [ErrorCodes.TopicNotFound] = StatusCode.NotFound,
        [ErrorCodes.SubscriptionNotFound] = StatusCode.NotFound,
        [ErrorCodes.StreamNotFound] = StatusCode.NotFound,
        [ErrorCodes.StreamGroupNotFound] = StatusCode.NotFound,
        [ErrorCodes.MessageNotFound] = StatusCode.NotFound,
        [ErrorCodes.RedriveNotFound] = StatusCode.NotFound,
        [ErrorCodes.DeadLetterGroupNotFound] = StatusCode.NotFound,
        [ErrorCodes.RedriveInProgress] = StatusCode.FailedPrecondition,
        [ErrorCodes.QueueAlreadyExists] = StatusCode.AlreadyExists,
        [ErrorCodes.SubscriptionAlreadyExists] = StatusCode.AlreadyExists,
        [ErrorCodes.StreamGroupExists] = StatusCode.AlreadyExists,
        [ErrorCodes.QueueInUse] = StatusCode.FailedPrecondition,
        [ErrorCodes.VersionConflict] = StatusCode.FailedPrecondition,
        [ErrorCodes.ReceiptHandleStale] = StatusCode.FailedPrecondition,
        [ErrorCodes.MessageNotInFlight] = StatusCode.FailedPrecondition,
        [ErrorCodes.SubscriptionLimitExceeded] = StatusCode.ResourceExhausted,
        [ErrorCodes.QueueFull] = StatusCode.ResourceExhausted,
        [ErrorCodes.RequestTooLarge] = StatusCode.ResourceExhausted,
        [ErrorCodes.StorageFull] = StatusCode.ResourceExhausted,
        [ErrorCodes.RequestTimeout] = StatusCode.DeadlineExceeded,
        [ErrorCodes.Unavailable] = StatusCode.Unavailable,
        [ErrorCodes.StorageFailed] = StatusCode.Unavailable,
        [ErrorCodes.NotSupported] = StatusCode.Unimplemented,
        [ErrorCodes.Internal] = StatusCode.Internal,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The gRPC status of an error code; <see cref="StatusCode.Internal"/> for a code the table does not know.</summary>
    /// <param name="errorCode">One of <see cref="ErrorCodes"/>.</param>
    public static StatusCode StatusOf(string errorCode) =>
        s_status.TryGetValue(errorCode ?? "", out var status) ? status : StatusCode.Internal;

    /// <summary>Every code of the table with its status, for docs and tests.</summary>
    public static IReadOnlyDictionary<string, StatusCode> Table => s_status;

    /// <summary>
    /// The <see cref="RpcException"/> a call fails with: the table's status, the message as detail, and the trailers
    /// <c>sluice-error-code</c>, <c>sluice-error-field</c> (the proto field name, see <see cref="ProtoField"/>) and
    /// <c>sluice-error-transient</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is <see langword="null"/>.</exception>
    public static RpcException ToRpcException(SluiceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var trailers = new Metadata
        {
            { GrpcErrorTrailers.Code, error.ErrorCode },
            { GrpcErrorTrailers.Transient, error.IsTransient ? "true" : "false" },
        };
        if (ProtoField(error.Field) is { } field)
        {
            trailers.Add(GrpcErrorTrailers.Field, field);
        }

        return new RpcException(new Status(StatusOf(error.ErrorCode), error.Message), trailers, error.Message);
    }

    /// <summary>An error as the <c>Error</c> message of a stream answer (the publish stream's failed batch).</summary>
    public static global::Sluice.Grpc.V1.Error ToProto(SluiceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new() { Code = error.ErrorCode, Message = error.Message, Field = ProtoField(error.Field) ?? "", Transient = error.IsTransient };
    }

    /// <summary>An <c>invalid_argument</c> error naming the proto field at fault.</summary>
    public static SluiceException Invalid(string field, string message) => new(ErrorCodes.InvalidArgument, message, field);

    /// <summary>Throws <c>invalid_argument</c> naming <paramref name="field"/> when a required string is empty.</summary>
    public static string Required(string value, string field) =>
        string.IsNullOrEmpty(value) ? throw Invalid(field, $"{field} is missing: it is required") : value;

    /// <summary>
    /// Translates a broker field name to the proto field's: snake_case, a single publish's <c>message.</c> is the batch's
    /// <c>messages[0].</c>, and a duration carries its unit (<c>visibilityTimeout</c> → <c>visibility_timeout_ms</c>,
    /// <c>waitTime</c> → <c>wait_ms</c>). Names already in proto form are kept.
    /// </summary>
    public static string? ProtoField(string? field)
    {
        if (string.IsNullOrEmpty(field))
        {
            return null;
        }

        if (field.StartsWith("message.", StringComparison.Ordinal))
        {
            field = "messages[0]." + field["message.".Length..];
        }

        var segments = field.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            var suffix = bracket < 0 ? "" : segment[bracket..];
            name = name switch
            {
                "waitTime" => "wait_ms",
                "visibilityTimeout" or "delay" or "deliveryDelay" or "retentionPeriod" or "deduplicationWindow" or "receiveWaitTime" or "block" or "minIdle" or "maxAge"
                    when i == segments.Length - 1 => Snake(name) + "_ms",
                _ => Snake(name),
            };
            segments[i] = name + suffix;
        }

        return string.Join('.', segments);
    }

    private static string Snake(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                builder.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
