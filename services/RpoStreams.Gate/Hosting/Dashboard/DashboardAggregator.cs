using System.Diagnostics;
using System.Text.Json;
using NodaTime;
using RpoStreams.Gate.Hosting.Settings;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;

namespace RpoStreams.Gate.Hosting.Dashboard;

/// <summary>
/// Builds what the dashboard shows. Once a second this background service reads the counters the stream
/// threads keep (<see cref="DashboardCounters"/>), derives the per-second series, builds one
/// <see cref="DashboardSnapshot"/> and its JSON, and wakes the browsers waiting for it: the cost of a snapshot
/// does not grow with the number of browsers.
/// </summary>
public sealed class DashboardAggregator : BackgroundService
{
    /// <summary>Seconds of history in the time series (and in the reasons' recent counts).</summary>
    public const int WindowSeconds = 120;

    /// <summary>Seconds the throughput figure is averaged over.</summary>
    public const int RateWindowSeconds = 10;

    /// <summary>Alerts sent in a snapshot.</summary>
    public const int AlertsShown = 20;

    /// <summary>Dashboard streams open at once, at most (<see cref="StreamSlots"/>).</summary>
    public const int MaxStreams = 100;

    /// <summary>The open dashboard streams.</summary>
    internal StreamSlots Streams { get; } = new(MaxStreams);

    /// <summary>Campaigns sent in a snapshot (the highest RPO-block ratios).</summary>
    public const int CampaignsShown = 12;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly DashboardCounters counters;
    private readonly GateRuntime runtime;
    private readonly GateConfiguration config;
    private readonly ILogger<DashboardAggregator> logger;
    private readonly IClock clock;

    // The sampler's own (one thread at a time).
    private readonly Queue<Sample> samples = new();
    private readonly Lock publishLock = new();
    private volatile Published current;
    private TaskCompletionSource<Published> next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DashboardAggregator(GateMetrics metrics, GateRuntime runtime, GateConfiguration config, ILogger<DashboardAggregator> logger, IClock? clock = null)
    {
        counters = new DashboardCounters(metrics);
        this.runtime = runtime;
        this.config = config;
        this.logger = logger;
        this.clock = clock ?? SystemClock.Instance;
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
        var sample = new Sample(nowMs, Stopwatch.GetTimestamp(), counters.Allowed, counters.Blocked, counters.Reasons());
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

        var reasons = DashboardCounters.AllReasons;
        var reasonCounts = new List<DashboardReasonCount>(reasons.Length);
        for (var i = 0; i < reasons.Length; i++)
        {
            reasonCounts.Add(new DashboardReasonCount(reasons[i].ToString(), sample.Reasons[i], sample.Reasons[i] - first.Reasons[i]));
        }
        var bases = counters.Bases();
        var basisCounts = DashboardCounters.AllBases.Select((basis, i) => new DashboardBasisCount(basis.ToString(), bases[i])).ToList();

        var ranked = counters.Campaigns()
            .Where(c => c.Decisions > 0)
            .Select(c => new DashboardCampaign(c.Company, c.Campaign, c.Decisions, c.Blocked, c.RpoBlocked, Math.Round((double)c.RpoBlocked / c.Decisions, 4)))
            .OrderByDescending(c => c.Ratio)
            .ThenByDescending(c => c.RpoBlocked)
            .ThenByDescending(c => c.Decisions)
            .ThenBy(c => c.CompanyId, StringComparer.Ordinal)
            .ThenBy(c => c.CampaignId, StringComparer.Ordinal)
            .Take(CampaignsShown)
            .ToList();

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
            counters.CampaignCount,
            config.Alerts.ListNotScrubbedBlockedPercent,
            new DashboardAlerts(counters.AlertsTotal, counters.AlertsCritical, counters.AlertTypes(), [.. counters.LatestAlerts().Take(AlertsShown)]));
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

    private static double Round(double value) => Math.Round(value, 2);

    public override void Dispose()
    {
        counters.Dispose();
        base.Dispose();
    }

    private readonly record struct Sample(long WallMs, long Ticks, long Allowed, long Blocked, long[] Reasons);

    private sealed record Published(DashboardSnapshot Snapshot, string Json);
}
