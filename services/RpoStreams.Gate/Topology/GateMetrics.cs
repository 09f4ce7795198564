using System.Diagnostics;
using System.Diagnostics.Metrics;
using RpoStreams.Records;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// The gate's own instruments (meter <see cref="MeterName"/>), exported by OpenTelemetry. Created once per
/// running topology; the processors only add to them.
/// </summary>
public sealed class GateMetrics : IDisposable
{
    public const string MeterName = "RpoStreams.Gate";

    /// <summary>Source of the spans started for intents that arrive with a trace context.</summary>
    public static readonly ActivitySource Traces = new(MeterName);

    private readonly Meter meter;
    private readonly Counter<long> decisions;
    private readonly Counter<long> alerts;
    private readonly Counter<long> deadLetters;
    private readonly Counter<long> relocated;
    private readonly Counter<long> arrivalCapped;
    private readonly Counter<long> revocationsFailed;
    private readonly Counter<long> stateLimited;
    private readonly Histogram<double> latency;

    public GateMetrics(IMeterFactory? factory = null)
    {
        meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        decisions = meter.CreateCounter<long>("rpo_decisions_total", description: "Decisions published, by outcome and reason (a BLOCKED decision counts once per reason)");
        alerts = meter.CreateCounter<long>("rpo_alerts_total", description: "Compliance alerts raised, by type");
        deadLetters = meter.CreateCounter<long>("rpo_deadletters_total", description: "Unreadable input records sent to the dead-letter topic, by source topic");
        arrivalCapped = meter.CreateCounter<long>(
            "rpo_arrival_capped_total", description: "Input records stamped further ahead of the gate's clock than Intake:MaxClockAheadMinutes, by event kind: a producer clock to fix");
        revocationsFailed = meter.CreateCounter<long>(
            "rpo_revocations_failed_total",
            description: "Rebalances in which a stream thread failed to give up partitions, by outcome: offsets-not-committed (at-least-once: the next owner reads again from the last commit) or thread-stopped (its tasks closed as lost, the thread stopped and the gate with it, exit code 4; the other instances take its partitions over)");
        stateLimited = meter.CreateCounter<long>(
            "rpo_state_limited_total",
            description: "Inputs that met a state limit, by what: consents (an event of one company more than those kept, not stored; every company without a consent kept then counts as objected to), contacts (an intent for a number with 1,000 contacts kept, capped) or campaigns (a decision of a campaign hour past Alerts:MaxCampaignHoursPerTask, not counted for LIST_NOT_SCRUBBED): a feed to look at");
        relocated = meter.CreateCounter<long>(
            "rpo_input_relocated_total",
            description: "Input records read outside their subject's partition (not keyed by the normalized subject, or not partitioned with murmur2), which took one extra hop through the subject-events topic, by source topic");
        latency = meter.CreateHistogram<double>(
            "rpo_decision_latency_seconds",
            unit: "s",
            description: "From the intent's Kafka timestamp to its decision",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public Meter Meter => meter;

    /// <summary>Total decisions seen by this instance, for the dashboard and the bench.</summary>
    public long DecisionCount => Interlocked.Read(ref decisionCount);

    private long decisionCount;

    public void Decided(CallDecision decision, double? latencySeconds)
    {
        Interlocked.Increment(ref decisionCount);
        var outcome = decision.outcome == Outcome.ALLOWED ? "ALLOWED" : "BLOCKED";
        if (decision.reasons is { Count: > 0 })
        {
            foreach (var reason in decision.reasons)
            {
                decisions.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason.ToString()));
            }
        }
        else
        {
            decisions.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", "NONE"));
        }
        if (latencySeconds is >= 0)
        {
            latency.Record(latencySeconds.Value);
        }
        DecisionObserved?.Invoke(decision);
    }

    public void Alerted(ComplianceAlert alert)
    {
        alerts.Add(1, new KeyValuePair<string, object?>("type", alert.type.ToString()));
        AlertObserved?.Invoke(alert);
    }

    /// <summary>Input records that took the subject-events hop in this instance.</summary>
    public long RelocatedCount => Interlocked.Read(ref relocatedCount);

    private long relocatedCount;

    public void Relocated(string topic)
    {
        Interlocked.Increment(ref relocatedCount);
        relocated.Add(1, new KeyValuePair<string, object?>("topic", topic));
    }

    /// <summary>What of <c>rpo_state_limited_total</c>: a company's consent event not stored (no room for another company).</summary>
    public const string ConsentsLimited = "consents";

    /// <summary>What of <c>rpo_state_limited_total</c>: a promotional phone call capped (no room for another contact).</summary>
    public const string ContactsLimited = "contacts";

    /// <summary>What of <c>rpo_state_limited_total</c>: a decision of a campaign hour past <see cref="AlertSettings.MaxCampaignHoursPerTask"/>, not counted.</summary>
    public const string CampaignsLimited = "campaigns";

    public void StateLimited(string what) => stateLimited.Add(1, new KeyValuePair<string, object?>("what", what));

    public void ArrivalCapped(string kind) => arrivalCapped.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Rebalances in which a stream thread of this instance failed to give up partitions.</summary>
    public long RevocationFailures => Interlocked.Read(ref revocationFailures);

    private long revocationFailures;

    /// <summary>Outcomes of <c>rpo_revocations_failed_total</c>: an at-least-once commit let go, the next owner reading again from the last one.</summary>
    public const string OffsetsNotCommitted = "offsets-not-committed";

    /// <summary>Outcomes of <c>rpo_revocations_failed_total</c>: the thread's tasks closed as lost and the thread stopped (the gate exits with code 4).</summary>
    public const string ThreadStopped = "thread-stopped";

    public void RevocationFailed(string outcome)
    {
        Interlocked.Increment(ref revocationFailures);
        revocationsFailed.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void DeadLettered(string topic) => deadLetters.Add(1, new KeyValuePair<string, object?>("topic", topic));

    /// <summary>Raised on the stream thread for every new decision (the dashboard listens).</summary>
    public event Action<CallDecision>? DecisionObserved;

    /// <summary>Raised on the stream thread for every alert.</summary>
    public event Action<ComplianceAlert>? AlertObserved;

    public void Dispose() => meter.Dispose();
}
