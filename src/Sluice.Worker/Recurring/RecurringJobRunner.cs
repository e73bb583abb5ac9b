using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Sluice.Client;
using Sluice.Scheduling;

namespace Sluice.Worker.Recurring;

/// <summary>
/// Fires one recurring job's occurrences, through <see cref="ISluiceClient"/> only, so that any number of schedulers
/// sharing a broker fire each occurrence once. Its state is the key-value record <c>sluice-cron/{name}</c>
/// (<see cref="RecurringState"/> as JSON), changed only by compare-and-set.
/// </summary>
/// <remarks>
/// Firing an occurrence is three steps (docs/design/recurring-jobs.md):
/// <list type="number">
/// <item>Claim: compare-and-set the record to "occurrence O pending, claimed by me now". Of schedulers racing for O, one
/// wins; the others see the claim and wait.</item>
/// <item>Publish: enqueue the job with the idempotency key <c>sluice-cron:{name}:{O}</c> (the message's deduplication id).</item>
/// <item>Confirm: compare-and-set the record to "O done".</item>
/// </list>
/// A claim never confirmed (a crash before or after the publish) is resumed by any scheduler once it is older than
/// <see cref="RecurringJobOptions.ClaimTimeout"/>: it publishes O again, and the queue drops the second publish as a
/// duplicate if the first one happened. So O is neither lost nor run twice.
/// </remarks>
internal sealed class RecurringJobRunner
{
    private const int MaxStepsPerRun = 1000;

    private readonly ISluiceClient _client;
    private readonly TimeProvider _time;
    private readonly Func<DateTimeOffset, string, CancellationToken, ValueTask> _publish;
    private readonly ILogger _logger;

    /// <param name="name">The job's name: 1-80 characters from A-Z a-z 0-9 . _ -.</param>
    /// <param name="schedule">When it runs.</param>
    /// <param name="options">Misfire policy and claim timeout (validated).</param>
    /// <param name="client">The client the state is kept through.</param>
    /// <param name="time">The clock.</param>
    /// <param name="scheduler">This scheduler's id (the worker id).</param>
    /// <param name="publish">Enqueues the job of an occurrence with the given idempotency key.</param>
    /// <param name="logger">Logs each fired or skipped occurrence.</param>
    public RecurringJobRunner(string name, CronSchedule schedule, RecurringJobOptions options, ISluiceClient client, TimeProvider time,
        string scheduler, Func<DateTimeOffset, string, CancellationToken, ValueTask> publish, ILogger logger)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Name = name;
        Schedule = schedule;
        Options = options;
        _client = client;
        _time = time;
        Scheduler = scheduler;
        _publish = publish;
        _logger = logger;
    }

    public string Name { get; }

    public CronSchedule Schedule { get; }

    public RecurringJobOptions Options { get; }

    public string Scheduler { get; }

    /// <summary>The key-value record holding the job's state.</summary>
    public string StateKey => $"sluice-cron/{Name}";

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is 1-80 characters from A-Z a-z 0-9 . _ -.</summary>
    public static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 80 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException($"recurring job name '{name}' is invalid: use 1-80 characters from A-Z a-z 0-9 . _ -", nameof(name));
        }
    }

    /// <summary>The idempotency key of an occurrence: the same for every scheduler, different for every occurrence.</summary>
    public string IdempotencyKey(DateTimeOffset occurrence) =>
        $"sluice-cron:{Name}:{occurrence.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Fires every occurrence due now (claims, publishes, confirms; skips missed ones under <see cref="MisfirePolicy.Skip"/>)
    /// and returns when to run again: the next occurrence, or when another scheduler's claim times out; null for never.
    /// </summary>
    /// <exception cref="SluiceException">The broker refused a call (the state stays consistent: a claimed occurrence is published on the next run).</exception>
    public async ValueTask<DateTimeOffset?> RunDueAsync(CancellationToken cancellationToken)
    {
        for (var step = 0; step < MaxStepsPerRun; step++)
        {
            var now = _time.GetUtcNow();
            var record = await _client.KeyValueGetAsync(StateKey, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                // First sight of the job: occurrences from now on are due, none from before it was registered.
                await TryWriteAsync(new RecurringState(now), 0, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var state = Read(record);
            var decision = RecurringPlanner.Decide(Schedule, state, now, Options.Misfire, Options.MisfireThreshold, Options.ClaimTimeout, Scheduler);
            if (decision.Action == RecurringAction.Wait)
            {
                return decision.WakeAt;
            }

            var claimed = await TryWriteAsync(decision.State, record.Version, cancellationToken).ConfigureAwait(false);
            if (claimed is null)
            {
                continue; // another scheduler changed the state first: read it again
            }

            if (decision.Occurrence is not { } occurrence)
            {
                RecurringLog.Skipped(_logger, Name, state.After, decision.State.After);
                continue;
            }

            var key = IdempotencyKey(occurrence);
            await _publish(occurrence, key, cancellationToken).ConfigureAwait(false);
            RecurringLog.Fired(_logger, Name, occurrence, key, decision.Action == RecurringAction.Resume);

            // A conflict here means another scheduler resumed the claim (this one was slower than the claim timeout):
            // it publishes the same occurrence with the same key, which the queue drops as a duplicate.
            await TryWriteAsync(RecurringPlanner.Confirmed(decision.State), claimed.Version, cancellationToken).ConfigureAwait(false);
        }

        return _time.GetUtcNow();
    }

    /// <summary>Compare-and-set of the state; <see langword="null"/> when another write came first.</summary>
    private async ValueTask<KeyValueRecord?> TryWriteAsync(RecurringState state, long expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            var value = JsonSerializer.SerializeToUtf8Bytes(state, RecurringJson.Default.RecurringState);
            return await _client.KeyValueSetAsync(StateKey, value, new KeyValueWriteOptions { ExpectedVersion = expectedVersion }, cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict)
        {
            return null;
        }
    }

    private RecurringState Read(KeyValueRecord record)
    {
        try
        {
            return JsonSerializer.Deserialize(record.Value.Span, RecurringJson.Default.RecurringState)
                ?? throw new JsonException("null state");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException(
                $"the state of recurring job '{Name}' (key-value record '{StateKey}') is not valid JSON of a RecurringState: delete the record to start the job afresh from now", ex);
        }
    }
}

/// <summary>Source-generated JSON of the recurring-job state record.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RecurringState))]
internal sealed partial class RecurringJson : JsonSerializerContext;
