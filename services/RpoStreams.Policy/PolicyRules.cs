using NodaTime;

namespace RpoStreams.Policy;

/// <summary>The policy settings, validated and compiled once at start (durations, calendar, zone).</summary>
public sealed class PolicyRules
{
    private PolicyRules(PolicySettings settings)
    {
        Settings = settings;
        Version = settings.Version;
        ConsultationValidity = Duration.FromDays(settings.ConsultationValidityDays);
        ContractGrace = Duration.FromDays(settings.ContractGraceDays);
        RollingWindow = Duration.FromDays(settings.RollingWindowDays);
        DailyCap = settings.DailyCap;
        RollingCap = settings.RollingCap;
        Window = new CallingWindow(settings);
    }

    public PolicySettings Settings { get; }

    public string Version { get; }

    public Duration ConsultationValidity { get; }

    public Duration ContractGrace { get; }

    public Duration RollingWindow { get; }

    public int DailyCap { get; }

    public int RollingCap { get; }

    public CallingWindow Window { get; }

    public DateTimeZone Zone => Window.Zone;

    /// <summary>How far before a decision time contact history matters to the caps (the rolling window, and at least two days for the calendar day).</summary>
    public Duration HistoryHorizon => Duration.Max(RollingWindow, Duration.FromDays(2));

    /// <summary>Compiles settings; throws with every problem, one per line, when they are invalid.</summary>
    public static PolicyRules From(PolicySettings settings)
    {
        var errors = settings.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }
        return new PolicyRules(settings);
    }

    /// <summary>The defaults of DESIGN section 3.</summary>
    public static PolicyRules Default { get; } = From(new PolicySettings());
}
