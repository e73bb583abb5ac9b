using System.Security.Cryptography;

namespace Sluice;

public sealed partial class Broker
{
    private static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(5);

    // Remembered receives hold bodies: bound them by bytes, dropping the oldest first.
    private const long MaxAttemptBytes = 64L * 1024 * 1024;
    private readonly Lock _attemptsLock = new();
    private readonly Dictionary<(string Queue, string AttemptId), Attempt> _attempts = [];
    private readonly Dictionary<string, Attempt> _attemptsByHandle = new(StringComparer.Ordinal);
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

        var attempt = new Attempt((queue, attemptId), now + AttemptWindow, messages, bytes);
        lock (_attemptsLock)
        {
            ForgetAttempt(attempt.Key);
            _attempts[attempt.Key] = attempt;
            foreach (var m in messages)
            {
                _attemptsByHandle[m.ReceiptHandle!] = attempt;
            }

            _attemptOrder.Enqueue(attempt.Key);
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
            foreach (var m in entry.Messages)
            {
                _attemptsByHandle.Remove(m.ReceiptHandle!);
            }
        }
    }

    /// <summary>A client acked, released or extended the lease of <paramref name="receiptHandle"/>: a receive attempt that returned it can no longer be retried.</summary>
    private void LeaseChanged(string receiptHandle)
    {
        lock (_attemptsLock)
        {
            if (_attemptsByHandle.TryGetValue(receiptHandle, out var attempt))
            {
                attempt.Changed = true;
            }
        }
    }

    /// <summary>
    /// A receive retried with the same attempt id within 5 minutes gets the same messages and handles, leases
    /// restarted, as long as every one of them is still leased under that handle. Once a client acked, released or
    /// extended one of them, the retry is refused (as SQS does); when a lease ended on its own (or the message is
    /// otherwise gone) the retry is a fresh receive (<see langword="null"/>).
    /// </summary>
    /// <exception cref="SluiceException">invalid_argument (field receiveRequestAttemptId): a message of the attempt was changed.</exception>
    private async ValueTask<IReadOnlyList<QueueMessage>?> RetryAttemptAsync(string queue, string attemptId, TimeSpan visibility, CancellationToken cancellationToken)
    {
        Attempt? earlier;
        lock (_attemptsLock)
        {
            if (!_attempts.TryGetValue((queue, attemptId), out earlier) || earlier.Expires <= _time.GetUtcNow())
            {
                return null;
            }

            if (earlier.Changed)
            {
                throw SluiceException.Invalid("receiveRequestAttemptId",
                    $"receiveRequestAttemptId '{attemptId}' can no longer be retried: a message that receive returned was acknowledged, " +
                    "released or had its lease extended since; receive with a new attempt id");
            }
        }

        var renewed = new List<QueueMessage>(earlier.Messages.Count);
        foreach (var message in earlier.Messages)
        {
            try
            {
                var until = await StartedStore.ExtendLeaseAsync(queue, message.ReceiptHandle!, visibility, restart: true, cancellationToken).ConfigureAwait(false);
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

    /// <summary>One remembered receive: its messages (with their handles) and whether a client changed one of their leases since.</summary>
    private sealed class Attempt((string Queue, string AttemptId) key, DateTimeOffset expires, IReadOnlyList<QueueMessage> messages, long bytes)
    {
        public (string Queue, string AttemptId) Key { get; } = key;

        public DateTimeOffset Expires { get; } = expires;

        public IReadOnlyList<QueueMessage> Messages { get; } = messages;

        public long Bytes { get; } = bytes;

        /// <summary>Set under the attempts lock.</summary>
        public bool Changed { get; set; }
    }
}
