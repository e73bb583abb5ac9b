using System.Diagnostics.Metrics;

namespace Sluice.Internal;

/// <summary>The broker's instruments on the fixed meter <c>Sluice</c> (OpenTelemetry messaging names, tag <c>messaging.destination.name</c>).</summary>
internal static class Metrics
{
    public const string MeterName = "Sluice";
    public const string QueueTag = "messaging.destination.name";

    private static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Counter<long> Published = Meter.CreateCounter<long>("sluice.messages.published", "{message}", "Messages enqueued (duplicates excluded)");
    public static readonly Counter<long> Received = Meter.CreateCounter<long>("sluice.messages.received", "{message}", "Messages delivered with a lease");
    public static readonly Counter<long> Acked = Meter.CreateCounter<long>("sluice.messages.acked", "{message}", "Messages acknowledged");
    public static readonly Counter<long> Nacked = Meter.CreateCounter<long>("sluice.messages.nacked", "{message}", "Messages released by a nack");
}
