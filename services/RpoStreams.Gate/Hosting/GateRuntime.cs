using Streamiz.Kafka.Net;

namespace RpoStreams.Gate.Hosting;

/// <summary>What the running gate knows about itself, for health checks, the dashboard and the API.</summary>
public sealed class GateRuntime
{
    private volatile string state = "STARTING";

    /// <summary>Where Kafka is (the embedded broker's address when embedded).</summary>
    public string? BootstrapServers { get; set; }

    public bool Embedded { get; set; }

    /// <summary>The Streamiz state name (CREATED, REBALANCING, RUNNING, ..., ERROR) or STARTING/FAILED before it exists.</summary>
    public string State => state;

    /// <summary>Why the gate failed, when it did.</summary>
    public string? Failure { get; private set; }

    public KafkaStream? Stream { get; set; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public bool IsRunning => state == "RUNNING";

    public void SetState(string value) => state = value;

    public void Fail(string reason)
    {
        Failure = reason;
        state = "FAILED";
    }
}
