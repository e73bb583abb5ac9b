using System.Diagnostics;
using System.Globalization;
using Sluice.Storage.Log.Tests.FaultInjection;
using Xunit.Abstractions;

namespace Sluice.Storage.Log.Tests.PowerLoss;

/// <summary>
/// Power loss, not process death: a seeded random workload through <see cref="LogMessageStore"/> on the fault-injecting
/// file system, with thousands of simulated power losses (every write not covered by an fsync dropped, the last one
/// torn) at random file operations, including inside checkpoint writes, compaction and recovery; after each, the
/// reopened store keeps everything that was confirmed (see <see cref="PowerLossWorkload"/> for the checks).
/// The seed is printed and named in every failure; <c>SLUICE_POWERLOSS_SEED</c> replays one,
/// <c>SLUICE_POWERLOSS_CRASHES</c> changes the number of power losses (default 1,000 per test, 2,000 per run).
/// </summary>
public sealed class PowerLossTests(ITestOutputHelper output)
{
    private const string Directory = "/powerloss/store";

    [Fact]
    public Task RandomWorkload_PowerLossesAtRandomFileOperations_KeepEveryConfirmedEffect() =>
        RunAsync(new LogStoreOptions { Directory = Directory, SegmentBytes = 64 * 1024, CheckpointBytes = 32 * 1024, ReserveBytes = 0 });

    [Fact]
    public Task RandomWorkload_PowerLossesDuringCheckpointsAndCompaction_KeepEveryConfirmedEffect() =>
        // Segments of a few records and a checkpoint every few groups: most crash points land in a checkpoint write,
        // a segment roll or the compaction after a checkpoint.
        RunAsync(new LogStoreOptions { Directory = Directory, SegmentBytes = 4 * 1024, CheckpointBytes = 2 * 1024, ReserveBytes = 0 });

    private async Task RunAsync(LogStoreOptions template)
    {
        var seed = Environment.GetEnvironmentVariable("SLUICE_POWERLOSS_SEED") is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var crashes = Environment.GetEnvironmentVariable("SLUICE_POWERLOSS_CRASHES") is { Length: > 0 } count
            ? int.Parse(count, CultureInfo.InvariantCulture)
            : 1_000;
        output.WriteLine($"power-loss seed {seed} (replay: SLUICE_POWERLOSS_SEED={seed}), {crashes} power losses, segments {template.SegmentBytes} B, checkpoint every {template.CheckpointBytes} B");

        var disk = new FaultInjectingFileSystem();
        var workload = new PowerLossWorkload(seed, () => disk, random => disk = disk.Crash(random), Directory, fs => template with { FileSystem = fs });
        var clock = Stopwatch.StartNew();
        try
        {
            await workload.RunAsync(crashes);
        }
        catch (PowerLossViolation e)
        {
            Assert.Fail(e.Message);
        }

        output.WriteLine($"{workload.CrashPoints} power losses ({workload.RecoveryCrashes} during recovery; by place: {string.Join(", ", workload.CutsByPlace.Select(p => $"{p.Key} {p.Value}"))}), {workload.ConfirmedCalls} calls confirmed, {workload.CutCalls} cut, {workload.Tracked.Messages} messages and {workload.Tracked.Entries} stream entries left, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(workload.CutsByPlace.GetValueOrDefault("other file") > 0, $"no power loss landed in a checkpoint (seed {seed})");
        Assert.True(workload.CutCalls > 0, $"no call was ever cut by a power loss (seed {seed}): the crash points never met a call in flight");
    }
}
