using System.Collections.Concurrent;
using RpoStreams.Contracts;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;

namespace RpoStreams.Gate.Hosting.Dashboard;

/// <summary>
/// What the dashboard counts, as the stream threads raise <see cref="GateMetrics.DecisionObserved"/> and
/// <see cref="GateMetrics.AlertObserved"/>: so those handlers only add to counters (<see cref="Interlocked"/>),
/// to per-campaign counters in a <see cref="ConcurrentDictionary{TKey,TValue}"/> and to a bounded queue of recent
/// alerts. <see cref="DashboardAggregator"/> reads them once a second.
/// </summary>
public sealed class DashboardCounters : IDisposable
{
    /// <summary>Alerts kept for the "latest alerts" panel.</summary>
    public const int AlertsKept = 50;

    /// <summary>Distinct campaigns counted; beyond this, decisions of new campaigns go to one overflow row.</summary>
    public const int MaxCampaigns = 5_000;

    public static readonly Reason[] AllReasons = Enum.GetValues<Reason>();
    public static readonly Basis[] AllBases = Enum.GetValues<Basis>();
    public static readonly AlertType[] AllAlertTypes = Enum.GetValues<AlertType>();
    private static readonly (string Company, string? Campaign) Overflow = ("(other)", "(more campaigns than the dashboard counts)");

    private readonly GateMetrics metrics;
    private long allowed;
    private long blocked;
    private readonly long[] reasons = new long[AllReasons.Length];
    private readonly long[] bases = new long[AllBases.Length];
    private readonly long[] alertsByType = new long[AllAlertTypes.Length];
    private readonly Severity[] severityByType = new Severity[AllAlertTypes.Length];
    private long alertsTotal;
    private long alertsCritical;
    private readonly ConcurrentQueue<DashboardAlert> latestAlerts = new();
    private int latestAlertCount;
    private readonly ConcurrentDictionary<(string Company, string? Campaign), CampaignCounter> campaigns = new();
    private int campaignCount;

    public DashboardCounters(GateMetrics metrics)
    {
        this.metrics = metrics;
        for (var i = 0; i < AllAlertTypes.Length; i++)
        {
            severityByType[i] = AllAlertTypes[i] == AlertType.LIST_NOT_SCRUBBED ? Severity.WARNING : Severity.CRITICAL;
        }
        metrics.DecisionObserved += OnDecision;
        metrics.AlertObserved += OnAlert;
    }

    public long Allowed => Interlocked.Read(ref allowed);

    public long Blocked => Interlocked.Read(ref blocked);

    /// <summary>BLOCKED decisions by failed rule, in the order of <see cref="AllReasons"/>.</summary>
    public long[] Reasons() => Read(reasons);

    /// <summary>ALLOWED decisions by basis, in the order of <see cref="AllBases"/>.</summary>
    public long[] Bases() => Read(bases);

    /// <summary>Every campaign counted so far, with its decisions, BLOCKED decisions and BLOCKED for RPO_OPPOSITION.</summary>
    public IEnumerable<(string Company, string? Campaign, long Decisions, long Blocked, long RpoBlocked)> Campaigns() =>
        campaigns.Select(c => (c.Value.Company, c.Value.Campaign, Interlocked.Read(ref c.Value.Decisions), Interlocked.Read(ref c.Value.Blocked), Interlocked.Read(ref c.Value.RpoBlocked)));

    public int CampaignCount => Volatile.Read(ref campaignCount);

    public long AlertsTotal => Interlocked.Read(ref alertsTotal);

    public long AlertsCritical => Interlocked.Read(ref alertsCritical);

    /// <summary>Alerts by type with the severity of the type.</summary>
    public List<DashboardAlertTypeCount> AlertTypes()
    {
        var byType = new List<DashboardAlertTypeCount>(AllAlertTypes.Length);
        for (var i = 0; i < AllAlertTypes.Length; i++)
        {
            byType.Add(new DashboardAlertTypeCount(AllAlertTypes[i].ToString(), severityByType[i].ToString(), Interlocked.Read(ref alertsByType[i])));
        }
        return byType;
    }

    /// <summary>The latest alerts kept, newest first.</summary>
    public DashboardAlert[] LatestAlerts()
    {
        var latest = latestAlerts.ToArray();
        Array.Reverse(latest);
        return latest;
    }

    private void OnDecision(CallDecision decision)
    {
        var rpo = false;
        var isBlocked = decision.outcome != Outcome.ALLOWED;
        if (isBlocked)
        {
            Interlocked.Increment(ref blocked);
            var list = decision.reasons;
            for (var i = 0; list is not null && i < list.Count; i++)
            {
                var reason = list[i];
                rpo |= reason == Reason.RPO_OPPOSITION;
                if ((uint)reason < (uint)reasons.Length)
                {
                    Interlocked.Increment(ref reasons[(int)reason]);
                }
            }
        }
        else
        {
            Interlocked.Increment(ref allowed);
            if (decision.basis is { } basis && (uint)basis < (uint)bases.Length)
            {
                Interlocked.Increment(ref bases[(int)basis]);
            }
        }
        var counter = Campaign((decision.companyId ?? string.Empty, decision.campaignId));
        Interlocked.Increment(ref counter.Decisions);
        if (isBlocked)
        {
            Interlocked.Increment(ref counter.Blocked);
        }
        if (rpo)
        {
            Interlocked.Increment(ref counter.RpoBlocked);
        }
    }

    private CampaignCounter Campaign((string Company, string? Campaign) key)
    {
        if (campaigns.TryGetValue(key, out var counter))
        {
            return counter;
        }
        if (Volatile.Read(ref campaignCount) >= MaxCampaigns)
        {
            return campaigns.GetOrAdd(Overflow, static key => new CampaignCounter(key.Company, key.Campaign));
        }
        counter = new CampaignCounter(key.Company, key.Campaign);
        if (campaigns.TryAdd(key, counter))
        {
            Interlocked.Increment(ref campaignCount);
            return counter;
        }
        return campaigns[key];
    }

    private void OnAlert(ComplianceAlert alert)
    {
        Interlocked.Increment(ref alertsTotal);
        if (alert.severity == Severity.CRITICAL)
        {
            Interlocked.Increment(ref alertsCritical);
        }
        if ((uint)alert.type < (uint)alertsByType.Length)
        {
            Interlocked.Increment(ref alertsByType[(int)alert.type]);
            severityByType[(int)alert.type] = alert.severity;
        }
        // Ids are what the feeds sent, and one can be written as a number: masked as a log line is.
        latestAlerts.Enqueue(new DashboardAlert(
            LogSafe.Text(alert.alertId),
            alert.type.ToString(),
            alert.severity.ToString(),
            Masked(alert.companyId),
            Masked(alert.callCenterId),
            Masked(alert.campaignId),
            Masked(alert.intentId),
            Masked(alert.attemptId),
            Utc(alert.detectedAt),
            Masked(alert.details)));
        if (Interlocked.Increment(ref latestAlertCount) > AlertsKept && latestAlerts.TryDequeue(out _))
        {
            Interlocked.Decrement(ref latestAlertCount);
        }
    }

    /// <summary>An id or a text from the feeds, with any number in it masked (<see cref="LogSafe"/>).</summary>
    internal static string? Masked(string? text) => text is null ? null : LogSafe.Text(text);

    private static DateTimeOffset Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => new DateTimeOffset(value.ToUniversalTime()),
        _ => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)),
    };

    private static long[] Read(long[] counters)
    {
        var copy = new long[counters.Length];
        for (var i = 0; i < counters.Length; i++)
        {
            copy[i] = Interlocked.Read(ref counters[i]);
        }
        return copy;
    }

    public void Dispose()
    {
        metrics.DecisionObserved -= OnDecision;
        metrics.AlertObserved -= OnAlert;
    }

    /// <summary>A campaign's counts, with its company and campaign as the dashboard shows them (masked once, when first counted).</summary>
    private sealed class CampaignCounter(string company, string? campaign)
    {
        public string Company { get; } = LogSafe.Text(company);

        public string? Campaign { get; } = Masked(campaign);

        public long Decisions;
        public long Blocked;
        public long RpoBlocked;
    }
}
