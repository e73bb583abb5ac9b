using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Client;
using Sluice.Worker.Internal;

namespace Sluice.Worker.Recurring;

/// <summary>
/// The scheduler: one loop per recurring job that runs <see cref="RecurringJobRunner.RunDueAsync"/> and sleeps until it
/// is needed again (at most <see cref="MaxSleep"/>, so a changed clock or another scheduler's progress is seen soon).
/// A failure is logged and retried with a backoff of 1 second doubling to 1 minute.
/// </summary>
internal sealed class RecurringJobService : BackgroundService
{
    /// <summary>Longest sleep between two looks at a job's state.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromMinutes(1);

    private readonly IReadOnlyList<RecurringJobRegistration> _registrations;
    private readonly ISluiceClient _client;
    private readonly IJobClient _jobs;
    private readonly JobRegistry _registry;
    private readonly SluiceWorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RecurringJobService(IEnumerable<RecurringJobRegistration> registrations, ISluiceClient client, IJobClient jobs, JobRegistry registry,
        SluiceWorkerOptions options, TimeProvider time, ILogger<RecurringJobService>? logger = null)
    {
        _registrations = [.. registrations];
        _client = client;
        _jobs = jobs;
        _registry = registry;
        _options = options;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Checks that every recurring job's type is registered, then starts the loops.</summary>
    /// <exception cref="InvalidOperationException">A recurring job's type is not registered with AddJob.</exception>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var r in _registrations)
        {
            _registry.For(r.JobType);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_registrations.Select(r => RunAsync(Runner(r), stoppingToken)));

    /// <summary>The runner of a registration, publishing through the job client.</summary>
    internal RecurringJobRunner Runner(RecurringJobRegistration r) =>
        new(r.Name, r.Schedule, r.Options, _client, _time, _options.WorkerId, (occurrence, key, ct) => r.Enqueue(_jobs, occurrence, key, ct), _logger);

    private async Task RunAsync(RecurringJobRunner runner, CancellationToken stoppingToken)
    {
        RecurringLog.Started(_logger, runner.Name, runner.Schedule);
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan sleep;
            try
            {
                var wake = await runner.RunDueAsync(stoppingToken).ConfigureAwait(false);
                var until = wake is { } at ? at - _time.GetUtcNow() : MaxSleep;
                sleep = until < TimeSpan.Zero ? TimeSpan.Zero : until > MaxSleep ? MaxSleep : until;
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure (broker unavailable, queue full, a bad state record) is logged and retried: the loop must live on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                RecurringLog.Failed(_logger, ex, runner.Name, backoff);
                sleep = backoff;
                backoff = backoff * 2 > MaxSleep ? MaxSleep : backoff * 2;
            }

            try
            {
                await Task.Delay(sleep, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
