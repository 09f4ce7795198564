using NodaTime;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;

namespace RpoStreams.Policy;

/// <summary>
/// The decision: a pure function of the intent, the subject's stored state, the latest register
/// consultation and the policy rules (DESIGN section 3, version it-2024.1). No Kafka, no clock.
/// </summary>
public static class CallPolicy
{
    /// <summary>
    /// Whether a decision counts towards FREQUENCY_CAP: only ALLOWED promotional phone contacts with a valid
    /// subject do (SERVICE calls and postal mail never count).
    /// </summary>
    public static bool CountsTowardsCap(IntentFacts intent, PolicyDecision decision) =>
        decision.IsAllowed && intent.SubjectIsValid && intent.Channel == Channel.PHONE && intent.Purpose != Purpose.SERVICE;

    public static PolicyDecision Decide(IntentFacts intent, SubjectFacts subject, Instant? latestConsultation, PolicyRules rules)
    {
        var reasons = new List<Reason>(2);
        var phone = intent.Channel == Channel.PHONE;
        var t = intent.DecisionTime;

        if (!intent.SubjectIsValid)
        {
            reasons.Add(Reason.INVALID_SUBJECT);
        }
        if (phone && !CallerIdentity.IsValid(intent.CallerId))
        {
            reasons.Add(Reason.CALLER_ID_INVALID);
        }
        if (intent.Purpose == Purpose.SERVICE)
        {
            return reasons.Count == 0
                ? Allowed(Basis.NOT_PROMOTIONAL, rules)
                : Blocked(reasons, rules);
        }

        if (phone && !rules.Window.IsOpen(t))
        {
            reasons.Add(Reason.OUTSIDE_CALLING_HOURS);
        }
        if (IsStale(latestConsultation, t, rules))
        {
            reasons.Add(Reason.REGISTER_STALE);
        }

        var registered = false;
        Basis? consentBasis = null;
        if (intent.SubjectIsValid)
        {
            if (subject.Consent?.Action == ConsentAction.WITHDRAWN)
            {
                reasons.Add(Reason.COMPANY_OPT_OUT);
            }
            registered = subject.Register?.IsRegistered == true;
            if (registered)
            {
                consentBasis = ValidConsent(subject.Consent, subject.Register!, t, rules);
                if (consentBasis is null)
                {
                    reasons.Add(Reason.RPO_OPPOSITION);
                }
            }
            if (phone && (subject.ContactsFull || FrequencyCap.IsReached(subject.AllowedContacts, t, rules)))
            {
                reasons.Add(Reason.FREQUENCY_CAP);
            }
        }

        if (reasons.Count > 0)
        {
            return Blocked(reasons, rules);
        }
        return Allowed(registered ? consentBasis!.Value : Basis.NOT_REGISTERED, rules);
    }

    /// <summary>
    /// The decision at the decision time, blocked too by an objection the gate already knew of when the intent arrived
    /// after the time it names (<paramref name="knownAtArrival"/>: the subject's register and consents as they stood at
    /// that arrival; null when the intent came before its time). Such an intent is dialled after it is decided, so a
    /// withdrawal, registration or renewal recorded meanwhile counts; a grant or removal recorded meanwhile clears
    /// nothing the decision time does not.
    /// </summary>
    public static PolicyDecision DecideKnowing(IntentFacts intent, SubjectFacts subject, SubjectFacts? knownAtArrival, Instant? latestConsultation, PolicyRules rules)
    {
        var atTime = Decide(intent, subject, latestConsultation, rules);
        if (knownAtArrival is null)
        {
            return atTime;
        }
        var known = Decide(intent, knownAtArrival, latestConsultation, rules);
        var reasons = atTime.Reasons.Union(known.Reasons).Order().ToList();
        return reasons.Count == atTime.Reasons.Count ? atTime : Blocked(reasons, rules);
    }

    /// <summary>No consultation yet, or the latest is more than the validity before the decision time.</summary>
    public static bool IsStale(Instant? latestConsultation, Instant decisionTime, PolicyRules rules) =>
        latestConsultation is null || decisionTime - latestConsultation.Value > rules.ConsultationValidity;

    /// <summary>
    /// The basis of a consent that lets a registered subject be contacted, or null when there is none:
    /// a running contract (or one ended at most the grace before <paramref name="t"/>), or an explicit
    /// consent given strictly after the latest registration or renewal.
    /// </summary>
    public static Basis? ValidConsent(ConsentFacts? consent, RegisterFacts register, Instant t, PolicyRules rules)
    {
        if (consent is null || consent.Action != ConsentAction.GRANTED)
        {
            return null;
        }
        return consent.Basis switch
        {
            ConsentBasis.ACTIVE_CONTRACT when consent.ContractEndedAt is null || consent.ContractEndedAt.Value >= PolicyTime.Minus(t, rules.ContractGrace)
                => Basis.ACTIVE_CONTRACT,
            // A registered subject without a known registration instant falls back to the update's own time (fail closed).
            ConsentBasis.EXPLICIT_CONSENT when consent.At > (register.RegisteredAt ?? register.EffectiveAt)
                => Basis.CONSENT_AFTER_REGISTRATION,
            _ => null,
        };
    }

    private static PolicyDecision Allowed(Basis basis, PolicyRules rules) => new(Outcome.ALLOWED, [], basis, rules.Version);

    private static PolicyDecision Blocked(List<Reason> reasons, PolicyRules rules) => new(Outcome.BLOCKED, reasons, null, rules.Version);
}
