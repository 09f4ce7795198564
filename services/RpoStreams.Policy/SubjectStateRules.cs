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
    /// What one subject's state keeps of consents: at most this many companies, in at most <see cref="MaxConsentBytes"/>. A
    /// person consents to a handful; a feed that names hundreds for one number (a loop, or an attack) would otherwise grow
    /// the state past a Kafka message, and the changelog write would stop the stream at every restart. Once full, another
    /// company's event is not stored, and every company without a consent kept counts as objected to
    /// (<see cref="ConsentOf"/>): what it sent may have found no room, so the gate fails closed, never open.
    /// </summary>
    public const int MaxCompanies = 500;

    /// <inheritdoc cref="MaxCompanies"/>
    public const int MaxConsentBytes = 200_000;

    /// <summary>
    /// What one subject's state keeps of contacts (about the last month's, <see cref="KeepContactsFrom"/>): at most this
    /// many, in at most <see cref="MaxContactBytes"/>, for the same reason. A number already called this often takes no
    /// further promotional phone call until older contacts age out (<see cref="SubjectFacts.ContactsFull"/>): no contact
    /// goes uncounted.
    /// </summary>
    public const int MaxContacts = 1000;

    /// <inheritdoc cref="MaxContacts"/>
    public const int MaxContactBytes = 200_000;

    /// <summary>
    /// The largest subject state the limits allow, with the widest ids intake accepts, stays under this (a Kafka record
    /// is at most 1 MB by default): consents and contacts 200 KB each, known decisions 400 KB (<c>KnownDecisions</c>).
    /// </summary>
    public const int MaxStateBytes = 900_000;

    /// <summary>Room for one more entry of the widest ids: a list past its budget less this takes no new one.</summary>
    private const int EntryRoom = 2_048;

    /// <summary>The bytes a string takes in a record, its length included (at most).</summary>
    public static int BytesOf(string? s) => (s is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(s)) + 2;

    /// <summary>At most what a company's consent takes in the state, with every earlier event it may come to keep.</summary>
    private static int BytesOf(CompanyConsent c) => BytesOf(c.companyId) + 16 + (MaxEarlier + 1) * 24;

    private static int BytesOf(Contact c) => BytesOf(c.companyId) + BytesOf(c.intentId) + 12;

    /// <summary>True when <paramref name="history"/> has no room for another contact (<see cref="MaxContacts"/>).</summary>
    public static bool IsFull(ContactHistory? history) =>
        history?.contacts is { Count: > 0 } list && (list.Count >= MaxContacts || list.Sum(BytesOf) > MaxContactBytes - EntryRoom);

    /// <summary>
    /// Applies a register update. The latest by effectiveAt is the subject's state; an equal one replaces it; repeats
    /// are harmless. The update it follows, and one older than it arriving late, go among the earlier ones (returns
    /// null when there is nothing new to store): a decision is made on the register as it stood at its decision time,
    /// whatever order the updates arrived in.
    /// </summary>
    public static RegisterState? Apply(RegisterState? current, RegisterUpdate update)
    {
        var at = update.effectiveAt.ToInstant().ToAvro();
        var step = new RegisterStep { status = update.action, effectiveAt = at };
        var history = current is null
            ? new History<RegisterStep>(step, [], Complete: true)
            : Advance(new History<RegisterStep>(new RegisterStep { status = current.status, effectiveAt = current.effectiveAt }, current.earlier ?? [], current.complete), step, static s => s.effectiveAt, static (incoming, kept) => incoming.status == kept.status, replacesLatestTie: true);
        if (history is not { } next)
        {
            return null;
        }
        return new RegisterState
        {
            status = next.Latest.status,
            effectiveAt = next.Latest.effectiveAt,
            // The latest REGISTERED or RENEWED, whichever order they came in.
            registeredAt = IsRegistration(update.action) && !(current?.registeredAt > at) ? at : current?.registeredAt,
            earlier = next.Earlier,
            complete = next.Complete,
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
        var i = LastAtOrBefore(earlier, static s => s.effectiveAt, t);
        if (i < 0)
        {
            // Before every update kept: never in the register then, if nothing older was let go. Otherwise (or in a
            // state written before the history was kept) what stood then is unknown: fail closed, registered then,
            // with no explicit consent given before the call surviving.
            return state.complete ? null : new RegisterFacts(RegisterAction.REGISTERED, t, t);
        }
        var inForce = earlier[i];
        var registration = i;
        while (registration >= 0 && !IsRegistration(earlier[registration].status))
        {
            registration--;
        }
        // A registration older than every update kept: the stored one, if it came before the decision time.
        var registeredAt = registration >= 0 ? earlier[registration].effectiveAt.ToInstant()
            : state.registeredAt.ToInstant() is { } stored && stored <= t ? stored
            : inForce.effectiveAt.ToInstant();
        return new RegisterFacts(inForce.status, inForce.effectiveAt.ToInstant(), registeredAt);
    }

    /// <summary>
    /// Applies a consent event that arrived at <paramref name="arrival"/>: per company the latest by <c>at</c> is the
    /// consent, ties go to the later arrival (of equal arrivals, or one unknown, to the event applied last). The event it
    /// follows, and one older than it arriving late, go among the earlier ones. Returns null when there is nothing new to
    /// store. A new company's event is not stored once the subject has no room for it (<see cref="IsFullFor"/>).
    /// </summary>
    public static SubjectConsents? Apply(SubjectConsents? current, ConsentEvent e, Instant? arrival = null)
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
        if (index < 0 && IsFullFor(current, e.companyId))
        {
            return null;
        }
        var step = new ConsentStep { action = e.action, basis = e.basis, at = e.at.ToInstant().ToAvro(), contractEndedAt = e.contractEndedAt?.ToInstant().ToAvro(), arrivedAt = arrival?.ToAvro() };
        var history = index < 0
            ? new History<ConsentStep>(step, [], Complete: true)
            : Advance(HistoryOf(list[index]), step, static s => s.at, KeptArrivedLater, replacesLatestTie: false);
        if (history is not { } next)
        {
            return null;
        }
        var entry = new CompanyConsent
        {
            companyId = e.companyId,
            action = next.Latest.action,
            basis = next.Latest.basis,
            at = next.Latest.at,
            contractEndedAt = next.Latest.contractEndedAt,
            earlier = next.Earlier,
            complete = next.Complete,
            arrivedAt = next.Latest.arrivedAt,
        };
        var consents = new List<CompanyConsent>(list);
        if (index >= 0)
        {
            consents[index] = entry;
        }
        else
        {
            consents.Add(entry);
        }
        return new SubjectConsents { consents = consents };
    }

    /// <summary>True when <paramref name="state"/> keeps no consent of <paramref name="companyId"/> and has no room for one.</summary>
    public static bool IsFullFor(SubjectConsents? state, string companyId) =>
        state?.consents is { Count: > 0 } list && !list.Any(c => c.companyId == companyId)
        && (list.Count >= MaxCompanies || list.Sum(BytesOf) > MaxConsentBytes - EntryRoom);

    private static History<ConsentStep> HistoryOf(CompanyConsent c) =>
        new(new ConsentStep { action = c.action, basis = c.basis, at = c.at, contractEndedAt = c.contractEndedAt, arrivedAt = c.arrivedAt }, c.earlier ?? [], c.complete);

    /// <summary>Whether a consent event of the same <c>at</c> as one kept leaves it in place: the kept one arrived later (both arrivals known).</summary>
    private static bool KeptArrivedLater(ConsentStep incoming, ConsentStep kept) =>
        incoming.arrivedAt is { } came && kept.arrivedAt is { } was && came < was;

    /// <summary>
    /// The consent of <paramref name="companyId"/> as it stood at <paramref name="t"/>: the latest event at or before it.
    /// A consent given, or withdrawn, after the decision time does not count for it.
    /// </summary>
    public static ConsentFacts? ConsentOf(SubjectConsents? state, string companyId, Instant t)
    {
        if (state?.consents?.FirstOrDefault(c => c.companyId == companyId) is not { } c)
        {
            // A company whose events found no room (MaxCompanies) is taken as objected to.
            return IsFullFor(state, companyId) ? new ConsentFacts(ConsentAction.WITHDRAWN, null, t, null) : null;
        }
        if (c.at.ToInstant() <= t)
        {
            return new ConsentFacts(c.action, c.basis, c.at.ToInstant(), c.contractEndedAt.ToInstant());
        }
        var earlier = c.earlier ?? [];
        var i = LastAtOrBefore(earlier, static s => s.at, t);
        if (i < 0)
        {
            // Before every event kept: none then, if nothing older was let go; otherwise unknown, and the call is
            // blocked as if the person had objected (failing closed).
            return c.complete ? null : new ConsentFacts(ConsentAction.WITHDRAWN, null, t, null);
        }
        var step = earlier[i];
        return new ConsentFacts(step.action, step.basis, step.at.ToInstant(), step.contractEndedAt.ToInstant());
    }

    /// <summary>A register's or a company's consents' history: the latest entry, the earlier ones (oldest first), and whether none was let go.</summary>
    private readonly record struct History<T>(T Latest, IList<T> Earlier, bool Complete);

    /// <summary>
    /// <paramref name="history"/> after <paramref name="incoming"/>: a newer one becomes the latest (the latest joins the
    /// earlier ones), one of the same time replaces the one kept for it unless <paramref name="staysKept"/> (incoming, kept)
    /// says the kept one stays, an older one takes its place among the earlier ones. The latest itself is replaced by one
    /// of its time whatever <paramref name="staysKept"/> says when <paramref name="replacesLatestTie"/>. Null when nothing
    /// changes.
    /// </summary>
    private static History<T>? Advance<T>(History<T> history, T incoming, Func<T, DateTime> at, Func<T, T, bool> staysKept, bool replacesLatestTie)
    {
        if (at(incoming) < at(history.Latest))
        {
            var earlier = Insert(history.Earlier, incoming, at, staysKept, out var lost);
            return earlier is null ? null : history with { Earlier = earlier, Complete = history.Complete && !lost };
        }
        if (at(incoming) == at(history.Latest))
        {
            return replacesLatestTie || !staysKept(incoming, history.Latest) ? history with { Latest = incoming } : null;
        }
        var kept = Insert(history.Earlier, history.Latest, at, static (_, _) => false, out var dropped)!;
        return new History<T>(incoming, kept, history.Complete && !dropped);
    }

    /// <summary>The index of the last of <paramref name="earlier"/> (oldest first) at or before <paramref name="t"/>; -1 when none is.</summary>
    private static int LastAtOrBefore<T>(IList<T> earlier, Func<T, DateTime> at, Instant t)
    {
        var i = earlier.Count - 1;
        while (i >= 0 && at(earlier[i]).ToInstant() > t)
        {
            i--;
        }
        return i;
    }

    /// <summary>
    /// <paramref name="earlier"/> (oldest first) with <paramref name="step"/> in its place by time, replacing one of the
    /// same time unless <paramref name="staysKept"/> (step, kept) says the kept one stays, keeping the newest
    /// <see cref="MaxEarlier"/> (<paramref name="dropped"/> when one had to go); null when nothing changes.
    /// </summary>
    private static List<T>? Insert<T>(IList<T> earlier, T step, Func<T, DateTime> at, Func<T, T, bool> staysKept, out bool dropped)
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
                    if (staysKept(step, e))
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
    /// The subject's register and consents for <paramref name="companyId"/> as they stood at <paramref name="arrival"/>,
    /// for an intent decided at <paramref name="t"/> that arrived after it (<see cref="CallPolicy.DecideKnowing"/>); null
    /// when it came before its time or nothing on record is dated after <paramref name="t"/> (the latest update and the
    /// company's latest consent event are the newest), so the decision at <paramref name="t"/> is all there is.
    /// </summary>
    public static SubjectFacts? KnownAtArrival(SubjectState? state, string companyId, Instant t, Instant arrival)
    {
        if (state is null || arrival <= t)
        {
            return null;
        }
        var registerLater = state.register is { } register && register.effectiveAt.ToInstant() > t;
        var consentLater = state.consents?.consents?.FirstOrDefault(c => c.companyId == companyId) is { } consent && consent.at.ToInstant() > t;
        return registerLater || consentLater ? FactsOf(state, companyId, arrival) : null;
    }

    /// <summary>What the policy reads of a stored subject's state for an intent of <paramref name="companyId"/> decided at <paramref name="t"/>.</summary>
    public static SubjectFacts FactsOf(SubjectState? state, string companyId, Instant t) =>
        new(ToFacts(state?.register, t), ConsentOf(state?.consents, companyId, t), ContactsOf(state?.contacts, companyId), IsFull(state?.contacts));

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
    /// Whether contacts kept from <paramref name="keepFrom"/> on hold every one a decision at <paramref name="t"/> looks
    /// back at. Intake bounds an intent by its own record's timestamp, so one stamped long before the task's stream time
    /// can still come; its contacts may be gone, and it is decided as if there were no room for another (fails closed).
    /// </summary>
    public static bool ContactsCover(Instant t, Instant keepFrom, PolicyRules rules) =>
        PolicyTime.Minus(t, rules.HistoryHorizon + Duration.FromDays(1)) >= keepFrom;

    /// <summary>
    /// Records an ALLOWED promotional phone contact and forgets contacts before <paramref name="keepFrom"/>.
    /// Decisions arrive in any order of decision time (an intent may be scheduled weeks ahead), so the
    /// caller sets <paramref name="keepFrom"/> before the earliest decision time still accepted, never
    /// from the newest contact.
    /// </summary>
    public static ContactHistory Record(ContactHistory? history, string companyId, string intentId, Instant at, Instant keepFrom)
    {
        var next = Prune(history, keepFrom).contacts;
        next.Add(new Contact { companyId = companyId, intentId = intentId, at = at.ToAvro() });
        return new ContactHistory { contacts = next };
    }

    /// <summary>The contacts from <paramref name="keepFrom"/> on (a new list).</summary>
    public static ContactHistory Prune(ContactHistory? history, Instant keepFrom)
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
        return new ContactHistory { contacts = next };
    }
}
