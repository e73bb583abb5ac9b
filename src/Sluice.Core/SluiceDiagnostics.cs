namespace Sluice;

/// <summary>
/// The fixed names under which Sluice reports: subscribe to them with OpenTelemetry (<c>AddMeter</c>,
/// <c>AddSource</c>) or a <see cref="System.Diagnostics.ActivityListener"/>. docs/observability.md lists every instrument and span.
/// </summary>
public static class SluiceDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of every Sluice instrument: <c>Sluice</c>.</summary>
    public const string MeterName = Internal.Metrics.MeterName;

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name of every Sluice span: <c>Sluice</c>.</summary>
    public const string ActivitySourceName = Internal.Tracing.SourceName;

    /// <summary>The tag naming the queue, topic or stream of a measurement or span: <c>messaging.destination.name</c> (OpenTelemetry messaging conventions).</summary>
    public const string DestinationTag = Internal.Metrics.QueueTag;
}
