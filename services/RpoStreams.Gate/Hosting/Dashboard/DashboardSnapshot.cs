namespace RpoStreams.Gate.Hosting.Dashboard;

/// <summary>
/// What the dashboard shows, as of <see cref="GeneratedAt"/> (Unix milliseconds): computed once a second by
/// <see cref="DashboardAggregator"/>, sent to every browser over server-sent events and served as JSON. Counts
/// are of this instance since it started. Carries no number or address, nor an alert's <c>subjectRef</c>: the dashboard
/// needs no key, and anyone with a key of the check API can compute the subjectRef of a number and so tell which
/// number an alert is about.
/// </summary>
public sealed record DashboardSnapshot(
    long GeneratedAt,
    DashboardInstance Instance,
    DashboardTotals Totals,
    DashboardRate Rate,
    IReadOnlyList<DashboardPoint> Series,
    IReadOnlyList<DashboardReasonCount> Reasons,
    IReadOnlyList<DashboardBasisCount> Bases,
    DashboardRegister Register,
    IReadOnlyList<DashboardCampaign> Campaigns,
    int CampaignsTotal,
    int CampaignsThresholdPercent,
    DashboardAlerts Alerts);

/// <summary>
/// This gate instance: Streamiz state, owned subject partitions, policy version, start time; on the embedded
/// broker, the URL of its development Schema Registry endpoint.
/// </summary>
public sealed record DashboardInstance(
    string State,
    IReadOnlyCollection<int> OwnedPartitions,
    string PolicyVersion,
    bool Embedded,
    string? SchemaRegistryUrl,
    DateTimeOffset StartedAt,
    long UptimeSeconds);

/// <summary>Decisions since start; a BLOCKED decision counts once here whatever its reasons.</summary>
public sealed record DashboardTotals(long Decisions, long Allowed, long Blocked);

/// <summary>Decisions per second, averaged over the last <see cref="WindowSeconds"/> seconds.</summary>
public sealed record DashboardRate(int WindowSeconds, double DecisionsPerSecond, double AllowedPerSecond, double BlockedPerSecond);

/// <summary>One second of the time series: its start (<see cref="T"/>, Unix ms) and the decisions per second in it.</summary>
public sealed record DashboardPoint(long T, double Allowed, double Blocked);

/// <summary>BLOCKED decisions that failed one rule: since start, and in the series' window (last ~2 minutes).</summary>
public sealed record DashboardReasonCount(string Reason, long Count, long RecentCount);

/// <summary>ALLOWED decisions by legal basis since start.</summary>
public sealed record DashboardBasisCount(string Basis, long Count);

/// <summary>
/// The register's freshness: <see cref="Status"/> is <c>fresh</c>, <c>stale</c> (older than
/// <see cref="ValidityDays"/>), <c>none</c> (running, never consulted) or <c>unknown</c> (not running yet).
/// </summary>
public sealed record DashboardRegister(
    string Status,
    DateTimeOffset? ConsultedAt,
    long? AgeSeconds,
    DateTimeOffset? ValidUntil,
    int ValidityDays);

/// <summary>One campaign (companyId, campaignId — null when intents name none) and its RPO-block ratio.</summary>
public sealed record DashboardCampaign(string CompanyId, string? CampaignId, long Decisions, long Blocked, long RpoBlocked, double Ratio);

/// <summary>Alert counts since start and the latest alerts, newest first.</summary>
public sealed record DashboardAlerts(long Total, long Critical, IReadOnlyList<DashboardAlertTypeCount> ByType, IReadOnlyList<DashboardAlert> Latest);

public sealed record DashboardAlertTypeCount(string Type, string Severity, long Count);

/// <summary>One compliance alert as the dashboard shows it (no raw subject, ever).</summary>
public sealed record DashboardAlert(
    string AlertId,
    string Type,
    string Severity,
    string? CompanyId,
    string? CallCenterId,
    string? CampaignId,
    string? IntentId,
    string? AttemptId,
    DateTimeOffset DetectedAt,
    string? Details);
