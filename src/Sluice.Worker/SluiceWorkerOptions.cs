namespace Sluice.Worker;

/// <summary>Options of the Sluice background-job worker (filled by <c>AddSluiceWorker</c>).</summary>
public sealed class SluiceWorkerOptions
{
    /// <summary>The queue jobs go to when their registration names none. Default <c>"jobs"</c>.</summary>
    public string DefaultQueue { get; set; } = "jobs";
}
