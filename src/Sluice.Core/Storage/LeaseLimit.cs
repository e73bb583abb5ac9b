using System.Globalization;

namespace Sluice.Storage;

/// <summary>
/// The rule every store applies when a lease is extended: a lease ends at most <see cref="Validation.MaxVisibilityTimeout"/>
/// (12 hours, as SQS) after the receive that started it. Extending does not restart that clock; only a new receive
/// (or a retried receive, see <see cref="ReceiveOptions.ReceiveRequestAttemptId"/>) does.
/// </summary>
public static class LeaseLimit
{
    /// <summary>Checks that a lease received at <paramref name="receivedAt"/> may end <paramref name="visibilityTimeout"/> after <paramref name="now"/>.</summary>
    /// <param name="receivedAt">When the current lease's receive happened, or <see langword="null"/> when the store does not know (a lease taken before the store recorded it: then only the 12-hour bound from now applies).</param>
    /// <param name="now">The store's current time.</param>
    /// <param name="visibilityTimeout">The requested lease length from now.</param>
    /// <exception cref="SluiceException"><see cref="ErrorCodes.InvalidArgument"/> (field <c>visibilityTimeout</c>) when the lease would end later than allowed.</exception>
    public static void Check(DateTimeOffset? receivedAt, DateTimeOffset now, TimeSpan visibilityTimeout)
    {
        if (receivedAt is not { } received)
        {
            return;
        }

        var max = Validation.MaxVisibilityTimeout;
        var elapsed = now - received;
        if (elapsed + visibilityTimeout > max)
        {
            var left = max - elapsed;
            throw new SluiceException(ErrorCodes.InvalidArgument,
                $"visibilityTimeout {Seconds(visibilityTimeout)} s would end the lease {Seconds(elapsed + visibilityTimeout)} s after the receive that started it: " +
                $"a lease ends at most {Seconds(max)} s (12 hours) after its receive, so use 0 to {Seconds(left < TimeSpan.Zero ? TimeSpan.Zero : left)} seconds, " +
                "or release the message and receive it again", "visibilityTimeout");
        }
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
