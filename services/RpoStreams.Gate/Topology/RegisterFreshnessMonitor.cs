using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// REGISTER_STALE, once per stale episode: raised by the first decision blocked for REGISTER_STALE since
/// the latest consultation (or since start when there has been none), naming that intent; the running
/// service also raises it from a wall-clock check when no intent arrives. A new consultation ends the
/// episode. All stale decisions come to one partition, so the episode is raised once in the cluster.
/// </summary>
public sealed class RegisterFreshnessMonitor : ITransformer<string, CallDecision, string, ComplianceAlert>
{
    private const string EpisodeKey = "episode";

    private readonly GateTopologyOptions options;
    private ProcessorContext<string, ComplianceAlert> context = null!;
    private InputPositions positions = null!;
    private IKeyValueStore<string, FreshnessEpisode> episodes = null!;
    private ConsultationReader consultations = null!;

    public RegisterFreshnessMonitor()
    {
        options = null!;
    }

    public RegisterFreshnessMonitor(GateTopologyOptions options)
    {
        this.options = options;
    }

    public void Init(ProcessorContext<string, ComplianceAlert> context)
    {
        this.context = context;
        positions = new InputPositions(context, StoreNames.StalePositions, StoreNames.StaleCommits, options.GuardInputPositions);
        episodes = (IKeyValueStore<string, FreshnessEpisode>)context.GetStateStore(StoreNames.Freshness);
        consultations = new ConsultationReader(context.GetStateStore(StoreNames.Consultations) as IReadOnlyKeyValueStore<string, byte[]>, options.Serdes);
        if (!options.IsReplay)
        {
            context.Schedule(TimeSpan.FromSeconds(options.Alerts.RegisterStaleCheckSeconds), PunctuationType.PROCESSING_TIME, CheckWallClock);
        }
    }

    public Record<string, ComplianceAlert>? Process(Record<string, CallDecision> record)
    {
        var decision = record.Value;
        // Only REGISTER_STALE decisions reach this topic (GateTopology filters them before the repartition).
        if (decision is null || !positions.Begin(context.Topic, context.Partition.Value, context.Offset))
        {
            return null;
        }
        var latest = Latest();
        if (!StartsEpisode(latest))
        {
            return null;
        }
        var now = options.WallClock?.GetCurrentInstant() ?? decision.decisionTime.ToInstant();
        var alert = AlertFactory.ForDecision(AlertType.REGISTER_STALE, AlertId(latest), decision, now, Describe(latest, decision.decisionTime.ToInstant()));
        Remember(latest, now);
        options.Metrics?.Alerted(alert);
        return Record<string, ComplianceAlert>.Create(alert.companyId ?? string.Empty, alert);
    }

    public void Close()
    {
    }

    private void CheckWallClock(long wallMillis)
    {
        var now = options.WallClock!.GetCurrentInstant();
        var latest = Latest();
        if (!Policy.Policy.IsStale(latest, now, options.Rules) || !StartsEpisode(latest))
        {
            return;
        }
        var alert = new ComplianceAlert
        {
            alertId = AlertId(latest),
            type = AlertType.REGISTER_STALE,
            severity = Severity.CRITICAL,
            detectedAt = now.ToAvro(),
            details = Describe(latest, now),
        };
        Remember(latest, now);
        options.Metrics?.Alerted(alert);
        context.Forward(string.Empty, alert);
    }

    private Instant? Latest() => consultations.LatestAt();

    private bool StartsEpisode(Instant? latest)
    {
        var episode = episodes.Get(EpisodeKey);
        return episode is null || episode.afterConsultationAt.ToInstant() != latest;
    }

    private void Remember(Instant? latest, Instant now) =>
        episodes.Put(EpisodeKey, new FreshnessEpisode { afterConsultationAt = latest?.ToAvro(), raisedAt = now.ToAvro() });

    private static string AlertId(Instant? latest) =>
        $"REGISTER_STALE:{(latest is null ? "never-consulted" : latest.Value.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))}";

    private string Describe(Instant? latest, Instant at) => latest is null
        ? "The register has never been consulted: every promotional contact is blocked until a consultation arrives."
        : $"The latest register consultation ({latest}) is more than {options.Rules.Settings.ConsultationValidityDays} days before {at}: promotional contacts are blocked until the register is consulted again.";
}
