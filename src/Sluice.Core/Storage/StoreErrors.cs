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

    /// <summary><see cref="ErrorCodes.QueueFull"/> (transient): a redrive step could move nothing because its destination is full.</summary>
    public static SluiceException RedriveTargetFull(string queue) => new(ErrorCodes.QueueFull,
        $"redrive destination '{queue}' is at its maxLength or maxLengthBytes: let consumers drain it, then start the redrive again",
        "destination", isTransient: true);

    private static string Limit(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "unbounded";
}
