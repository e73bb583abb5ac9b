using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Sluice.Hosting;
using Sluice.Worker;

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls("http://127.0.0.1:0"); // any free port
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, SampleJson.Default));
builder.Services.AddSluice(); // in-memory broker in this process
builder.Services.AddSluiceWorker(w =>
{
    w.JsonContext = SampleJson.Default;
    w.AddJob<BuildReport, BuildReportHandler>();
});
var app = builder.Build();

// Enqueue and return at once (202 + the job's id); the client follows the job's status instead of waiting.
app.MapPost("/reports", async (BuildReport report, IJobClient jobs) =>
{
    var id = await jobs.EnqueueAsync(report);
    return Results.Accepted($"/reports/{id}", new Enqueued(id));
});
app.MapGet("/reports/{id:guid}", async (Guid id, IJobClient jobs) =>
    await jobs.GetStatusAsync(id) is { } status ? Results.Ok(new ReportStatus(status.State.ToString(), status.GetResult(SampleJson.Default.ReportResult))) : Results.NotFound());

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
using var http = new HttpClient { BaseAddress = new Uri(address) };
var response = await http.PostAsJsonAsync("/reports", new BuildReport("acme", 2026), SampleJson.Default.BuildReport);
var enqueued = (await response.Content.ReadFromJsonAsync(SampleJson.Default.Enqueued))!;
Console.WriteLine($"POST /reports: {(int)response.StatusCode}, job {enqueued.JobId}");
ReportStatus? status;
do
{
    await Task.Delay(50);
    status = await http.GetFromJsonAsync($"/reports/{enqueued.JobId}", SampleJson.Default.ReportStatus);
}
while (status?.State is not ("Succeeded" or "DeadLettered"));

Console.WriteLine($"GET /reports/{enqueued.JobId}: {status.State}, {status.Result?.Lines} lines");
await app.StopAsync();
return status.State == "Succeeded" && status.Result?.Lines == 12 ? 0 : 1;

internal sealed record BuildReport(string Customer, int Year);

internal sealed record ReportResult(int Lines);

internal sealed record Enqueued(Guid JobId);

internal sealed record ReportStatus(string State, ReportResult? Result);

internal sealed class BuildReportHandler : IJobHandler<BuildReport>
{
    public async ValueTask HandleAsync(BuildReport job, JobContext context, CancellationToken cancellationToken)
    {
        for (var month = 1; month <= 12; month++)
        {
            await context.ReportProgressAsync(month / 12.0, $"{job.Customer} {job.Year}-{month:D2}", cancellationToken);
        }

        context.SetResult(new ReportResult(12), SampleJson.Default.ReportResult);
    }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BuildReport))]
[JsonSerializable(typeof(ReportResult))]
[JsonSerializable(typeof(Enqueued))]
[JsonSerializable(typeof(ReportStatus))]
internal sealed partial class SampleJson : JsonSerializerContext;
