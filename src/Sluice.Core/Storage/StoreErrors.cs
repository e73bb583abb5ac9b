using System.Globalization;

namespace Sluice.Storage;

/// <summary>The errors every store raises the same way (one wording, one code), so stores and faces agree.</summary>
public static class StoreErrors
{
    /// <summary>
    /// <see cref="ErrorCodes.QueueFull"/> (transient): a publish does not fit the queue's max length and its overflow
    /// policy could not make room (policy reject, or every message in the way is in flight or delayed).
    /// </summary>
    public static SluiceException QueueFull(QueueInfo queue, long count, long bytes, long addCount, long addBytes)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var o = queue.Options;
        return new SluiceException(ErrorCodes.QueueFull,
            $"queue '{queue.Name}' is full: it holds {count} messages ({bytes} bytes) and {addCount} more ({addBytes} bytes) would pass " +
            $"maxLength {Limit(o.MaxLength)} / maxLengthBytes {Limit(o.MaxLengthBytes)} with overflow policy {EnumNames.Of(o.OverflowPolicy)}" +
            (o.OverflowPolicy == OverflowPolicy.Reject ? "" : " (the messages in the way are in flight or delayed)") +
            "; retry after consumers catch up, or raise the limits", "queue", isTransient: true);
    }

    /// <summary>
    /// <see cref="ErrorCodes.QueueNotFound"/>: no queue has that name. The text states the fact only: it is raised by
    /// every verb (send, receive, show, delete, ...), and advice such as "create it first" fits some of them only.
    /// </summary>
    public static SluiceException QueueNotFound(string queue) => new(ErrorCodes.QueueNotFound,
        $"queue '{queue}' does not exist", "queue");

    /// <summary><see cref="ErrorCodes.QueueAlreadyExists"/>: a create named a queue that exists with other options.</summary>
    public static SluiceException QueueAlreadyExists(string queue) => new(ErrorCodes.QueueAlreadyExists,
        $"queue '{queue}' already exists with other options: update it instead, create it with the same options, or delete it first", "queue");

    /// <summary><see cref="ErrorCodes.InvalidArgument"/>: a message was to be dead-lettered explicitly, but its queue has no dead-letter queue.</summary>
    public static SluiceException NoDeadLetterQueue(string queue) => new(ErrorCodes.InvalidArgument,
        $"queue '{queue}' has no dead-letter queue, so its messages cannot be dead-lettered: set its deadLetterQueue option " +
        "(sluice queue update), or nack the message instead", "queue");

    /// <summary><see cref="ErrorCodes.Unavailable"/> (transient): the store was closed (the broker is shutting down).</summary>
    public static SluiceException Closed() => new(ErrorCodes.Unavailable,
        "the store is closed (the broker is shutting down): retry against a running server", null, isTransient: true);

    /// <summary><see cref="ErrorCodes.QueueFull"/> (transient): a redrive step could move nothing because its destination is full.</summary>
    public static SluiceException RedriveTargetFull(string queue) => new(ErrorCodes.QueueFull,
        $"redrive destination '{queue}' is at its maxLength or maxLengthBytes: let consumers drain it, then start the redrive again",
        "destination", isTransient: true);

    /// <summary>
    /// <see cref="ErrorCodes.StorageFull"/> (transient): the store could not write because its disk (or quota) is full.
    /// The message is for clients: it says what happened and what to do, never the storage engine's own text (keep
    /// that in <paramref name="inner"/>, which the server logs).
    /// </summary>
    public static SluiceException StorageFull(Exception? inner) => new(ErrorCodes.StorageFull,
        "the server's storage is full: nothing of this request was stored; retry after the operator frees disk space " +
        "where the server keeps its data", null, isTransient: true, inner);

    /// <summary>
    /// <see cref="ErrorCodes.StorageFailed"/> (transient): the store could not read or write its files (read-only
    /// file system, I/O error, damaged or missing file). As <see cref="StorageFull"/>, the message never carries the
    /// storage engine's text; <paramref name="inner"/> does, for the server log.
    /// </summary>
    public static SluiceException StorageFailed(Exception? inner) => new(ErrorCodes.StorageFailed,
        "the server's storage failed (its files could not be written or read): nothing of this request was stored; " +
        "retry later, and if it persists the operator should check the server log and the data directory", null, isTransient: true, inner);

    private static string Limit(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "unbounded";
}
