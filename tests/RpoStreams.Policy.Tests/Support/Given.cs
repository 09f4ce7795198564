using NodaTime.Text;
using RpoStreams.Records.Internal;

namespace RpoStreams.Policy.Tests.Support;

/// <summary>Wall-clock times in Europe/Rome, the zone the policy evaluates in.</summary>
internal static class Rome
{
    public static readonly DateTimeZone Zone = DateTimeZoneProviders.Tzdb["Europe/Rome"];

    private static readonly LocalDateTimePattern[] Patterns =
    [
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss.FFF"),
    ];

    /// <summary>The instant of a Rome wall-clock time, e.g. <c>2026-03-10 09:00</c>; throws on a DST gap or overlap.</summary>
    public static Instant At(string local) => Local(local).InZoneStrictly(Zone).ToInstant();

    public static LocalDateTime Local(string local)
    {
        foreach (var pattern in Patterns)
        {
            var result = pattern.Parse(local);
            if (result.Success)
            {
                return result.Value;
            }
        }
        throw new ArgumentException($"not a local time: '{local}' (use 'yyyy-MM-dd HH:mm[:ss.fff]')", nameof(local));
    }

    public static LocalDate Date(string date) => LocalDatePattern.Iso.Parse(date).Value;

    public static Instant Utc(string iso) => InstantPattern.ExtendedIso.Parse(iso).Value;
}

/// <summary>The usual facts of a test: an ordinary promotional phone call on an ordinary Tuesday.</summary>
internal static class Given
{
    public const string Company = "ACME";
    public const string OtherCompany = "GLOBEX";
    public const string ValidCallerId = "+390212345678";

    /// <summary>Tuesday 10 March 2026, 11:00 in Rome: inside calling hours, no holiday near.</summary>
    public static readonly Instant T = Rome.At("2026-03-10 11:00");

    public static readonly PolicyRules Rules = PolicyRules.Default;

    /// <summary>
    /// Intake:MaxPastSkewDays, the gate's default (IntakeSettings, in the gate): decisions further back are refused
    /// at intake. Written out because these tests see the policy project only.
    /// </summary>
    public static readonly Duration MaxPastSkew = Duration.FromDays(366);

    public static readonly Duration OneMs = Duration.FromMilliseconds(1);

    public static Duration Days(int days) => Duration.FromDays(days);

    /// <summary>Whole milliseconds of a duration (for theory rows and generators).</summary>
    public static long Millis(Duration duration) => duration.ToInt64Nanoseconds() / 1_000_000;

    /// <summary>A register update of the test subject.</summary>
    public static RegisterUpdate RegisterUpdateOf(RegisterAction action, Instant effectiveAt) => new()
    {
        subject = "+393331234567",
        subjectType = SubjectType.PHONE,
        action = action,
        effectiveAt = effectiveAt.ToAvro(),
    };

    /// <summary>A consent event of the test subject (<paramref name="basis"/> kept for a grant only, as intake requires).</summary>
    public static ConsentEvent ConsentEventOf(ConsentAction action, ConsentBasis? basis, Instant at, Instant? contractEndedAt = null, string company = Company) => new()
    {
        subject = "+393331234567",
        subjectType = SubjectType.PHONE,
        companyId = company,
        action = action,
        basis = action == ConsentAction.GRANTED ? basis : null,
        at = at.ToAvro(),
        contractEndedAt = contractEndedAt?.ToAvro(),
    };

    /// <summary>A consultation one day before <paramref name="decisionTime"/>: fresh.</summary>
    public static Instant FreshConsultation(Instant decisionTime) => decisionTime - Duration.FromDays(1);

    public static IntentFacts Intent(
        Instant? at = null,
        Channel channel = Channel.PHONE,
        Purpose purpose = Purpose.PROMOTIONAL,
        bool subjectIsValid = true,
        string? callerId = ValidCallerId,
        string company = Company) =>
        new(company, channel, purpose, subjectIsValid, callerId, at ?? T);

    /// <summary>Decides with a fresh consultation unless told otherwise.</summary>
    public static PolicyDecision Decide(IntentFacts intent, SubjectFacts? subject = null, PolicyRules? rules = null) =>
        CallPolicy.Decide(intent, subject ?? SubjectFacts.None, FreshConsultation(intent.DecisionTime), rules ?? Rules);

    public static PolicyDecision DecideWithConsultation(IntentFacts intent, Instant? consultation, SubjectFacts? subject = null, PolicyRules? rules = null) =>
        CallPolicy.Decide(intent, subject ?? SubjectFacts.None, consultation, rules ?? Rules);

    public static PolicyRules RulesWith(Action<PolicySettings> change)
    {
        var settings = new PolicySettings();
        change(settings);
        return PolicyRules.From(settings);
    }
}

/// <summary>
/// A subject's stored state, built through the same <see cref="SubjectStateRules"/> the topology uses,
/// so tests state history ("registered, then consented") rather than hand-made facts.
/// </summary>
internal sealed class SubjectHistory
{
    private RegisterState? register;
    private SubjectConsents? consents;
    private ContactHistory? contacts;

    public static SubjectHistory New() => new();

    public RegisterState? RegisterState => register;

    public SubjectConsents? Consents => consents;

    public ContactHistory? Contacts => contacts;

    public SubjectHistory Registered(Instant at) => Register(RegisterAction.REGISTERED, at);

    public SubjectHistory Renewed(Instant at) => Register(RegisterAction.RENEWED, at);

    public SubjectHistory Removed(Instant at) => Register(RegisterAction.REMOVED, at);

    public SubjectHistory Register(RegisterAction action, Instant effectiveAt)
    {
        register = SubjectStateRules.Apply(register, Given.RegisterUpdateOf(action, effectiveAt)) ?? register;
        return this;
    }

    public SubjectHistory ExplicitConsent(Instant at, string company = Given.Company) =>
        Consent(ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, at, null, company);

    public SubjectHistory ActiveContract(Instant at, Instant? endedAt = null, string company = Given.Company) =>
        Consent(ConsentAction.GRANTED, ConsentBasis.ACTIVE_CONTRACT, at, endedAt, company);

    public SubjectHistory Withdrawn(Instant at, string company = Given.Company) =>
        Consent(ConsentAction.WITHDRAWN, null, at, null, company);

    public SubjectHistory Consent(ConsentAction action, ConsentBasis? basis, Instant at, Instant? contractEndedAt, string company = Given.Company)
    {
        var e = Given.ConsentEventOf(action, basis, at, contractEndedAt, company);
        consents = SubjectStateRules.Apply(consents, e) ?? consents;
        return this;
    }

    /// <summary>Records an ALLOWED contact as the gate does: pruning relative to the greatest decision time seen so far.</summary>
    public SubjectHistory Contacted(Instant at, string company = Given.Company)
    {
        newest = at > newest ? at : newest;
        var keepFrom = SubjectStateRules.KeepContactsFrom(newest, Given.MaxPastSkew, Given.Rules);
        contacts = SubjectStateRules.Record(contacts, company, $"i-{at.ToUnixTimeMilliseconds()}", at, keepFrom);
        return this;
    }

    private Instant newest = Instant.MinValue;

    /// <summary>What the policy sees when <paramref name="company"/> asks to contact this subject at <paramref name="at"/> (by default after every update given).</summary>
    public SubjectFacts For(string company = Given.Company, Instant? at = null) => new(
        SubjectStateRules.ToFacts(register, at ?? Instant.MaxValue),
        SubjectStateRules.ConsentOf(consents, company, at ?? Instant.MaxValue),
        SubjectStateRules.ContactsOf(contacts, company));
}
