using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Worker.Internal;

/// <summary>
/// Distributed limits from queue semantics alone. A limit is a queue holding N permit messages (bodies 1..N):
/// acquiring is receiving one (its lease held by heartbeats while the job runs; a crashed worker's permit comes back
/// when its lease expires); releasing a concurrency permit is a nack without delay; a rate permit is released at once
/// with a nack delayed by the period, so at most N jobs start in any period (a sliding window).
/// </summary>
/// <remarks>
/// Permits are seeded once per process and limit: when the queue holds fewer than N messages, the missing ones are
/// published with deduplication ids <c>permit-{k}-of-{N}</c> (several workers seeding at once publish the same ids, so
/// the queue's deduplication window keeps one copy). When N shrinks, a permit numbered above N is deleted when it is
/// next received; when N grows, the new permits are seeded.
/// </remarks>
internal sealed class LimitGate(WorkerCore core)
{
    private static readonly TimeSpan SeedWindow = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<(string Queue, int Max), Lazy<Task>> _seeded = new();

    /// <summary>The permit queue of a limit key: <c>sluice-limit-{readable part}-{hash}</c>, within the 80-character queue name rule.</summary>
    public static string QueueOf(string key)
    {
        var readable = new StringBuilder();
        foreach (var c in key)
        {
            if (readable.Length == 40)
            {
                break;
            }

            readable.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 8));
        return $"sluice-limit-{readable}-{hash}";
    }

    /// <summary>Takes a permit of <paramref name="key"/>'s limit of <paramref name="max"/>; null when all are in use.</summary>
    public async ValueTask<QueueMessage?> TryAcquireAsync(string key, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var queue = QueueOf(key);
        await _seeded.GetOrAdd((queue, max), k => new Lazy<Task>(() => SeedAsync(k.Queue, k.Max, lease, cancellationToken))).Value.ConfigureAwait(false);
        while (true)
        {
            var got = await core.Client.ReceiveAsync(queue, new ReceiveOptions { MaxMessages = 1, VisibilityTimeout = lease, WaitTime = TimeSpan.Zero }, cancellationToken).ConfigureAwait(false);
            if (got.Count == 0)
            {
                return null;
            }

            var permit = got[0];
            if (int.TryParse(Encoding.UTF8.GetString(permit.Body.Span), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= max)
            {
                return permit;
            }

            await core.Client.AckAsync(queue, permit.ReceiptHandle!, cancellationToken).ConfigureAwait(false); // the limit shrank: retire it
        }
    }

    /// <summary>How many permits of <paramref name="key"/> are in use (leased) now.</summary>
    public async ValueTask<long> InUseAsync(string key, CancellationToken cancellationToken) =>
        (await core.Client.GetQueueStatsAsync(QueueOf(key), cancellationToken).ConfigureAwait(false)).InFlight;

    private async Task SeedAsync(string queue, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await core.Client.CreateQueueAsync(queue, new QueueOptions { VisibilityTimeout = lease, DeduplicationWindow = SeedWindow, RetentionPeriod = TimeSpan.FromDays(365) },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueAlreadyExists)
            {
                // Created by a worker with other settings: its permits serve as well.
            }

            var stats = await core.Client.GetQueueStatsAsync(queue, cancellationToken).ConfigureAwait(false);
            var held = stats.Ready + stats.InFlight + stats.Delayed;
            if (held >= max)
            {
                return;
            }

            var permits = new List<OutgoingMessage>();
            for (var k = (int)held + 1; k <= max; k++)
            {
                permits.Add(new OutgoingMessage(Encoding.UTF8.GetBytes(k.ToString(CultureInfo.InvariantCulture))) { DeduplicationId = $"permit-{k}-of-{max}" });
            }

            await core.Client.PublishBatchAsync(queue, permits, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _seeded.TryRemove((queue, max), out _);
            throw;
        }
    }
}
