using NodaTime;
using RpoStreams.Policy;
using RpoStreams.Records;

namespace RpoStreams.Gate.Topology;

/// <summary>The CallDecision record for an intent and the policy's verdict (the gate and the benchmark's ceiling build it alike).</summary>
public static class DecisionRecords
{
    public static CallDecision Of(CallIntent intent, PolicyDecision verdict, string? subjectRef, Instant decisionTime, Instant decidedAt) => new()
    {
        intentId = intent.intentId,
        outcome = verdict.Outcome,
        reasons = [.. verdict.Reasons],
        basis = verdict.Basis,
        companyId = intent.companyId,
        callCenterId = intent.callCenterId,
        campaignId = intent.campaignId,
        channel = intent.channel,
        purpose = intent.purpose,
        subjectRef = subjectRef,
        decisionTime = decisionTime.ToAvro(),
        decidedAt = decidedAt.ToAvro(),
        policyVersion = verdict.PolicyVersion,
    };
}
