using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.DecisionRulesTests;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>Valid consent, registration, renewal, withdrawal and removal (DESIGN section 3, RPO_OPPOSITION).</summary>
public class ConsentTests
{
    /// <summary>Registration instant used by the stories below: three months before <see cref="Given.T"/>.</summary>
    private static readonly Instant R = T - Days(90);

    [Fact]
    public void Registration_voids_an_earlier_explicit_consent()
    {
        // Given an explicit consent, then the subject registers
        var subject = SubjectHistory.New().ExplicitConsent(R - Days(10)).Registered(R).For();
        // When / Then
        AssertBlocked(Decide(Intent(), subject), Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Explicit_consent_strictly_after_registration_survives_as_CONSENT_AFTER_REGISTRATION()
    {
        var subject = SubjectHistory.New().Registered(R).ExplicitConsent(R + OneMs).For();
        var decision = Decide(Intent(), subject);
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, decision.Basis);
    }

    [Fact]
    public void Explicit_consent_at_exactly_the_registration_instant_is_void()
    {
        var subject = SubjectHistory.New().Registered(R).ExplicitConsent(R).For();
        AssertBlocked(Decide(Intent(), subject), Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Explicit_consent_at_exactly_the_registration_instant_is_void_whichever_arrives_first()
    {
        var subject = SubjectHistory.New().ExplicitConsent(R).Registered(R).For();
        AssertBlocked(Decide(Intent(), subject), Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Explicit_consent_after_registration_survives_even_when_the_registration_arrives_later()
    {
        // Given the consent event is processed before the (older) registration update
        var subject = SubjectHistory.New().ExplicitConsent(R + Days(1)).Registered(R).For();
        var decision = Decide(Intent(), subject);
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, decision.Basis);
    }

    [Fact]
    public void Renewal_voids_explicit_consents_given_before_it()
    {
        // Given registered, consent after registration, then a renewal
        var subject = SubjectHistory.New().Registered(R).ExplicitConsent(R + Days(5)).Renewed(R + Days(10)).For();
        AssertBlocked(Decide(Intent(), subject), Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Explicit_consent_at_exactly_the_renewal_instant_is_void()
    {
        var subject = SubjectHistory.New().Registered(R).Renewed(R + Days(10)).ExplicitConsent(R + Days(10)).For();
        AssertBlocked(Decide(Intent(), subject), Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Explicit_consent_after_renewal_survives()
    {
        var subject = SubjectHistory.New().Registered(R).Renewed(R + Days(10)).ExplicitConsent(R + Days(11)).For();
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, Decide(Intent(), subject).Basis);
    }

    [Fact]
    public void Running_contract_survives_registration()
    {
        var subject = SubjectHistory.New().ActiveContract(R - Days(365)).Registered(R).For();
        var decision = Decide(Intent(), subject);
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Equal(Basis.ACTIVE_CONTRACT, decision.Basis);
    }

    [Fact]
    public void Running_contract_survives_renewal()
    {
        var subject = SubjectHistory.New().ActiveContract(R - Days(365)).Registered(R).Renewed(T - Days(1)).For();
        var decision = Decide(Intent(), subject);
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Equal(Basis.ACTIVE_CONTRACT, decision.Basis);
    }

    public static TheoryData<string, long, bool> ContractEnds => new()
    {
        // description, contract end relative to the decision time (ms), still valid
        { "ended exactly 30 days before", -Millis(Days(30)), true },
        { "ended 30 days and 1 ms before", Millis(-Days(30) - OneMs), false },
        { "ended 1 day before", -Millis(Days(1)), true },
        { "ended 90 days before", -Millis(Days(90)), false },
        { "ends at the decision time", 0, true },
        { "ends next week", Millis(Days(7)), true },
    };

    [Theory]
    [MemberData(nameof(ContractEnds))]
    public void Ended_contract_is_valid_for_30_days_after_it_ends(string description, long endRelativeToDecisionMs, bool valid)
    {
        // Given a registered subject whose contract (signed before registration) ended at some point
        var ended = T + Duration.FromMilliseconds(endRelativeToDecisionMs);
        var subject = SubjectHistory.New().ActiveContract(R - Days(365), endedAt: ended).Registered(R).For();
        // When
        var decision = Decide(Intent(), subject);
        // Then
        if (valid)
        {
            Assert.True(decision.IsAllowed, $"{description}: [{string.Join(", ", decision.Reasons)}]");
            Assert.Equal(Basis.ACTIVE_CONTRACT, decision.Basis);
        }
        else
        {
            AssertBlocked(decision, Reason.RPO_OPPOSITION);
        }
    }

    [Fact]
    public void Latest_consent_WITHDRAWN_is_COMPANY_OPT_OUT_for_an_unregistered_subject()
    {
        var subject = SubjectHistory.New().ExplicitConsent(T - Days(20)).Withdrawn(T - Days(1)).For();
        AssertBlocked(Decide(Intent(), subject), Reason.COMPANY_OPT_OUT);
    }

    [Fact]
    public void Latest_consent_WITHDRAWN_is_COMPANY_OPT_OUT_and_RPO_OPPOSITION_for_a_registered_subject()
    {
        var subject = SubjectHistory.New().Registered(R).ExplicitConsent(R + Days(1)).Withdrawn(T - Days(1)).For();
        AssertBlocked(Decide(Intent(), subject), Reason.COMPANY_OPT_OUT, Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Withdrawal_ends_a_running_contract_consent_too()
    {
        var subject = SubjectHistory.New().ActiveContract(R - Days(365)).Registered(R).Withdrawn(T - Days(1)).For();
        AssertBlocked(Decide(Intent(), subject), Reason.COMPANY_OPT_OUT, Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Consent_granted_again_after_a_withdrawal_is_valid()
    {
        var subject = SubjectHistory.New().Registered(R).Withdrawn(R + Days(1)).ExplicitConsent(R + Days(2)).For();
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, Decide(Intent(), subject).Basis);
    }

    [Fact]
    public void Withdrawal_older_than_the_stored_grant_does_not_count()
    {
        // Given a grant, then a withdrawal with an earlier 'at' arriving late
        var subject = SubjectHistory.New().Registered(R).ExplicitConsent(R + Days(2)).Withdrawn(R + Days(1)).For();
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, Decide(Intent(), subject).Basis);
    }

    [Fact]
    public void REMOVED_takes_the_subject_out_of_the_register()
    {
        var subject = SubjectHistory.New().Registered(R).Removed(R + Days(30)).For();
        var decision = Decide(Intent(), subject);
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Equal(Basis.NOT_REGISTERED, decision.Basis);
    }

    [Fact]
    public void Removed_subject_is_allowed_as_NOT_REGISTERED_even_with_a_consent_that_registration_voided()
    {
        var subject = SubjectHistory.New().ExplicitConsent(R - Days(1)).Registered(R).Removed(R + Days(30)).For();
        Assert.Equal(Basis.NOT_REGISTERED, Decide(Intent(), subject).Basis);
    }

    [Fact]
    public void Unregistered_subject_with_a_consent_is_allowed_as_NOT_REGISTERED()
    {
        var subject = SubjectHistory.New().ExplicitConsent(T - Days(1)).For();
        Assert.Equal(Basis.NOT_REGISTERED, Decide(Intent(), subject).Basis);
    }

    [Fact]
    public void Registering_again_after_removal_voids_consents_given_in_between()
    {
        var subject = SubjectHistory.New()
            .Registered(R)
            .Removed(R + Days(10))
            .ExplicitConsent(R + Days(20))
            .Registered(R + Days(30))
            .For();
        AssertBlocked(Decide(Intent(), subject), Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Consent_to_another_company_does_not_help()
    {
        // Given a registered subject who consented to GLOBEX only
        var history = SubjectHistory.New().Registered(R).ExplicitConsent(R + Days(1), company: OtherCompany);
        // When ACME and GLOBEX ask
        var forAcme = Decide(Intent(company: Company), history.For(Company));
        var forGlobex = Decide(Intent(company: OtherCompany), history.For(OtherCompany));
        // Then only GLOBEX may call
        AssertBlocked(forAcme, Reason.RPO_OPPOSITION);
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, forGlobex.Basis);
    }

    [Fact]
    public void Withdrawal_to_another_company_does_not_hurt()
    {
        var history = SubjectHistory.New().Registered(R).ExplicitConsent(R + Days(1)).Withdrawn(T - Days(1), company: OtherCompany);
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, Decide(Intent(), history.For(Company)).Basis);
        AssertBlocked(Decide(Intent(company: OtherCompany), history.For(OtherCompany)), Reason.COMPANY_OPT_OUT, Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Granted_consent_without_a_basis_is_not_a_valid_consent()
    {
        var subject = SubjectHistory.New().Registered(R).Consent(ConsentAction.GRANTED, null, R + Days(1), null).For();
        AssertBlocked(Decide(Intent(), subject), Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Consent_rules_apply_to_postal_mail_too()
    {
        var voided = SubjectHistory.New().ExplicitConsent(R - Days(1)).Registered(R).For();
        var survived = SubjectHistory.New().Registered(R).ExplicitConsent(R + Days(1)).For();
        AssertBlocked(Decide(Intent(channel: Channel.POSTAL_MAIL, callerId: null), voided), Reason.RPO_OPPOSITION);
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, Decide(Intent(channel: Channel.POSTAL_MAIL, callerId: null), survived).Basis);
    }

    [Fact]
    public void Service_call_to_a_registered_subject_is_allowed_as_NOT_PROMOTIONAL()
    {
        var subject = SubjectHistory.New().Registered(R).For();
        Assert.Equal(Basis.NOT_PROMOTIONAL, Decide(Intent(purpose: Purpose.SERVICE), subject).Basis);
    }
}
