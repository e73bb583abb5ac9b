using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sluice.Client;
using Sluice.Scheduling;
using Sluice.Worker.Recurring;

namespace Sluice.Worker.Tests.Recurring;

/// <summary>
/// The recurring-job runner over an in-process broker on a fake clock: occurrences fire once each (also when several
/// schedulers race, crash after a claim, or crash after a publish), misfires both ways, and daylight-saving days.
/// Each job is published to the queue "jobs" with the runner's idempotency key as its deduplication id; its body is
/// the occurrence (ISO 8601).
/// </summary>
public sealed class RecurringJobRunnerTests : IAsyncLifetime
{
    private const string Queue = "jobs";
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider _time = new(Noon);
    private Broker? _broker;
    private InProcessSluiceClient _client = null!;

    public Task InitializeAsync() => StartAtAsync(Noon);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    private async Task StartAtAsync(DateTimeOffset start)
    {
        await DisposeAsync();
        _time = new FakeTimeProvider(start);
        _broker = new Broker(new InMemory.InMemoryMessageStore(_time), new BrokerOptions { SweepInterval = TimeSpan.FromHours(1) }, _time);
        await _broker.StartAsync();
        _client = new InProcessSluiceClient(_broker);
        await _client.CreateQueueAsync(Queue);
    }

    private RecurringJobRunner Runner(string scheduler, string cron = "0 * * * *", TimeZoneInfo? zone = null,
        Action<RecurringJobOptions>? configure = null, Func<DateTimeOffset, string, CancellationToken, ValueTask>? publish = null)
    {
        var options = new RecurringJobOptions();
        configure?.Invoke(options);
        return new RecurringJobRunner("report", CronSchedule.Parse(cron, zone), options, _client, _time, scheduler, publish ?? PublishAsync, NullLogger.Instance);
    }

    private async ValueTask PublishAsync(DateTimeOffset occurrence, string key, CancellationToken cancellationToken) =>
        await _client.PublishAsync(Queue, new OutgoingMessage(Encoding.UTF8.GetBytes(occurrence.ToString("O", CultureInfo.InvariantCulture))) { DeduplicationId = key }, cancellationToken);

    /// <summary>The occurrences of the jobs in the queue, in publish order.</summary>
    private async Task<DateTimeOffset[]> JobsAsync() =>
        [.. (await _client.PeekAsync(Queue, 100)).Select(m => DateTimeOffset.Parse(Encoding.UTF8.GetString(m.Body.Span), CultureInfo.InvariantCulture))];

    /// <summary>Runs <paramref name="runner"/> whenever it asks to, until <paramref name="end"/>.</summary>
    private async Task RunUntilAsync(RecurringJobRunner runner, DateTimeOffset end)
    {
        while (await runner.RunDueAsync(CancellationToken.None) is { } wake && wake <= end)
        {
            _time.SetUtcNow(wake);
        }
    }

    [Fact]
    public async Task RunDue_FirstSight_FiresNothingBeforeRegistrationAndWaitsForNext()
    {
        var wake = await Runner("a").RunDueAsync(CancellationToken.None);

        Assert.Equal(Noon.AddHours(1), wake);
        Assert.Empty(await JobsAsync());
    }

    [Fact]
    public async Task RunDue_EveryOccurrence_OneJobEach()
    {
        var runner = Runner("a");

        await RunUntilAsync(runner, Noon.AddHours(3));
        await runner.RunDueAsync(CancellationToken.None); // again at the same instant: nothing more

        Assert.Equal([Noon.AddHours(1), Noon.AddHours(2), Noon.AddHours(3)], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_TwoSchedulersRacing_EachOccurrenceOnce()
    {
        var a = Runner("a");
        var b = Runner("b");
        await Task.WhenAll(a.RunDueAsync(CancellationToken.None).AsTask(), b.RunDueAsync(CancellationToken.None).AsTask());

        for (var hour = 1; hour <= 10; hour++)
        {
            _time.SetUtcNow(Noon.AddHours(hour));
            var wakes = await Task.WhenAll(Task.Run(async () => await a.RunDueAsync(CancellationToken.None)), Task.Run(async () => await b.RunDueAsync(CancellationToken.None)));

            // The loser may have seen the winner's claim before its confirmation: it looks again when the claim would time out.
            Assert.All(wakes, w => Assert.True(w == Noon.AddHours(hour + 1) || w == Noon.AddHours(hour) + TimeSpan.FromMinutes(1), $"wake {w}"));
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(h => Noon.AddHours(h)), await JobsAsync());
    }

    [Fact]
    public async Task RunDue_CrashAfterClaimBeforePublish_AnotherSchedulerPublishesAfterClaimTimeout()
    {
        await Runner("a").RunDueAsync(CancellationToken.None);
        _time.SetUtcNow(Noon.AddHours(1));
        var crashing = Runner("a", publish: (_, _, _) => throw new InvalidOperationException("process killed"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => crashing.RunDueAsync(CancellationToken.None).AsTask());
        Assert.Empty(await JobsAsync());

        var b = Runner("b");
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Noon.AddHours(1).AddMinutes(1), await b.RunDueAsync(CancellationToken.None)); // a's claim is still fresh
        Assert.Empty(await JobsAsync());

        _time.SetUtcNow(Noon.AddHours(1).AddMinutes(1));
        Assert.Equal(Noon.AddHours(2), await b.RunDueAsync(CancellationToken.None));

        Assert.Equal([Noon.AddHours(1)], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_CrashAfterPublishBeforeConfirm_ResumedPublishIsDeduplicated()
    {
        await Runner("a").RunDueAsync(CancellationToken.None);
        _time.SetUtcNow(Noon.AddHours(1));
        var crashing = Runner("a", publish: async (occurrence, key, ct) =>
        {
            await PublishAsync(occurrence, key, ct);
            throw new InvalidOperationException("process killed after the publish");
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => crashing.RunDueAsync(CancellationToken.None).AsTask());

        _time.SetUtcNow(Noon.AddHours(1).AddMinutes(1));
        Assert.Equal(Noon.AddHours(2), await Runner("b").RunDueAsync(CancellationToken.None));

        Assert.Equal([Noon.AddHours(1)], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_OwnPublishFailed_RetriedAtOnceOnNextRun()
    {
        var fail = true;
        var runner = Runner("a", publish: (occurrence, key, ct) => fail ? throw new SluiceException(ErrorCodes.QueueFull, "full", "queue", isTransient: true) : PublishAsync(occurrence, key, ct));
        await runner.RunDueAsync(CancellationToken.None);
        _time.SetUtcNow(Noon.AddHours(1));
        await Assert.ThrowsAsync<SluiceException>(() => runner.RunDueAsync(CancellationToken.None).AsTask());

        fail = false;
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(Noon.AddHours(2), await runner.RunDueAsync(CancellationToken.None));

        Assert.Equal([Noon.AddHours(1)], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_DowntimeWithFireOnce_OneJobForTheMissedOccurrencesThenOnSchedule()
    {
        var runner = Runner("a");
        await runner.RunDueAsync(CancellationToken.None);

        _time.SetUtcNow(Noon.AddHours(5).AddMinutes(10)); // 13:00 to 17:00 missed
        var wake = await runner.RunDueAsync(CancellationToken.None);

        Assert.Equal([Noon.AddHours(1)], await JobsAsync());
        Assert.Equal(Noon.AddHours(6), wake);
        _time.SetUtcNow(Noon.AddHours(6));
        await runner.RunDueAsync(CancellationToken.None);
        Assert.Equal([Noon.AddHours(1), Noon.AddHours(6)], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_DowntimeWithSkip_NoJobForMissedOccurrencesThenOnSchedule()
    {
        var runner = Runner("a", configure: o => o.Misfire = MisfirePolicy.Skip);
        await runner.RunDueAsync(CancellationToken.None);

        _time.SetUtcNow(Noon.AddHours(5).AddMinutes(10));
        var wake = await runner.RunDueAsync(CancellationToken.None);

        Assert.Empty(await JobsAsync());
        Assert.Equal(Noon.AddHours(6), wake);
        _time.SetUtcNow(Noon.AddHours(6));
        await runner.RunDueAsync(CancellationToken.None);
        Assert.Equal([Noon.AddHours(6)], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_BerlinSpringForward_0230JobRunsOnceAt0300()
    {
        await StartAtAsync(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero));

        await RunUntilAsync(Runner("a", "30 2 * * *", Berlin), new DateTimeOffset(2026, 3, 30, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal([new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.FromHours(2)), new DateTimeOffset(2026, 3, 30, 2, 30, 0, TimeSpan.FromHours(2))], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_NewYorkFallBack_0130JobRunsOnce()
    {
        await StartAtAsync(new DateTimeOffset(2026, 10, 31, 12, 0, 0, TimeSpan.Zero));

        await RunUntilAsync(Runner("a", "30 1 * * *", NewYork), new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal([new DateTimeOffset(2026, 11, 1, 1, 30, 0, TimeSpan.FromHours(-4)), new DateTimeOffset(2026, 11, 2, 1, 30, 0, TimeSpan.FromHours(-5))], await JobsAsync());
    }

    [Fact]
    public async Task RunDue_BadStateRecord_ErrorSaysHowToRecover()
    {
        await _client.KeyValueSetAsync("sluice-cron/report", Encoding.UTF8.GetBytes("not json"));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner("a").RunDueAsync(CancellationToken.None).AsTask());

        Assert.Contains("delete the record", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdempotencyKey_NameAndOccurrenceInUtc()
    {
        var key = Runner("a").IdempotencyKey(new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.FromHours(2)));

        Assert.Equal("sluice-cron:report:2026-03-29T01:00:00Z", key);
    }
}
