using NodaTime;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Topology;

/// <summary>Builds alerts with deterministic ids: the same violation always has the same alertId.</summary>
public static class AlertFactory
{
    public static Severity SeverityOf(AlertType type) => type == AlertType.LIST_NOT_SCRUBBED ? Severity.WARNING : Severity.CRITICAL;

    /// <summary>An alert about an attempt; an attempt that names no campaign is about its intent's (<paramref name="intentCampaignId"/>), when the intent is known.</summary>
    public static ComplianceAlert ForPending(AlertType type, PendingAttempt attempt, Instant detectedAt, string details, string? intentCampaignId = null) => new()
    {
        alertId = $"{type}:{attempt.attemptId}",
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
