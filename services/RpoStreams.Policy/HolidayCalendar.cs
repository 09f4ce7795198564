using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;

namespace RpoStreams.Policy;

/// <summary>One entry of the holiday list: a fixed date (optionally from a year on), Easter or Easter Monday.</summary>
public sealed partial record HolidayRule(int Month, int Day, int FromYear, int EasterOffset, bool IsEaster)
{
    [GeneratedRegex(@"^\s*(\d{2})-(\d{2})(?:\s+from\s+(\d{4}))?\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex FixedPattern();

    public static bool TryParse(string? text, out HolidayRule rule)
    {
        rule = new HolidayRule(0, 0, 0, 0, false);
        var t = (text ?? string.Empty).Trim().ToUpperInvariant();
        if (t == "EASTER")
        {
            rule = new HolidayRule(0, 0, 0, 0, true);
            return true;
        }
        if (t == "EASTER_MONDAY")
        {
            rule = new HolidayRule(0, 0, 0, 1, true);
            return true;
        }
        var m = FixedPattern().Match(t);
        if (!m.Success)
        {
            return false;
        }
        var month = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var day = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var from = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        if (month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(2024, month))
        {
            return false;
        }
        rule = new HolidayRule(month, day, from, 0, false);
        return true;
    }

    public bool Matches(LocalDate date)
    {
        if (IsEaster)
        {
            return date.Month is 3 or 4 && date == Easter.Sunday(date.Year).PlusDays(EasterOffset);
        }
        return IsOn(date.Year, date.Month, date.Day);
    }

    /// <summary>True for a fixed-date rule that falls on this day (also a year the calendar cannot hold).</summary>
    public bool IsOn(int year, int month, int day) => !IsEaster && Month == month && Day == day && year >= FromYear;
}

/// <summary>Italian public holidays as configured (DESIGN section 3, with 4 October from 2026).</summary>
public sealed class HolidayCalendar
{
    private readonly IReadOnlyList<HolidayRule> rules;

    public HolidayCalendar(IEnumerable<string> entries)
    {
        rules = entries.Select(e => HolidayRule.TryParse(e, out var r) ? r : throw new ArgumentException($"bad holiday '{e}'")).ToList();
    }

    public bool IsHoliday(LocalDate date) => rules.Any(r => r.Matches(date));

    /// <summary>True when the day after <paramref name="date"/> is a holiday (after 31 December 9999, the 1 January the calendar cannot hold).</summary>
    public bool IsDayBeforeHoliday(LocalDate date) =>
        PolicyTime.NextDay(date) is { } next ? IsHoliday(next) : rules.Any(r => r.IsOn(date.Year + 1, 1, 1));
}

/// <summary>
/// Easter Sunday in the (proleptic) Gregorian calendar: the anonymous Gregorian algorithm, Meeus/Jones/Butcher,
/// with floored division so that it also gives a date in March or April for the years up to 0 NodaTime holds.
/// </summary>
public static class Easter
{
    public static LocalDate Sunday(int year)
    {
        var a = Mod(year, 19);
        var b = Div(year, 100);
        var c = Mod(year, 100);
        var d = Div(b, 4);
        var e = Mod(b, 4);
        var f = Div(b + 8, 25);
        var g = Div(b - f + 1, 3);
        var h = Mod((19 * a) + b - d - g + 15, 30);
        var i = Div(c, 4);
        var k = Mod(c, 4);
        var l = Mod(32 + (2 * e) + (2 * i) - h - k, 7);
        var m = Div(a + (11 * h) + (22 * l), 451);
        var month = Div(h + l - (7 * m) + 114, 31);
        var day = Mod(h + l - (7 * m) + 114, 31) + 1;
        return new LocalDate(year, month, day);
    }

    private static int Mod(int value, int divisor) => ((value % divisor) + divisor) % divisor;

    private static int Div(int value, int divisor) => (value - Mod(value, divisor)) / divisor;
}
