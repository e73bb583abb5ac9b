using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Sluice.Scheduling;

namespace Sluice.Worker.Recurring;

/// <summary>Registers recurring (cron) jobs with the worker.</summary>
public static class RecurringJobExtensions
{
    /// <summary>
    /// Enqueues a job of the registered type <typeparamref name="TJob"/> (to its queue, as an ordinary job with its
    /// retries and status) at every occurrence of <paramref name="cronExpression"/> in <paramref name="timeZone"/>, once
    /// per occurrence however many processes register it: schedulers claim each occurrence in a key-value record
    /// (<c>sluice-cron/{name}</c>) and publish it with a deduplication id made of the name and the occurrence.
    /// </summary>
    /// <remarks>
    /// Occurrences before the job's first registration are never fired. Daylight-saving changes follow
    /// <see cref="CronSchedule"/>: an occurrence in the skipped hour runs once at the end of the gap; one in the repeated
    /// hour runs once (interval expressions keep their interval). Occurrences missed while no scheduler ran go to
    /// <see cref="RecurringJobOptions.Misfire"/> (default: one run now). Every process that registers recurring jobs runs
    /// a scheduler (a hosted service); register them where jobs run. docs/worker.md, "Recurring jobs".
    /// </remarks>
    /// <typeparam name="TJob">A job type registered with <c>AddJob</c> (checked when the host starts).</typeparam>
    /// <param name="worker">The worker builder.</param>
    /// <param name="name">The recurring job's name, stable across deployments (it keys the state): 1-80 characters from A-Z a-z 0-9 . _ -.</param>
    /// <param name="cronExpression">Five fields (<c>0 9 * * MON-FRI</c>) or six with seconds first; <see cref="CronSchedule"/>.</param>
    /// <param name="timeZone">The time zone the expression is read in; <see langword="null"/> for UTC.</param>
    /// <param name="job">Builds the job for an occurrence (the occurrence's scheduled time, as an instant).</param>
    /// <param name="configure">Misfire policy, misfire threshold and claim timeout; default <see cref="RecurringJobOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The name or the expression is invalid, or the name is registered already.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static SluiceWorkerBuilder AddRecurringJob<TJob>(this SluiceWorkerBuilder worker, string name, string cronExpression, TimeZoneInfo? timeZone,
        Func<DateTimeOffset, TJob> job, Action<RecurringJobOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(job);
        RecurringJobRunner.CheckName(name);
        var schedule = CronSchedule.Parse(cronExpression, timeZone);
        var options = new RecurringJobOptions();
        configure?.Invoke(options);
        options.Validate();
        if (worker.Services.Any(d => d.ImplementationInstance is RecurringJobRegistration r && r.Name == name))
        {
            throw new ArgumentException($"a recurring job named '{name}' is registered already: give each one its own name", nameof(name));
        }

        worker.Services.AddSingleton(new RecurringJobRegistration(name, schedule, options, typeof(TJob),
            async (jobs, occurrence, key, ct) => await jobs.EnqueueAsync(job(occurrence), new EnqueueOptions { IdempotencyKey = key }, ct).ConfigureAwait(false)));
        worker.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RecurringJobService>());
        return worker;
    }
}

/// <summary>One recurring job as registered.</summary>
internal sealed record RecurringJobRegistration(string Name, CronSchedule Schedule, RecurringJobOptions Options, Type JobType,
    Func<IJobClient, DateTimeOffset, string, CancellationToken, ValueTask> Enqueue);
