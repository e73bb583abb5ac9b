using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Hosting;
using Sluice.Storage.Log;
using Sluice.Worker;
using Sluice.Worker.Recurring;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSluice(b => b.UseLogStore("jobs-data"));
builder.Services.AddSluiceWorker(w =>
{
    w.JsonContext = SampleJson.Default;
    w.AddJob<SendEmail, SendEmailHandler>(o => o.Retry = new RetryPolicy
    {
        MaxAttempts = 5,
        InitialDelay = TimeSpan.FromMilliseconds(200), // then 400 ms, 800 ms, ... (with jitter), at most MaxDelay
        MaxDelay = TimeSpan.FromSeconds(5),
        NonRetryable = [typeof(ArgumentException)],    // a bad address is dead-lettered at once
    });
    w.AddJob<Cleanup, CleanupHandler>();
    w.AddRecurringJob("cleanup", "*/2 * * * * *", TimeZoneInfo.Utc, occurrence => new Cleanup(occurrence)); // every 2 seconds
});
using var host = builder.Build();
await host.StartAsync();

var jobs = host.Services.GetRequiredService<IJobClient>();
var id = await jobs.EnqueueAsync(new SendEmail("ada@example.com", "Welcome"));
Console.WriteLine($"enqueued job {id}");
JobStatus? status;
while ((status = await jobs.GetStatusAsync(id))?.State is not (JobState.Succeeded or JobState.DeadLettered))
{
    await Task.Delay(100);
}

Console.WriteLine($"job {id}: {status!.State} after {status.Attempts} attempts");
await CleanupHandler.Ran.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the cron job ran too
await host.StopAsync();
return status.State == JobState.Succeeded && status.Attempts == 3 ? 0 : 1;

internal sealed record SendEmail(string To, string Subject);

internal sealed class SendEmailHandler : IJobHandler<SendEmail>
{
    public ValueTask HandleAsync(SendEmail job, JobContext context, CancellationToken cancellationToken)
    {
        if (context.Attempt < 3)
        {
            throw new TimeoutException($"mail server did not answer (attempt {context.Attempt})"); // retried with backoff
        }

        Console.WriteLine($"sent '{job.Subject}' to {job.To} on attempt {context.Attempt}");
        return ValueTask.CompletedTask;
    }
}

internal sealed record Cleanup(DateTimeOffset Occurrence);

internal sealed class CleanupHandler : IJobHandler<Cleanup>
{
    public static TaskCompletionSource Ran { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask HandleAsync(Cleanup job, JobContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine($"cleanup for the occurrence at {job.Occurrence:HH:mm:ss}");
        Ran.TrySetResult();
        return ValueTask.CompletedTask;
    }
}

[JsonSerializable(typeof(SendEmail))]
[JsonSerializable(typeof(Cleanup))]
internal sealed partial class SampleJson : JsonSerializerContext;
