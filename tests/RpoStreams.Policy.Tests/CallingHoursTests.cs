using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>OUTSIDE_CALLING_HOURS at the edges, in Europe/Rome, holidays and daylight-saving days included.</summary>
public class CallingHoursTests
{
    [Theory]
    // Monday to Friday 09:00-20:00 (Tuesday 10 March 2026, CET; Tuesday 7 July 2026, CEST)
    [InlineData("2026-03-10 08:59:59.999", false, "weekday, 1 ms before opening")]
    [InlineData("2026-03-10 08:59", false, "weekday 08:59")]
    [InlineData("2026-03-10 09:00", true, "weekday 09:00")]
    [InlineData("2026-03-10 19:59", true, "weekday 19:59")]
    [InlineData("2026-03-10 19:59:59.999", true, "weekday, 1 ms before closing")]
    [InlineData("2026-03-10 20:00", false, "weekday 20:00")]
    [InlineData("2026-07-07 08:59", false, "summer weekday 08:59")]
    [InlineData("2026-07-07 09:00", true, "summer weekday 09:00")]
    [InlineData("2026-07-07 19:59", true, "summer weekday 19:59")]
    [InlineData("2026-07-07 20:00", false, "summer weekday 20:00")]
    // Saturday 10:00-19:00
    [InlineData("2026-03-14 09:59", false, "Saturday 09:59")]
    [InlineData("2026-03-14 10:00", true, "Saturday 10:00")]
    [InlineData("2026-03-14 18:59", true, "Saturday 18:59")]
    [InlineData("2026-03-14 19:00", false, "Saturday 19:00")]
    [InlineData("2026-07-11 10:00", true, "summer Saturday 10:00")]
    [InlineData("2026-07-11 19:00", false, "summer Saturday 19:00")]
    // Sunday: never
    [InlineData("2026-03-15 09:00", false, "Sunday 09:00")]
    [InlineData("2026-03-15 12:00", false, "Sunday 12:00")]
    [InlineData("2026-03-15 18:00", false, "Sunday 18:00")]
    // the day before a public holiday 10:00-19:00
    [InlineData("2026-06-01 09:00", false, "Monday 1 June, day before 2 June, 09:00")]
    [InlineData("2026-06-01 09:59", false, "Monday 1 June 09:59")]
    [InlineData("2026-06-01 10:00", true, "Monday 1 June 10:00")]
    [InlineData("2026-06-01 18:59", true, "Monday 1 June 18:59")]
    [InlineData("2026-06-01 19:00", false, "Monday 1 June 19:00")]
    [InlineData("2026-12-24 09:30", false, "Thursday 24 December 09:30")]
    [InlineData("2026-12-24 10:00", true, "Thursday 24 December 10:00")]
    [InlineData("2026-12-24 19:00", false, "Thursday 24 December 19:00")]
    [InlineData("2026-12-31 09:30", false, "Thursday 31 December, day before 1 January, 09:30")]
    [InlineData("2026-01-05 09:30", false, "Monday 5 January, day before Epiphany, 09:30")]
    [InlineData("2026-04-24 19:30", false, "Friday 24 April, day before Liberation Day, 19:30")]
    [InlineData("2026-04-30 19:30", false, "Thursday 30 April, day before 1 May, 19:30")]
    [InlineData("2026-08-14 09:30", false, "Friday 14 August, day before Ferragosto, 09:30")]
    [InlineData("2026-12-07 09:30", false, "Monday 7 December, day before 8 December, 09:30")]
    [InlineData("2028-10-03 09:30", false, "Tuesday 3 October 2028, day before St Francis, 09:30")]
    [InlineData("2025-10-03 09:30", true, "Friday 3 October 2025: 4 October was not yet a holiday")]
    [InlineData("2026-04-04 09:30", false, "Easter Saturday 09:30")]
    [InlineData("2026-04-04 10:00", true, "Easter Saturday 10:00")]
    // public holidays: closed all day
    [InlineData("2026-04-06 11:00", false, "Easter Monday 2026")]
    [InlineData("2027-03-29 11:00", false, "Easter Monday 2027")]
    [InlineData("2026-06-02 11:00", false, "Republic Day, a Tuesday")]
    [InlineData("2026-12-25 11:00", false, "Christmas, a Friday, also the day before 26 December")]
    [InlineData("2026-12-25 10:00", false, "Christmas 10:00, not opened by being the day before a holiday")]
    [InlineData("2025-12-25 10:00", false, "Christmas 2025, a Thursday, the day before 26 December")]
    [InlineData("2026-12-26 11:00", false, "St Stephen, a Saturday")]
    [InlineData("2026-05-01 11:00", false, "Labour Day, a Friday")]
    [InlineData("2026-08-15 11:00", false, "Ferragosto, a Saturday")]
    [InlineData("2026-12-08 11:00", false, "Immaculate Conception, a Tuesday")]
    [InlineData("2026-01-01 11:00", false, "New Year, a Thursday")]
    [InlineData("2026-01-06 11:00", false, "Epiphany, a Tuesday")]
    [InlineData("2026-04-25 11:00", false, "Liberation Day, a Saturday")]
    [InlineData("2027-10-04 11:00", false, "St Francis 2027, a Monday")]
    [InlineData("2026-10-04 11:00", false, "St Francis 2026, a Sunday")]
    [InlineData("2025-10-04 11:00", true, "4 October 2025, a Saturday: the holiday starts in 2026")]
    public void Promotional_call_is_allowed_only_inside_calling_hours(string romeTime, bool open, string description)
    {
        // Given a promotional phone call at that Rome time
        var intent = Intent(at: Rome.At(romeTime));
        // When
        var decision = Decide(intent);
        // Then
        Assert.True(open == decision.IsAllowed,
            $"{description} ({romeTime}): expected {(open ? "open" : "closed")}, got {decision.Outcome} [{string.Join(", ", decision.Reasons)}]");
        if (!open)
        {
            Assert.Equal([Reason.OUTSIDE_CALLING_HOURS], decision.Reasons);
        }
    }

    [Theory]
    [InlineData("2026-03-10", "09:00", "20:00")]
    [InlineData("2026-03-14", "10:00", "19:00")]
    [InlineData("2026-06-01", "10:00", "19:00")]
    [InlineData("2026-12-24", "10:00", "19:00")]
    [InlineData("2028-10-03", "10:00", "19:00")]
    [InlineData("2025-10-03", "09:00", "20:00")]
    public void Calling_hours_of_an_open_day(string date, string start, string end)
    {
        var hours = Rules.Window.HoursOn(Rome.Date(date));
        Assert.NotNull(hours);
        Assert.Equal(start, hours.Value.Start.ToString("HH:mm", null));
        Assert.Equal(end, hours.Value.End.ToString("HH:mm", null));
    }

    [Theory]
    [InlineData("2026-03-15")]
    [InlineData("2026-03-29")]
    [InlineData("2026-04-05")]
    [InlineData("2026-04-06")]
    [InlineData("2026-06-02")]
    [InlineData("2026-12-25")]
    [InlineData("2026-12-26")]
    [InlineData("2027-10-04")]
    public void No_calling_hours_on_Sundays_and_public_holidays(string date)
    {
        Assert.Null(Rules.Window.HoursOn(Rome.Date(date)));
    }

    // ---- daylight saving time (2026: 29 March and 25 October, both Sundays) ----

    [Theory]
    // Saturday 28 March 2026 is still CET (UTC+1): 10:00 local = 09:00Z
    [InlineData("2026-03-28T08:59:59.999Z", false)]
    [InlineData("2026-03-28T09:00:00Z", true)]
    [InlineData("2026-03-28T17:59:59.999Z", true)]
    [InlineData("2026-03-28T18:00:00Z", false)]
    // Monday 30 March 2026 is CEST (UTC+2): 09:00 local = 07:00Z, 20:00 local = 18:00Z
    [InlineData("2026-03-30T06:59:59.999Z", false)]
    [InlineData("2026-03-30T07:00:00Z", true)]
    [InlineData("2026-03-30T17:59:59.999Z", true)]
    [InlineData("2026-03-30T18:00:00Z", false)]
    // Saturday 24 October 2026 is still CEST: 10:00 local = 08:00Z, 19:00 local = 17:00Z
    [InlineData("2026-10-24T07:59:59.999Z", false)]
    [InlineData("2026-10-24T08:00:00Z", true)]
    [InlineData("2026-10-24T16:59:59.999Z", true)]
    [InlineData("2026-10-24T17:00:00Z", false)]
    // Monday 26 October 2026 is CET again: 09:00 local = 08:00Z, 20:00 local = 19:00Z
    [InlineData("2026-10-26T07:59:59.999Z", false)]
    [InlineData("2026-10-26T08:00:00Z", true)]
    [InlineData("2026-10-26T18:59:59.999Z", true)]
    [InlineData("2026-10-26T19:00:00Z", false)]
    public void Calling_hours_follow_Rome_local_time_around_the_daylight_saving_switches(string utc, bool open)
    {
        var decision = Decide(Intent(at: Rome.Utc(utc)));
        Assert.True(open == decision.IsAllowed, $"{utc}: expected {(open ? "open" : "closed")}, got [{string.Join(", ", decision.Reasons)}]");
    }

    [Theory]
    [InlineData("2026-03-29T00:59:59.999Z", "2026-03-29 01:59:59.999", 1)]
    [InlineData("2026-03-29T01:00:00Z", "2026-03-29 03:00", 2)]
    [InlineData("2026-10-25T00:59:59.999Z", "2026-10-25 02:59:59.999", 2)]
    [InlineData("2026-10-25T01:00:00Z", "2026-10-25 02:00", 1)]
    [InlineData("2026-03-28T23:00:00Z", "2026-03-29 00:00", 1)]
    [InlineData("2026-10-24T22:00:00Z", "2026-10-25 00:00", 2)]
    public void Policy_zone_converts_instants_around_the_switch_to_the_right_Rome_time(string utc, string local, int offsetHours)
    {
        var zoned = Rome.Utc(utc).InZone(Rules.Zone);
        Assert.Equal("Europe/Rome", Rules.Zone.Id);
        Assert.Equal(Rome.Local(local), zoned.LocalDateTime);
        Assert.Equal(Offset.FromHours(offsetHours), zoned.Offset);
    }

    [Theory]
    [InlineData("2026-03-28T18:00:00Z", "2026-03-30T07:00:00Z", "Saturday 19:00 CET -> Monday 09:00 CEST")]
    [InlineData("2026-10-24T17:00:00Z", "2026-10-26T08:00:00Z", "Saturday 19:00 CEST -> Monday 09:00 CET")]
    [InlineData("2026-12-24T18:00:00Z", "2026-12-28T08:00:00Z", "24 Dec 19:00 -> past 25, 26 Dec and Sunday -> Monday 28 Dec 09:00")]
    [InlineData("2026-06-01T05:00:00Z", "2026-06-01T08:00:00Z", "1 June 07:00 CEST -> 1 June 10:00 (day before a holiday)")]
    [InlineData("2026-06-01T17:00:00Z", "2026-06-03T07:00:00Z", "1 June 19:00 -> past 2 June -> Wednesday 09:00")]
    [InlineData("2026-03-10T10:00:00Z", "2026-03-10T10:00:00Z", "already open")]
    public void Next_opening_skips_closed_days_and_lands_on_Rome_local_opening_time(string fromUtc, string expectedUtc, string description)
    {
        Assert.True(Rome.Utc(expectedUtc) == Rules.Window.NextOpen(Rome.Utc(fromUtc)), description);
    }

    // ---- purpose and channel ----

    [Fact]
    public void Service_call_ignores_calling_hours()
    {
        var decision = Decide(Intent(at: Rome.At("2026-12-25 23:00"), purpose: Purpose.SERVICE));
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
        Assert.Equal(Basis.NOT_PROMOTIONAL, decision.Basis);
    }

    [Fact]
    public void Postal_mail_ignores_calling_hours()
    {
        var decision = Decide(Intent(at: Rome.At("2026-12-25 23:00"), channel: Channel.POSTAL_MAIL, callerId: null));
        Assert.Equal(Outcome.ALLOWED, decision.Outcome);
    }

    [Fact]
    public void Market_research_follows_calling_hours()
    {
        var decision = Decide(Intent(at: Rome.At("2026-12-25 11:00"), purpose: Purpose.MARKET_RESEARCH));
        Assert.Equal([Reason.OUTSIDE_CALLING_HOURS], decision.Reasons);
    }
}
