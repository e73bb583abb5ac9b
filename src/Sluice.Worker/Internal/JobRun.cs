using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Sluice.Worker.Internal;

/// <summary>
/// One delivery of a job, from its arrival to its one settlement: find the type, count the attempt, take limit
/// permits (or wait), run the handler, then ack (after continuations), nack with a retry delay, or dead-letter. Every
/// settlement is fenced by the delivery's receipt handle: if the lease was lost, the broker refuses it and the refusal
/// is reported, never retried (the job belongs to another delivery now).
/// </summary>
internal sealed class JobRun(WorkerCore core, IServiceScopeFactory scopes, Delivery delivery, CancellationToken abort)
{
    private readonly List<(string Queue, QueueMessage Permit, LeaseKeeper Keeper)> _held = [];
    private JobStatus _status = null!;

    private Guid JobId => delivery.Message.MessageId;

    private string Worker => core.Options.WorkerId;

    /// <summary>The longest limit key, in characters (docs/worker.md).</summary>
    public const int MaxLimitKeyLength = 200;

    public async Task RunAsync()
    {
        try
        {
            await RunCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened, this delivery's heartbeats end with it: an unsettled lease then expires and the job
            // comes back, never held forever.
            await delivery.StopHeartbeatsAsync().ConfigureAwait(false);
        }
    }

    private async Task RunCoreAsync()
    {
        var message = delivery.Message;
        var name = message.Attributes.TryGetValue(WorkerCore.JobTypeAttribute, out var attribute) ? attribute.StringValue : null;
        var previous = FailureDetails.TryParse(message.LastError, out var failure) ? failure : null;
        if (name is null || core.Registry.Find(name) is not { } registration)
        {
            _status = new JobStatus { JobId = JobId, JobType = name ?? "", Queue = delivery.Queue };
            await DeadLetterAsync(new JobRejectedException(name is null
                ? $"message {JobId} in queue '{delivery.Queue}' is not a job (no '{WorkerCore.JobTypeAttribute}' attribute)"
                : $"job type '{name}' is not registered in worker {Worker}: register it (AddJob) in the workers of queue '{delivery.Queue}'"),
                previous, message.ReceiveCount, nonRetryable: true).ConfigureAwait(false);
            return;
        }

        var recorded = await core.ReadStatusAsync(JobId, CancellationToken.None).ConfigureAwait(false);
        _status = recorded ?? new JobStatus { JobId = JobId, JobType = registration.Name, Queue = delivery.Queue };
        var started = Math.Max(recorded?.Attempts ?? 0, previous?.Attempts.Count > 0 ? previous.Attempts[^1].Attempt : 0);
        var attempt = started + 1;
        if (attempt > registration.Retry.MaxAttempts)
        {
            await DeadLetterAsync(new JobRejectedException(
                $"{started} attempts of job {JobId} ({registration.Name}) started and none completed; the last ended without a result (a worker crashed or lost the lease)"),
                previous, started, nonRetryable: true).ConfigureAwait(false);
            return;
        }

        object job;
        (string Key, int Max)? limit;
        try
        {
            job = registration.Deserialize(message.Body);
        }
#pragma warning disable CA1031 // any failure to read the body is the job's failure, recorded as data
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await DeadLetterAsync(new JobRejectedException($"the body of job {JobId} is not a valid {registration.Name}: {ex.Message}", ex),
                previous, attempt, nonRetryable: true).ConfigureAwait(false);
            return;
        }

        try
        {
            limit = registration.ConcurrencyLimit(job);
            if (limit is { Key.Length: < 1 or > MaxLimitKeyLength } bad)
            {
                throw new JobRejectedException(
                    $"the concurrency limit key of job {JobId} ({registration.Name}) is {bad.Key.Length} characters long: a limit key has 1 to {MaxLimitKeyLength} characters");
            }
        }
#pragma warning disable CA1031 // the key function is the job's own code: its exception is the job's failure
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await FailAsync(registration, ex, attempt, previous).ConfigureAwait(false);
            return;
        }

        try
        {
            string? reason;
            try
            {
                reason = await TakePermitsAsync(registration, limit).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SluiceException or InvalidOperationException or IOException or TimeoutException or HttpRequestException)
            {
                // A broker error taking a permit is not the job's failure: give the job back shortly, no attempt counted.
                reason = $"waiting after an error taking a limit permit: {ex.Message}";
            }

            if (reason is not null)
            {
                await ReturnPermitsAsync().ConfigureAwait(false);
                await WaitAsync(reason).ConfigureAwait(false);
                return;
            }

            await RunHandlerAsync(registration, job, attempt, previous).ConfigureAwait(false);
        }
        finally
        {
            await ReturnPermitsAsync().ConfigureAwait(false);
        }
    }

    private async Task RunHandlerAsync(JobRegistration registration, object job, int attempt, FailureDetails? previous)
    {
        await WriteStatusAsync(_status with
        {
            State = JobState.Processing,
            Attempts = attempt,
            Worker = Worker,
            Progress = null,
            ProgressNote = null,
            WaitingReason = null,
            RunAt = null,
        }).ConfigureAwait(false);
        // The job's token ends when its lease, or the lease of any permit it holds, is lost, or at shutdown.
        using var token = CancellationTokenSource.CreateLinkedTokenSource([delivery.Keeper.Lost, abort, .. _held.Select(h => h.Keeper.Lost)]);
        using var lost = delivery.Keeper.Lost.Register(() => Log.LeaseLost(core.Logger, JobId, delivery.Queue, delivery.Keeper.LostCode ?? "unknown"));
        var context = new JobContext(JobId, registration.Name, delivery.Queue, attempt, Worker,
            (fraction, note, ct) => WriteStatusAsync(_status with { Progress = fraction, ProgressNote = note }, ct));
        Exception? failure = null;
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            try
            {
                await registration.RunAsync(scope.ServiceProvider, job, context, token.Token).ConfigureAwait(false);
                await registration.ContinueAsync(JobId, job, context.Result, core.Jobs, token.Token).ConfigureAwait(false);
                if (registration.ResultQueue is { } results)
                {
                    await PublishResultAsync(results, registration.Name, context.Result, token.Token).ConfigureAwait(false);
                }
            }
#pragma warning disable CA1031 // any exception of a handler is the job's failure, recorded as data
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }
        }

        if (failure is not null && abort.IsCancellationRequested && !delivery.Keeper.Lost.IsCancellationRequested)
        {
            // Shutdown cancelled the job and its handler has ended: give it back at once. A release is not a failed
            // attempt: the attempt it started is not counted.
            if (await SettleAsync(() => core.Client.NackAsync(delivery.Queue, delivery.ReceiptHandle, TimeSpan.Zero, null)).ConfigureAwait(false))
            {
                await WriteStatusAsync(_status with { State = JobState.Enqueued, Attempts = attempt - 1, WaitingReason = $"released by worker {Worker} at shutdown" }).ConfigureAwait(false);
            }

            return;
        }

        if (failure is null)
        {
            if (await SettleAsync(() => core.Client.AckAsync(delivery.Queue, delivery.ReceiptHandle)).ConfigureAwait(false))
            {
                await WriteStatusAsync(_status with { State = JobState.Succeeded, Result = context.Result, Progress = 1, Error = null, WaitingReason = null }).ConfigureAwait(false);
            }

            return;
        }

        await FailAsync(registration, failure, attempt, previous).ConfigureAwait(false);
    }

    /// <summary>A failed attempt: retry after the policy's delay, or dead-letter when it is not retryable or the last.</summary>
    private async Task FailAsync(JobRegistration registration, Exception failure, int attempt, FailureDetails? previous)
    {
        if (registration.Retry.IsNonRetryable(failure) || attempt >= registration.Retry.MaxAttempts)
        {
            await DeadLetterAsync(failure, previous, attempt, registration.Retry.IsNonRetryable(failure)).ConfigureAwait(false);
            return;
        }

        var delay = registration.Retry.DelayAfter(attempt, Random.Shared.NextDouble());
        var text = Details(failure, previous, attempt, nonRetryable: false).ToErrorText();
        // The status is written before the nack makes the message visible again, so it never lands on the next attempt's.
        if (await SettleAsync(() => core.Client.NackAsync(delivery.Queue, delivery.ReceiptHandle, delay, text),
                () => WriteStatusAsync(_status with { State = JobState.FailedRetrying, Attempts = attempt, Error = text, WaitingReason = null, RunAt = core.Time.GetUtcNow() + delay }))
            .ConfigureAwait(false))
        {
            Log.Retrying(core.Logger, failure, JobId, registration.Name, attempt, delay);
        }
    }

    private async Task PublishResultAsync(string queue, string jobType, JsonElement? result, CancellationToken cancellationToken)
    {
        try
        {
            await core.Client.CreateQueueAsync(queue, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.QueueAlreadyExists)
        {
            // It exists with its own options.
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new ResultMessage(JobId, jobType, result), WorkerJson.Default.ResultMessage);
        await core.Client.PublishAsync(queue, new OutgoingMessage(body) { DeduplicationId = $"result-{JobId:N}" }, cancellationToken).ConfigureAwait(false);
    }

    private FailureDetails Details(Exception failure, FailureDetails? previous, int attempt, bool nonRetryable)
    {
        var attempts = new List<FailureAttempt>(previous?.Attempts ?? [])
        {
            new(attempt, core.Time.GetUtcNow(), Worker, failure.GetType().FullName ?? failure.GetType().Name, failure.Message),
        };
        return FailureDetails.FromException(failure, attempts, nonRetryable);
    }

    private async Task DeadLetterAsync(Exception failure, FailureDetails? previous, int attempt, bool nonRetryable)
    {
        var text = Details(failure, previous, attempt, nonRetryable).ToErrorText();
        if (await SettleAsync(() => core.Client.DeadLetterAsync(delivery.Queue, delivery.ReceiptHandle, text)).ConfigureAwait(false))
        {
            Log.DeadLettered(core.Logger, JobId, _status.JobType, attempt, failure.Message);
            await WriteStatusAsync(_status with { State = JobState.DeadLettered, Attempts = attempt, Error = text, WaitingReason = null, RunAt = null }).ConfigureAwait(false);
        }
    }

    /// <summary>The job cannot start because of a limit: give it back with a short jittered delay (not an attempt), saying why.</summary>
    private async Task WaitAsync(string reason)
    {
        var delay = core.Options.LimitRetryDelay * (1 + Random.Shared.NextDouble());
        if (await SettleAsync(() => core.Client.NackAsync(delivery.Queue, delivery.ReceiptHandle, delay, null)).ConfigureAwait(false))
        {
            Log.Waiting(core.Logger, JobId, reason);
            await WriteStatusAsync(_status with { State = JobState.Waiting, WaitingReason = reason, RunAt = core.Time.GetUtcNow() + delay }).ConfigureAwait(false);
        }
    }

    /// <summary>Settles the delivery once (heartbeats stopped first, then <paramref name="before"/> run); false when shutdown settled it, or the broker refused it (lease lost: reported).</summary>
    private async Task<bool> SettleAsync(Func<ValueTask> settle, Func<ValueTask>? before = null)
    {
        if (!delivery.TrySettle())
        {
            return false;
        }

        await delivery.StopHeartbeatsAsync().ConfigureAwait(false);
        try
        {
            if (before is not null)
            {
                await before().ConfigureAwait(false);
            }

            await settle().ConfigureAwait(false);
            return true;
        }
        catch (SluiceException ex) when (LeaseKeeper.EndsLease(ex.ErrorCode))
        {
            Log.CompletionRefused(core.Logger, JobId, _status.JobType, ex.ErrorCode);
            return false;
        }
    }

    /// <summary>Takes the job's permits (concurrency, then rate); returns why it must wait when one is not free.</summary>
    private async Task<string?> TakePermitsAsync(JobRegistration registration, (string Key, int Max)? concurrency)
    {
        var lease = core.Options.QueueOptions(delivery.Queue);
        if (concurrency is { } limit)
        {
            var permit = await core.Limits.TryAcquireAsync(limit.Key, limit.Max, lease.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
            if (permit is null)
            {
                var inUse = await core.Limits.InUseAsync(limit.Key, CancellationToken.None).ConfigureAwait(false);
                return $"waiting for concurrency limit {limit.Key} ({inUse} in use, at most {limit.Max})";
            }

            var queue = LimitGate.QueueOf(limit.Key);
            _held.Add((queue, permit, new LeaseKeeper(core, queue, permit.ReceiptHandle!, lease.LeaseDuration, lease.EffectiveHeartbeat)));
        }

        if (registration.Rate is { } rate)
        {
            var key = $"rate:{registration.Name}";
            var permit = await core.Limits.TryAcquireAsync(key, rate.Count, lease.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
            if (permit is null)
            {
                return $"waiting for rate limit {registration.Name} ({rate.Count} per {rate.Period})";
            }

            // A rate permit comes back one period after it was taken: at most Count starts in any period.
            await core.Client.NackAsync(LimitGate.QueueOf(key), permit.ReceiptHandle!, rate.Period).ConfigureAwait(false);
        }

        return null;
    }

    private async Task ReturnPermitsAsync()
    {
        foreach (var (queue, permit, keeper) in _held)
        {
            await keeper.DisposeAsync().ConfigureAwait(false);
            try
            {
                await core.Client.NackAsync(queue, permit.ReceiptHandle!).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (LeaseKeeper.EndsLease(ex.ErrorCode))
            {
                // The permit's lease lapsed (heartbeats failed): it is back in its queue already.
            }
        }

        _held.Clear();
    }

    private async ValueTask WriteStatusAsync(JobStatus status, CancellationToken cancellationToken = default)
    {
        _status = status with { Worker = Worker };
        await core.WriteStatusAsync(_status, onlyIfNew: false, cancellationToken).ConfigureAwait(false);
    }
}
