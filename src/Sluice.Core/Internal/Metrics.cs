using System.Diagnostics.Metrics;

namespace Sluice.Internal;

/// <summary>
/// The broker's and stores' instruments on the fixed meter <c>Sluice</c> (OpenTelemetry messaging names where they
/// exist, tag <c>messaging.destination.name</c>; durations in seconds, sizes in bytes). docs/observability.md lists them.
/// </summary>
internal static class Metrics
{
    public const string MeterName = "Sluice";
    public const string QueueTag = "messaging.destination.name";

    /// <summary>Histogram buckets of the latency histograms, in seconds: 0.5 ms to 60 s.</summary>
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Histogram buckets of time in queue, in seconds: 1 ms to 1 day.</summary>
    private static readonly double[] WaitBuckets = [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400];

    /// <summary>Histogram buckets of messages per group commit.</summary>
    private static readonly long[] CommitBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Counter<long> Published = Meter.CreateCounter<long>("sluice.messages.published", "{message}", "Messages enqueued (duplicates excluded)");
    public static readonly Counter<long> Received = Meter.CreateCounter<long>("sluice.messages.received", "{message}", "Messages delivered with a lease");
    public static readonly Counter<long> Acked = Meter.CreateCounter<long>("sluice.messages.acked", "{message}", "Messages acknowledged");
    public static readonly Counter<long> Nacked = Meter.CreateCounter<long>("sluice.messages.nacked", "{message}", "Messages released by a nack");

    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("sluice.messages.dead_lettered", "{message}",
        "Messages a consumer dead-lettered explicitly (moves at the max receive count happen in the store and are not counted here)");

    public static readonly Counter<long> Redelivered = Meter.CreateCounter<long>("sluice.messages.redelivered", "{message}",
        "Messages delivered again (receive count above 1): after a lease expired or a nack");

    public static readonly Counter<long> LeaseExpired = Meter.CreateCounter<long>("sluice.leases.expired", "{lease}",
        "Leases that ended by expiry: redeliveries of a message whose last lease was not released by a nack on this server");

    public static readonly Counter<long> TopicPublished = Meter.CreateCounter<long>("sluice.topic.messages.published", "{message}", "Messages published to a topic (before fan-out)");

    public static readonly Counter<long> StreamAppended = Meter.CreateCounter<long>("sluice.stream.entries.appended", "{entry}", "Entries appended to a stream");

    public static readonly Histogram<double> PublishDuration = Meter.CreateHistogram("sluice.publish.duration", "s",
        "Publish to confirm: from the broker's call to the store's durable acknowledgement (a batch is one observation)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    public static readonly Histogram<double> TimeInQueue = Meter.CreateHistogram("sluice.messages.time_in_queue", "s",
        "Enqueue to receive: from the message's publish to its first delivery (delays included)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });

    public static readonly Histogram<long> CommitMessages = Meter.CreateHistogram("sluice.store.commit.records", "{record}",
        "Records (messages and state changes) made durable per group commit of the log store",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = CommitBuckets });

    public static readonly Histogram<long> CommitBytes = Meter.CreateHistogram<long>("sluice.store.commit.size", "By", "Bytes written per group commit of the log store");

    public static readonly Histogram<double> FsyncDuration = Meter.CreateHistogram("sluice.store.fsync.duration", "s",
        "Time of one group commit's fsync in the log store",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
}
