using RpoStreams.Contracts;
using RpoStreams.Gate.Hosting.Dashboard;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// The dashboard needs no key: ids the feeds wrote as numbers are shown masked, as in a log line (a company or campaign
/// named "333 123 4567", an attempt id holding a number).
/// </summary>
public class DashboardMaskingTests
{
    [Fact]
    public void Ids_written_as_numbers_are_masked_on_the_dashboard()
    {
        using var metrics = new GateMetrics();
        using var counters = new DashboardCounters(metrics);

        metrics.Decided(new CallDecision
        {
            intentId = "i-1",
            outcome = Outcome.ALLOWED,
            reasons = [],
            companyId = "333 123 4567",
            callCenterId = "CC-1",
            campaignId = "tel:+39 333 1234567",
            decisionTime = DateTime.UtcNow,
            decidedAt = DateTime.UtcNow,
            policyVersion = "it-2024.1",
        }, null);
        metrics.Alerted(new ComplianceAlert
        {
            alertId = "CALL_WITHOUT_CLEARANCE:x-+393331234567",
            type = AlertType.CALL_WITHOUT_CLEARANCE,
            severity = Severity.CRITICAL,
            companyId = "0039 333 123 4567",
            callCenterId = "333-123-4567",
            attemptId = "x-+393331234567",
            subjectRef = "0123456789abcdef0123456789abcdef",
            detectedAt = DateTime.UtcNow,
            details = "dialled 333 123 4567",
        });

        var (company, campaign, decisions, _, _) = Assert.Single(counters.Campaigns());
        Assert.Equal((LogSafe.Mask, "tel:" + LogSafe.Mask, 1L), (company, campaign, decisions));
        var alert = Assert.Single(counters.LatestAlerts());
        Assert.Equal(
            ("CALL_WITHOUT_CLEARANCE:x-" + LogSafe.Mask, LogSafe.Mask, LogSafe.Mask, "x-" + LogSafe.Mask, "dialled " + LogSafe.Mask),
            (alert.AlertId, alert.CompanyId, alert.CallCenterId, alert.AttemptId, alert.Details));
        // Nor the subjectRef: a key holder of the check API could tell the number from it.
        Assert.DoesNotContain("0123456789ab", System.Text.Json.JsonSerializer.Serialize(counters.LatestAlerts()), StringComparison.Ordinal);
    }
}
