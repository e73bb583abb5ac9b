namespace Sluice.Faces.Sqs;

/// <summary>An SQS error: the JSON <c>__type</c> shape name, the legacy Query code, the fault side and the HTTP status.</summary>
/// <param name="Shape">The JSON 1.0 shape name (after <c>com.amazonaws.sqs#</c>), or a whole <c>__type</c> of another namespace (one with <c>#</c>).</param>
/// <param name="QueryCode">The Query protocol code, also sent in the JSON <c>x-amzn-query-error</c> header.</param>
/// <param name="Sender">Whether the caller is at fault (<c>Sender</c>) or the service (<c>Receiver</c>).</param>
/// <param name="Status">The HTTP status.</param>
internal sealed record SqsError(string Shape, string QueryCode, bool Sender = true, int Status = 400)
{
    public static readonly SqsError QueueDoesNotExist = new("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue");
    public static readonly SqsError QueueNameExists = new("QueueNameExists", "QueueAlreadyExists");
    public static readonly SqsError ReceiptHandleIsInvalid = new("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid");
    public static readonly SqsError MessageNotInflight = new("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight");
    public static readonly SqsError InvalidAttributeName = new("InvalidAttributeName", "InvalidAttributeName");
    public static readonly SqsError InvalidAttributeValue = new("InvalidAttributeValue", "InvalidAttributeValue");
    public static readonly SqsError InvalidMessageContents = new("InvalidMessageContents", "InvalidMessageContents");
    public static readonly SqsError OverLimit = new("OverLimit", "OverLimit");
    public static readonly SqsError UnsupportedOperation = new("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation");
    public static readonly SqsError EmptyBatchRequest = new("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest");
    public static readonly SqsError TooManyEntriesInBatchRequest = new("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
    public static readonly SqsError BatchEntryIdsNotDistinct = new("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
    public static readonly SqsError InvalidBatchEntryId = new("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId");
    public static readonly SqsError BatchRequestTooLong = new("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong");
    public static readonly SqsError RequestEntityTooLarge = new("RequestEntityTooLarge", "RequestEntityTooLarge", true, 413);
    public static readonly SqsError RequestThrottled = new("RequestThrottled", "RequestThrottled");
    public static readonly SqsError ResourceNotFound = new("ResourceNotFoundException", "ResourceNotFoundException");
    public static readonly SqsError InvalidParameterValue = new("InvalidParameterValue", "InvalidParameterValue");
    public static readonly SqsError MissingParameter = new("MissingParameter", "MissingParameter");
    public static readonly SqsError InvalidAction = new("InvalidAction", "InvalidAction");
    public static readonly SqsError MissingAction = new("MissingAction", "MissingAction");
    public static readonly SqsError MalformedRequest = new("MalformedQueryString", "MalformedQueryString");

    /// <summary>A JSON-protocol body that cannot be read (malformed JSON, a duplicate member): AWS's JSON services answer this coral shape.</summary>
    public static readonly SqsError SerializationException = new("com.amazon.coral.service#SerializationException", "SerializationException");
    public static readonly SqsError InvalidClientTokenId = new("InvalidClientTokenId", "InvalidClientTokenId", true, 403);
    public static readonly SqsError SignatureDoesNotMatch = new("SignatureDoesNotMatch", "SignatureDoesNotMatch", true, 403);
    public static readonly SqsError MissingAuthenticationToken = new("MissingAuthenticationToken", "MissingAuthenticationToken", true, 403);
    /// <summary>The signer's grants do not allow the action on the queue (access_denied): JSON <c>AccessDeniedException</c>, Query <c>AccessDenied</c>.</summary>
    public static readonly SqsError AccessDenied = new("com.amazon.coral.service#AccessDeniedException", "AccessDenied", true, 403);
    public static readonly SqsError InvalidSecurity = new("InvalidSecurity", "InvalidSecurity", true, 403);
    public static readonly SqsError InternalError = new("InternalError", "InternalError", false, 500);
    public static readonly SqsError ServiceUnavailable = new("ServiceUnavailable", "ServiceUnavailable", false, 503);
    public static readonly SqsError RequestTimeout = new("RequestTimeout", "RequestTimeout", true, 408);

    /// <summary>The message of every <see cref="InternalError"/> a client sees.</summary>
    public const string InternalMessage = "We encountered an internal error. Please try again.";

    /// <summary>The message of every <see cref="ServiceUnavailable"/> a client sees.</summary>
    public const string UnavailableMessage = "The service is unavailable. Please try again later.";

    /// <summary>
    /// What the client is told: <paramref name="message"/> for its own fault; a generic message for the service's
    /// (internal or unavailable), whose details stay in the server log.
    /// </summary>
    public string ClientMessage(string message) => Sender ? message : Status == 503 ? UnavailableMessage : InternalMessage;

    /// <summary>The JSON <c>__type</c> value.</summary>
    public string JsonType => Shape.Contains('#', StringComparison.Ordinal) ? Shape : "com.amazonaws.sqs#" + Shape;

    /// <summary><c>Sender</c> or <c>Receiver</c>.</summary>
    public string FaultType => Sender ? "Sender" : "Receiver";

    /// <summary>
    /// The one table from Sluice error codes to SQS errors. <paramref name="queueAttribute"/> says the failing value
    /// was a queue attribute (then an invalid argument is <c>InvalidAttributeValue</c>).
    /// </summary>
    public static SqsError From(SluiceException exception, bool queueAttribute = false)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.ErrorCode switch
        {
            ErrorCodes.QueueNotFound => QueueDoesNotExist,
            ErrorCodes.InvalidQueueName => queueAttribute ? InvalidAttributeValue : InvalidParameterValue,
            ErrorCodes.QueueAlreadyExists => QueueNameExists,
            ErrorCodes.InvalidArgument => queueAttribute ? InvalidAttributeValue : InvalidParameterValue,
            ErrorCodes.QueueInUse => InvalidParameterValue,
            ErrorCodes.MessageTooLarge => InvalidParameterValue,
            ErrorCodes.QueueFull => OverLimit,
            ErrorCodes.ReceiptHandleInvalid => ReceiptHandleIsInvalid,
            ErrorCodes.ReceiptHandleStale => InvalidParameterValue,
            ErrorCodes.MessageNotFound => InvalidParameterValue,
            ErrorCodes.MessageNotInFlight => MessageNotInflight,
            ErrorCodes.RedriveNotFound or ErrorCodes.DeadLetterGroupNotFound => ResourceNotFound,
            ErrorCodes.RedriveInProgress => InvalidParameterValue,
            ErrorCodes.MalformedRequest => MalformedRequest,
            ErrorCodes.RequestTooLarge => RequestEntityTooLarge,
            ErrorCodes.Unavailable or ErrorCodes.StorageFull or ErrorCodes.StorageFailed => ServiceUnavailable,
            ErrorCodes.RequestTimeout => RequestTimeout,
            ErrorCodes.NotSupported => UnsupportedOperation,
            ErrorCodes.AccessDenied => AccessDenied,
            ErrorCodes.Unauthenticated => InvalidClientTokenId,
            _ => InternalError,
        };
    }
}

/// <summary>A request refused with an SQS error; the face renders it in the request's protocol.</summary>
internal sealed class SqsException : Exception
{
    public SqsException(SqsError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    public SqsException() : this(SqsError.InternalError, "internal error") { }

    public SqsException(string message) : this(SqsError.InternalError, message) { }

    public SqsException(string message, Exception innerException) : this(SqsError.InternalError, message, innerException) { }

    public SqsError Error { get; }

    public static SqsException Missing(string parameter) =>
        new(SqsError.MissingParameter, $"The request must contain the parameter {parameter}.");

    public static SqsException Invalid(string parameter, object? value, string reason) =>
        new(SqsError.InvalidParameterValue, $"Value {value} for parameter {parameter} is invalid. Reason: {reason}");

    public static SqsException NoQueue() =>
        new(SqsError.QueueDoesNotExist, "The specified queue does not exist.");
}
