using System.Text;
using Sluice.InMemory;

namespace Sluice.Core.Tests.StateMachine;

/// <summary>The in-memory store's indexes behind counts and the retention sweep, where a clock that steps back reorders entry times.</summary>
public sealed class InMemoryIndexTests
{
    private static readonly DateTimeOffset Ten = new(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetCountsAndSweep_ClockSteppedBack_OldestAndExpiredByEntryTime()
    {
        var clock = new SettableClock { Now = Ten };
        var store = new InMemoryMessageStore(clock);
        await store.CreateQueueAsync("q", new QueueOptions { RetentionPeriod = TimeSpan.FromHours(1) });
        await store.PublishAsync("q", [Message("a")]);
        clock.Now = Ten.AddHours(-1);
        await store.PublishAsync("q", [Message("b")]);
        clock.Now = Ten.AddMinutes(-30);
        await store.PublishAsync("q", [Message("c")]);

        clock.Now = Ten.AddMinutes(5);
        Assert.Equal(Ten.AddHours(-1), (await store.GetCountsAsync("q")).OldestSentAt);
        Assert.Equal(1, await store.SweepAsync());

        var left = await store.PeekAsync("q", 10);
        Assert.Equal(["c", "a"], left.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        var counts = await store.GetCountsAsync("q");
        Assert.Equal((2, 0, 0, Ten.AddMinutes(-30)), (counts.Ready, counts.InFlight, counts.Delayed, counts.OldestSentAt));
    }

    [Fact]
    public async Task GetCounts_LeasedDelayedAndDeadLettered_CountedFromTheIndexes()
    {
        var clock = new SettableClock { Now = Ten };
        var store = new InMemoryMessageStore(clock);
        await store.CreateQueueAsync("dlq", new QueueOptions());
        await store.CreateQueueAsync("other", new QueueOptions { DeadLetterQueue = "dlq" });
        await store.CreateQueueAsync("q", new QueueOptions { DeadLetterQueue = "dlq" });
        await store.PublishAsync("q", [Message("1"), Message("2"), Message("3") with { Delay = TimeSpan.FromMinutes(1) }, Message("4", 5)]);
        await store.PublishAsync("other", [Message("x")]);
        var leased = await store.ReceiveAsync("q", 2, TimeSpan.FromSeconds(30));
        await store.DeadLetterAsync("q", leased.Messages[1].ReceiptHandle!, "no");
        var otherLease = await store.ReceiveAsync("other", 1, TimeSpan.FromSeconds(30));
        await store.DeadLetterAsync("other", otherLease.Messages[0].ReceiptHandle!, "no");

        var counts = await store.GetCountsAsync("q");

        Assert.Equal((1L, 1L, 1L, 1L), (counts.Ready, counts.InFlight, counts.Delayed, counts.DeadLettered));
        Assert.Equal(2, (await store.GetCountsAsync("dlq")).Ready);
        clock.Now = Ten.AddMinutes(2);
        Assert.Equal((3L, 0L, 0L), ((await store.GetCountsAsync("q")).Ready, (await store.GetCountsAsync("q")).InFlight, (await store.GetCountsAsync("q")).Delayed));
    }

    private static OutgoingMessage Message(string body, int priority = 0) => new(Encoding.UTF8.GetBytes(body)) { Priority = priority };

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
