namespace Sluice;

/// <summary>
/// The one exception type Sluice raises for failed operations. <see cref="ErrorCode"/> is stable (see
/// <see cref="ErrorCodes"/>); the message states what failed, the value, the rule and the fix.
/// </summary>
public sealed class SluiceException : Exception
{
    /// <summary>Creates an exception with a stable error code.</summary>
    /// <param name="errorCode">One of the <see cref="ErrorCodes"/> constants.</param>
    /// <param name="message">What failed, the value, the rule and the fix.</param>
    /// <param name="field">The request field at fault, if one is.</param>
    /// <param name="isTransient">Whether the same request may succeed if retried later.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SluiceException(string errorCode, string message, string? field = null, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        Field = field;
        IsTransient = isTransient;
    }

    /// <summary>Creates an internal error.</summary>
    public SluiceException() : this(ErrorCodes.Internal, "internal error") { }

    /// <summary>Creates an internal error with a message.</summary>
    public SluiceException(string message) : this(ErrorCodes.Internal, message) { }

    /// <summary>Creates an internal error with a message and cause.</summary>
    public SluiceException(string message, Exception innerException) : this(ErrorCodes.Internal, message, null, false, innerException) { }

    /// <summary>The stable error code (one of <see cref="ErrorCodes"/>).</summary>
    public string ErrorCode { get; }

    /// <summary>The request field at fault (for example <c>visibilityTimeout</c>), or <see langword="null"/>.</summary>
    public string? Field { get; }

    /// <summary>
    /// The name of the stream the error is about (stream_not_found, stream_group_not_found), so that a face can name it
    /// when a request names several (a group read over several streams); <see langword="null"/> when not set.
    /// </summary>
    public string? Resource { get; init; }

    /// <summary>Whether retrying the same request later may succeed (for example <see cref="ErrorCodes.QueueFull"/>).</summary>
    public bool IsTransient { get; }

    /// <summary>
    /// Whether the request reached the broker. <see langword="true"/> (the default) for every error the broker raised,
    /// in this process or reported by a server, and when a connection broke after the request was sent (its outcome
    /// is then unknown: a retried publish may be stored twice unless it carries a deduplication id).
    /// <see langword="false"/> when a client failed before sending (no connection, a client-side check): nothing
    /// happened, so a retry is safe.
    /// </summary>
    public bool RequestSent { get; init; } = true;

    internal static SluiceException Invalid(string field, string message) => new(ErrorCodes.InvalidArgument, message, field);

    internal static SluiceException QueueNotFound(string queue) => Storage.StoreErrors.QueueNotFound(queue);
}
