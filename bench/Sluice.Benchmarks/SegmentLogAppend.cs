using BenchmarkDotNet.Attributes;
using Sluice.Storage.Log.Files;
using Sluice.Storage.Log.Segments;

namespace Sluice.Benchmarks;

/// <summary>
/// The log store's write path alone: <see cref="Appenders"/> concurrent callers each reserve and append a 1 KiB record
/// under one shared lock (as the store does) and wait for its group commit (fsync on, real disk). One operation = one
/// record appended and durable; records/s = 1 / (mean time per operation).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class SegmentLogAppend
{
    private const int RecordsPerAppender = 2000;
    private readonly byte[] _payload = new byte[1024];
    private readonly Lock _lock = new();
    private SegmentLog _log = null!;
    private string _dir = null!;

    /// <summary>Concurrent callers.</summary>
    [Params(1, 16)]
    public int Appenders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_payload);
        _dir = Path.Combine(Path.GetTempPath(), "sluice-bench-log-" + Guid.NewGuid().ToString("N"));
        _log = SegmentLog.Open(PhysicalFileSystem.Instance, _dir, new SegmentLogOptions { Fsync = true, ReserveBytes = 0 }, LogPosition.Start, (_, _, _) => { }, out _);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _log.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = 16 * RecordsPerAppender)]
    public Task AppendAndWaitDurable() => Task.WhenAll(Enumerable.Range(0, Appenders).Select(_ => Task.Run(AppendManyAsync)));

    private async Task AppendManyAsync()
    {
        // 16 appenders × RecordsPerAppender, or 1 appender × 16 × RecordsPerAppender: the same records per invocation.
        var count = RecordsPerAppender * 16 / Appenders;
        for (var i = 0; i < count; i++)
        {
            LogPosition end;
            lock (_lock)
            {
                _log.Reserve(_payload.Length, LogSpace.Grow);
                end = _log.Append(1, _payload);
            }

            await _log.WaitDurableAsync(end).ConfigureAwait(false);
        }
    }
}
