using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// OpenTelemetry for the gate: its meter (decisions, alerts, dead letters, latency, lag, store entries,
/// register age), ASP.NET Core and runtime metrics, exported at /metrics in the Prometheus format; traces of
/// decisions whose intents carry a W3C trace context, exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// </summary>
public static class GateTelemetry
{
    public static IServiceCollection AddGateTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("rpo-gate"))
            .WithMetrics(m => m
                .AddMeter(GateMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        otel.WithTracing(t =>
        {
            // Decisions only: HTTP requests are counted by the metrics, not traced (the check API answers in milliseconds).
            t.AddSource(GateMetrics.MeterName);
            if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            {
                t.AddOtlpExporter();
            }
        });
        return services;
    }
}
