using NodaTime;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Policy;

/// <summary>
/// How stored subject state changes with each input (DESIGN section 3, "latest" rules): pure
/// functions, so out-of-order and repeated updates are unit-tested without Kafka.
/// </summary>
public static class SubjectStateRules
{
    /// <summary>How many earlier register updates, and earlier consent events per company, a subject's state keeps.</summary>
    public const int MaxEarlier = 8;

    /// <summary>
    /// Applies a register update. The latest by effectiveAt is the subject's state; an equal one replaces it; repeats
    /// are harmless. The update it follows, and one older than it arriving late, go among the earlier ones (returns
    /// null when there is nothing new to store): a decision is made on the register as it stood at its decision time,
    /// whatever order the updates arrived in.
    /// </summary>
    public static RegisterState? Apply(RegisterState? current, RegisterUpdate update)
    {
        var at = update.effectiveAt.ToInstant();
        if (current is null)
        {
            return new RegisterState
            {
                status = update.action,
                effectiveAt = at.ToAvro(),
                registeredAt = IsRegistration(update.action) ? at.ToAvro() : null,
                earlier = [],
                complete = true,
            };
        }
        var step = new RegisterStep { status = update.action, effectiveAt = at.ToAvro() };
        var latest = current.effectiveAt.ToInstant();
        if (at < latest)
        {
            var earlier = Insert(current.earlier ?? [], step, static s => s.effectiveAt, static (a, b) => a.status == b.status, out var lost);
            // The latest registration stays the latest REGISTERED or RENEWED, whichever order they came in.
            var registeredAt = IsRegistration(update.action) && (current.registeredAt is null || current.registeredAt < step.effectiveAt) ? step.effectiveAt : current.registeredAt;
            return earlier is null ? null : new RegisterState { status = current.status, effectiveAt = current.effectiveAt, registeredAt = registeredAt, earlier = earlier, complete = current.complete && !lost };
        }
        var dropped = false;
        var kept = at > latest
            ? Insert(current.earlier ?? [], new RegisterStep { status = current.status, effectiveAt = current.effectiveAt }, static s => s.effectiveAt, static (_, _) => false, out dropped)!
            : current.earlier ?? [];
        return new RegisterState
        {
            status = update.action,
            effectiveAt = at.ToAvro(),
            registeredAt = IsRegistration(update.action) ? at.ToAvro() : current.registeredAt,
            earlier = kept,
            complete = current.complete && !dropped,
        };
    }

    private static bool IsRegistration(RegisterAction action) => action is RegisterAction.REGISTERED or RegisterAction.RENEWED;

    /// <summary>
    /// The register as it stood at <paramref name="t"/> (DESIGN: every rule uses the decision time): the latest update
    /// effective at or before it, with the latest REGISTERED or RENEWED effective at or before it. Null when the register
    /// named the subject only later. An update dated after the decision time is not yet in force: a removal effective
    /// next week leaves the number registered until then, a registration effective next week does not block today.
    /// </summary>
    public static RegisterFacts? ToFacts(RegisterState? state, Instant t)
    {
        if (state is null)
        {
            return null;
        }
        if (state.effectiveAt.ToInstant() <= t)
        {
            return new RegisterFacts(state.status, state.effectiveAt.ToInstant(), state.registeredAt.ToInstant());
        }
        var earlier = state.earlier ?? [];
        Instant? registeredAt = null;
        RegisterStep? inForce = null;
        for (var i = earlier.Count - 1; i >= 0; i--)
        {
            var step = earlier[i];
            if (step.effectiveAt.ToInstant() > t)
            {
                continue;
            }
            inForce ??= step;
            if (step.status is RegisterAction.REGISTERED or RegisterAction.RENEWED)
            {
                registeredAt = step.effectiveAt.ToInstant();
                break;
            }
        }
        if (inForce is null)
        {
            // Before every update kept: never in the register then, if nothing older was let go. Otherwise (or in a
            // state written before the history was kept) what stood then is unknown: fail closed, registered then,
            // with no explicit consent given before the call surviving.
            return state.complete ? null : new RegisterFacts(RegisterAction.REGISTERED, t, t);
        }
        // A registration older than every update kept: the stored one, if it came before the decision time.
        registeredAt ??= state.registeredAt.ToInstant() is { } stored && stored <= t ? stored : inForce.effectiveAt.ToInstant();
        return new RegisterFacts(inForce.status, inForce.effectiveAt.ToInstant(), registeredAt);
    }

    /// <summary>
    /// <paramref name="earlier"/> (oldest first) with <paramref name="step"/> in its place by time, replacing one of the
    /// same time, keeping the newest <see cref="MaxEarlier"/> (<paramref name="dropped"/> when one had to go); null for
    /// a repeat of one kept (<paramref name="same"/>).
    /// </summary>
    private static List<T>? Insert<T>(IList<T> earlier, T step, Func<T, DateTime> at, Func<T, T, bool> same, out bool dropped)
    {
        dropped = false;
        var next = new List<T>(earlier.Count + 1);
        var placed = false;
        foreach (var e in earlier)
        {
            if (!placed && at(e) >= at(step))
            {
                placed = true;
                if (at(e) == at(step))
                {
                    if (same(e, step))
                    {
                        return null;
                    }
                    next.Add(step);
                    continue;
                }
                next.Add(step);
            }
            next.Add(e);
        }
        if (!placed)
        {
            next.Add(step);
        }
        if (next.Count > MaxEarlier)
        {
            // The oldest goes, perhaps the one just come: what stood before the oldest kept is no longer known.
            next.RemoveRange(0, next.Count - MaxEarlier);
            dropped = true;
        }
        return next;
    }

    /// <summary>
    /// Applies a consent event: per company the latest by <c>at</c> is the consent, ties go to the later arrival. The
    /// event it follows, and one older than it arriving late, go among the earlier ones. Returns null when there is
    /// nothing new to store.
    /// </summary>
    public static SubjectConsents? Apply(SubjectConsents? current, ConsentEvent e)
    {
        var list = current?.consents ?? [];
        var index = -1;
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].companyId == e.companyId)
            {
                index = i;
                break;
            }
        }
        var at = e.at.ToInstant();
        var step = new ConsentStep { action = e.action, basis = e.basis, at = at.ToAvro(), contractEndedAt = e.contractEndedAt?.ToInstant().ToAvro() };
        CompanyConsent entry;
        if (index < 0)
        {
            entry = Entry(e.companyId, step, [], complete: true);
        }
        else
        {
            var previous = list[index];
            var latest = previous.at.ToInstant();
            if (at < latest)
            {
                var earlier = Insert(previous.earlier ?? [], step, static s => s.at, SameConsent, out var lost);
                if (earlier is null)
                {
                    return null;
                }
                entry = Entry(previous.companyId, new ConsentStep { action = previous.action, basis = previous.basis, at = previous.at, contractEndedAt = previous.contractEndedAt }, earlier, previous.complete && !lost);
            }
            else
            {
                var dropped = false;
                var kept = at > latest
                    ? Insert(previous.earlier ?? [], new ConsentStep { action = previous.action, basis = previous.basis, at = previous.at, contractEndedAt = previous.contractEndedAt }, static s => s.at, static (_, _) => false, out dropped)!
                    : previous.earlier ?? [];
                entry = Entry(e.companyId, step, kept, previous.complete && !dropped);
            }
        }
        var next = new List<CompanyConsent>(list);
        if (index >= 0)
        {
            next[index] = entry;
        }
        else
        {
            next.Add(entry);
        }
        return new SubjectConsents { consents = next };
    }

    private static bool SameConsent(ConsentStep a, ConsentStep b) =>
        a.action == b.action && a.basis == b.basis && a.contractEndedAt == b.contractEndedAt;

    private static CompanyConsent Entry(string companyId, ConsentStep latest, IList<ConsentStep> earlier, bool complete) => new()
    {
        complete = complete,
        companyId = companyId,
        action = latest.action,
        basis = latest.basis,
        at = latest.at,
        contractEndedAt = latest.contractEndedAt,
        earlier = earlier,
    };

    /// <summary>
    /// The consent of <paramref name="companyId"/> as it stood at <paramref name="t"/>: the latest event at or before it.
    /// A consent given, or withdrawn, after the decision time does not count for it.
    /// </summary>
    public static ConsentFacts? ConsentOf(SubjectConsents? state, string companyId, Instant t)
    {
        if (state?.consents is null)
        {
            return null;
        }
        foreach (var c in state.consents)
        {
            if (c.companyId != companyId)
            {
                continue;
            }
            if (c.at.ToInstant() <= t)
            {
                return new ConsentFacts(c.action, c.basis, c.at.ToInstant(), c.contractEndedAt.ToInstant());
            }
            var earlier = c.earlier ?? [];
            for (var i = earlier.Count - 1; i >= 0; i--)
            {
                if (earlier[i].at.ToInstant() <= t)
                {
                    var step = earlier[i];
                    return new ConsentFacts(step.action, step.basis, step.at.ToInstant(), step.contractEndedAt.ToInstant());
                }
            }
            // Before every event kept: none then, if nothing older was let go; otherwise unknown, and the call is
            // blocked as if the person had objected (failing closed).
            return c.complete ? null : new ConsentFacts(ConsentAction.WITHDRAWN, null, t, null);
        }
        return null;
    }

    /// <summary>What the policy reads of a stored subject's state for an intent of <paramref name="companyId"/> decided at <paramref name="t"/>.</summary>
    public static SubjectFacts FactsOf(SubjectState? state, string companyId, Instant t) =>
        new(ToFacts(state?.register, t), ConsentOf(state?.consents, companyId, t), ContactsOf(state?.contacts, companyId));

    public static IReadOnlyList<Instant> ContactsOf(ContactHistory? history, string companyId)
    {
        if (history?.contacts is null || history.contacts.Count == 0)
        {
            return [];
        }
        var result = new List<Instant>();
        foreach (var c in history.contacts)
        {
            if (c.companyId == companyId)
            {
                result.Add(c.at.ToInstant());
            }
        }
        return result;
    }

    /// <summary>
    /// The oldest contact any decision still accepted can need: decisions more than
    /// <paramref name="maxPastSkew"/> before stream time are refused at intake, and a decision looks back
    /// at most the history horizon (plus a day for the calendar-day cap).
    /// </summary>
    public static Instant KeepContactsFrom(Instant streamTime, Duration maxPastSkew, PolicyRules rules) =>
        PolicyTime.Minus(streamTime, maxPastSkew + rules.HistoryHorizon + Duration.FromDays(1));

    /// <summary>
    /// Records an ALLOWED promotional phone contact and forgets contacts before <paramref name="keepFrom"/>.
    /// Decisions arrive in any order of decision time (an intent may be scheduled weeks ahead), so the
    /// caller sets <paramref name="keepFrom"/> before the earliest decision time still accepted, never
    /// from the newest contact.
    /// </summary>
    public static ContactHistory Record(ContactHistory? history, string companyId, string intentId, Instant at, Instant keepFrom)
    {
        var contacts = history?.contacts ?? [];
        var next = new List<Contact>(contacts.Count + 1);
        foreach (var c in contacts)
        {
            if (c.at.ToInstant() >= keepFrom)
            {
                next.Add(c);
            }
        }
        next.Add(new Contact { companyId = companyId, intentId = intentId, at = at.ToAvro() });
        return new ContactHistory { contacts = next };
    }
}
