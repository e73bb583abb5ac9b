using System.Globalization;
using Xunit.Abstractions;
using Sluice.Storage.Log.Segments;
using Sluice.Storage.Log.Tests.FaultInjection;
using static Sluice.Storage.Log.Tests.Segments.LogFixture;

namespace Sluice.Storage.Log.Tests.Segments;

/// <summary>
/// Power loss at seeded random moments: several tasks append random records (each waits for its record's group
/// commit), the disk loses power just before its n-th write, sync or directory sync (n seeded; every unsynced write
/// dropped or torn), the log is reopened. Every record
/// whose wait completed must be replayed, in append order, and nothing but a prefix of what was appended.
/// Set SLUICE_CRASH_SEED to replay one failing case.
/// </summary>
public sealed class SegmentLogCrashTests(ITestOutputHelper output)
{
    private const int Crashes = 1000;

    [Fact]
    public async Task Open_AfterPowerLossAtRandomPoints_ReplaysEveryAcknowledgedRecordInOrder()
    {
        var only = Environment.GetEnvironmentVariable("SLUICE_CRASH_SEED");
        var seeds = only is null ? Enumerable.Range(1, Crashes) : [int.Parse(only, CultureInfo.InvariantCulture)];
        int cut = 0, lost = 0;
        foreach (var seed in seeds)
        {
            try
            {
                var (bytesCut, recordsLost) = await CrashOnce(seed);
                cut += bytesCut > 0 ? 1 : 0;
                lost += recordsLost > 0 ? 1 : 0;
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"crash case failed with seed {seed} (rerun it alone with SLUICE_CRASH_SEED={seed}): {e.Message}", e);
            }
        }

        // The crash points must hit the interesting moments: torn tails to cut, and appended records not yet durable.
        output.WriteLine($"{Crashes} power losses: {cut} left a torn tail that recovery cut, {lost} lost records that were appended but not acknowledged");
        if (only is null)
        {
            Assert.True(cut > Crashes / 20, $"only {cut} of {Crashes} crashes left a torn tail to cut");
            Assert.True(lost > Crashes / 20, $"only {lost} of {Crashes} crashes lost unacknowledged records");
        }
    }

    private static async Task<(long BytesCut, int RecordsLost)> CrashOnce(int seed)
    {
        var random = new Random(seed);
        var options = new SegmentLogOptions { SegmentBytes = 4096 * random.Next(1, 4), ReserveBytes = 0, Fsync = true };
        var fs = new FaultInjectingFileSystem();
        var (log, _, _) = Open(fs, options);
        var gate = new Lock();
        var appended = new List<byte[]>();
        var acknowledged = new bool[400];
        var limit = random.Next(1, 250);
        var crashAt = random.Next(1, 2 * limit);
        var operations = 0;
        var crashRandom = new Random(seed ^ 0x5eed);
        FaultInjectingFileSystem? rebooted = null;
        fs.InjectFault = (operation, _) =>
        {
            if (operation is FaultOperation.Write or FaultOperation.Sync or FaultOperation.SyncDirectory && ++operations == crashAt)
                rebooted = fs.Crash(crashRandom);
            return false;
        };
        var appenders = Enumerable.Range(0, random.Next(1, 5)).Select(t =>
        {
            var own = new Random(seed * 31 + t);
            return Task.Run(async () =>
            {
                while (true)
                {
                    // Mostly small records, now and then one larger than a segment.
                    var payload = Payload(own, own.Next(20) == 0 ? own.Next(5000, 13000) : own.Next(0, 600));
                    int index;
                    LogPosition end;
                    lock (gate)
                    {
                        if (appended.Count >= limit)
                            return;
                        try
                        {
                            end = Append(log, (byte)(payload.Length % 251), payload);
                        }
                        catch (SluiceException e) when (e.ErrorCode == ErrorCodes.StorageFailed)
                        {
                            return;
                        }

                        index = appended.Count;
                        appended.Add(payload);
                    }

                    try
                    {
                        await log.WaitDurableAsync(end);
                        acknowledged[index] = true;
                    }
                    catch (SluiceException e) when (e.ErrorCode == ErrorCodes.StorageFailed)
                    {
                        return;
                    }
                }
            });
        }).ToArray();

        // Until the crash, or until every record is appended and acknowledged (then the power goes after all).
        await Task.WhenAll(appenders);
        rebooted ??= fs.Crash(crashRandom);
        await log.DisposeAsync();

        var (reopened, records, report) = Open(rebooted, options);
        await using (reopened)
        {
            Assert.True(records.Count <= appended.Count, $"{records.Count} records replayed, only {appended.Count} appended");
            for (var i = 0; i < records.Count; i++)
            {
                Assert.True(appended[i].AsSpan().SequenceEqual(records[i].Payload), $"record {i} differs from the one appended");
                Assert.Equal((byte)(appended[i].Length % 251), records[i].Type);
            }

            var lastAcknowledged = Array.LastIndexOf(acknowledged, true);
            Assert.True(lastAcknowledged < records.Count, $"record {lastAcknowledged} was acknowledged but only {records.Count} were replayed (report: {string.Join("; ", report.Findings)})");

            // The log goes on after the cut: a new record lands after the survivors and survives the next power loss.
            var end = Append(reopened, 9, [1, 2, 3]);
            await reopened.WaitDurableAsync(end);
        }

        var (again, more, _) = Open(rebooted.Crash(new Random(seed)), options);
        await using (again)
        {
            Assert.Equal(records.Count + 1, more.Count);
            Assert.Equal([1, 2, 3], more[^1].Payload);
        }

        return (report.BytesCut, appended.Count - records.Count);
    }
}
