using NodaTime;
using RpoStreams.Records;

namespace RpoStreams.Policy;

/// <summary>What the policy needs to know about an intent (the raw subject is not among it).</summary>
public sealed record IntentFacts(
    string CompanyId,
    Channel Channel,
    Purpose Purpose,
    bool SubjectIsValid,
    string? CallerId,
    Instant DecisionTime);

/// <summary>The subject's register state: the latest update that counts.</summary>
public sealed record RegisterFacts(RegisterAction Status, Instant EffectiveAt, Instant? RegisteredAt)
{
    public bool IsRegistered => Status is RegisterAction.REGISTERED or RegisterAction.RENEWED;
}

/// <summary>The latest consent event of the subject for the intent's company.</summary>
public sealed record ConsentFacts(ConsentAction Action, ConsentBasis? Basis, Instant At, Instant? ContractEndedAt);

/// <summary>
/// Everything stored about one subject that the decision for one company depends on. <paramref name="ContactsFull"/>: the
/// subject's state holds as many contacts as it keeps (<see cref="SubjectStateRules.MaxContacts"/>), so no further one
/// can be counted, and a promotional phone call is capped whatever company makes it.
/// </summary>
public sealed record SubjectFacts(RegisterFacts? Register, ConsentFacts? Consent, IReadOnlyList<Instant> AllowedContacts, bool ContactsFull = false)
{
    public static SubjectFacts None { get; } = new(null, null, []);
}

/// <summary>The policy's answer: every failed rule, and the lawful basis of an ALLOWED contact.</summary>
public sealed record PolicyDecision(Outcome Outcome, IReadOnlyList<Reason> Reasons, Basis? Basis, string PolicyVersion)
{
    public bool IsAllowed => Outcome == Outcome.ALLOWED;
}
