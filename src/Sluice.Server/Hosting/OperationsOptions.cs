namespace Sluice.Server.Hosting;

/// <summary>Metrics and tracing (section <c>Sluice:Telemetry</c>; docs/observability.md).</summary>
public sealed record TelemetryOptions
{
    /// <summary>
    /// Whether the HTTP listener serves OpenTelemetry metrics in the Prometheus text format at <c>/metrics</c>. Default
    /// <see langword="true"/>.
    /// </summary>
    public bool Metrics { get; init; } = true;

    /// <summary>The OTLP exporter of traces and metrics (section <c>Sluice:Telemetry:Otlp</c>). Default off (no endpoint).</summary>
    public OtlpOptions Otlp { get; init; } = new();
}

/// <summary>The OpenTelemetry protocol (OTLP) exporter (section <c>Sluice:Telemetry:Otlp</c>).</summary>
public sealed record OtlpOptions
{
    /// <summary>The OTLP protocol over gRPC (the default, usually port 4317).</summary>
    public const string Grpc = "grpc";

    /// <summary>The OTLP protocol as protobuf over HTTP (usually port 4318, paths <c>/v1/traces</c> and <c>/v1/metrics</c> added).</summary>
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>
    /// Where to send traces (spans of the activity source <c>Sluice</c>) and metrics (meter <c>Sluice</c>): an absolute
    /// http:// or https:// URL such as <c>http://otel-collector:4317</c>. Default none: nothing is exported over OTLP
    /// and no spans are recorded.
    /// </summary>
    public string? Endpoint { get; init; }

    /// <summary>The protocol: <c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string Protocol { get; init; } = Grpc;
}

/// <summary>The server's log output (section <c>Sluice:Logging</c>; log levels stay in the standard <c>Logging</c> section).</summary>
public sealed record LogOutputOptions
{
    /// <summary>One line of text per record (the default).</summary>
    public const string Text = "text";

    /// <summary>One JSON object per line (Microsoft.Extensions.Logging's JSON console formatter), for log shippers.</summary>
    public const string Json = "json";

    /// <summary>The console format: <c>text</c> (default) or <c>json</c> (flag <c>--log-format</c>). Used by <c>sluice serve</c>.</summary>
    public string Format { get; init; } = Text;
}

/// <summary>Health endpoints (section <c>Sluice:Health</c>; docs/observability.md).</summary>
public sealed record HealthOptions
{
    /// <summary>
    /// Free disk space below which <c>/healthz/ready</c> answers 503, in bytes, measured on the volume of
    /// <see cref="SluiceServerOptions.DataDirectory"/> (log and SQLite stores). Default 104,857,600 (100 MiB); 0 turns
    /// the check off.
    /// </summary>
    public long MinFreeDiskBytes { get; init; } = 100L * 1024 * 1024;
}
