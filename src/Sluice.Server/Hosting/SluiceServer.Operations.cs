using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Sluice.Security;
using Sluice.Server.Internal;
using Sluice.Storage;

namespace Sluice.Server.Hosting;

/// <summary>Operations: <c>/metrics</c>, <c>/healthz/live</c> and <c>/healthz/ready</c>, OTLP export, trace context of HTTP requests.</summary>
public sealed partial class SluiceServer
{
    /// <summary>The path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The path of the liveness check: 200 while the process serves HTTP.</summary>
    public const string LivePath = "/healthz/live";

    /// <summary>The path of the readiness check: 200 while the store can write and disk space is above the threshold, else 503.</summary>
    public const string ReadyPath = "/healthz/ready";

    private const string ReadyTag = "ready";

    /// <summary>Test seam: reads the free bytes of the data directory's volume; default <see cref="ReadinessCheck.FreeDiskBytes"/>.</summary>
    internal Func<string, long>? FreeDiskBytesReader { get; init; }

    /// <summary>Test seam: builds the store instead of <see cref="SluiceServerOptions.Store"/> (its data directory is still checked for free space).</summary>
    internal Func<TimeProvider, IQueueStore>? StoreFactory { get; init; }

    /// <summary>Registers OpenTelemetry (meter and activity source <c>Sluice</c>, Prometheus and OTLP exporters) and the health checks.</summary>
    private void AddOperations(IServiceCollection services)
    {
        var telemetry = Options.Telemetry;
        var otlp = telemetry.Otlp.Endpoint is { } endpoint ? new Uri(endpoint) : null;
        var protocol = telemetry.Otlp.Protocol == OtlpOptions.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (telemetry.Metrics || otlp is not null)
        {
            var builder = services.AddOpenTelemetry();
            builder.WithMetrics(m =>
            {
                m.AddMeter(SluiceDiagnostics.MeterName)
                    .AddView("sluice.queue.*", new MetricStreamConfiguration { CardinalityLimit = (3 * QueueGauges.MaxQueues) + 16 });
                if (telemetry.Metrics)
                {
                    // Every scrape reads current values (no response cache: the gauges keep their own 1-second snapshot).
                    m.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp is not null)
                {
                    m.AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (Signal(otlp, protocol, "v1/metrics"), protocol));
                }
            });
            if (otlp is not null)
            {
                builder.WithTracing(t => t.AddSource(SluiceDiagnostics.ActivitySourceName)
                    .AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (Signal(otlp, protocol, "v1/traces"), protocol)));
            }
        }

        services.AddSingleton(sp => new QueueGauges(sp.GetRequiredService<Broker>(), _time));
        var memory = string.Equals(Options.Store, SluiceServerOptions.MemoryStore, StringComparison.OrdinalIgnoreCase);
        var postgres = string.Equals(Options.Store, SluiceServerOptions.PostgresStore, StringComparison.OrdinalIgnoreCase);
        var dataDirectory = memory || postgres ? null : Path.GetFullPath(Options.DataDirectory);
        // One instance (the health check service asks the factory at every run): it keeps the 1-second cache.
        services.AddSingleton(sp => new ReadinessCheck(sp.GetRequiredService<Broker>(), _time, dataDirectory, Options.Health.MinFreeDiskBytes,
            FreeDiskBytesReader ?? ReadinessCheck.FreeDiskBytes));
        services.AddHealthChecks().Add(new HealthCheckRegistration("store", static sp => sp.GetRequiredService<ReadinessCheck>(), HealthStatus.Unhealthy, [ReadyTag]));
    }

    /// <summary>OTLP over HTTP takes the full URL of each signal; over gRPC the endpoint as given.</summary>
    private static Uri Signal(Uri endpoint, OtlpExportProtocol protocol, string path) =>
        protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or "" ? new Uri(endpoint, path) : endpoint;

    /// <summary>Adds the request trace-context middleware (before the faces) and maps the health and metrics endpoints.</summary>
    private void UseOperations(WebApplication app)
    {
        app.Use(ContinueTrace);
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteHealthAsync })
            .WithName("Live").WithTags("Health").WithSummary("Liveness check").WithDescription("200 while the process serves HTTP (no store access).");
        var logger = _logger;
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = static r => r.Tags.Contains(ReadyTag),
            ResponseWriter = (context, report) =>
            {
                if (report.Status != HealthStatus.Healthy)
                {
                    Log.NotReady(logger, string.Join("; ", report.Entries.Values.Select(e => e.Description)));
                }

                return WriteHealthAsync(context, report);
            },
        }).WithName("Ready").WithTags("Health").WithSummary("Readiness check")
            .WithDescription("200 while the store accepts a probe write and the data directory has at least Sluice:Health:MinFreeDiskBytes free; else 503 with the reason.");
        if (Options.Telemetry.Metrics)
        {
            MapMetrics(app);
        }

        if (Options.Telemetry.Otlp.Endpoint is { } endpoint)
        {
            Log.ExportingOtlp(_logger, Options.Telemetry.Otlp.Protocol, endpoint);
        }
    }

    /// <summary>
    /// Maps <c>GET /metrics</c> (Prometheus text format) and returns its endpoint, so conventions such as authorization
    /// apply to it in this one place. The per-queue gauges are refreshed (at most once a second) before each scrape.
    /// </summary>
    /// <summary>The principal of the server's own reads (the metric gauges), whatever the caller is.</summary>
    private static readonly SluicePrincipal ServerPrincipal = SluicePrincipal.Administrator("sluice:server", "server");

    private static IEndpointConventionBuilder MapMetrics(WebApplication app)
    {
        var gauges = app.Services.GetRequiredService<QueueGauges>();
        return app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            // The series name every queue, so the scrape needs admin on '*' (docs/security.md); the gauges are then
            // refreshed as the server, never as the caller (one snapshot serves every scraper alike).
            if (SluiceAccess.Current is { } caller && !caller.IsAllowed(SluicePermissions.Admin, null))
            {
                var denied = SluiceAccess.Denied(caller, SluicePermissions.Admin, null);
                await Sluice.Faces.Rest.RestErrors.WriteProblemAsync(context, denied.ErrorCode, denied.Message, null).ConfigureAwait(false);
                return;
            }

            using (SluiceAccess.Enter(ServerPrincipal))
            {
                await gauges.RefreshAsync(context.RequestAborted).ConfigureAwait(false);
            }

            await next(context).ConfigureAwait(false);
        }), optionsName: null);
    }

    /// <summary>
    /// Makes a request's W3C <c>traceparent</c> (and <c>tracestate</c>) header the current trace context when ASP.NET
    /// Core did not already (it does only when something listens to it), so a publish carries the caller's trace on to
    /// its consumers.
    /// </summary>
    private static Task ContinueTrace(HttpContext context, RequestDelegate next)
    {
        if (Activity.Current is not null || !context.Request.Headers.TryGetValue("traceparent", out var header) ||
            !ActivityContext.TryParse(header.ToString(), context.Request.Headers["tracestate"].ToString(), isRemote: true, out var parent))
        {
            return next(context);
        }

        return WithParentAsync(context, next, parent);

        static async Task WithParentAsync(HttpContext context, RequestDelegate next, ActivityContext parent)
        {
            using var activity = new Activity("Sluice.HttpRequest");
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.TraceStateString = parent.TraceState;
            activity.Start();
            await next(context).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <c>{"status":"healthy|degraded|unhealthy","checks":{"store":{"status":"...","description":"..."}}}</c>.</summary>
    private static async Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString().ToLowerInvariant());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString().ToLowerInvariant());
                json.WriteString("description", entry.Description);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }
}
