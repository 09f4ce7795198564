namespace RpoStreams.Gate.Hosting;

/// <summary>HTTP endpoints of the gate.</summary>
public static class GateEndpoints
{
    public static WebApplication MapGateEndpoints(this WebApplication app)
    {
        app.MapGet("/health/live", (GateRuntime runtime) =>
            runtime.State is "FAILED" or "ERROR"
                ? Results.Json(new { status = "dead", state = runtime.State, reason = runtime.Failure }, statusCode: 503)
                : Results.Json(new { status = "alive", state = runtime.State }));
        return app;
    }
}
