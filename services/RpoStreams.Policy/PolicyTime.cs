using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;

namespace RpoStreams.Policy;

/// <summary>
/// Time arithmetic that holds at the ends of NodaTime's calendar, so that the policy is total: NodaTime throws
/// for an instant minus a duration before <see cref="Instant.MinValue"/>, and for an instant whose local time
/// in a zone falls outside the years -9998 to 9999 (the last hour of 9999 in Rome). Real decision times are
/// nowhere near; intake and the check API refuse times outside their documented range before the policy runs.
/// </summary>
public static partial class PolicyTime
{
    private static readonly long MinTicks = Instant.MinValue.ToUnixTimeTicks();
    private static readonly long MaxTicks = Instant.MaxValue.ToUnixTimeTicks();

    /// <summary><paramref name="instant"/> − <paramref name="duration"/>, held at <see cref="Instant.MinValue"/> and <see cref="Instant.MaxValue"/>.</summary>
    public static Instant Minus(Instant instant, Duration duration)
    {
        if (duration >= Duration.Zero)
        {
            return instant - Instant.MinValue < duration ? Instant.MinValue : instant - duration;
        }
        return Instant.MaxValue - instant < -duration ? Instant.MaxValue : instant - duration;
    }

    /// <summary>The local date and time of <paramref name="instant"/> in <paramref name="zone"/>, or null past either end of the calendar.</summary>
    public static LocalDateTime? Local(Instant instant, DateTimeZone zone)
    {
        var local = instant.ToUnixTimeTicks() + zone.GetUtcOffset(instant).Ticks;
        return local < MinTicks || local > MaxTicks ? null : instant.InZone(zone).LocalDateTime;
    }

    /// <summary>The instant of a zoned time, or null when it lies past either end of the calendar.</summary>
    public static Instant? ToInstant(ZonedDateTime zoned)
    {
        var ticks = zoned.LocalDateTime.InUtc().ToInstant().ToUnixTimeTicks() - zoned.Offset.Ticks;
        return ticks < MinTicks || ticks > MaxTicks ? null : zoned.ToInstant();
    }

    /// <summary>
    /// An instant as a message shows it: ISO-8601 in UTC, with its fraction of a second when it has one, so that a text
    /// saying one time is past another never shows the two alike (NodaTime's own text drops the fraction).
    /// </summary>
    public static string Text(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    /// <summary>Fraction digits past the ninth.</summary>
    [GeneratedRegex(@"(?<=T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9})[0-9]+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BeyondNanoseconds();

    private static readonly OffsetDateTimePattern WithoutSeconds = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>");

    /// <summary>
    /// An ISO-8601 date and time with an offset (<c>Z</c> or <c>±HH[:mm]</c>), its seconds and their fraction optional:
    /// <c>2026-03-10T10:00:00+01:00</c>, <c>2026-03-10T10:00:00.5+01:00</c>, <c>2026-03-10T10:00+01:00</c>. ISO-8601 puts no
    /// bound on the fraction's digits; those past the ninth (below a nanosecond) are cut, never rounded up across a boundary.
    /// </summary>
    public static ParseResult<OffsetDateTime> ParseOffsetTime(string text)
    {
        // NodaTime's parser reads a NUL as the end of the text, so "…+01:00\0anything" parsed as the time before it: a NUL
        // is read as a character no time holds, and the text fails as any other.
        text = BeyondNanoseconds().Replace(text.Replace('\0', '\uFFFD'), string.Empty, 1);
        var parsed = OffsetDateTimePattern.ExtendedIso.Parse(text);
        return parsed.Success ? parsed : WithoutSeconds.Parse(text) is { Success: true } shorter ? shorter : parsed;
    }

    /// <summary>The day after <paramref name="date"/>, or null for the calendar's last day.</summary>
    public static LocalDate? NextDay(LocalDate date) => date < LocalDate.MaxIsoValue ? date.PlusDays(1) : null;
}
