using RpoStreams.Policy.Tests.Support;
using static RpoStreams.Policy.Tests.DecisionRulesTests;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>Every number of the policy is a setting; bad settings fail with one line naming each.</summary>
public class PolicySettingsTests
{
    [Fact]
    public void Default_settings_are_valid_and_are_the_DESIGN_defaults()
    {
        var settings = new PolicySettings();
        Assert.Empty(settings.Validate());
        Assert.Equal("it-2024.1", settings.Version);
        Assert.Equal("Europe/Rome", settings.TimeZone);
        Assert.Equal(15, settings.ConsultationValidityDays);
        Assert.Equal(30, settings.ContractGraceDays);
        Assert.Equal(1, settings.DailyCap);
        Assert.Equal(3, settings.RollingCap);
        Assert.Equal(30, settings.RollingWindowDays);
        Assert.Equal("09:00-20:00", settings.WeekdayHours);
        Assert.Equal("10:00-19:00", settings.SaturdayHours);
        Assert.Equal("10:00-19:00", settings.PreHolidayHours);
        Assert.Equal(13, settings.Holidays.Count);
    }

    [Theory]
    [InlineData("ConsultationValidityDays", "0", "Policy:ConsultationValidityDays")]
    [InlineData("ConsultationValidityDays", "-15", "Policy:ConsultationValidityDays")]
    [InlineData("ConsultationValidityDays", "366", "Policy:ConsultationValidityDays")]
    [InlineData("ContractGraceDays", "-1", "Policy:ContractGraceDays")]
    [InlineData("DailyCap", "0", "Policy:DailyCap")]
    [InlineData("RollingCap", "0", "Policy:RollingCap")]
    [InlineData("RollingWindowDays", "0", "Policy:RollingWindowDays")]
    [InlineData("WeekdayHours", "9-20", "Policy:WeekdayHours")]
    [InlineData("WeekdayHours", "20:00-09:00", "Policy:WeekdayHours")]
    [InlineData("WeekdayHours", "09:00-25:00", "Policy:WeekdayHours")]
    [InlineData("WeekdayHours", "09:60-20:00", "Policy:WeekdayHours")]
    [InlineData("WeekdayHours", "", "Policy:WeekdayHours")]
    [InlineData("SaturdayHours", "10:00", "Policy:SaturdayHours")]
    [InlineData("PreHolidayHours", "10:00-10:00", "Policy:PreHolidayHours")]
    [InlineData("Holidays", "13-01", "Policy:Holidays:2")]
    [InlineData("Holidays", "GOOD_FRIDAY", "Policy:Holidays:2")]
    [InlineData("TimeZone", "Europe/Roma", "Policy:TimeZone")]
    [InlineData("TimeZone", "CET+1", "Policy:TimeZone")]
    [InlineData("TimeZone", "", "Policy:TimeZone")]
    [InlineData("Version", " ", "Policy:Version")]
    public void One_bad_setting_gives_one_line_naming_it(string setting, string value, string named)
    {
        // Given the defaults with one bad value
        var settings = new PolicySettings();
        Set(settings, setting, value);
        // When
        var errors = settings.Validate().ToList();
        // Then
        var line = Assert.Single(errors);
        Assert.StartsWith(named + " ", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
        if (value.Trim().Length > 0 && setting is not ("ConsultationValidityDays" or "ContractGraceDays" or "DailyCap" or "RollingCap" or "RollingWindowDays"))
        {
            Assert.Contains($"'{value}'", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Several_bad_settings_give_one_line_each()
    {
        // Given four bad settings
        var settings = new PolicySettings
        {
            ConsultationValidityDays = 0,
            WeekdayHours = "nine to eight",
            TimeZone = "Mars/Olympus_Mons",
            Holidays = ["01-01", "31-12", "EASTER"],
        };
        // When
        var errors = settings.Validate().ToList();
        // Then
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Policy:ConsultationValidityDays ", StringComparison.Ordinal) && e.Contains("(got 0)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Policy:WeekdayHours 'nine to eight'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Policy:TimeZone 'Mars/Olympus_Mons'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Policy:Holidays:1 '31-12'", StringComparison.Ordinal));
    }

    [Fact]
    public void Compiling_bad_settings_throws_with_every_problem_one_per_line()
    {
        var settings = new PolicySettings { ConsultationValidityDays = 0, TimeZone = "Nowhere/Else" };
        var ex = Assert.Throws<ArgumentException>(() => PolicyRules.From(settings));
        var lines = ex.Message.Split(Environment.NewLine);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("Policy:ConsultationValidityDays", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Policy:TimeZone", StringComparison.Ordinal));
    }

    [Fact]
    public void Null_holiday_list_is_reported()
    {
        var settings = new PolicySettings { Holidays = null! };
        Assert.Equal(["Policy:Holidays must be a list"], settings.Validate());
    }

    [Fact]
    public void Consultation_validity_of_5_days_makes_6_day_old_consultations_stale()
    {
        // Given ConsultationValidityDays = 5
        var rules = RulesWith(s => s.ConsultationValidityDays = 5);
        // Then 5 days is fresh, 5 days + 1 ms is stale, where the default would still be fresh
        Assert.True(DecideWithConsultation(Intent(), T - Days(5), rules: rules).IsAllowed);
        AssertBlocked(DecideWithConsultation(Intent(), T - Days(5) - OneMs, rules: rules), Reason.REGISTER_STALE);
        Assert.True(DecideWithConsultation(Intent(), T - Days(5) - OneMs).IsAllowed);
    }

    [Fact]
    public void Contract_grace_is_a_setting()
    {
        var rules = RulesWith(s => s.ContractGraceDays = 0);
        var ended = SubjectHistory.New().ActiveContract(T - Days(400), endedAt: T - OneMs).Registered(T - Days(100)).For();
        var endsNow = SubjectHistory.New().ActiveContract(T - Days(400), endedAt: T).Registered(T - Days(100)).For();
        AssertBlocked(Decide(Intent(), ended, rules), Reason.RPO_OPPOSITION);
        Assert.Equal(Basis.ACTIVE_CONTRACT, Decide(Intent(), endsNow, rules).Basis);
        Assert.Equal(Basis.ACTIVE_CONTRACT, Decide(Intent(), ended).Basis);
    }

    [Fact]
    public void Weekday_hours_are_a_setting()
    {
        var rules = RulesWith(s => s.WeekdayHours = "08:00-21:00");
        Assert.True(Decide(Intent(at: Rome.At("2026-03-10 08:00")), rules: rules).IsAllowed);
        Assert.True(Decide(Intent(at: Rome.At("2026-03-10 20:59")), rules: rules).IsAllowed);
        AssertBlocked(Decide(Intent(at: Rome.At("2026-03-10 21:00")), rules: rules), Reason.OUTSIDE_CALLING_HOURS);
        AssertBlocked(Decide(Intent(at: Rome.At("2026-03-10 08:00"))), Reason.OUTSIDE_CALLING_HOURS);
    }

    [Fact]
    public void Hours_may_end_at_midnight()
    {
        var rules = RulesWith(s => s.WeekdayHours = "09:00-24:00");
        Assert.True(Decide(Intent(at: Rome.At("2026-03-10 23:59:59.999")), rules: rules).IsAllowed);
        AssertBlocked(Decide(Intent(at: Rome.At("2026-03-10 08:59:59.999")), rules: rules), Reason.OUTSIDE_CALLING_HOURS);
    }

    [Fact]
    public void Saturday_and_pre_holiday_hours_are_settings()
    {
        var rules = RulesWith(s =>
        {
            s.SaturdayHours = "09:00-13:00";
            s.PreHolidayHours = "09:30-12:00";
        });
        Assert.True(Decide(Intent(at: Rome.At("2026-03-14 09:00")), rules: rules).IsAllowed);
        AssertBlocked(Decide(Intent(at: Rome.At("2026-03-14 13:00")), rules: rules), Reason.OUTSIDE_CALLING_HOURS);
        Assert.True(Decide(Intent(at: Rome.At("2026-06-01 09:30")), rules: rules).IsAllowed);
        AssertBlocked(Decide(Intent(at: Rome.At("2026-06-01 12:00")), rules: rules), Reason.OUTSIDE_CALLING_HOURS);
    }

    [Fact]
    public void Holiday_list_from_settings_replaces_the_default()
    {
        // Given a list without 2 June
        var rules = RulesWith(s => s.Holidays = ["01-01", "12-25"]);
        // Then 2 June is an ordinary Tuesday and 1 June an ordinary Monday
        Assert.True(Decide(Intent(at: Rome.At("2026-06-02 11:00")), rules: rules).IsAllowed);
        Assert.True(Decide(Intent(at: Rome.At("2026-06-01 09:00")), rules: rules).IsAllowed);
        AssertBlocked(Decide(Intent(at: Rome.At("2026-12-25 11:00")), rules: rules), Reason.OUTSIDE_CALLING_HOURS);
    }

    [Fact]
    public void Time_zone_is_a_setting()
    {
        // Given London time: 09:30 in Rome is 08:30 in London (both on winter time)
        var rules = RulesWith(s => s.TimeZone = "Europe/London");
        var at = Rome.At("2026-03-10 09:30");
        AssertBlocked(Decide(Intent(at: at), rules: rules), Reason.OUTSIDE_CALLING_HOURS);
        Assert.True(Decide(Intent(at: at)).IsAllowed);
    }

    private static void Set(PolicySettings settings, string setting, string value)
    {
        switch (setting)
        {
            case "ConsultationValidityDays": settings.ConsultationValidityDays = int.Parse(value); break;
            case "ContractGraceDays": settings.ContractGraceDays = int.Parse(value); break;
            case "DailyCap": settings.DailyCap = int.Parse(value); break;
            case "RollingCap": settings.RollingCap = int.Parse(value); break;
            case "RollingWindowDays": settings.RollingWindowDays = int.Parse(value); break;
            case "WeekdayHours": settings.WeekdayHours = value; break;
            case "SaturdayHours": settings.SaturdayHours = value; break;
            case "PreHolidayHours": settings.PreHolidayHours = value; break;
            case "Holidays": settings.Holidays = ["01-01", "01-06", value, "12-25"]; break;
            case "TimeZone": settings.TimeZone = value; break;
            case "Version": settings.Version = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(setting), setting, "unknown setting in test table");
        }
    }
}
