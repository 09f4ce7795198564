using CsCheck;
using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>
/// The policy is total: no instant NodaTime holds, in any zone or offset, makes the decision, the calling
/// window or the holiday calendar throw (the check API once answered 500 for a decision time in 9999).
/// </summary>
public class ExtremeInstantTests
{
    private static readonly Instant[] Edges =
    [
        Instant.MinValue,
        Instant.MinValue + Duration.Epsilon,
        Instant.MinValue + Duration.FromHours(18),
        Instant.MinValue + Duration.FromDays(30),
        Instant.MaxValue,
        Instant.MaxValue - Duration.Epsilon,
        Instant.MaxValue - Duration.FromHours(1),
        Instant.MaxValue - Duration.FromHours(18),
        Instant.MaxValue - Duration.FromDays(30),
        Rome.Utc("9999-12-31T22:59:59Z"),
        Rome.Utc("9999-12-31T05:59:59Z"),
        NodaConstants.UnixEpoch,
    ];

    private static readonly Gen<Instant> GenInstant = Gen.Frequency(
        (1, Gen.OneOf<Instant>(Edges)),
        (1, Gen.Long[Instant.MinValue.ToUnixTimeTicks(), Instant.MaxValue.ToUnixTimeTicks()].Select(Instant.FromUnixTimeTicks)));

    /// <summary>The default zone, the furthest ahead of UTC and the furthest behind.</summary>
    public static TheoryData<string> Zones() => new() { "Europe/Rome", "Pacific/Kiritimati", "Etc/GMT+12" };

    private static PolicyRules RulesIn(string zone) => zone == "Europe/Rome" ? Rules : RulesWith(s => s.TimeZone = zone);

    [Theory]
    [MemberData(nameof(Zones))]
    public void Decide_answers_for_any_instants_and_allowed_means_no_reasons(string zone)
    {
        var rules = RulesIn(zone);
        var times = Gen.Select(GenInstant, GenInstant, GenInstant, GenInstant.Array[0, 3], (t, registered, consented, contacts) => (t, registered, consented, contacts));
        var kinds = Gen.Select(Gen.Enum<Channel>(), Gen.Enum<Purpose>(), Gen.Enum<ConsentBasis>(), (channel, purpose, basis) => (channel, purpose, basis));
        Gen.Select(times, kinds, (time, kind) => (time, kind)).Sample(c =>
        {
            var subject = new SubjectFacts(
                new RegisterFacts(RegisterAction.REGISTERED, c.time.registered, c.time.registered),
                new ConsentFacts(ConsentAction.GRANTED, c.kind.basis, c.time.consented, c.time.consented),
                c.time.contacts);
            var intent = new IntentFacts(Company, c.kind.channel, c.kind.purpose, true, ValidCallerId, c.time.t);

            var decision = CallPolicy.Decide(intent, subject, c.time.consented, rules);

            Assert.Equal(decision.IsAllowed, decision.Reasons.Count == 0);
        }, iter: 2_000);
    }

    [Theory]
    [MemberData(nameof(Zones))]
    public void The_calling_window_answers_for_any_instant_and_its_next_opening_is_open(string zone)
    {
        var window = RulesIn(zone).Window;
        GenInstant.Sample(t =>
        {
            var open = window.IsOpen(t);
            var next = window.NextOpen(t);

            Assert.True(next >= t);
            Assert.True(next == Instant.MaxValue || window.IsOpen(next), $"{next} is not open");
            Assert.True(!open || next == t);
        }, iter: 2_000);
    }

    [Fact]
    public void The_last_hour_of_9999_in_Rome_is_closed_and_has_no_next_opening()
    {
        var lastHour = Rome.Utc("9999-12-31T23:30:00Z");

        Assert.False(Rules.Window.IsOpen(lastHour));
        Assert.Equal(Instant.MaxValue, Rules.Window.NextOpen(lastHour));
    }

    [Fact]
    public void The_last_day_of_the_calendar_has_pre_holiday_hours_because_1_January_follows()
    {
        // 31 December 9999 is a Friday: the day before New Year, so 10:00-19:00.
        var hours = Rules.Window.HoursOn(LocalDate.MaxIsoValue);

        Assert.Equal((new LocalTime(10, 0), new LocalTime(19, 0)), hours);
        Assert.True(Rules.Window.IsOpen(Rome.Utc("9999-12-31T09:00:00Z")));
        Assert.Equal(Rome.Utc("9999-12-31T09:00:00Z"), Rules.Window.NextOpen(Rome.Utc("9999-12-30T20:00:00Z")));
    }

    [Fact]
    public void Every_day_at_either_end_of_the_calendar_has_an_answer()
    {
        var window = Rules.Window;
        for (var i = 0; i < 60; i++)
        {
            _ = window.HoursOn(LocalDate.MinIsoValue.PlusDays(i));
            _ = window.HoursOn(LocalDate.MaxIsoValue.PlusDays(-i));
            _ = window.Holidays.IsDayBeforeHoliday(LocalDate.MaxIsoValue.PlusDays(-i));
        }
    }

    [Fact]
    public void Easter_is_a_Sunday_in_March_or_April_in_every_year_the_calendar_holds()
    {
        for (var year = LocalDate.MinIsoValue.Year; year <= LocalDate.MaxIsoValue.Year; year++)
        {
            var easter = Easter.Sunday(year);

            Assert.Equal(IsoDayOfWeek.Sunday, easter.DayOfWeek);
            Assert.InRange(easter.Month, 3, 4);
        }
    }

    [Fact]
    public void Contact_history_pruning_holds_at_the_start_of_the_calendar()
    {
        foreach (var streamTime in Edges)
        {
            var keepFrom = SubjectStateRules.KeepContactsFrom(streamTime, Duration.FromDays(366), Rules);

            Assert.True(keepFrom <= streamTime);
        }
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59+01:00")]
    [InlineData("9999-12-31T23:59:59+18:00")]
    [InlineData("-9998-01-01T00:00:00Z")]
    public void The_times_the_tester_sent_are_decided(string at)
    {
        var t = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(at).Value.ToInstant();

        var decision = DecideWithConsultation(Intent(at: t), t);

        Assert.Contains(Reason.OUTSIDE_CALLING_HOURS, decision.Reasons);
    }
}
