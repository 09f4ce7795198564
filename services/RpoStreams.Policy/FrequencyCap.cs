using NodaTime;

namespace RpoStreams.Policy;

/// <summary>
/// The frequency cap: a company may contact a subject at most DailyCap times on one calendar day
/// (policy time zone) and RollingCap times in the window [T - RollingWindow, T).
/// </summary>
public static class FrequencyCap
{
    public static bool IsReached(IReadOnlyList<Instant> allowedContacts, Instant t, PolicyRules rules)
    {
        if (allowedContacts.Count == 0)
        {
            return false;
        }
        // Null past either end of the calendar, for t and contacts alike (so those count as one day).
        var day = PolicyTime.Local(t, rules.Zone)?.Date;
        var windowStart = PolicyTime.Minus(t, rules.RollingWindow);
        int sameDay = 0, inWindow = 0;
        foreach (var at in allowedContacts)
        {
            if (PolicyTime.Local(at, rules.Zone)?.Date == day)
            {
                sameDay++;
            }
            if (at >= windowStart && at < t)
            {
                inWindow++;
            }
        }
        return sameDay >= rules.DailyCap || inWindow >= rules.RollingCap;
    }
}
