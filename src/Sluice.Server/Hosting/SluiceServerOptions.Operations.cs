namespace Sluice.Server.Hosting;

public sealed partial record SluiceServerOptions
{
    /// <summary>Metrics (<c>/metrics</c>) and tracing (OTLP) (section <c>Sluice:Telemetry</c>). Default <see cref="TelemetryOptions"/> defaults.</summary>
    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary>The console log format (section <c>Sluice:Logging</c>). Default <see cref="LogOutputOptions"/> defaults (text).</summary>
    public LogOutputOptions Logging { get; init; } = new();

    /// <summary>The readiness check (section <c>Sluice:Health</c>). Default <see cref="HealthOptions"/> defaults.</summary>
    public HealthOptions Health { get; init; } = new();

    /// <summary>Checks the telemetry, logging and health settings.</summary>
    private void ValidateOperations()
    {
        if (Telemetry is null || Telemetry.Otlp is null)
        {
            throw Invalid(Telemetry is null ? nameof(Telemetry) : "Telemetry:Otlp", "is missing: remove the setting to use the defaults");
        }

        if (Telemetry.Otlp.Endpoint is { } endpoint &&
            (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw Invalid("Telemetry:Otlp:Endpoint", $"'{endpoint}' is invalid: use an absolute http:// or https:// URL, such as http://otel-collector:4317");
        }

        if (Telemetry.Otlp.Protocol is not (OtlpOptions.Grpc or OtlpOptions.HttpProtobuf))
        {
            throw Invalid("Telemetry:Otlp:Protocol", $"'{Telemetry.Otlp.Protocol}' is not a protocol: use '{OtlpOptions.Grpc}' or '{OtlpOptions.HttpProtobuf}'");
        }

        if (Logging is null || !string.Equals(Logging.Format, LogOutputOptions.Text, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(Logging.Format, LogOutputOptions.Json, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("Logging:Format", $"'{Logging?.Format}' is not a log format: use '{LogOutputOptions.Text}' or '{LogOutputOptions.Json}' (flag --log-format)");
        }

        if (Health is null)
        {
            throw Invalid(nameof(Health), "is missing: remove the setting to use the defaults");
        }

        if (Health.MinFreeDiskBytes < 0)
        {
            throw Invalid("Health:MinFreeDiskBytes", $"{Health.MinFreeDiskBytes} is negative: use 0 (no check) or a number of bytes, such as 104857600 (100 MiB)");
        }
    }
}
