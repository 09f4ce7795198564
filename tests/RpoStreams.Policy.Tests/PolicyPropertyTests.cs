using CsCheck;
using RpoStreams.Tests.Shared;
using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>Properties of the decision over generated inputs (CsCheck prints a seed to replay any failure).</summary>
public class PolicyPropertyTests
{
    private const long Iterations = 3_000;

    /// <summary>From 2025 to 2027: covers DST switches, Easter, the 4 October change and every weekday.</summary>
    private static readonly Instant From = Rome.At("2025-01-01 00:00");

    private static readonly Gen<Instant> GenInstant =
        Gen.Long[0, Millis(Days(3 * 365))].Select(ms => From + Duration.FromMilliseconds(ms));

    private static readonly Gen<Duration> GenOffset =
        Gen.Long[-Millis(Days(60)), Millis(Days(5))].Select(Duration.FromMilliseconds);

    private static readonly Gen<string?> GenCallerId = Gen.OneOf<string?>(
        ValidCallerId, "02 1234 5678", "+39 333 123 4567", null, "", "anonymous", "#31#0212345678", "12345");

    /// <summary>Up to three register updates and consent events, contacts and a consultation, all relative to T.</summary>
    private sealed record Scenario(
        IntentFacts Intent,
        (RegisterAction Action, Duration Offset)[] RegisterUpdates,
        (ConsentAction Action, ConsentBasis? Basis, Duration Offset, Duration? ContractEnd)[] Consents,
        Duration[] Contacts,
        Duration? Consultation)
    {
        public SubjectHistory History()
        {
            var t = Intent.DecisionTime;
            var history = SubjectHistory.New();
            foreach (var (action, offset) in RegisterUpdates)
            {
                history.Register(action, t + offset);
            }
            foreach (var (action, basis, offset, end) in Consents)
            {
                history.Consent(action, basis, t + offset, end is null ? null : t + end.Value, Intent.CompanyId);
            }
            foreach (var offset in Contacts)
            {
                history.Contacted(t + offset, Intent.CompanyId);
            }
            return history;
        }

        public Instant? LatestConsultation => Consultation is null ? null : Intent.DecisionTime + Consultation.Value;

        public override string ToString() =>
            $"intent {Intent}; register [{string.Join(", ", RegisterUpdates)}]; consents [{string.Join(", ", Consents)}]; " +
            $"contacts [{string.Join(", ", Contacts)}]; consultation {Consultation}";
    }

    private static readonly Gen<IntentFacts> GenIntent =
        Gen.Select(Gen.Enum<Channel>(), Gen.Enum<Purpose>(), Gen.Int[0, 9], GenCallerId, GenInstant,
            (channel, purpose, valid, callerId, t) => new IntentFacts(Company, channel, purpose, valid != 0, callerId, t));

    private static readonly Gen<Scenario> GenScenario =
        Gen.Select(
            GenIntent,
            Gen.Select(Gen.Enum<RegisterAction>(), GenOffset).Array[0, 3],
            Gen.Select(Gen.Enum<ConsentAction>(), Gen.Enum<ConsentBasis>().Nullable(0.1), GenOffset, GenOffset.Nullable(0.6)).Array[0, 3],
            Gen.Long[-Millis(Days(35)), Millis(Days(1))].Select(Duration.FromMilliseconds).Array[0, 4],
            Gen.Long[-Millis(Days(20)), 0].Select(Duration.FromMilliseconds).Nullable(0.1),
            (intent, register, consents, contacts, consultation) => new Scenario(intent, register, consents, contacts, consultation));

    private static PolicyDecision DecideScenario(Scenario s, SubjectFacts facts) =>
        CallPolicy.Decide(s.Intent, facts, s.LatestConsultation, Rules);

    [Fact]
    public void Allowed_decision_has_no_reasons_and_a_basis_and_blocked_has_reasons_and_no_basis()
    {
        GenScenario.Sample(s =>
        {
            var decision = DecideScenario(s, s.History().For(s.Intent.CompanyId));
            if (decision.Outcome == Outcome.ALLOWED)
            {
                Assert.Empty(decision.Reasons);
                Assert.NotNull(decision.Basis);
            }
            else
            {
                Assert.NotEmpty(decision.Reasons);
                Assert.Null(decision.Basis);
            }
            Assert.Equal("it-2024.1", decision.PolicyVersion);
        }, iter: Iterations);
    }

    [Fact]
    public void Reasons_are_distinct_and_in_DESIGN_table_order()
    {
        GenScenario.Sample(s =>
        {
            var reasons = DecideScenario(s, s.History().For(s.Intent.CompanyId)).Reasons;
            Assert.Equal(reasons.Distinct().Order(), reasons);
        }, iter: Iterations);
    }

    [Fact]
    public void Basis_of_an_allowed_decision_follows_purpose_and_registration()
    {
        GenScenario.Sample(s =>
        {
            var facts = s.History().For(s.Intent.CompanyId);
            var decision = DecideScenario(s, facts);
            if (!decision.IsAllowed)
            {
                return;
            }
            if (s.Intent.Purpose == Purpose.SERVICE)
            {
                Assert.Equal(Basis.NOT_PROMOTIONAL, decision.Basis);
            }
            else if (facts.Register?.IsRegistered != true)
            {
                Assert.Equal(Basis.NOT_REGISTERED, decision.Basis);
            }
            else
            {
                Assert.Contains(decision.Basis!.Value, new[] { Basis.CONSENT_AFTER_REGISTRATION, Basis.ACTIVE_CONTRACT });
                Assert.Equal(ConsentAction.GRANTED, facts.Consent?.Action);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Only_subject_and_caller_id_can_block_a_service_call()
    {
        GenScenario.Where(s => s.Intent.Purpose == Purpose.SERVICE).Sample(s =>
        {
            var reasons = DecideScenario(s, s.History().For(s.Intent.CompanyId)).Reasons;
            Assert.All(reasons, r => Assert.Contains(r, new[] { Reason.INVALID_SUBJECT, Reason.CALLER_ID_INVALID }));
        }, iter: 1_000);
    }

    [Fact]
    public void Postal_mail_is_never_blocked_for_caller_id_hours_or_frequency()
    {
        GenScenario.Where(s => s.Intent.Channel == Channel.POSTAL_MAIL).Sample(s =>
        {
            var reasons = DecideScenario(s, s.History().For(s.Intent.CompanyId)).Reasons;
            Assert.DoesNotContain(Reason.CALLER_ID_INVALID, reasons);
            Assert.DoesNotContain(Reason.OUTSIDE_CALLING_HOURS, reasons);
            Assert.DoesNotContain(Reason.FREQUENCY_CAP, reasons);
        }, iter: 1_000);
    }

    [Fact]
    public void A_new_registration_after_every_consent_never_turns_blocked_into_allowed()
    {
        var gen = Gen.Select(GenScenario, Gen.Long[1, Millis(Days(30))], Gen.Bool);
        gen.Sample((s, afterMs, renewal) =>
        {
            // Given any stored state and its decision
            var history = s.History();
            var before = DecideScenario(s, history.For(s.Intent.CompanyId));
            // When a REGISTERED (or RENEWED) update arrives, effective after every consent, and no consent follows
            var t = s.Intent.DecisionTime;
            var latestConsent = s.Consents.Length == 0 ? t - Days(61) : s.Consents.Max(c => t + c.Offset);
            history.Register(renewal ? RegisterAction.RENEWED : RegisterAction.REGISTERED, latestConsent + Duration.FromMilliseconds(afterMs));
            var after = DecideScenario(s, history.For(s.Intent.CompanyId));
            // Then a blocked decision stays blocked, for at least the same reasons
            if (!before.IsAllowed)
            {
                Assert.False(after.IsAllowed, $"was blocked for [{string.Join(", ", before.Reasons)}], now allowed as {after.Basis}");
            }
            Assert.Empty(before.Reasons.Except(after.Reasons));
            // and an explicit consent can no longer be the basis
            Assert.NotEqual(Basis.CONSENT_AFTER_REGISTRATION, after.Basis);
        }, iter: Iterations);
    }

    [Fact]
    public void Pruned_contact_history_caps_like_the_full_history_for_decisions_after_the_newest_contact()
    {
        // Contacts of two companies recorded in any order over 90 days; a decision from the newest contact on
        var gen = Gen.Select(
            Gen.Select(Gen.Long[0, Millis(Days(90))], Gen.Bool).Array[1, 12],
            Gen.Long[0, Millis(Days(3))]);
        gen.Sample((contacts, afterNewestMs) =>
        {
            var history = SubjectHistory.New();
            var full = new List<Instant>();
            foreach (var (offsetMs, acme) in contacts)
            {
                var at = From + Duration.FromMilliseconds(offsetMs);
                history.Contacted(at, acme ? Company : OtherCompany);
                if (acme)
                {
                    full.Add(at);
                }
            }
            var t = From + Duration.FromMilliseconds(contacts.Max(c => c.Item1) + afterNewestMs);
            Assert.Equal(FrequencyCap.IsReached(full, t, Rules), FrequencyCap.IsReached(history.For(Company).AllowedContacts, t, Rules));
        }, iter: Iterations);
    }

    // ---- formatting of numbers ----

    [Fact]
    public void Every_writing_of_a_mobile_number_normalizes_to_the_same_subject_and_ref()
    {
        var hasher = new SubjectHasher("property-secret");
        MobileNumbers.Gen.Sample(digits =>
        {
            var refs = new HashSet<string>();
            foreach (var writing in MobileNumbers.Writings(digits))
            {
                Assert.True(SubjectNormalizer.TryNormalize(writing, SubjectType.PHONE, out var subject), $"'{writing}' not accepted");
                Assert.Equal("+39" + digits, subject.Value);
                refs.Add(hasher.RefOf(subject));
            }
            Assert.Single(refs);
        }, iter: 500);
    }

    [Fact]
    public void Decision_does_not_depend_on_how_the_subject_or_caller_id_is_written()
    {
        var gen = Gen.Select(MobileNumbers.Gen, MobileNumbers.Gen, GenScenario);
        gen.Sample((subjectDigits, callerDigits, s) =>
        {
            var facts = s.History().For(s.Intent.CompanyId);
            PolicyDecision? first = null;
            var subjectWritings = MobileNumbers.Writings(subjectDigits);
            var callerWritings = MobileNumbers.Writings(callerDigits);
            for (var i = 0; i < subjectWritings.Length; i++)
            {
                var valid = SubjectNormalizer.TryNormalize(subjectWritings[i], SubjectType.PHONE, out _);
                var intent = s.Intent with { Channel = Channel.PHONE, SubjectIsValid = valid, CallerId = callerWritings[i] };
                var decision = CallPolicy.Decide(intent, facts, s.LatestConsultation, Rules);
                first ??= decision;
                Assert.Equal(first.Outcome, decision.Outcome);
                Assert.Equal(first.Reasons, decision.Reasons);
                Assert.Equal(first.Basis, decision.Basis);
            }
            Assert.DoesNotContain(Reason.INVALID_SUBJECT, first!.Reasons);
            Assert.DoesNotContain(Reason.CALLER_ID_INVALID, first.Reasons);
        }, iter: 300);
    }
}
