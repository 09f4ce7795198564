using NodaTime;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// The decisions a subject's state still knows by intentId. A decision stays known until stream time passes
/// both its decision time and its arrival by the idempotence window (DESIGN section 3, "Two clocks"): an
/// intent decided today for a call next week is still cleared when that call is made.
/// </summary>
public static class KnownDecisions
{
    /// <summary>The decision of <paramref name="intentId"/>, unless stream time has passed its keepUntil.</summary>
    public static KnownDecision? Find(SubjectState? state, string intentId, Instant streamTime)
    {
        if (state?.decisions is not { Count: > 0 } list)
        {
            return null;
        }
        var now = streamTime.ToUnixTimeMilliseconds();
        foreach (var known in list)
        {
            if (known.intentId == intentId)
            {
                return known.keepUntil.ToInstant().ToUnixTimeMilliseconds() < now ? null : known;
            }
        }
        return null;
    }

    /// <summary>Until when a decision is kept: the later of its decision time and its arrival, plus the window.</summary>
    public static Instant KeepUntil(Instant decisionTime, Instant arrival, Duration window) =>
        (decisionTime > arrival ? decisionTime : arrival) + window;

    /// <summary>Adds (or replaces) a decision and drops those stream time has passed.</summary>
    public static List<KnownDecision> Remember(SubjectState state, KnownDecision decision, Instant streamTime)
    {
        var list = state.decisions ?? [];
        var now = streamTime.ToUnixTimeMilliseconds();
        var next = new List<KnownDecision>(list.Count + 1);
        foreach (var known in list)
        {
            if (known.intentId != decision.intentId && known.keepUntil.ToInstant().ToUnixTimeMilliseconds() >= now)
            {
                next.Add(known);
            }
        }
        next.Add(decision);
        return next;
    }

    /// <summary>Drops the decisions stream time has passed; true when something was dropped.</summary>
    public static bool Forget(SubjectState state, Instant streamTime)
    {
        if (state.decisions is not { Count: > 0 } list)
        {
            return false;
        }
        var now = streamTime.ToUnixTimeMilliseconds();
        var kept = list.Where(k => k.keepUntil.ToInstant().ToUnixTimeMilliseconds() >= now).ToList();
        if (kept.Count == list.Count)
        {
            return false;
        }
        state.decisions = kept.Count == 0 ? null : kept;
        return true;
    }
}
