using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;

namespace RpoStreams.Policy;

/// <summary>
/// Every number of the policy (DESIGN section 3), bound from the <c>Policy</c> configuration section.
/// Defaults are the law as DESIGN states it (version it-2024.1).
/// </summary>
public sealed partial class PolicySettings
{
    /// <summary>Recorded on every decision, so a decision can be traced to the rules that made it.</summary>
    public string Version { get; set; } = "it-2024.1";

    /// <summary>Time zone of calling hours and calendar days.</summary>
    public string TimeZone { get; set; } = "Europe/Rome";

    /// <summary>A register consultation is valid this many days (law 5/2018, DPR 26/2022: 15).</summary>
    [Range(1, 365)]
    public int ConsultationValidityDays { get; set; } = 15;

    /// <summary>An ACTIVE_CONTRACT consent survives this many days after the contract ends.</summary>
    [Range(0, 3650)]
    public int ContractGraceDays { get; set; } = 30;

    /// <summary>At most this many ALLOWED contacts per company and subject per calendar day.</summary>
    [Range(1, 100)]
    public int DailyCap { get; set; } = 1;

    /// <summary>At most this many ALLOWED contacts per company and subject in the rolling window.</summary>
    [Range(1, 1000)]
    public int RollingCap { get; set; } = 3;

    /// <summary>Length of the rolling window, in 24-hour days.</summary>
    [Range(1, 365)]
    public int RollingWindowDays { get; set; } = 30;

    /// <summary>Monday to Friday calling hours, <c>HH:mm-HH:mm</c>, start inclusive, end exclusive.</summary>
    public string WeekdayHours { get; set; } = "09:00-20:00";

    /// <summary>Saturday calling hours.</summary>
    public string SaturdayHours { get; set; } = "10:00-19:00";

    /// <summary>Calling hours on the day before a public holiday.</summary>
    public string PreHolidayHours { get; set; } = "10:00-19:00";

    /// <summary>
    /// Public holidays: <c>MM-DD</c>, <c>MM-DD from YYYY</c>, <c>EASTER</c> or <c>EASTER_MONDAY</c>.
    /// Binding a list from configuration replaces this default as a whole.
    /// </summary>
    public List<string> Holidays { get; set; } =
    [
        "01-01", "01-06", "EASTER", "EASTER_MONDAY", "04-25", "05-01", "06-02", "08-15",
        "10-04 from 2026", "11-01", "12-08", "12-25", "12-26",
    ];

    /// <summary>One line per bad value, naming the setting; empty when all is well.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Version))
        {
            yield return "Policy:Version must not be empty";
        }
        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(TimeZone ?? string.Empty) is null)
        {
            yield return $"Policy:TimeZone '{TimeZone}' is not a tz database zone (for example Europe/Rome)";
        }
        foreach (var error in SettingRanges.OutOfRange("Policy", this))
        {
            yield return error;
        }
        foreach (var (name, value) in new[] { (nameof(WeekdayHours), WeekdayHours), (nameof(SaturdayHours), SaturdayHours), (nameof(PreHolidayHours), PreHolidayHours) })
        {
            if (!TryParseHours(value, out _, out _))
            {
                yield return $"Policy:{name} '{value}' must be HH:mm-HH:mm with the start before the end (for example 09:00-20:00)";
            }
        }
        if (Holidays is null)
        {
            yield return "Policy:Holidays must be a list";
            yield break;
        }
        for (var i = 0; i < Holidays.Count; i++)
        {
            if (!HolidayRule.TryParse(Holidays[i], out _))
            {
                yield return $"Policy:Holidays:{i} '{Holidays[i]}' must be MM-DD, 'MM-DD from YYYY', EASTER or EASTER_MONDAY";
            }
        }
    }

    [GeneratedRegex(@"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex HoursPattern();

    internal static bool TryParseHours(string? text, out LocalTime start, out LocalTime end)
    {
        start = end = default;
        var m = HoursPattern().Match(text ?? string.Empty);
        if (!m.Success)
        {
            return false;
        }
        int Part(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
        var (h1, m1, h2, m2) = (Part(1), Part(2), Part(3), Part(4));
        if (h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 == 24 && m2 != 0))
        {
            return false;
        }
        start = new LocalTime(h1, m1);
        end = h2 == 24 ? LocalTime.MaxValue : new LocalTime(h2, m2);
        return start < end;
    }
}
