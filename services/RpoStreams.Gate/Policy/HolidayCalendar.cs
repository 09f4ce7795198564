using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;

namespace RpoStreams.Gate.Policy;

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
            return date == Easter.Sunday(date.Year).PlusDays(EasterOffset);
        }
        return date.Month == Month && date.Day == Day && date.Year >= FromYear;
    }
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
}

/// <summary>Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).</summary>
public static class Easter
{
    public static LocalDate Sunday(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = ((19 * a) + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + (2 * e) + (2 * i) - h - k) % 7;
        var m = (a + (11 * h) + (22 * l)) / 451;
        var month = (h + l - (7 * m) + 114) / 31;
        var day = ((h + l - (7 * m) + 114) % 31) + 1;
        return new LocalDate(year, month, day);
    }
}
