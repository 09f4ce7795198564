using NodaTime;
using RpoStreams.Gate.Hosting.Settings;

namespace RpoStreams.Gate.Hosting;

/// <summary>HTTP endpoints of the gate: health, metrics (and, mapped elsewhere, the check API and dashboard).</summary>
public static class GateEndpoints
{
    public static WebApplication MapGateEndpoints(this WebApplication app)
    {
        app.MapGet("/health/live", (GateRuntime runtime) => Health.Live(runtime)).ExcludeFromDescription();
        app.MapGet("/health/ready", (GateRuntime runtime, GateConfiguration config) => Health.Ready(runtime, config, SystemClock.Instance.GetCurrentInstant())).ExcludeFromDescription();
        // A scrape is a GET; the exporter's endpoint alone answered every method.
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]));
        app.MapDashboard();
        return app;
    }
}
