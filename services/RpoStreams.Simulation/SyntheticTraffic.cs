using NodaTime;
using RpoStreams.Policy;
using RpoStreams.Records;

namespace RpoStreams.Simulation;

/// <summary>
/// Realistic synthetic traffic for demos, tests and benchmarks: valid Italian mobile and landline
/// numbers, a register that holds a share of them, consents given after registration to some companies,
/// a fresh consultation, and intents whose decision times fall inside the calling hours. Deterministic
/// for a given seed.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Callers ask one instance, the run's traffic, for everything; some answers happen not to depend on its seed.")]
public sealed class SyntheticTraffic
{
    private static readonly string[] MobilePrefixes =
    [
        "320", "324", "327", "328", "329", "330", "333", "334", "335", "336", "338", "339", "340", "342",
        "345", "346", "347", "348", "349", "366", "368", "380", "388", "389", "391", "392", "393",
    ];

    private static readonly string[] Companies = ["ACME", "BETA", "GAMMA", "DELTA"];
    private static readonly string[] CallCenters = ["CC-MILANO", "CC-NAPOLI", "CC-TIRANA", "CC-BARI", "CC-TORINO"];
    private static readonly string[] CallerIds = ["+390212345678", "+390687654321", "+390811234567", "+390114567890"];

    private readonly Random random;
    private readonly PolicyRules rules;
    private readonly double registerShare;
    private long intentSeq;
    private long attemptSeq;

    public SyntheticTraffic(int seed, PolicyRules? rules = null, double registerShare = 0.35, string runId = "sim")
    {
        random = new Random(seed);
        this.rules = rules ?? PolicyRules.Default;
        this.registerShare = registerShare;
        RunId = runId;
    }

    /// <summary>Prefix of every intentId and attemptId, so several runs can share topics.</summary>
    public string RunId { get; }

    /// <summary>
    /// The i-th number of the population in E.164: an Italian mobile number, distinct for every i below
    /// 270 million (a prefix, and seven digits spread by a multiplication that is a bijection modulo 10^7).
    /// </summary>
    public static string Number(long i)
    {
        var prefix = MobilePrefixes[(int)(i % MobilePrefixes.Length)];
        var rest = (ulong)(i / MobilePrefixes.Length) * 2_654_435_761UL % 10_000_000UL;
        return $"+39{prefix}{rest:D7}";
    }

    /// <summary>A number as a dialer might write it (spaces, 0039, no prefix): normalization makes them one subject.</summary>
    public string Formatted(string e164) => random.Next(4) switch
    {
        0 => e164,
        1 => "0039 " + e164[3..],
        2 => e164[3..6] + " " + e164[6..9] + " " + e164[9..],
        _ => "+39 " + e164[3..],
    };

    /// <summary>Whether subject i is in the register (a fixed share of the population).</summary>
    public bool IsRegistered(long i) => (i * 7919L % 1000) < registerShare * 1000;

    /// <summary>The company registered subject <paramref name="i"/> gives its consent to, if it gives one.</summary>
    public static string ConsentCompanyOf(long i) => Companies[(int)(i % Companies.Length)];

    /// <summary>Whether registered subject <paramref name="i"/> later gave a company consent (a share <paramref name="consentShare"/> of them).</summary>
    public static bool ConsentsAfterRegistration(long i, double consentShare) => (i * 31 % 1000) < consentShare * 1000;

    public RegisterConsultation Consultation(Instant at) => new() { consultedAt = at.ToAvro(), feedId = "rpo-feed", registerVersion = at.ToString() };

    public RegisterUpdate Registration(long i, Instant now) => new()
    {
        subject = Number(i),
        subjectType = SubjectType.PHONE,
        action = RegisterAction.REGISTERED,
        effectiveAt = (now - Duration.FromDays(30 + (i % 600))).ToAvro(),
        feedId = "rpo-feed",
    };

    /// <summary>Consent given to one company after the subject's registration ("revoca selettiva").</summary>
    public ConsentEvent ConsentAfterRegistration(long i, Instant now) => new()
    {
        subject = Number(i),
        subjectType = SubjectType.PHONE,
        companyId = ConsentCompanyOf(i),
        action = ConsentAction.GRANTED,
        basis = i % 3 == 0 ? ConsentBasis.ACTIVE_CONTRACT : ConsentBasis.EXPLICIT_CONSENT,
        at = (now - Duration.FromDays(i % 20)).ToAvro(),
    };

    /// <summary>An intent for a random subject of a population of <paramref name="population"/>, scheduled inside the calling hours.</summary>
    public CallIntent Intent(long population, Instant now)
    {
        var i = (long)(random.NextDouble() * population);
        var company = Companies[random.Next(Companies.Length)];
        var purposeRoll = random.Next(100);
        var callCenter = CallCenters[random.Next(CallCenters.Length)];
        var campaign = $"{company}-{(char)('A' + random.Next(4))}";
        return NewIntent(i, company, callCenter, campaign, purposeRoll, now);
    }

    /// <summary>An intent of a given campaign for subject <paramref name="i"/>, scheduled inside the calling hours.</summary>
    public CallIntent CampaignIntent(long i, string companyId, string callCenterId, string campaignId, Instant now) =>
        NewIntent(i, companyId, callCenterId, campaignId, random.Next(100), now);

    private CallIntent NewIntent(long i, string company, string callCenter, string campaign, int purposeRoll, Instant now) =>
        new()
        {
            intentId = $"{RunId}-i{++intentSeq}",
            companyId = company,
            callCenterId = callCenter,
            campaignId = campaign,
            channel = Channel.PHONE,
            subject = Formatted(Number(i)),
            callerId = random.Next(200) == 0 ? "anonymous" : CallerIds[random.Next(CallerIds.Length)],
            purpose = purposeRoll < 85 ? Purpose.PROMOTIONAL : purposeRoll < 95 ? Purpose.MARKET_RESEARCH : Purpose.SERVICE,
            scheduledAt = rules.Window.NextOpen(now).ToAvro(),
        };

    /// <summary>What the dialer dialled for an intent, a few seconds after its decision time.</summary>
    public CallAttempt Attempt(CallIntent intent, bool namesIntent = true) => new()
    {
        attemptId = $"{RunId}-a{++attemptSeq}",
        intentId = namesIntent ? intent.intentId : null,
        companyId = intent.companyId,
        callCenterId = intent.callCenterId,
        campaignId = intent.campaignId,
        subject = intent.subject,
        callerId = intent.callerId,
        startedAt = (intent.scheduledAt.ToInstant() + Duration.FromSeconds(2 + random.Next(20))).ToAvro(),
    };

    public double NextDouble() => random.NextDouble();
}
