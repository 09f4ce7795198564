using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.DecisionRulesTests;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>
/// FREQUENCY_CAP: at most 1 ALLOWED promotional phone decision per company and subject per Europe/Rome
/// calendar day, and 3 in [T - 30x24h, T).
/// </summary>
public class FrequencyCapTests
{
    /// <summary>Wednesday 15 April 2026, 11:00 CEST.</summary>
    private static readonly Instant Next = Rome.At("2026-04-15 11:00");

    [Fact]
    public void First_call_of_the_day_is_allowed()
    {
        var subject = SubjectHistory.New().Contacted(Rome.At("2026-04-14 19:59")).For();
        Assert.True(Decide(Intent(at: Next), subject).IsAllowed);
    }

    [Fact]
    public void Second_call_on_the_same_Rome_day_is_blocked()
    {
        var subject = SubjectHistory.New().Contacted(Rome.At("2026-04-15 09:00")).For();
        AssertBlocked(Decide(Intent(at: Rome.At("2026-04-15 19:59")), subject), Reason.FREQUENCY_CAP);
    }

    [Fact]
    public void Same_day_means_the_Rome_date_not_the_UTC_date()
    {
        // Given a contact at 00:30 Rome time on 15 April, which is still 14 April in UTC
        var justAfterRomeMidnight = Rome.Utc("2026-04-14T22:30:00Z");
        Assert.Equal(Rome.Date("2026-04-15"), justAfterRomeMidnight.InZone(Rome.Zone).Date);
        // When a call is decided later on 15 April (Rome)
        var capped = FrequencyCap.IsReached([justAfterRomeMidnight], Next, Rules);
        // Then it is the same day
        Assert.True(capped);
    }

    [Fact]
    public void Contact_just_before_Rome_midnight_is_the_previous_day()
    {
        // 23:59:59.999 Rome on 14 April is 21:59:59.999Z
        var justBeforeRomeMidnight = Rome.At("2026-04-14 23:59:59.999");
        Assert.False(FrequencyCap.IsReached([justBeforeRomeMidnight], Rome.At("2026-04-15 00:00"), Rules));
    }

    [Fact]
    public void Calendar_day_of_25_hours_when_clocks_go_back_is_one_day()
    {
        // Sunday 25 October 2026 lasts 25 hours in Rome: 00:30 CEST and 23:30 CET are 24 h apart, same date
        var early = Rome.Utc("2026-10-24T22:30:00Z");
        var late = Rome.Utc("2026-10-25T22:30:00Z");
        Assert.Equal(Duration.FromHours(24), late - early);
        Assert.True(FrequencyCap.IsReached([early], late, Rules));
    }

    [Fact]
    public void Calendar_day_of_23_hours_when_clocks_go_forward_ends_at_Rome_midnight()
    {
        // Sunday 29 March 2026 lasts 23 hours; 23:59 CEST is 21:59Z and 00:00 Monday is 22:00Z
        var lastMinuteOfSunday = Rome.Utc("2026-03-29T21:59:00Z");
        var mondayMidnight = Rome.Utc("2026-03-29T22:00:00Z");
        Assert.False(FrequencyCap.IsReached([lastMinuteOfSunday], mondayMidnight, Rules));
        Assert.True(FrequencyCap.IsReached([Rome.Utc("2026-03-28T23:00:00Z")], lastMinuteOfSunday, Rules));
    }

    [Fact]
    public void Fourth_call_in_30_days_is_blocked()
    {
        var subject = SubjectHistory.New()
            .Contacted(Next - Days(25))
            .Contacted(Next - Days(12))
            .Contacted(Next - Days(3))
            .For();
        AssertBlocked(Decide(Intent(at: Next), subject), Reason.FREQUENCY_CAP);
    }

    [Fact]
    public void Third_call_in_30_days_is_allowed()
    {
        var subject = SubjectHistory.New().Contacted(Next - Days(12)).Contacted(Next - Days(3)).For();
        Assert.True(Decide(Intent(at: Next), subject).IsAllowed);
    }

    [Fact]
    public void Contact_exactly_30x24h_before_counts()
    {
        var contacts = new[] { Next - Days(30), Next - Days(10), Next - Days(2) };
        Assert.True(FrequencyCap.IsReached(contacts, Next, Rules));
    }

    [Fact]
    public void Contact_30_days_and_1_ms_before_does_not_count()
    {
        var contacts = new[] { Next - Days(30) - OneMs, Next - Days(10), Next - Days(2) };
        Assert.False(FrequencyCap.IsReached(contacts, Next, Rules));
    }

    [Fact]
    public void Window_is_30x24h_not_30_calendar_days_when_clocks_went_back_in_between()
    {
        // Given a decision on Tuesday 10 November 2026 11:00 CET; the same wall-clock time 30 calendar days
        // earlier (11 October, CEST) is 30x24h + 1h before, so it is outside [T - 30x24h, T)
        var t = Rome.At("2026-11-10 11:00");
        var sameWallClock = Rome.At("2026-10-11 11:00");
        Assert.Equal(Days(30) + Duration.FromHours(1), t - sameWallClock);
        Assert.False(FrequencyCap.IsReached([sameWallClock, t - Days(10), t - Days(2)], t, Rules));
        Assert.True(FrequencyCap.IsReached([sameWallClock + Duration.FromHours(1), t - Days(10), t - Days(2)], t, Rules));
    }

    [Fact]
    public void Window_is_30x24h_not_30_calendar_days_when_clocks_went_forward_in_between()
    {
        // Given a decision on 15 April 2026 11:00 CEST; 16 March 10:30 CET is less than 30x24h before
        // (though earlier in the day than 30 calendar days before), so it counts
        var inside = Rome.At("2026-03-16 10:30");
        Assert.Equal(Days(30) - Duration.FromMinutes(30), Next - inside);
        Assert.True(FrequencyCap.IsReached([inside, Next - Days(10), Next - Days(2)], Next, Rules));
    }

    [Fact]
    public void Contacts_after_the_decision_time_on_other_days_are_not_in_the_30_day_window()
    {
        // [T - 30d, T): the window ends before T
        var contacts = new[] { Next - Days(10), Next - Days(2), Next + Days(1) };
        Assert.False(FrequencyCap.IsReached(contacts, Next, Rules));
    }

    [Fact]
    public void Other_companys_calls_do_not_count()
    {
        // Given GLOBEX called today and three times this month
        var history = SubjectHistory.New()
            .Contacted(Next - Days(20), OtherCompany)
            .Contacted(Next - Days(10), OtherCompany)
            .Contacted(Rome.At("2026-04-15 09:30"), OtherCompany);
        // When ACME calls
        var forAcme = Decide(Intent(at: Next, company: Company), history.For(Company));
        var forGlobex = Decide(Intent(at: Next, company: OtherCompany), history.For(OtherCompany));
        // Then ACME is not capped, GLOBEX is
        Assert.True(forAcme.IsAllowed);
        AssertBlocked(forGlobex, Reason.FREQUENCY_CAP);
    }

    [Fact]
    public void Service_call_is_not_capped()
    {
        var subject = SubjectHistory.New().Contacted(Rome.At("2026-04-15 09:30")).For();
        var decision = Decide(Intent(at: Next, purpose: Purpose.SERVICE), subject);
        Assert.Equal(Basis.NOT_PROMOTIONAL, decision.Basis);
    }

    [Fact]
    public void Market_research_is_capped()
    {
        var subject = SubjectHistory.New().Contacted(Rome.At("2026-04-15 09:30")).For();
        AssertBlocked(Decide(Intent(at: Next, purpose: Purpose.MARKET_RESEARCH), subject), Reason.FREQUENCY_CAP);
    }

    [Fact]
    public void Postal_mail_is_not_capped()
    {
        var subject = SubjectHistory.New().Contacted(Rome.At("2026-04-15 09:30")).For();
        Assert.True(Decide(Intent(at: Next, channel: Channel.POSTAL_MAIL, callerId: null), subject).IsAllowed);
    }

    [Fact]
    public void No_history_is_never_capped()
    {
        Assert.False(FrequencyCap.IsReached([], Next, Rules));
    }

    [Fact]
    public void Caps_are_settings()
    {
        var rules = RulesWith(s =>
        {
            s.DailyCap = 2;
            s.RollingCap = 5;
            s.RollingWindowDays = 7;
        });
        var today = Rome.At("2026-04-15 09:30");
        Assert.False(FrequencyCap.IsReached([today], Next, rules));
        Assert.True(FrequencyCap.IsReached([today, today + Duration.FromMinutes(10)], Next, rules));
        Instant[] fourThisWeek = [Next - Days(6), Next - Days(5), Next - Days(4), Next - Days(3)];
        Assert.False(FrequencyCap.IsReached(fourThisWeek, Next, rules));
        Assert.True(FrequencyCap.IsReached([.. fourThisWeek, Next - Days(2)], Next, rules));
        Assert.False(FrequencyCap.IsReached([.. fourThisWeek, Next - Days(7) - OneMs], Next, rules));
    }
}
