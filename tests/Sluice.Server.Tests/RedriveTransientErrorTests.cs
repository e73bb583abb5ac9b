using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>
/// A redrive task meets a transient store failure (a broken database connection, PostgreSQL restarting): the task is
/// not failed for it, and it moves every message once the store answers again.
/// </summary>
public sealed class RedriveTransientErrorTests
{
    [Fact]
    public async Task Redrive_StoreUnavailableForOneStep_RetriesAndCompletes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new FlakyRedriveStore(new InMemoryMessageStore());
        await using var broker = new Broker(store, null, time);
        await broker.StartAsync();
        await broker.CreateQueueAsync("dlq");
        await broker.CreateQueueAsync("jobs", new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 5 });
        for (var i = 0; i < 3; i++)
        {
            await broker.PublishAsync("jobs", new OutgoingMessage(Encoding.UTF8.GetBytes($"m{i}")));
        }

        foreach (var message in await broker.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = 10 }))
        {
            await broker.DeadLetterAsync("jobs", message.ReceiptHandle!);
        }

        var started = await broker.StartRedriveAsync("dlq");
        await store.Failed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(1)); // the task's next second: it tries again
        var done = await broker.WaitForRedriveAsync(started.Id).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((RedriveState.Completed, 3L, null), (done.State, done.Moved, done.Error));
        var back = await broker.ReceiveAsync("jobs", new ReceiveOptions { MaxMessages = 10 });
        Assert.Equal(["m0", "m1", "m2"], back.Select(m => Encoding.UTF8.GetString(m.Body.Span)).Order(StringComparer.Ordinal));
    }

    /// <summary>The first redrive step fails with unavailable (transient), as a broken PostgreSQL connection does.</summary>
    private sealed class FlakyRedriveStore(IQueueStore inner) : DelegatingStore(inner)
    {
        public TaskCompletionSource Failed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default)
        {
            if (Failed.TrySetResult())
            {
                throw new SluiceException(ErrorCodes.Unavailable, "the database could not be reached: retry", isTransient: true);
            }

            return base.RedriveAsync(deadLetterQueue, destination, maxMessages, cancellationToken);
        }
    }
}
