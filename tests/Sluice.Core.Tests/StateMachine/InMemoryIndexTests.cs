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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task ReceivePeekAndCounts_RandomWorkloadWithClockSteps_MatchAModelOfDeliveryOrder(int seed)
    {
        // The delivery index keeps most ready messages in a run and the rest in a tree: whichever holds a message, it must
        // go out by priority (highest first), then visibility time, then sequence, as this model computes from scratch.
        var rng = new Random(seed);
        var clock = new SettableClock { Now = Ten };
        var store = new InMemoryMessageStore(clock);
        await store.CreateQueueAsync("q", new QueueOptions());
        var model = new Dictionary<long, (int Priority, DateTimeOffset VisibleAt, bool Leased, string? Handle)>();
        for (var step = 0; step < 400; step++)
        {
            var now = clock.Now;
            switch (rng.Next(6))
            {
                case 0 or 1:
                    var batch = Enumerable.Range(0, rng.Next(1, 5)).Select(_ => Message("m", rng.Next(3)) with
                    {
                        Delay = rng.Next(3) == 0 ? TimeSpan.FromSeconds(rng.Next(1, 6)) : null,
                    }).ToList();
                    var published = await store.PublishAsync("q", batch);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        model[published[i].SequenceNumber] = (batch[i].Priority, now + (batch[i].Delay ?? TimeSpan.Zero), false, null);
                    }

                    break;
                case 2:
                    var lease = TimeSpan.FromSeconds(rng.Next(0, 4));
                    var max = rng.Next(1, 6);
                    var expected = Visible(model, now).Take(max).ToList();
                    var received = await store.ReceiveAsync("q", max, lease);
                    Assert.Equal(expected, received.Messages.Select(m => m.SequenceNumber).ToList());
                    foreach (var m in received.Messages)
                    {
                        model[m.SequenceNumber] = model[m.SequenceNumber] with { VisibleAt = now + lease, Leased = true, Handle = m.ReceiptHandle };
                    }

                    break;
                case 3 when model.Any(e => e.Value.Leased && e.Value.VisibleAt > now):
                    var (sequence, leased) = model.Where(e => e.Value.Leased && e.Value.VisibleAt > now).OrderBy(e => e.Key).ElementAt(0);
                    if (rng.Next(2) == 0)
                    {
                        var delay = TimeSpan.FromSeconds(rng.Next(0, 3));
                        await store.NackAsync("q", leased.Handle!, delay, null);
                        model[sequence] = leased with { VisibleAt = now + delay, Leased = false };
                    }
                    else
                    {
                        await store.AckAsync("q", [leased.Handle!]);
                        model.Remove(sequence);
                    }

                    break;
                case 4:
                    // Mostly forward; sometimes back (a clock step), which makes messages arrive out of order.
                    clock.Now = now.AddMilliseconds(rng.Next(4) == 0 ? -rng.Next(0, 2000) : rng.Next(0, 2000));
                    break;
                default:
                    var peeked = await store.PeekAsync("q", 100);
                    Assert.Equal(Visible(model, now).Concat(Hidden(model, now)).Take(100).ToList(), peeked.Select(m => m.SequenceNumber).ToList());
                    var counts = await store.GetCountsAsync("q");
                    Assert.Equal(
                        (model.Count(e => e.Value.VisibleAt <= now), model.Count(e => e.Value.VisibleAt > now && e.Value.Leased), model.Count(e => e.Value.VisibleAt > now && !e.Value.Leased)),
                        (counts.Ready, counts.InFlight, counts.Delayed));
                    break;
            }
        }

        static IEnumerable<long> Visible(Dictionary<long, (int Priority, DateTimeOffset VisibleAt, bool Leased, string? Handle)> model, DateTimeOffset now) =>
            model.Where(e => e.Value.VisibleAt <= now).OrderByDescending(e => e.Value.Priority).ThenBy(e => e.Value.VisibleAt).ThenBy(e => e.Key).Select(e => e.Key);

        static IEnumerable<long> Hidden(Dictionary<long, (int Priority, DateTimeOffset VisibleAt, bool Leased, string? Handle)> model, DateTimeOffset now) =>
            model.Where(e => e.Value.VisibleAt > now).OrderByDescending(e => e.Value.Priority).ThenBy(e => e.Value.VisibleAt).ThenBy(e => e.Key).Select(e => e.Key);
    }

    private static OutgoingMessage Message(string body, int priority = 0) => new(Encoding.UTF8.GetBytes(body)) { Priority = priority };

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
