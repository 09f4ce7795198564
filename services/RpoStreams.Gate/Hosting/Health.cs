using NodaTime;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Policy;

namespace RpoStreams.Gate.Hosting;

/// <summary>Liveness and readiness, with a body that says why.</summary>
public static class Health
{
    /// <summary>Alive while the process runs and its stream threads have not died (Streamiz ERROR) or stopped for good.</summary>
    public static IResult Live(GateRuntime runtime)
    {
        var dead = runtime.HasFailed;
        var body = new
        {
            status = dead ? "dead" : "alive",
            state = runtime.State,
            reason = dead ? runtime.Failure ?? "the stream threads stopped with an error" : null,
            uptimeSeconds = (long)(DateTimeOffset.UtcNow - runtime.StartedAt).TotalSeconds,
        };
        return Results.Json(body, statusCode: dead ? 503 : 200);
    }

    /// <summary>Ready when the stream is RUNNING (tasks assigned and restored) and the register consultation is within its validity.</summary>
    public static IResult Ready(GateRuntime runtime, GateConfiguration config, Instant now) => Ready(runtime, config, now, runtime.LatestConsultation());

    /// <summary><see cref="Ready(GateRuntime, GateConfiguration, Instant)"/> with the latest consultation given (null for none).</summary>
    internal static IResult Ready(GateRuntime runtime, GateConfiguration config, Instant now, Instant? latest)
    {
        var reasons = new List<string>();
        if (!runtime.IsRunning)
        {
            reasons.Add(runtime.State switch
            {
                "STARTING" or "CREATED" => "the stream processor is starting",
                "REBALANCING" => "partitions are being assigned or their state restored from the changelogs",
                "FAILED" => runtime.Failure ?? "start-up failed",
                _ => $"the stream processor is {runtime.State}",
            });
        }
        if (runtime.IsRunning && runtime.Restoring.Count > 0)
        {
            reasons.Add($"restoring state from the changelogs: {string.Join(", ", runtime.Restoring.Take(5))}{(runtime.Restoring.Count > 5 ? ", ..." : string.Empty)}");
        }
        if (runtime.IsRunning && latest is null)
        {
            reasons.Add("no register consultation yet: every promotional contact is blocked (REGISTER_STALE)");
        }
        else if (latest is { } l && CallPolicy.IsStale(l, now, config.Rules))
        {
            reasons.Add($"the latest register consultation ({l}) is older than {config.Policy.ConsultationValidityDays} days: promotional contacts are blocked (REGISTER_STALE)");
        }
        var body = new
        {
            status = reasons.Count == 0 ? "ready" : "not ready",
            state = runtime.State,
            reasons,
            registerConsultedAt = latest?.ToString(),
            registerAgeSeconds = latest is { } at ? (long?)(now - at).TotalSeconds : null,
            ownedPartitions = runtime.OwnedPartitions,
        };
        return Results.Json(body, statusCode: reasons.Count == 0 ? 200 : 503);
    }
}
