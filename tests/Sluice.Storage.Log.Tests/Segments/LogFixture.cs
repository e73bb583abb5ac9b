using Sluice.Storage.Log.Files;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log.Tests.Segments;

/// <summary>Opens logs and collects what recovery replays.</summary>
internal static class LogFixture
{
    public const string Root = "/store";

    public static string SegmentPath(long number) => $"{Root}/segments/{number:D20}.log";

    public static (SegmentLog Log, List<Replayed> Records, LogRecoveryReport Report) Open(IStorageFileSystem fs, SegmentLogOptions options, LogPosition? from = null)
    {
        var records = new List<Replayed>();
        var log = SegmentLog.Open(fs, Root, options, from ?? LogPosition.Start, (position, type, payload) => records.Add(new Replayed(position, type, payload.ToArray())), out var report);
        return (log, records, report);
    }

    public static byte[] Payload(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Reserve and append under a caller's lock (as the store does).</summary>
    public static LogPosition Append(SegmentLog log, byte type, byte[] payload, LogSpace space = LogSpace.Drain)
    {
        log.Reserve(payload.Length, space);
        return log.Append(type, payload);
    }
}

internal sealed record Replayed(LogPosition Position, byte Type, byte[] Payload);
