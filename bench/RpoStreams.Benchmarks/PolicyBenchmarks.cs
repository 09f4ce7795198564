using BenchmarkDotNet.Attributes;
using NodaTime;
using RpoStreams.Policy;
using RpoStreams.Records;

namespace RpoStreams.Benchmarks;

/// <summary>
/// <see cref="CallPolicy.Decide"/> on representative intents: a phone intent to an unregistered number, to a
/// registered one without consent, with consent after registration, one capped by the frequency cap, a
/// SERVICE intent, and one with a withheld caller id. Every case pays the caller-id check (libphonenumber).
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private static readonly PolicyRules Rules = PolicyRules.Default;

    // Tuesday 10 March 2026, 10:00 in Rome: inside calling hours.
    private static readonly Instant DecisionTime = Instant.FromUtc(2026, 3, 10, 9, 0);
    private static readonly Instant Consulted = DecisionTime - Duration.FromDays(1);
    private static readonly Instant RegisteredAt = DecisionTime - Duration.FromDays(90);

    private static readonly RegisterFacts Registered = new(RegisterAction.REGISTERED, RegisteredAt, RegisteredAt);
    private static readonly ConsentFacts ConsentAfter = new(ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, RegisteredAt + Duration.FromDays(10), null);

    private readonly IntentFacts promotional = Intent(Purpose.PROMOTIONAL, "+390212345678");
    private readonly IntentFacts service = Intent(Purpose.SERVICE, "+390212345678");
    private readonly IntentFacts withheld = Intent(Purpose.PROMOTIONAL, "anonymous");
    private readonly SubjectFacts notRegistered = new(null, null, []);
    private readonly SubjectFacts registeredNoConsent = new(Registered, null, []);
    private readonly SubjectFacts registeredWithConsent = new(Registered, ConsentAfter, []);
    private readonly SubjectFacts calledToday = new(null, null, [DecisionTime - Duration.FromHours(1)]);

    private static IntentFacts Intent(Purpose purpose, string callerId) =>
        new("ACME", Channel.PHONE, purpose, SubjectIsValid: true, callerId, DecisionTime);

    [Benchmark(Baseline = true)]
    public PolicyDecision AllowedNotRegistered() => CallPolicy.Decide(promotional, notRegistered, Consulted, Rules);

    [Benchmark]
    public PolicyDecision BlockedRpoOpposition() => CallPolicy.Decide(promotional, registeredNoConsent, Consulted, Rules);

    [Benchmark]
    public PolicyDecision AllowedConsentAfterRegistration() => CallPolicy.Decide(promotional, registeredWithConsent, Consulted, Rules);

    [Benchmark]
    public PolicyDecision BlockedFrequencyCap() => CallPolicy.Decide(promotional, calledToday, Consulted, Rules);

    [Benchmark]
    public PolicyDecision AllowedService() => CallPolicy.Decide(service, registeredNoConsent, Consulted, Rules);

    [Benchmark]
    public PolicyDecision BlockedCallerIdWithheld() => CallPolicy.Decide(withheld, notRegistered, Consulted, Rules);
}
