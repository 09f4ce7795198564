using NodaTime;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// REGISTER_STALE, once per stale episode (since the latest consultation, or since start when there has been
/// none): raised by the first decision blocked for REGISTER_STALE while the register was stale at that
/// intent's arrival, naming that intent; the running service also raises it from a wall-clock check when no
/// intent arrives. A new consultation ends the episode. The subject tasks send their notices to one
/// partition, so the episode is raised once in the cluster.
/// </summary>
public sealed class RegisterFreshnessMonitor : ITransformer<string, StaleNotice, string, ComplianceAlert>
{
    /// <summary>Key of the notices (one partition) and of the episode in the store.</summary>
    public const string Key = "register";

    private readonly GateTopologyOptions options;
    private ProcessorContext<string, ComplianceAlert> context = null!;
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
        episodes = (IKeyValueStore<string, FreshnessEpisode>)context.GetStateStore(StoreNames.Freshness);
        consultations = new ConsultationReader(context.GetStateStore(StoreNames.Consultations) as IReadOnlyKeyValueStore<string, byte[]>, options.Serdes);
        if (!options.IsReplay)
        {
            context.Schedule(TimeSpan.FromSeconds(options.Alerts.RegisterStaleCheckSeconds), PunctuationType.PROCESSING_TIME, CheckWallClock);
        }
    }

    public Record<string, ComplianceAlert>? Process(Record<string, StaleNotice> record)
    {
        var notice = record.Value;
        if (notice is null)
        {
            return null;
        }
        var episode = notice.consultedAt?.ToInstant();
        // A consultation newer than the one the deciding task knew ended that episode: nothing to raise.
        if (consultations.LatestAt() is { } latest && (episode is null || latest > episode.Value) || Raised(episode))
        {
            return null;
        }
        // In replay, the stream time of the alert: the deciding task's when it decided.
        var now = options.WallClock?.GetCurrentInstant() ?? notice.streamTime?.ToInstant() ?? notice.arrivedAt.ToInstant();
        var alert = new ComplianceAlert
        {
            alertId = AlertId(episode),
            type = AlertType.REGISTER_STALE,
            severity = AlertFactory.SeverityOf(AlertType.REGISTER_STALE),
            companyId = notice.companyId,
            callCenterId = notice.callCenterId,
            campaignId = notice.campaignId,
            intentId = notice.intentId,
            subjectRef = notice.subjectRef,
            detectedAt = now.ToAvro(),
            details = Describe(episode, notice.arrivedAt.ToInstant(), "when intent " + notice.intentId + " arrived"),
        };
        Remember(episode, now);
        options.Metrics?.Alerted(alert);
        return Record<string, ComplianceAlert>.Create(AlertKeys.Of(alert), alert);
    }

    public void Close()
    {
    }

    private void CheckWallClock(long wallMillis)
    {
        var now = options.WallClock!.GetCurrentInstant();
        var latest = consultations.LatestAt();
        if (!Policy.CallPolicy.IsStale(latest, now, options.Rules) || Raised(latest))
        {
            return;
        }
        var alert = new ComplianceAlert
        {
            alertId = AlertId(latest),
            type = AlertType.REGISTER_STALE,
            severity = Severity.CRITICAL,
            detectedAt = now.ToAvro(),
            details = Describe(latest, now, "now"),
        };
        Remember(latest, now);
        options.Metrics?.Alerted(alert);
        context.Forward(AlertKeys.Of(alert), alert);
    }

    private bool Raised(Instant? episode) =>
        episodes.Get(Key) is { } raised && raised.afterConsultationAt?.ToInstant() == episode;

    private void Remember(Instant? episode, Instant now) =>
        episodes.Put(Key, new FreshnessEpisode { afterConsultationAt = episode?.ToAvro(), raisedAt = now.ToAvro() });

    private static string AlertId(Instant? episode) =>
        $"REGISTER_STALE:{(episode is null ? "never-consulted" : episode.Value.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))}";

    private string Describe(Instant? latest, Instant at, string when) => latest is null
        ? "The register has never been consulted: every promotional contact is blocked until a consultation arrives."
        : $"The latest register consultation ({PolicyTime.Text(latest.Value)}) was more than {options.Rules.Settings.ConsultationValidityDays} days old {when} ({PolicyTime.Text(at)}): promotional contacts are blocked until the register is consulted again.";
}
