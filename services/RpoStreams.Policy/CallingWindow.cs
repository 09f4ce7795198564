using NodaTime;

namespace RpoStreams.Policy;

/// <summary>
/// When a promotional call may be placed (DESIGN section 3): Monday to Friday 09:00-20:00, Saturdays
/// and the day before a public holiday 10:00-19:00, never on Sundays or public holidays; start
/// inclusive, end exclusive, in the policy time zone (daylight-saving days included).
/// </summary>
public sealed class CallingWindow
{
    private readonly DateTimeZone zone;
    private readonly HolidayCalendar holidays;
    private readonly (LocalTime Start, LocalTime End) weekday;
    private readonly (LocalTime Start, LocalTime End) saturday;
    private readonly (LocalTime Start, LocalTime End) preHoliday;

    public CallingWindow(PolicySettings settings)
    {
        zone = DateTimeZoneProviders.Tzdb[settings.TimeZone];
        holidays = new HolidayCalendar(settings.Holidays);
        weekday = Hours(settings.WeekdayHours, nameof(settings.WeekdayHours));
        saturday = Hours(settings.SaturdayHours, nameof(settings.SaturdayHours));
        preHoliday = Hours(settings.PreHolidayHours, nameof(settings.PreHolidayHours));
    }

    public DateTimeZone Zone => zone;

    public HolidayCalendar Holidays => holidays;

    /// <summary>The calling hours of a local date, or null when calls are not allowed at all that day.</summary>
    public (LocalTime Start, LocalTime End)? HoursOn(LocalDate date)
    {
        if (date.DayOfWeek == IsoDayOfWeek.Sunday || holidays.IsHoliday(date))
        {
            return null;
        }
        if (holidays.IsDayBeforeHoliday(date))
        {
            return preHoliday;
        }
        return date.DayOfWeek == IsoDayOfWeek.Saturday ? saturday : weekday;
    }

    /// <summary>True when a promotional call may start at <paramref name="instant"/> (never past either end of the calendar).</summary>
    public bool IsOpen(Instant instant)
    {
        if (PolicyTime.Local(instant, zone) is not { } local)
        {
            return false;
        }
        var hours = HoursOn(local.Date);
        if (hours is null)
        {
            return false;
        }
        var time = local.TimeOfDay;
        return time >= hours.Value.Start && (time < hours.Value.End || (hours.Value.End == LocalTime.MaxValue && time <= LocalTime.MaxValue));
    }

    /// <summary>
    /// The first instant at or after <paramref name="instant"/> when a promotional call may start, or
    /// <see cref="Instant.MaxValue"/> ("never") when there is none in the next 31 days: past the end of the
    /// calendar, or with settings that close a whole month (check Policy:Holidays and the hours settings).
    /// </summary>
    public Instant NextOpen(Instant instant)
    {
        if (IsOpen(instant))
        {
            return instant;
        }
        if (PolicyTime.Local(instant, zone) is not { } local)
        {
            // Before the zone's first local day (a negative offset at Instant.MinValue), look from a day later;
            // after its last, there is no opening.
            return instant < NodaConstants.UnixEpoch ? NextOpen(Instant.MinValue + Duration.FromDays(1)) : Instant.MaxValue;
        }
        LocalDate? date = local.Date;
        for (var day = 0; day < 31 && date is { } d; day++, date = PolicyTime.NextDay(d))
        {
            if (HoursOn(d) is { } hours && (day > 0 || local.TimeOfDay < hours.Start))
            {
                return PolicyTime.ToInstant(d.At(hours.Start).InZoneLeniently(zone)) ?? Instant.MaxValue;
            }
        }
        return Instant.MaxValue;
    }

    private static (LocalTime, LocalTime) Hours(string text, string name) =>
        PolicySettings.TryParseHours(text, out var s, out var e) ? (s, e) : throw new ArgumentException($"Policy:{name} '{text}' is not HH:mm-HH:mm");
}
