using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using NodaTime;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;
using RpoStreams.Records;

namespace RpoStreams.Gate.Hosting.Dashboard;

/// <summary>
/// Keeps what the dashboard shows. <see cref="GateMetrics.DecisionObserved"/> and
/// <see cref="GateMetrics.AlertObserved"/> are raised on the stream thread, so their handlers only add to
/// counters (<see cref="Interlocked"/>), to per-campaign counters in a <see cref="ConcurrentDictionary{TKey,TValue}"/>
/// and to a bounded queue of recent alerts. Once a second a sampler (this background service) reads the
/// counters, derives the per-second series, builds one <see cref="DashboardSnapshot"/> and its JSON, and
/// wakes the browsers waiting for it: the cost of a snapshot does not grow with the number of browsers.
/// </summary>
public sealed partial class DashboardAggregator : BackgroundService
{
    /// <summary>Seconds of history in the time series (and in the reasons' recent counts).</summary>
    public const int WindowSeconds = 120;

    /// <summary>Seconds the throughput figure is averaged over.</summary>
    public const int RateWindowSeconds = 10;

    /// <summary>Alerts kept for the "latest alerts" panel.</summary>
    public const int AlertsKept = 50;

    /// <summary>Alerts sent in a snapshot.</summary>
    public const int AlertsShown = 20;

    /// <summary>Campaigns sent in a snapshot (the highest RPO-block ratios).</summary>
    public const int CampaignsShown = 12;

    /// <summary>Distinct campaigns counted; beyond this, decisions of new campaigns go to one overflow row.</summary>
    public const int MaxCampaigns = 5_000;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly Reason[] AllReasons = Enum.GetValues<Reason>();
    private static readonly Basis[] AllBases = Enum.GetValues<Basis>();
    private static readonly AlertType[] AllAlertTypes = Enum.GetValues<AlertType>();
    private static readonly (string Company, string? Campaign) Overflow = ("(other)", "(more campaigns than the dashboard counts)");

    private readonly GateMetrics metrics;
    private readonly GateRuntime runtime;
    private readonly GateConfiguration config;
    private readonly ILogger<DashboardAggregator> logger;
    private readonly IClock clock;

    // Written on the stream thread(s), with Interlocked only.
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

    // The sampler's own (one thread at a time).
    private readonly Queue<Sample> samples = new();
    private readonly Lock publishLock = new();
    private volatile Published current;
    private TaskCompletionSource<Published> next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DashboardAggregator(GateMetrics metrics, GateRuntime runtime, GateConfiguration config, ILogger<DashboardAggregator> logger, IClock? clock = null)
    {
        this.metrics = metrics;
        this.runtime = runtime;
        this.config = config;
        this.logger = logger;
        this.clock = clock ?? SystemClock.Instance;
        for (var i = 0; i < AllAlertTypes.Length; i++)
        {
            severityByType[i] = AllAlertTypes[i] == AlertType.LIST_NOT_SCRUBBED ? Severity.WARNING : Severity.CRITICAL;
        }
        metrics.DecisionObserved += OnDecision;
        metrics.AlertObserved += OnAlert;
        current = Publish();
    }

    /// <summary>The latest snapshot as JSON (camelCase), serialized once for every reader.</summary>
    public string CurrentJson => current.Json;

    /// <summary>Waits for the next snapshot (about a second) and returns its JSON.</summary>
    public async Task<string> NextJsonAsync(CancellationToken cancel)
    {
        Task<Published> waiting;
        lock (publishLock)
        {
            waiting = next.Task;
        }
        return (await waiting.WaitAsync(cancel).ConfigureAwait(false)).Json;
    }

    // ---- stream thread ------------------------------------------------------------------------------

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
            return campaigns.GetOrAdd(Overflow, static _ => new CampaignCounter());
        }
        counter = new CampaignCounter();
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
        latestAlerts.Enqueue(new DashboardAlert(
            alert.alertId,
            alert.type.ToString(),
            alert.severity.ToString(),
            alert.companyId,
            alert.callCenterId,
            alert.campaignId,
            alert.intentId,
            alert.attemptId,
            alert.subjectRef,
            Utc(alert.detectedAt),
            MaskNumbers(alert.details)));
        if (Interlocked.Increment(ref latestAlertCount) > AlertsKept && latestAlerts.TryDequeue(out _))
        {
            Interlocked.Decrement(ref latestAlertCount);
        }
    }

    /// <summary>Alert details never carry a number by contract; should one slip in, it is masked here too.</summary>
    internal static string? MaskNumbers(string? text) => text is null ? null : PhoneLike().Replace(text, "[number hidden]");

    [GeneratedRegex(@"\+?\d(?:[ ]?\d){8,}", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneLike();

    private static DateTimeOffset Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => new DateTimeOffset(value.ToUniversalTime()),
        _ => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)),
    };

    // ---- sampler ------------------------------------------------------------------------------------

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    current = Publish();
                    if (failing)
                    {
                        failing = false;
                        logger.LogInformation("The dashboard snapshot is built again");
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The dashboard must never take the gate down: keep the previous snapshot and try again next second.
                    if (!failing)
                    {
                        failing = true;
                        logger.LogWarning(e, "Could not build the dashboard snapshot; keeping the previous one until it can");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Published Publish()
    {
        Published published;
        lock (publishLock)
        {
            var snapshot = Build();
            published = new Published(snapshot, JsonSerializer.Serialize(snapshot, Json));
            var waiting = next;
            next = new TaskCompletionSource<Published>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.TrySetResult(published);
        }
        return published;
    }

    private DashboardSnapshot Build()
    {
        var now = clock.GetCurrentInstant();
        var nowMs = now.ToUnixTimeMilliseconds();
        var sample = new Sample(nowMs, Stopwatch.GetTimestamp(), Interlocked.Read(ref allowed), Interlocked.Read(ref blocked), Read(reasons));
        samples.Enqueue(sample);
        // Keep one sample older than the window as the baseline of its first second.
        while (samples.Count > 2 && nowMs - samples.ElementAt(1).WallMs > WindowSeconds * 1000L)
        {
            samples.Dequeue();
        }

        var series = new List<DashboardPoint>(samples.Count);
        Sample? previous = null;
        Sample? rateBase = null;
        foreach (var s in samples)
        {
            if (previous is { } p)
            {
                var seconds = Math.Max(Stopwatch.GetElapsedTime(p.Ticks, s.Ticks).TotalSeconds, 0.001);
                series.Add(new DashboardPoint(s.WallMs, Round((s.Allowed - p.Allowed) / seconds), Round((s.Blocked - p.Blocked) / seconds)));
            }
            if (rateBase is null && nowMs - s.WallMs <= RateWindowSeconds * 1000L + 500)
            {
                rateBase = s;
            }
            previous = s;
        }
        var first = samples.Peek();
        var rateSeconds = rateBase is { } rb ? Stopwatch.GetElapsedTime(rb.Ticks, sample.Ticks).TotalSeconds : 0;
        var rate = rateSeconds >= 0.5
            ? new DashboardRate(
                RateWindowSeconds,
                Round((sample.Allowed + sample.Blocked - rateBase!.Value.Allowed - rateBase.Value.Blocked) / rateSeconds),
                Round((sample.Allowed - rateBase.Value.Allowed) / rateSeconds),
                Round((sample.Blocked - rateBase.Value.Blocked) / rateSeconds))
            : new DashboardRate(RateWindowSeconds, 0, 0, 0);

        var reasonCounts = new List<DashboardReasonCount>(AllReasons.Length);
        for (var i = 0; i < AllReasons.Length; i++)
        {
            reasonCounts.Add(new DashboardReasonCount(AllReasons[i].ToString(), sample.Reasons[i], sample.Reasons[i] - first.Reasons[i]));
        }
        var basisCounts = new List<DashboardBasisCount>(AllBases.Length);
        for (var i = 0; i < AllBases.Length; i++)
        {
            basisCounts.Add(new DashboardBasisCount(AllBases[i].ToString(), Interlocked.Read(ref bases[i])));
        }

        var ranked = campaigns
            .Select(c => (c.Key, Decisions: Interlocked.Read(ref c.Value.Decisions), Blocked: Interlocked.Read(ref c.Value.Blocked), Rpo: Interlocked.Read(ref c.Value.RpoBlocked)))
            .Where(c => c.Decisions > 0)
            .Select(c => new DashboardCampaign(c.Key.Company, c.Key.Campaign, c.Decisions, c.Blocked, c.Rpo, Math.Round((double)c.Rpo / c.Decisions, 4)))
            .OrderByDescending(c => c.Ratio)
            .ThenByDescending(c => c.RpoBlocked)
            .ThenByDescending(c => c.Decisions)
            .ThenBy(c => c.CompanyId, StringComparer.Ordinal)
            .ThenBy(c => c.CampaignId, StringComparer.Ordinal)
            .Take(CampaignsShown)
            .ToList();

        var byType = new List<DashboardAlertTypeCount>(AllAlertTypes.Length);
        for (var i = 0; i < AllAlertTypes.Length; i++)
        {
            byType.Add(new DashboardAlertTypeCount(AllAlertTypes[i].ToString(), severityByType[i].ToString(), Interlocked.Read(ref alertsByType[i])));
        }
        var latest = latestAlerts.ToArray();
        Array.Reverse(latest);

        return new DashboardSnapshot(
            nowMs,
            new DashboardInstance(
                runtime.State,
                runtime.OwnedPartitions,
                config.Policy.Version,
                runtime.Embedded,
                runtime.SchemaRegistryUrl,
                runtime.StartedAt,
                (long)(now.ToDateTimeOffset() - runtime.StartedAt).TotalSeconds),
            new DashboardTotals(sample.Allowed + sample.Blocked, sample.Allowed, sample.Blocked),
            rate,
            series,
            reasonCounts,
            basisCounts,
            Register(now),
            ranked,
            Volatile.Read(ref campaignCount),
            config.Alerts.ListNotScrubbedBlockedPercent,
            new DashboardAlerts(Interlocked.Read(ref alertsTotal), Interlocked.Read(ref alertsCritical), byType, latest.Take(AlertsShown).ToList()));
    }

    private DashboardRegister Register(Instant now)
    {
        var validityDays = config.Policy.ConsultationValidityDays;
        if (!runtime.IsRunning)
        {
            return new DashboardRegister("unknown", null, null, null, validityDays);
        }
        Instant? consulted;
        try
        {
            consulted = runtime.LatestConsultation();
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // The stream is stopping or rebalancing: its global store cannot be read right now.
            return new DashboardRegister("unknown", null, null, null, validityDays);
        }
        if (consulted is not { } latest)
        {
            return new DashboardRegister("none", null, null, null, validityDays);
        }
        var validity = config.Rules.ConsultationValidity;
        var age = now - latest;
        return new DashboardRegister(
            CallPolicy.IsStale(latest, now, config.Rules) ? "stale" : "fresh",
            latest.ToDateTimeOffset(),
            (long)Math.Floor(age.TotalSeconds),
            (latest + validity).ToDateTimeOffset(),
            validityDays);
    }

    private static long[] Read(long[] counters)
    {
        var copy = new long[counters.Length];
        for (var i = 0; i < counters.Length; i++)
        {
            copy[i] = Interlocked.Read(ref counters[i]);
        }
        return copy;
    }

    private static double Round(double value) => Math.Round(value, 2);

    public override void Dispose()
    {
        metrics.DecisionObserved -= OnDecision;
        metrics.AlertObserved -= OnAlert;
        base.Dispose();
    }

    private sealed class CampaignCounter
    {
        public long Decisions;
        public long Blocked;
        public long RpoBlocked;
    }

    private readonly record struct Sample(long WallMs, long Ticks, long Allowed, long Blocked, long[] Reasons);

    private sealed record Published(DashboardSnapshot Snapshot, string Json);
}
