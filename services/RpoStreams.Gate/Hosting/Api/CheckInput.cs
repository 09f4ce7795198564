using System.Globalization;
using NodaTime;
using RpoStreams.Policy.Subjects;
using RpoStreams.Policy;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;

namespace RpoStreams.Gate.Hosting.Api;

/// <summary>
/// Reads a check question from its raw parameters and refuses anything ambiguous or out of bounds, saying
/// what is wrong: every text within <see cref="InputLimits"/> (checked before the subject is normalized),
/// enums by their exact names only (not numbers, not comma-joined flags, not twice), and a decision time
/// intake accepts in an intent produced now (<c>Intake:EarliestEventTime</c> to <c>Intake:LatestEventTime</c>, at
/// most <c>Intake:MaxPastSkewDays</c>, less <c>Intake:MaxClockAheadMinutes</c> and <see cref="PeerMargin"/>, before and
/// <c>Intake:MaxFutureSkewDays</c> after now).
/// </summary>
internal static class CheckInput
{
    /// <summary>Longest <c>at</c> worth parsing (an ISO-8601 time with nanoseconds and an offset is 35 characters).</summary>
    private const int MaxTimeLength = 64;

    /// <summary>
    /// How far a check asked directly is kept from the bound on <c>at</c> beyond what the instance owning the subject
    /// allows a forwarded one: the clock difference and transit a peer signature may carry (<see cref="PeerCredentials.ClockWindow"/>)
    /// and as long again for finding that instance and forwarding (the pieces of a large batch for one owner go one after another).
    /// </summary>
    internal static readonly Duration PeerMargin = Duration.FromTimeSpan(PeerCredentials.ClockWindow) * 2;

    /// <summary>A problem when a query parameter is given more than once (which one counts would be a guess), else null.</summary>
    public static string? Repeated(IQueryCollection query)
    {
        foreach (var (name, values) in query)
        {
            if (values.Count > 1)
            {
                return string.Create(CultureInfo.InvariantCulture, $"'{name}' is given {values.Count} times; give each parameter once");
            }
        }
        return null;
    }

    /// <summary>
    /// The question, or null with <paramref name="problem"/> saying why not. <paramref name="forwarded"/>: asked by another
    /// instance for the partition this one owns, after that instance applied the bounds by its own clock, less
    /// <see cref="PeerMargin"/>: here the past bound is the one this instance keeps contacts for, and the future one is
    /// widened by that margin.
    /// </summary>
    public static CheckQuery? Parse(
        string? subject, string? companyId, string? channel, string? at, string? purpose, string? callerId,
        IntakeSettings range, Instant now, bool forwarded, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(subject))
        {
            problem = "'subject' is required";
            return null;
        }
        if (string.IsNullOrWhiteSpace(companyId))
        {
            problem = "'companyId' is required";
            return null;
        }
        if (!TryName(channel, Channel.PHONE, out var ch))
        {
            problem = "'channel' must be PHONE or POSTAL_MAIL";
            return null;
        }
        if (!TryName(purpose, Purpose.PROMOTIONAL, out var pu))
        {
            problem = "'purpose' must be PROMOTIONAL, MARKET_RESEARCH or SERVICE";
            return null;
        }
        problem = InputLimits.SubjectTooLong("subject", subject, SubjectNormalizer.TypeOf(ch))
            ?? InputLimits.TooLong("companyId", companyId, InputLimits.Id)
            ?? InputLimits.TooLong("callerId", callerId, InputLimits.CallerId)
            ?? InputLimits.TooLong("at", at, MaxTimeLength);
        if (problem != null)
        {
            return null;
        }
        var when = now;
        if (!string.IsNullOrWhiteSpace(at))
        {
            var parsed = PolicyTime.ParseOffsetTime(at);
            if (!parsed.Success)
            {
                problem = "'at' must be an ISO-8601 time with an offset, for example 2026-03-10T10:00:00+01:00";
                return null;
            }
            // An offset can carry a local time in 9999 past the last instant NodaTime holds: out of range too.
            if (PolicyTime.ToInstant(parsed.Value.InFixedZone()) is not { } instant || instant < range.Earliest || instant >= range.Latest)
            {
                problem = $"'at' must lie from {range.EarliestEventTime} to before {range.LatestEventTime} (Intake:EarliestEventTime, Intake:LatestEventTime)";
                return null;
            }
            // As intake bounds an intent produced now: contacts are kept for any such decision, counted from the partition's
            // stream time (SubjectStateRules.KeepContactsFrom), which can run up to Intake:MaxClockAheadMinutes ahead of the
            // owning instance's clock; an older time would be answered from a history partly let go. A question asked here is
            // held to that bound less PeerMargin, so the instance it may be forwarded to, holding it to the bound by its own
            // clock, does not refuse what this one took.
            var pastMargin = Duration.FromMinutes(range.MaxClockAheadMinutes) + (forwarded ? Duration.Zero : PeerMargin);
            var futureMargin = forwarded ? PeerMargin : Duration.Zero;
            if (range.TooFarBehind(instant, now, pastMargin) || range.TooFarAhead(instant, now + futureMargin))
            {
                problem = string.Create(CultureInfo.InvariantCulture,
                    $"'at' must lie at most {range.MaxPastSkewDays} days (less {pastMargin.TotalMinutes:0.##} minutes) before and {range.MaxFutureSkewDays} days{(forwarded ? $" and {futureMargin.TotalSeconds:0} seconds" : "")} after now, as intake takes an intent produced now (Intake:MaxPastSkewDays, Intake:MaxClockAheadMinutes, Intake:MaxFutureSkewDays{(forwarded ? "; asked through another instance" : "")})");
                return null;
            }
            when = instant;
        }
        return new CheckQuery(subject, companyId, ch, pu, when, callerId);
    }

    /// <summary>The subject limit of a channel, for a batch whose subjects are checked one by one.</summary>
    public static string? SubjectTooLong(int index, string? subject, Channel channel) =>
        InputLimits.SubjectTooLong(string.Create(CultureInfo.InvariantCulture, $"subjects[{index}]"), subject, SubjectNormalizer.TypeOf(channel));

    /// <summary>An enum by one of its names, any case; absent gives <paramref name="fallback"/>. Numbers, flags and spaces are not names.</summary>
    private static bool TryName<T>(string? text, T fallback, out T value)
        where T : struct, Enum
    {
        value = fallback;
        if (text is null)
        {
            return true;
        }
        foreach (var name in Enum.GetNames<T>())
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                value = Enum.Parse<T>(name);
                return true;
            }
        }
        return false;
    }
}
