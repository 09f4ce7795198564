using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>Italian public holidays (DESIGN section 3) and the Easter computation behind two of them.</summary>
public class HolidayCalendarTests
{
    [Theory]
    // Published Gregorian Easter dates (checked against two independent algorithms and python-dateutil).
    [InlineData(2025, "2025-04-20")]
    [InlineData(2026, "2026-04-05")]
    [InlineData(2027, "2027-03-28")]
    [InlineData(2028, "2028-04-16")]
    [InlineData(2029, "2029-04-01")]
    [InlineData(2030, "2030-04-21")]
    [InlineData(2031, "2031-04-13")]
    [InlineData(2032, "2032-03-28")]
    [InlineData(2033, "2033-04-17")]
    [InlineData(2034, "2034-04-09")]
    [InlineData(2035, "2035-03-25")]
    public void Easter_Sunday_is_the_published_date(int year, string expected)
    {
        var easter = Easter.Sunday(year);
        Assert.Equal(Rome.Date(expected), easter);
        Assert.Equal(IsoDayOfWeek.Sunday, easter.DayOfWeek);
    }

    [Theory]
    [InlineData("2026-04-05", true, "Easter Sunday")]
    [InlineData("2026-04-06", true, "Easter Monday")]
    [InlineData("2026-04-07", false, "Easter Tuesday")]
    [InlineData("2026-04-03", false, "Good Friday is not an Italian public holiday")]
    [InlineData("2027-03-28", true, "Easter Sunday 2027")]
    [InlineData("2027-03-29", true, "Easter Monday 2027")]
    [InlineData("2026-01-01", true, "New Year")]
    [InlineData("2026-01-06", true, "Epiphany")]
    [InlineData("2026-04-25", true, "Liberation Day")]
    [InlineData("2026-05-01", true, "Labour Day")]
    [InlineData("2026-06-02", true, "Republic Day")]
    [InlineData("2026-08-15", true, "Ferragosto")]
    [InlineData("2026-10-04", true, "St Francis, from 2026")]
    [InlineData("2030-10-04", true, "St Francis, later years")]
    [InlineData("2025-10-04", false, "St Francis, not before 2026")]
    [InlineData("2026-11-01", true, "All Saints")]
    [InlineData("2026-12-08", true, "Immaculate Conception")]
    [InlineData("2026-12-25", true, "Christmas")]
    [InlineData("2026-12-26", true, "St Stephen")]
    [InlineData("2026-12-24", false, "Christmas Eve")]
    [InlineData("2026-12-31", false, "New Year's Eve")]
    [InlineData("2026-06-29", false, "St Peter and Paul is a holiday in Rome only, not a national one")]
    [InlineData("2026-03-10", false, "an ordinary Tuesday")]
    public void Default_calendar_has_the_Italian_public_holidays(string date, bool holiday, string description)
    {
        Assert.True(holiday == Rules.Window.Holidays.IsHoliday(Rome.Date(date)), description);
    }

    [Theory]
    [InlineData("01-01", true)]
    [InlineData("12-31", true)]
    [InlineData("02-29", true)]
    [InlineData("10-04 from 2026", true)]
    [InlineData("10-04 FROM 2026", true)]
    [InlineData("EASTER", true)]
    [InlineData("easter_monday", true)]
    [InlineData(" 06-02 ", true)]
    [InlineData("02-30", false)]
    [InlineData("13-01", false)]
    [InlineData("00-10", false)]
    [InlineData("1-1", false)]
    [InlineData("06/02", false)]
    [InlineData("10-04 since 2026", false)]
    [InlineData("10-04 from 26", false)]
    [InlineData("GOOD_FRIDAY", false)]
    [InlineData("", false)]
    public void Holiday_entries_are_MM_DD_MM_DD_from_YYYY_EASTER_or_EASTER_MONDAY(string entry, bool accepted)
    {
        Assert.Equal(accepted, HolidayRule.TryParse(entry, out _));
    }

    [Fact]
    public void Holiday_from_a_year_applies_from_that_year_on()
    {
        Assert.True(HolidayRule.TryParse("10-04 from 2026", out var rule));
        Assert.False(rule.Matches(Rome.Date("2025-10-04")));
        Assert.True(rule.Matches(Rome.Date("2026-10-04")));
        Assert.True(rule.Matches(Rome.Date("2027-10-04")));
        Assert.False(rule.Matches(Rome.Date("2026-10-05")));
    }
}
