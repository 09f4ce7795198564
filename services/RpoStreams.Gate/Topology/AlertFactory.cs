using NodaTime;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Builds alerts with deterministic ids: the same violation always has the same alertId. An attempt's alert names its
/// company in the id (<c>CALL_AFTER_BLOCK:ACME:a-1</c>): two companies' dialers that number their calls alike raise
/// distinct alerts.
/// </summary>
public static class AlertFactory
{
    /// <summary>An id as a part of an alertId: <c>%</c> and <c>:</c> escaped, so parts joined by <c>:</c> never read alike.</summary>
    internal static string IdPart(string? id) =>
        id is null || id.AsSpan().IndexOfAny('%', ':') < 0 ? id ?? string.Empty : id.Replace("%", "%25", StringComparison.Ordinal).Replace(":", "%3A", StringComparison.Ordinal);

    public static Severity SeverityOf(AlertType type) => type == AlertType.LIST_NOT_SCRUBBED ? Severity.WARNING : Severity.CRITICAL;

    /// <summary>An alert about an attempt; an attempt that names no campaign is about its intent's (<paramref name="intentCampaignId"/>), when the intent is known.</summary>
    public static ComplianceAlert ForPending(AlertType type, PendingAttempt attempt, Instant detectedAt, string details, string? intentCampaignId = null) => new()
    {
        alertId = $"{type}:{IdPart(attempt.companyId)}:{attempt.attemptId}",
        type = type,
        severity = SeverityOf(type),
        companyId = attempt.companyId,
        callCenterId = attempt.callCenterId,
        campaignId = attempt.campaignId ?? intentCampaignId,
        intentId = string.IsNullOrEmpty(attempt.intentId) ? null : attempt.intentId,
        attemptId = attempt.attemptId,
        subjectRef = attempt.subjectRef,
        detectedAt = detectedAt.ToAvro(),
        details = details,
    };

    public static ComplianceAlert ForDecision(AlertType type, string alertId, CallDecision decision, Instant detectedAt, string details) => new()
    {
        alertId = alertId,
        type = type,
        severity = SeverityOf(type),
        companyId = decision.companyId,
        callCenterId = decision.callCenterId,
        campaignId = decision.campaignId,
        intentId = decision.intentId,
        attemptId = null,
        subjectRef = decision.subjectRef,
        detectedAt = detectedAt.ToAvro(),
        details = details,
    };
}
