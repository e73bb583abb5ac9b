using System.Security.Cryptography;

namespace Sluice;

public sealed partial class Broker
{
    private static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(5);

    // Remembered receives hold bodies: bound them by bytes, dropping the oldest first.
    private const long MaxAttemptBytes = 64L * 1024 * 1024;
    private readonly Lock _attemptsLock = new();
    private readonly Dictionary<(string Queue, string AttemptId), (DateTimeOffset Expires, IReadOnlyList<QueueMessage> Messages, long Bytes)> _attempts = [];
    private readonly Queue<(string Queue, string AttemptId)> _attemptOrder = new();
    private long _attemptBytes;

    /// <summary>The deduplication id content-based deduplication derives: lower-case hex SHA-256 of the body.</summary>
    public static string ContentDeduplicationId(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    private void RememberAttempt(string queue, string attemptId, IReadOnlyList<QueueMessage> messages)
    {
        var now = _time.GetUtcNow();
        long bytes = 0;
        foreach (var m in messages)
        {
            bytes += m.Body.Length + 256;
        }

        lock (_attemptsLock)
        {
            ForgetAttempt((queue, attemptId));
            _attempts[(queue, attemptId)] = (now + AttemptWindow, messages, bytes);
            _attemptOrder.Enqueue((queue, attemptId));
            _attemptBytes += bytes;

            // The order queue is oldest first: drop expired entries, then the oldest while over the byte budget.
            while (_attemptOrder.TryPeek(out var oldest) &&
                   (!_attempts.TryGetValue(oldest, out var entry) || entry.Expires <= now || _attemptBytes > MaxAttemptBytes))
            {
                _attemptOrder.Dequeue();
                ForgetAttempt(oldest);
            }
        }
    }

    private void ForgetAttempt((string Queue, string AttemptId) key)
    {
        if (_attempts.Remove(key, out var entry))
        {
            _attemptBytes -= entry.Bytes;
        }
    }

    /// <summary>
    /// A receive retried with the same attempt id gets the same messages and handles, leases restarted, as long as
    /// every one of them is still leased under that handle; otherwise the retry is a fresh receive.
    /// </summary>
    private async ValueTask<IReadOnlyList<QueueMessage>?> RetryAttemptAsync(string queue, string attemptId, TimeSpan visibility, CancellationToken cancellationToken)
    {
        (DateTimeOffset Expires, IReadOnlyList<QueueMessage> Messages, long Bytes) earlier;
        lock (_attemptsLock)
        {
            if (!_attempts.TryGetValue((queue, attemptId), out earlier) || earlier.Expires <= _time.GetUtcNow())
            {
                return null;
            }
        }

        var renewed = new List<QueueMessage>(earlier.Messages.Count);
        foreach (var message in earlier.Messages)
        {
            try
            {
                var until = await StartedStore.ExtendLeaseAsync(queue, message.ReceiptHandle!, visibility, cancellationToken).ConfigureAwait(false);
                renewed.Add(message with { VisibleAt = until });
            }
            catch (SluiceException)
            {
                lock (_attemptsLock)
                {
                    ForgetAttempt((queue, attemptId));
                }

                return null;
            }
        }

        return renewed;
    }
}
