using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Sluice;

public sealed partial class Broker
{
    private static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<(string Queue, string AttemptId), (DateTimeOffset Expires, IReadOnlyList<QueueMessage> Messages)> _attempts = new();

    /// <summary>The deduplication id content-based deduplication derives: lower-case hex SHA-256 of the body.</summary>
    public static string ContentDeduplicationId(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    private void RememberAttempt(string queue, string attemptId, IReadOnlyList<QueueMessage> messages)
    {
        var now = _time.GetUtcNow();
        foreach (var stale in _attempts.Where(a => a.Value.Expires <= now).Select(a => a.Key).ToList())
        {
            _attempts.TryRemove(stale, out _);
        }

        _attempts[(queue, attemptId)] = (now + AttemptWindow, messages);
    }

    /// <summary>
    /// A receive retried with the same attempt id gets the same messages and handles, leases restarted, as long as
    /// every one of them is still leased under that handle; otherwise the retry is a fresh receive.
    /// </summary>
    private async ValueTask<IReadOnlyList<QueueMessage>?> RetryAttemptAsync(string queue, string attemptId, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (!_attempts.TryGetValue((queue, attemptId), out var earlier) || earlier.Expires <= _time.GetUtcNow())
        {
            return null;
        }

        var renewed = new List<QueueMessage>(earlier.Messages.Count);
        foreach (var message in earlier.Messages)
        {
            try
            {
                var until = await _store.ExtendLeaseAsync(queue, message.ReceiptHandle!, visibility, cancellationToken).ConfigureAwait(false);
                renewed.Add(message with { VisibleAt = until });
            }
            catch (SluiceException)
            {
                _attempts.TryRemove((queue, attemptId), out _);
                return null;
            }
        }

        return renewed;
    }
}
