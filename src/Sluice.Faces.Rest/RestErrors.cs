using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Sluice.Faces.Rest;

/// <summary>
/// The REST face's one table from <see cref="ErrorCodes"/> to HTTP status codes (docs/rest-api.md, "Errors"), and the
/// application/problem+json rendering every error uses.
/// </summary>
public static class RestErrors
{
    /// <summary>The media type of every error response.</summary>
    public const string ProblemContentType = "application/problem+json";

    /// <summary>Code of a request for a path (or method) that no route serves; REST face only (404).</summary>
    public const string RouteNotFound = "route_not_found";

    /// <summary>Code of a request whose path a route serves, but not with its method; REST face only (405, with <c>Allow</c>).</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>Code of a JSON body in a charset other than UTF-8 (<c>application/json; charset=latin1</c>); REST face only (415).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    private static readonly FrozenDictionary<string, int> s_status = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [ErrorCodes.InvalidArgument] = StatusCodes.Status400BadRequest,
        [ErrorCodes.Unauthenticated] = StatusCodes.Status401Unauthorized,
        [ErrorCodes.AccessDenied] = StatusCodes.Status403Forbidden,
        [ErrorCodes.InvalidQueueName] = StatusCodes.Status400BadRequest,
        [ErrorCodes.ReceiptHandleInvalid] = StatusCodes.Status400BadRequest,
        [ErrorCodes.MalformedRequest] = StatusCodes.Status400BadRequest,
        [ErrorCodes.InvalidStreamName] = StatusCodes.Status400BadRequest,
        [ErrorCodes.StreamIdInvalid] = StatusCodes.Status400BadRequest,
        [ErrorCodes.StreamIdTooSmall] = StatusCodes.Status400BadRequest,
        [ErrorCodes.StreamIdExhausted] = StatusCodes.Status400BadRequest,
        [ErrorCodes.StreamNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.StreamGroupNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.StreamGroupExists] = StatusCodes.Status409Conflict,
        [ErrorCodes.InvalidTopicName] = StatusCodes.Status400BadRequest,
        [ErrorCodes.TopicNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.SubscriptionNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.SubscriptionAlreadyExists] = StatusCodes.Status409Conflict,
        [ErrorCodes.SubscriptionLimitExceeded] = StatusCodes.Status409Conflict,
        [ErrorCodes.VersionConflict] = StatusCodes.Status409Conflict,
        [ErrorCodes.QueueNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.MessageNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.RedriveNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.DeadLetterGroupNotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.RedriveInProgress] = StatusCodes.Status409Conflict,
        [RouteNotFound] = StatusCodes.Status404NotFound,
        [MethodNotAllowed] = StatusCodes.Status405MethodNotAllowed,
        [ErrorCodes.RequestTimeout] = StatusCodes.Status408RequestTimeout,
        [ErrorCodes.QueueAlreadyExists] = StatusCodes.Status409Conflict,
        [ErrorCodes.QueueInUse] = StatusCodes.Status409Conflict,
        [ErrorCodes.ReceiptHandleStale] = StatusCodes.Status409Conflict,
        [ErrorCodes.MessageNotInFlight] = StatusCodes.Status409Conflict,
        [UnsupportedMediaType] = StatusCodes.Status415UnsupportedMediaType,
        [ErrorCodes.MessageTooLarge] = StatusCodes.Status413PayloadTooLarge,
        [ErrorCodes.RequestTooLarge] = StatusCodes.Status413PayloadTooLarge,
        [ErrorCodes.QueueFull] = StatusCodes.Status429TooManyRequests,
        [ErrorCodes.Unavailable] = StatusCodes.Status503ServiceUnavailable,
        [ErrorCodes.StorageFailed] = StatusCodes.Status503ServiceUnavailable,
        [ErrorCodes.StorageFull] = StatusCodes.Status507InsufficientStorage,
        [ErrorCodes.NotSupported] = StatusCodes.Status501NotImplemented,
        [ErrorCodes.Internal] = StatusCodes.Status500InternalServerError,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The HTTP status of an error code; 500 for a code the table does not know.</summary>
    /// <param name="errorCode">One of <see cref="ErrorCodes"/> or <see cref="RouteNotFound"/>.</param>
    public static int StatusOf(string errorCode) =>
        s_status.TryGetValue(errorCode ?? "", out var status) ? status : StatusCodes.Status500InternalServerError;

    /// <summary>The codes answered with an HTTP status, comma-separated (for the OpenAPI document).</summary>
    internal static string CodesOf(int status) =>
        string.Join(", ", s_status.Where(e => e.Value == status).Select(e => e.Key).Order(StringComparer.Ordinal));

    /// <summary>Writes an error as application/problem+json (with <c>Retry-After: 1</c> for <c>queue_full</c>).</summary>
    /// <param name="context">The request; its response must not have started.</param>
    /// <param name="errorCode">The error code.</param>
    /// <param name="detail">What failed, the value, the rule and the fix.</param>
    /// <param name="field">The request field at fault, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static Task WriteProblemAsync(HttpContext context, string errorCode, string detail, string? field)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(errorCode);
        ArgumentNullException.ThrowIfNull(detail);
        return ToResult(errorCode, detail, field).ExecuteAsync(context);
    }

    /// <summary>
    /// The detail of every <c>internal_error</c>: generic, with the trace id to find the failure in the server log
    /// (internals such as SQL errors are never shown to the client).
    /// </summary>
    internal static string InternalDetail(string traceId) =>
        $"an unexpected error occurred; the request may or may not have taken effect (trace id {traceId} in the server log)";

    internal static IResult ToResult(SluiceException error)
    {
        var field = error.ErrorCode == ErrorCodes.MalformedRequest ? error.Field : RestFieldName(error.Field);
        return ToResult(error.ErrorCode, RenameField(error.Message, error.Field, field), field);
    }

    /// <summary>
    /// <paramref name="detail"/> with each whole-word mention of the broker's field name <paramref name="from"/> replaced by
    /// the request's <paramref name="to"/> (<c>message.deduplicationId</c> → <c>deduplicationId</c>), so the text names
    /// what the client sent, as <c>field</c> does.
    /// </summary>
    internal static string RenameField(string detail, string? from, string? to) =>
        from is null || to is null || from == to ? detail
            : System.Text.RegularExpressions.Regex.Replace(detail, $@"(?<![\w.\[\]]){System.Text.RegularExpressions.Regex.Escape(from)}(?![\w])", to.Replace("$", "$$", StringComparison.Ordinal));

    internal static IResult ToResult(string errorCode, string detail, string? field)
    {
        var status = StatusOf(errorCode);
        var problem = new ProblemResponse("urn:sluice:error:" + errorCode, errorCode, status, detail, errorCode, field);
        var json = TypedResults.Json(problem, SluiceJsonContext.Wire.ProblemResponse, ProblemContentType, status);
        return errorCode == ErrorCodes.QueueFull ? new RetryAfterResult(json) : json;
    }

    /// <summary>
    /// Translates a broker field name to the REST request's: durations carry a <c>Seconds</c> suffix here, and a single
    /// publish's fields sit at the top of the body (the broker's <c>message.</c> prefix is dropped).
    /// </summary>
    internal static string? RestFieldName(string? field)
    {
        if (field is null)
        {
            return null;
        }

        if (field.StartsWith("message.", StringComparison.Ordinal))
        {
            field = field["message.".Length..];
        }

        var dot = field.LastIndexOf('.');
        var last = field.AsSpan(dot + 1);
        return last is "visibilityTimeout" or "waitTime" or "delay" or "deliveryDelay" or "retentionPeriod" or "deduplicationWindow" or "receiveWaitTime"
            ? field + "Seconds"
            : field;
    }

    private sealed class RetryAfterResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = "1";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
