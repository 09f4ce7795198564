using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>One rule of DESIGN section 3 per test: the rule fails alone, and is named in reasons.</summary>
public class DecisionRulesTests
{
    [Fact]
    public void Ordinary_call_to_unregistered_number_is_allowed_with_basis_NOT_REGISTERED()
    {
        // Given an unregistered subject, a fresh consultation, a valid caller id, inside hours
        // When
        var decision = Decide(Intent());
        // Then
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Empty(decision.Reasons);
        Assert.Equal(Basis.NOT_REGISTERED, decision.Basis);
        Assert.Equal("it-2024.1", decision.PolicyVersion);
    }

    // ---- INVALID_SUBJECT ----

    [Fact]
    public void Subject_that_cannot_be_normalized_is_blocked_as_INVALID_SUBJECT()
    {
        // Given a subject the normalizer rejects
        var valid = SubjectNormalizer.TryNormalize("12345", SubjectType.PHONE, out _);
        // When
        var decision = Decide(Intent(subjectIsValid: valid));
        // Then
        AssertBlocked(decision, Reason.INVALID_SUBJECT);
    }

    [Fact]
    public void Invalid_subject_skips_the_rules_that_need_the_subject()
    {
        // Given facts that would fail opt-out, RPO and the frequency cap if the subject were valid
        var subject = SubjectHistory.New()
            .Registered(T - Days(100))
            .Withdrawn(T - Days(2))
            .Contacted(T - Duration.FromHours(1))
            .For();
        // When the subject itself is invalid
        var decision = Decide(Intent(subjectIsValid: false), subject);
        // Then only INVALID_SUBJECT is reported
        AssertBlocked(decision, Reason.INVALID_SUBJECT);
    }

    [Fact]
    public void Invalid_subject_still_gets_the_rules_that_do_not_need_the_subject()
    {
        // Given an invalid subject, a hidden caller id, on a Sunday, with no consultation
        var sunday = Rome.At("2026-03-15 11:00");
        // When
        var decision = DecideWithConsultation(Intent(at: sunday, subjectIsValid: false, callerId: "anonymous"), consultation: null);
        // Then
        AssertBlocked(decision, Reason.INVALID_SUBJECT, Reason.CALLER_ID_INVALID, Reason.OUTSIDE_CALLING_HOURS, Reason.REGISTER_STALE);
    }

    // ---- CALLER_ID_INVALID ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("anonymous")]
    [InlineData("Anonymous")]
    [InlineData("private")]
    [InlineData("PRIVATO")]
    [InlineData("withheld")]
    [InlineData("private +390212345678")]
    [InlineData("private\u00A0+390212345678")]
    [InlineData("\uFF50\uFF52\uFF49\uFF56\uFF41\uFF54\uFF45 +390212345678")]
    [InlineData("0212345678 (anonimo)")]
    [InlineData("blocked +390212345678")]
    [InlineData("riservato +390212345678")]
    [InlineData("no caller id +390212345678")]
    [InlineData("+39 0212345678 x")]
    [InlineData("+39 02 1234 5678 ext. 12")]
    [InlineData("\u260E +390212345678")]
    [InlineData("*** +390212345678")]
    [InlineData("+39 02 1234 5678 #12")]
    [InlineData("\U0001F17F\U0001F181 +390212345678")]
    [InlineData("tel:0212345678;phone-context=+39")]
    [InlineData("#31#0212345678")]
    [InlineData("#31#+390212345678")]
    [InlineData("*31#0212345678")]
    [InlineData("12345")]
    [InlineData("+39 000")]
    [InlineData("02-CALL-NOW")]
    [InlineData("+99912345678")]
    public void Missing_hidden_or_invalid_caller_id_is_blocked_as_CALLER_ID_INVALID(string? callerId)
    {
        var decision = Decide(Intent(callerId: callerId));
        AssertBlocked(decision, Reason.CALLER_ID_INVALID);
    }

    [Theory]
    [InlineData("+390212345678")]
    [InlineData("02 1234 5678")]
    [InlineData("0039 02 12345678")]
    [InlineData("+39 333 123 4567")]
    [InlineData("3331234567")]
    [InlineData(" +390212345678 ")]
    [InlineData("tel:+390212345678")]
    [InlineData("02\u20131234 5678")]
    [InlineData("+39 02\u20121234\u20125678")]
    [InlineData("\uFF0B\uFF13\uFF19\uFF10\uFF12\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18")]
    public void Valid_caller_id_in_any_writing_passes(string callerId)
    {
        var decision = Decide(Intent(callerId: callerId));
        Assert.True(decision.IsAllowed, $"caller id '{callerId}' should pass, got [{string.Join(", ", decision.Reasons)}]");
    }

    // ---- OUTSIDE_CALLING_HOURS ----

    [Fact]
    public void Call_before_nine_on_a_weekday_is_blocked_as_OUTSIDE_CALLING_HOURS()
    {
        var decision = Decide(Intent(at: Rome.At("2026-03-10 08:59")));
        AssertBlocked(decision, Reason.OUTSIDE_CALLING_HOURS);
    }

    [Fact]
    public void Call_on_a_Sunday_is_blocked_as_OUTSIDE_CALLING_HOURS()
    {
        var decision = Decide(Intent(at: Rome.At("2026-03-15 11:00")));
        AssertBlocked(decision, Reason.OUTSIDE_CALLING_HOURS);
    }

    // ---- REGISTER_STALE ----

    [Fact]
    public void No_consultation_yet_is_blocked_as_REGISTER_STALE()
    {
        var decision = DecideWithConsultation(Intent(), consultation: null);
        AssertBlocked(decision, Reason.REGISTER_STALE);
    }

    [Fact]
    public void Consultation_exactly_15_days_before_the_decision_time_is_fresh()
    {
        var decision = DecideWithConsultation(Intent(), consultation: T - Days(15));
        Assert.True(decision.IsAllowed, string.Join(", ", decision.Reasons));
    }

    [Fact]
    public void Consultation_15_days_and_1_ms_before_the_decision_time_is_REGISTER_STALE()
    {
        var decision = DecideWithConsultation(Intent(), consultation: T - Days(15) - OneMs);
        AssertBlocked(decision, Reason.REGISTER_STALE);
    }

    [Fact]
    public void Fifteen_days_are_fixed_24_hour_days_even_across_the_daylight_saving_switch()
    {
        // Given a decision on Monday 2 November 2026 11:00 CET; 15 calendar days earlier was 18 October, still
        // CEST, so the same wall-clock time then is one hour more than 15x24h before
        var t = Rome.At("2026-11-02 11:00");
        var sameWallClock15CalendarDaysEarlier = Rome.At("2026-10-18 11:00");
        Assert.Equal(Days(15) + Duration.FromHours(1), t - sameWallClock15CalendarDaysEarlier);
        // When / Then: stale, because the limit is 15x24h, not 15 calendar days
        AssertBlocked(DecideWithConsultation(Intent(at: t), sameWallClock15CalendarDaysEarlier), Reason.REGISTER_STALE);
        Assert.True(DecideWithConsultation(Intent(at: t), t - Days(15)).IsAllowed);
    }

    // ---- COMPANY_OPT_OUT ----

    [Fact]
    public void Unregistered_subject_who_withdrew_consent_is_blocked_as_COMPANY_OPT_OUT()
    {
        var subject = SubjectHistory.New()
            .ExplicitConsent(T - Days(30))
            .Withdrawn(T - Days(2))
            .For();
        var decision = Decide(Intent(), subject);
        AssertBlocked(decision, Reason.COMPANY_OPT_OUT);
    }

    // ---- RPO_OPPOSITION ----

    [Fact]
    public void Registered_number_without_consent_is_blocked()
    {
        var subject = SubjectHistory.New().Registered(T - Days(100)).For();
        var decision = Decide(Intent(), subject);
        AssertBlocked(decision, Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Renewed_number_without_consent_is_blocked()
    {
        var subject = SubjectHistory.New().Renewed(T - Days(10)).For();
        var decision = Decide(Intent(), subject);
        AssertBlocked(decision, Reason.RPO_OPPOSITION);
    }

    // ---- FREQUENCY_CAP ----

    [Fact]
    public void Second_call_by_the_same_company_on_the_same_day_is_blocked_as_FREQUENCY_CAP()
    {
        var subject = SubjectHistory.New().Contacted(Rome.At("2026-03-10 09:30")).For();
        var decision = Decide(Intent(at: Rome.At("2026-03-10 17:00")), subject);
        AssertBlocked(decision, Reason.FREQUENCY_CAP);
    }

    // ---- several at once, in DESIGN table order ----

    [Fact]
    public void Every_failed_rule_is_listed_in_DESIGN_table_order()
    {
        // Given a registered subject who withdrew, already called today, no fresh consultation,
        // a hidden caller id and a call at 21:00
        var at = Rome.At("2026-03-10 21:00");
        var subject = SubjectHistory.New()
            .Registered(at - Days(200))
            .Withdrawn(at - Days(3))
            .Contacted(Rome.At("2026-03-10 09:15"))
            .For();
        // When
        var decision = DecideWithConsultation(Intent(at: at, callerId: "#31#0212345678"), consultation: at - Days(16), subject);
        // Then
        AssertBlocked(decision,
            Reason.CALLER_ID_INVALID,
            Reason.OUTSIDE_CALLING_HOURS,
            Reason.REGISTER_STALE,
            Reason.COMPANY_OPT_OUT,
            Reason.RPO_OPPOSITION,
            Reason.FREQUENCY_CAP);
    }

    [Fact]
    public void Two_failed_rules_are_both_listed()
    {
        var subject = SubjectHistory.New().Registered(T - Days(5)).For();
        var decision = DecideWithConsultation(Intent(), consultation: null, subject);
        AssertBlocked(decision, Reason.REGISTER_STALE, Reason.RPO_OPPOSITION);
    }

    // ---- purpose and channel ----

    [Fact]
    public void Market_research_gets_every_rule()
    {
        var at = Rome.At("2026-03-10 21:00");
        var subject = SubjectHistory.New().Registered(at - Days(200)).Contacted(Rome.At("2026-03-10 10:00")).For();
        var decision = DecideWithConsultation(Intent(at: at, purpose: Purpose.MARKET_RESEARCH, callerId: null), consultation: null, subject);
        AssertBlocked(decision,
            Reason.CALLER_ID_INVALID, Reason.OUTSIDE_CALLING_HOURS, Reason.REGISTER_STALE, Reason.RPO_OPPOSITION, Reason.FREQUENCY_CAP);
    }

    [Fact]
    public void Service_call_ignores_hours_staleness_opt_out_register_and_cap_and_is_allowed_as_NOT_PROMOTIONAL()
    {
        // Given everything a promotional call would fail except subject and caller id
        var sundayNight = Rome.At("2026-03-15 23:30");
        var subject = SubjectHistory.New()
            .Registered(sundayNight - Days(10))
            .Withdrawn(sundayNight - Days(1))
            .Contacted(sundayNight - Duration.FromHours(1))
            .For();
        // When
        var decision = DecideWithConsultation(Intent(at: sundayNight, purpose: Purpose.SERVICE), consultation: null, subject);
        // Then
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Empty(decision.Reasons);
        Assert.Equal(Basis.NOT_PROMOTIONAL, decision.Basis);
    }

    [Theory]
    [InlineData(false, "+390212345678", new[] { Reason.INVALID_SUBJECT })]
    [InlineData(true, "anonymous", new[] { Reason.CALLER_ID_INVALID })]
    [InlineData(false, null, new[] { Reason.INVALID_SUBJECT, Reason.CALLER_ID_INVALID })]
    public void Service_call_still_gets_INVALID_SUBJECT_and_CALLER_ID_INVALID(bool subjectIsValid, string? callerId, Reason[] expected)
    {
        var decision = DecideWithConsultation(Intent(purpose: Purpose.SERVICE, subjectIsValid: subjectIsValid, callerId: callerId), consultation: null);
        AssertBlocked(decision, expected);
    }

    [Fact]
    public void Postal_mail_ignores_calling_hours_caller_id_and_frequency_cap()
    {
        // Given a Sunday night, no caller id, and three letters today already
        var sundayNight = Rome.At("2026-03-15 23:30");
        var subject = SubjectHistory.New()
            .Contacted(sundayNight - Duration.FromHours(3))
            .Contacted(sundayNight - Duration.FromHours(2))
            .Contacted(sundayNight - Duration.FromHours(1))
            .For();
        // When
        var decision = Decide(Intent(at: sundayNight, channel: Channel.POSTAL_MAIL, callerId: null), subject);
        // Then
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Equal(Basis.NOT_REGISTERED, decision.Basis);
    }

    [Fact]
    public void Postal_mail_gets_INVALID_SUBJECT()
    {
        var decision = Decide(Intent(channel: Channel.POSTAL_MAIL, subjectIsValid: false, callerId: null));
        AssertBlocked(decision, Reason.INVALID_SUBJECT);
    }

    [Fact]
    public void Postal_mail_gets_REGISTER_STALE_COMPANY_OPT_OUT_and_RPO_OPPOSITION()
    {
        var subject = SubjectHistory.New().Registered(T - Days(50)).Withdrawn(T - Days(1)).For();
        var decision = DecideWithConsultation(Intent(channel: Channel.POSTAL_MAIL, callerId: null), consultation: null, subject);
        AssertBlocked(decision, Reason.REGISTER_STALE, Reason.COMPANY_OPT_OUT, Reason.RPO_OPPOSITION);
    }

    [Fact]
    public void Decision_records_the_policy_version_that_made_it()
    {
        var rules = RulesWith(s => s.Version = "it-test.7");
        Assert.Equal("it-test.7", Decide(Intent(), rules: rules).PolicyVersion);
        Assert.Equal("it-test.7", DecideWithConsultation(Intent(), null, rules: rules).PolicyVersion);
    }

    internal static void AssertBlocked(PolicyDecision decision, params Reason[] expected)
    {
        Assert.Equal(Outcome.BLOCKED, decision.Outcome);
        Assert.Equal(expected, decision.Reasons);
        Assert.Null(decision.Basis);
    }
}
