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
    /// <summary>
    /// Applies a register update. An update older (by effectiveAt) than the stored one is ignored
    /// (returns null: nothing to store); an equal one replaces it; repeats are harmless.
    /// </summary>
    public static RegisterState? Apply(RegisterState? current, RegisterUpdate update)
    {
        var at = update.effectiveAt.ToInstant();
        if (current != null && at < current.effectiveAt.ToInstant())
        {
            return null;
        }
        var registers = update.action is RegisterAction.REGISTERED or RegisterAction.RENEWED;
        return new RegisterState
        {
            status = update.action,
            effectiveAt = at.ToAvro(),
            registeredAt = registers ? at.ToAvro() : current?.registeredAt,
        };
    }

    public static RegisterFacts? ToFacts(RegisterState? state) =>
        state is null ? null : new RegisterFacts(state.status, state.effectiveAt.ToInstant(), state.registeredAt.ToInstant());

    /// <summary>
    /// Applies a consent event: per company the latest by <c>at</c> wins, ties go to the later arrival.
    /// Returns null when the event is older than what is stored (nothing to store).
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
        if (index >= 0 && e.at.ToInstant() < list[index].at.ToInstant())
        {
            return null;
        }
        var entry = new CompanyConsent
        {
            companyId = e.companyId,
            action = e.action,
            basis = e.basis,
            at = e.at.ToInstant().ToAvro(),
            contractEndedAt = e.contractEndedAt?.ToInstant().ToAvro(),
        };
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

    public static ConsentFacts? ConsentOf(SubjectConsents? state, string companyId)
    {
        if (state?.consents is null)
        {
            return null;
        }
        foreach (var c in state.consents)
        {
            if (c.companyId == companyId)
            {
                return new ConsentFacts(c.action, c.basis, c.at.ToInstant(), c.contractEndedAt.ToInstant());
            }
        }
        return null;
    }

    /// <summary>What the policy reads of a stored subject's state for an intent of <paramref name="companyId"/>.</summary>
    public static SubjectFacts FactsOf(SubjectState? state, string companyId) =>
        new(ToFacts(state?.register), ConsentOf(state?.consents, companyId), ContactsOf(state?.contacts, companyId));

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
