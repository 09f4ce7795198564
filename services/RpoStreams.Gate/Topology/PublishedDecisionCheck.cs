using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// Development broker only: everything the gate does because librdkafka's mock cluster keeps no
/// transactions. There the gate runs at-least-once; after a crash a task reads again the input since its
/// last commit, and a decision may have been published without being kept, or kept without being published.
/// This asks the topic itself (<see cref="IPublishedDecisions"/>). On Kafka the gate runs exactly-once and
/// none of this exists (the option is null).
/// </summary>
public sealed class PublishedDecisionCheck(IPublishedDecisions view, RecordSerdes serdes, long taskCreatedAt)
{
    public bool WasPublished(string intentId) => view.FindPublished(intentId, taskCreatedAt) is not null;

    /// <summary>
    /// A decision published for this intent and this subject that local state lost in a crash: kept again, with
    /// its contact for the frequency cap, rather than decided a second time. Null when none was published.
    /// </summary>
    public KnownDecision? Adopt(string intentId, string? subjectRef, Instant arrival, Instant streamTime, Instant keepContactsFrom, Duration window, ref SubjectState? state)
    {
        if (view.FindPublished(intentId, taskCreatedAt) is not { } bytes)
        {
            return null;
        }
        var decision = serdes.CallDecision.Deserialize(bytes, KnownDecisions.DecisionsTopic);
        if (decision.subjectRef != subjectRef)
        {
            // The same intentId for another subject: decided there, not here.
            return null;
        }
        var known = new KnownDecision
        {
            intentId = intentId,
            decision = KnownDecisions.Keep(decision, serdes.CallDecision),
            keepUntil = KnownDecisions.KeepUntil(decision.decisionTime.ToInstant(), arrival, window).ToAvro(),
            sourcePartition = decision.intentPartition ?? -1,
            sourceOffset = decision.intentOffset ?? -1,
        };
        state ??= new SubjectState();
        state.decisions = KnownDecisions.Remember(state, known, streamTime);
        var facts = new IntentFacts(decision.companyId, decision.channel, decision.purpose, decision.subjectRef != null, null, decision.decisionTime.ToInstant());
        // A full list already caps every promotional phone call, so a contact it has no room for changes no decision.
        if (CallPolicy.CountsTowardsCap(facts, new PolicyDecision(decision.outcome, [.. decision.reasons], decision.basis, decision.policyVersion))
            && !SubjectStateRules.IsFull(state.contacts))
        {
            state.contacts = SubjectStateRules.Record(state.contacts, decision.companyId, intentId, decision.decisionTime.ToInstant(), keepContactsFrom);
        }
        return known;
    }
}
