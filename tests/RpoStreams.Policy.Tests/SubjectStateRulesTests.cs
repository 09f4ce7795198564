using System.Globalization;
using RpoStreams.Policy.Tests.Support;
using RpoStreams.Records.Internal;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>How stored state changes with each input: the "latest" rules of DESIGN section 3.</summary>
public class SubjectStateRulesTests
{
    private static readonly Instant R = Rome.At("2026-01-15 12:00");

    private static RegisterUpdate Update(RegisterAction action, Instant effectiveAt) => RegisterUpdateOf(action, effectiveAt);

    private static ConsentEvent Consent(ConsentAction action, Instant at, string company = Company, ConsentBasis? basis = ConsentBasis.EXPLICIT_CONSENT) =>
        ConsentEventOf(action, basis, at, company: company);

    // ---- register updates ----

    [Fact]
    public void The_register_is_read_as_it_stood_at_the_decision_time()
    {
        var registered = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R))!;
        var renewed = SubjectStateRules.Apply(registered, Update(RegisterAction.RENEWED, R + Days(20)))!;
        var removed = SubjectStateRules.Apply(renewed, Update(RegisterAction.REMOVED, R + Days(40)))!;

        // Before the registration took effect: not in the register.
        Assert.Null(SubjectStateRules.ToFacts(removed, R - OneMs));
        // Registered, with the registration then in force (a consent given between it and the renewal still counts).
        Assert.Equal(new RegisterFacts(RegisterAction.REGISTERED, R, R), SubjectStateRules.ToFacts(removed, R + Days(19)));
        Assert.Equal(new RegisterFacts(RegisterAction.RENEWED, R + Days(20), R + Days(20)), SubjectStateRules.ToFacts(removed, R + Days(39)));
        // A removal counts from its effectiveAt, not from when it arrived.
        Assert.False(SubjectStateRules.ToFacts(removed, R + Days(40))!.IsRegistered);
    }

    [Fact]
    public void A_subject_keeps_its_latest_eight_earlier_updates_and_before_them_fails_closed()
    {
        RegisterState? state = null;
        for (var i = 0; i < 12; i++)
        {
            state = SubjectStateRules.Apply(state, Update(i % 2 == 0 ? RegisterAction.REGISTERED : RegisterAction.REMOVED, R + Days(i)));
        }
        Assert.Equal(SubjectStateRules.MaxEarlier, state!.earlier.Count);
        Assert.Equal(R + Days(3), state.earlier[0].effectiveAt.ToInstant());
        Assert.False(state.complete);
        // Older than every update kept, with older ones let go: unknown, so registered, no explicit consent before it surviving.
        Assert.Equal(new RegisterFacts(RegisterAction.REGISTERED, R, R), SubjectStateRules.ToFacts(state, R));
        Assert.True(SubjectStateRules.ToFacts(state, R + Days(4))!.IsRegistered);
        Assert.False(SubjectStateRules.ToFacts(state, R + Days(5))!.IsRegistered);
    }

    [Fact]
    public void A_consent_given_or_withdrawn_after_the_decision_time_does_not_count_for_it()
    {
        var granted = SubjectStateRules.Apply(null, Consent(ConsentAction.GRANTED, R))!;
        var withdrawn = SubjectStateRules.Apply(granted, Consent(ConsentAction.WITHDRAWN, R + Days(10)))!;

        Assert.Null(SubjectStateRules.ConsentOf(withdrawn, Company, R - OneMs));
        Assert.Equal(ConsentAction.GRANTED, SubjectStateRules.ConsentOf(withdrawn, Company, R + Days(9))!.Action);
        Assert.Equal(ConsentAction.WITHDRAWN, SubjectStateRules.ConsentOf(withdrawn, Company, R + Days(10))!.Action);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Of_two_consent_events_at_the_same_time_the_later_arrival_counts_whatever_order_they_are_applied_in(bool laterFirst)
    {
        var withdrawal = (Event: Consent(ConsentAction.WITHDRAWN, R), Arrival: R + Days(1) + OneMs);
        var grant = (Event: Consent(ConsentAction.GRANTED, R), Arrival: R + Days(1));
        var (first, second) = laterFirst ? (withdrawal, grant) : (grant, withdrawal);

        var state = SubjectStateRules.Apply(null, first.Event, first.Arrival);
        state = SubjectStateRules.Apply(state, second.Event, second.Arrival) ?? state;

        Assert.Equal(ConsentAction.WITHDRAWN, SubjectStateRules.ConsentOf(state, Company, R + Days(2))!.Action);
        // Also once a newer event has made it an earlier one, and when the loser comes again
        state = SubjectStateRules.Apply(state, Consent(ConsentAction.GRANTED, R + Days(5)), R + Days(5))!;
        state = SubjectStateRules.Apply(state, grant.Event, grant.Arrival) ?? state;
        Assert.Equal(ConsentAction.WITHDRAWN, SubjectStateRules.ConsentOf(state, Company, R + Days(2))!.Action);
        Assert.Equal(ConsentAction.GRANTED, SubjectStateRules.ConsentOf(state, Company, R + Days(5))!.Action);
    }

    [Fact]
    public void Of_two_consent_events_at_the_same_time_and_arrival_or_an_unknown_one_the_one_applied_last_counts()
    {
        var same = SubjectStateRules.Apply(SubjectStateRules.Apply(null, Consent(ConsentAction.WITHDRAWN, R), R + Days(1)), Consent(ConsentAction.GRANTED, R), R + Days(1));
        // State kept before arrivals were recorded has none
        var unknown = SubjectStateRules.Apply(SubjectStateRules.Apply(null, Consent(ConsentAction.WITHDRAWN, R)), Consent(ConsentAction.GRANTED, R), R + Days(1));

        Assert.Equal(ConsentAction.GRANTED, SubjectStateRules.ConsentOf(same, Company, R)!.Action);
        Assert.Equal(ConsentAction.GRANTED, SubjectStateRules.ConsentOf(unknown, Company, R)!.Action);
    }

    [Fact]
    public void What_was_known_at_a_late_arrival_is_read_only_when_something_is_dated_after_the_decision_time()
    {
        // Given a registration long before 12:00 and, for another company, a withdrawal at 12:02
        var state = new SubjectState
        {
            register = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R - Days(60))),
            consents = SubjectStateRules.Apply(null, Consent(ConsentAction.WITHDRAWN, R + NodaTime.Duration.FromMinutes(2), company: "OTHER")),
        };
        var arrival = R + Days(1);

        // Then an intent of ours for 12:00 arriving later has nothing to add to its decision at 12:00, nor one that came before its time
        Assert.Null(SubjectStateRules.KnownAtArrival(state, Company, R, arrival));
        Assert.Null(SubjectStateRules.KnownAtArrival(state, "OTHER", R, R - OneMs));
        Assert.Null(SubjectStateRules.KnownAtArrival(null, Company, R, arrival));
        // But the other company's, and ours once a renewal at 12:01 is on record, are read as of the arrival
        Assert.Equal(ConsentAction.WITHDRAWN, SubjectStateRules.KnownAtArrival(state, "OTHER", R, arrival)!.Consent!.Action);
        state.register = SubjectStateRules.Apply(state.register, Update(RegisterAction.RENEWED, R + NodaTime.Duration.FromMinutes(1)));
        Assert.Equal(R + NodaTime.Duration.FromMinutes(1), SubjectStateRules.KnownAtArrival(state, Company, R, arrival)!.Register!.RegisteredAt);
    }

    [Fact]
    public void First_register_update_is_stored()
    {
        var state = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R));
        Assert.NotNull(state);
        var facts = SubjectStateRules.ToFacts(state, Instant.MaxValue)!;
        Assert.Equal(RegisterAction.REGISTERED, facts.Status);
        Assert.Equal(R, facts.EffectiveAt);
        Assert.Equal(R, facts.RegisteredAt);
        Assert.True(facts.IsRegistered);
    }

    [Fact]
    public void Register_update_older_than_the_stored_one_does_not_replace_it_but_counts_for_a_call_before_it()
    {
        // Given REGISTERED at R is stored
        var stored = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R));
        // When a REMOVED effective 1 ms earlier arrives late
        var next = SubjectStateRules.Apply(stored, Update(RegisterAction.REMOVED, R - OneMs))!;
        // Then the registration stays the state, and the removal is what stood just before it
        Assert.Equal(new RegisterFacts(RegisterAction.REGISTERED, R, R), SubjectStateRules.ToFacts(next, Instant.MaxValue));
        Assert.False(SubjectStateRules.ToFacts(next, R - OneMs)!.IsRegistered);
        // And the same late update again changes nothing
        Assert.Null(SubjectStateRules.Apply(next, Update(RegisterAction.REMOVED, R - OneMs)));
    }

    [Fact]
    public void The_register_read_at_any_time_is_the_same_whatever_order_the_updates_arrived_in()
    {
        RegisterUpdate[] updates = [Update(RegisterAction.REGISTERED, R), Update(RegisterAction.RENEWED, R + Days(20)), Update(RegisterAction.REMOVED, R + Days(40))];
        int[][] orders = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]];
        var times = new[] { R - OneMs, R, R + Days(19), R + Days(20), R + Days(39), R + Days(40) };
        var expected = Read(orders[0]);
        foreach (var order in orders)
        {
            Assert.Equal(expected, Read(order));
        }

        List<RegisterFacts?> Read(int[] order)
        {
            RegisterState? state = null;
            foreach (var i in order)
            {
                state = SubjectStateRules.Apply(state, updates[i]) ?? state;
            }
            return [.. times.Select(t => SubjectStateRules.ToFacts(state, t))];
        }
    }

    [Fact]
    public void Older_renewal_arriving_late_does_not_move_the_registration_instant()
    {
        // Given REGISTERED at R+10d stored
        var stored = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R + Days(10)));
        // When a RENEWED effective earlier arrives late
        var next = SubjectStateRules.Apply(stored, Update(RegisterAction.RENEWED, R))!;
        // Then the registration instant stays (the renewal counts only for a call before the registration)
        Assert.Equal(R + Days(10), SubjectStateRules.ToFacts(next, Instant.MaxValue)!.RegisteredAt);
        Assert.Equal(R, SubjectStateRules.ToFacts(next, R + Days(1))!.RegisteredAt);
    }

    [Fact]
    public void Register_update_with_an_equal_effectiveAt_replaces_the_stored_one()
    {
        var stored = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R));
        var next = SubjectStateRules.Apply(stored, Update(RegisterAction.REMOVED, R));
        Assert.NotNull(next);
        Assert.Equal(RegisterAction.REMOVED, next.status);
        Assert.False(SubjectStateRules.ToFacts(next, Instant.MaxValue)!.IsRegistered);
    }

    [Fact]
    public void Repeated_register_update_is_harmless()
    {
        var once = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R))!;
        var twice = SubjectStateRules.Apply(once, Update(RegisterAction.REGISTERED, R))!;
        Assert.Equal(SubjectStateRules.ToFacts(once, Instant.MaxValue), SubjectStateRules.ToFacts(twice, Instant.MaxValue));
    }

    [Fact]
    public void Repeated_older_update_after_a_newer_one_is_still_ignored()
    {
        // REGISTERED(R), REMOVED(R+1d), then REGISTERED(R) again: still removed
        var history = SubjectHistory.New().Registered(R).Removed(R + Days(1)).Registered(R);
        Assert.Equal(RegisterAction.REMOVED, history.RegisterState!.status);
    }

    [Fact]
    public void Registered_then_removed_then_registered_again_is_registered_from_the_last_registration()
    {
        var history = SubjectHistory.New().Registered(R);
        Assert.True(history.For().Register!.IsRegistered);

        history.Removed(R + Days(10));
        Assert.False(history.For().Register!.IsRegistered);

        history.Registered(R + Days(20));
        var facts = history.For().Register!;
        Assert.True(facts.IsRegistered);
        Assert.Equal(RegisterAction.REGISTERED, facts.Status);
        Assert.Equal(R + Days(20), facts.RegisteredAt);
        Assert.Equal(R + Days(20), facts.EffectiveAt);
    }

    [Fact]
    public void Removal_keeps_the_last_registration_instant()
    {
        var facts = SubjectHistory.New().Registered(R).Removed(R + Days(10)).For().Register!;
        Assert.Equal(R, facts.RegisteredAt);
        Assert.Equal(R + Days(10), facts.EffectiveAt);
    }

    [Fact]
    public void Out_of_order_register_updates_end_in_the_same_state_as_in_order_ones()
    {
        // Given the same three updates in every order
        (RegisterAction Action, Instant At)[] updates =
        [
            (RegisterAction.REGISTERED, R),
            (RegisterAction.REMOVED, R + Days(5)),
            (RegisterAction.RENEWED, R + Days(9)),
        ];
        foreach (var order in Permutations([0, 1, 2]))
        {
            // When applied in that order
            var history = SubjectHistory.New();
            foreach (var i in order)
            {
                history.Register(updates[i].Action, updates[i].At);
            }
            var facts = history.For().Register!;
            // Then the latest by effectiveAt wins
            Assert.Equal(RegisterAction.RENEWED, facts.Status);
            Assert.Equal(R + Days(9), facts.EffectiveAt);
            Assert.Equal(R + Days(9), facts.RegisteredAt);
        }
    }

    // ---- consents ----

    [Fact]
    public void Latest_consent_by_at_wins_not_the_latest_to_arrive()
    {
        // Given a withdrawal at R+2d stored
        var stored = SubjectStateRules.Apply(null, Consent(ConsentAction.WITHDRAWN, R + Days(2)));
        // When a grant at R+1d arrives late
        var next = SubjectStateRules.Apply(stored, Consent(ConsentAction.GRANTED, R + Days(1)));
        // Then the withdrawal stays, and the grant counts only for a call between the two
        Assert.Equal(ConsentAction.WITHDRAWN, SubjectStateRules.ConsentOf(next, Company, Instant.MaxValue)!.Action);
        Assert.Equal(ConsentAction.GRANTED, SubjectStateRules.ConsentOf(next, Company, R + Days(1))!.Action);
    }

    [Fact]
    public void Newer_consent_replaces_the_stored_one()
    {
        var stored = SubjectStateRules.Apply(null, Consent(ConsentAction.GRANTED, R));
        var next = SubjectStateRules.Apply(stored, Consent(ConsentAction.WITHDRAWN, R + OneMs));
        Assert.Equal(ConsentAction.WITHDRAWN, SubjectStateRules.ConsentOf(next, Company, Instant.MaxValue)!.Action);
        Assert.Single(next!.consents);
    }

    [Theory]
    [InlineData(ConsentAction.GRANTED, ConsentAction.WITHDRAWN)]
    [InlineData(ConsentAction.WITHDRAWN, ConsentAction.GRANTED)]
    public void Consents_with_the_same_at_go_to_the_later_arrival(ConsentAction first, ConsentAction second)
    {
        var stored = SubjectStateRules.Apply(null, Consent(first, R));
        var next = SubjectStateRules.Apply(stored, Consent(second, R));
        Assert.Equal(second, SubjectStateRules.ConsentOf(next, Company, Instant.MaxValue)!.Action);
    }

    [Fact]
    public void Consents_are_kept_per_company()
    {
        var history = SubjectHistory.New()
            .ExplicitConsent(R, company: Company)
            .Withdrawn(R + Days(1), company: OtherCompany)
            .ActiveContract(R + Days(2), company: "INITECH");
        Assert.Equal(3, history.Consents!.consents.Count);
        Assert.Equal(ConsentAction.GRANTED, history.For(Company).Consent!.Action);
        Assert.Equal(ConsentBasis.EXPLICIT_CONSENT, history.For(Company).Consent!.Basis);
        Assert.Equal(ConsentAction.WITHDRAWN, history.For(OtherCompany).Consent!.Action);
        Assert.Equal(ConsentBasis.ACTIVE_CONTRACT, history.For("INITECH").Consent!.Basis);
        Assert.Null(history.For("NOBODY").Consent);
    }

    [Fact]
    public void Older_consent_for_one_company_does_not_stop_a_consent_for_another()
    {
        var stored = SubjectStateRules.Apply(null, Consent(ConsentAction.GRANTED, R + Days(5), Company));
        var next = SubjectStateRules.Apply(stored, Consent(ConsentAction.GRANTED, R, OtherCompany));
        Assert.NotNull(next);
        Assert.Equal(R, SubjectStateRules.ConsentOf(next, OtherCompany, Instant.MaxValue)!.At);
        Assert.Equal(R + Days(5), SubjectStateRules.ConsentOf(next, Company, Instant.MaxValue)!.At);
    }

    [Fact]
    public void Contract_end_is_kept_with_the_consent()
    {
        var facts = SubjectHistory.New().ActiveContract(R, endedAt: R + Days(100)).For().Consent!;
        Assert.Equal(R + Days(100), facts.ContractEndedAt);
        Assert.Equal(R, facts.At);
    }

    // ---- contact history ----

    [Fact]
    public void Contacts_are_kept_per_company()
    {
        var history = SubjectHistory.New()
            .Contacted(R, Company)
            .Contacted(R + Days(1), OtherCompany)
            .Contacted(R + Days(2), Company);
        Assert.Equal([R, R + Days(2)], history.For(Company).AllowedContacts);
        Assert.Equal([R + Days(1)], history.For(OtherCompany).AllowedContacts);
    }

    [Fact]
    public void Pruning_forgets_contacts_no_accepted_decision_can_need()
    {
        // Given a contact 400 days before the newest (intake refuses decisions more than 366 days back)
        var history = SubjectHistory.New().Contacted(R).Contacted(R + Days(400));
        // Then only the newest is kept
        Assert.Equal([R + Days(400)], history.For().AllowedContacts);
    }

    [Fact]
    public void Pruning_keeps_a_contact_sixty_days_before_the_newest_because_an_earlier_decision_may_still_arrive()
    {
        var history = SubjectHistory.New().Contacted(R).Contacted(R + Days(60));
        Assert.Equal([R, R + Days(60)], history.For().AllowedContacts);
    }

    [Fact]
    public void Pruning_keeps_a_contact_exactly_30_days_before_the_newest()
    {
        var history = SubjectHistory.New().Contacted(R).Contacted(R + Days(30));
        Assert.Equal([R, R + Days(30)], history.For().AllowedContacts);
    }

    [Fact]
    public void Pruning_keeps_what_the_caps_need_for_the_next_decision()
    {
        // Given three calls, the first exactly 30 days before the next decision, and much older ones before
        var next = Rome.At("2026-04-20 11:00");
        var history = SubjectHistory.New()
            .Contacted(next - Days(90))
            .Contacted(next - Days(70))
            .Contacted(next - Days(30))
            .Contacted(next - Days(20))
            .Contacted(next - Days(1));
        // Then the three recent ones survive pruning (older ones too: an earlier decision may still arrive) and block the fourth call
        Assert.Equal([next - Days(90), next - Days(70), next - Days(30), next - Days(20), next - Days(1)], history.For().AllowedContacts);
        Assert.True(FrequencyCap.IsReached(history.For().AllowedContacts, next, Rules));
    }

    [Theory]
    [InlineData(Company)]
    [InlineData(OtherCompany)]
    public void Call_scheduled_weeks_ahead_does_not_erase_the_history_that_caps_an_earlier_call(string companyOfTheLaterCall)
    {
        // Given ACME called on 2, 10 and 20 March (ALLOWED), and an intent scheduled for 15 May was ALLOWED too
        // (intents are decided when they arrive, and may be scheduled well ahead)
        var history = SubjectHistory.New()
            .Contacted(Rome.At("2026-03-02 11:00"))
            .Contacted(Rome.At("2026-03-10 11:00"))
            .Contacted(Rome.At("2026-03-20 11:00"))
            .Contacted(Rome.At("2026-05-15 11:00"), companyOfTheLaterCall);
        // When ACME's next intent, scheduled for 25 March, arrives
        var decision = Decide(Intent(at: Rome.At("2026-03-25 11:00")), history.For(Company));
        // Then it is the 4th ALLOWED call in [T - 30x24h, T) and is capped
        DecisionRulesTests.AssertBlocked(decision, Reason.FREQUENCY_CAP);
    }

    [Fact]
    public void Pruning_is_decided_by_the_newest_contact_of_any_company()
    {
        // Given an ACME contact and, 400 days later, a GLOBEX one
        var history = SubjectHistory.New().Contacted(R, Company).Contacted(R + Days(400), OtherCompany);
        // Then ACME's old contact, useless to every future decision, is gone
        Assert.Empty(history.For(Company).AllowedContacts);
        Assert.Single(history.Contacts!.contacts);
    }

    [Fact]
    public void Recording_a_contact_older_than_the_newest_keeps_both()
    {
        var history = SubjectHistory.New().Contacted(R + Days(2)).Contacted(R);
        Assert.Equal(2, history.Contacts!.contacts.Count);
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }
        for (var i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var p in Permutations(rest))
            {
                yield return [items[i], .. p];
            }
        }
    }

    // ---- what one subject's state keeps: past a limit, fail closed ----

    [Fact]
    public void A_company_past_the_consents_a_subject_keeps_counts_as_objected_to_and_those_kept_still_count()
    {
        SubjectConsents? consents = null;
        for (var i = 0; i < SubjectStateRules.MaxCompanies; i++)
        {
            consents = SubjectStateRules.Apply(consents, Consent(ConsentAction.GRANTED, R, company: "C" + i.ToString(CultureInfo.InvariantCulture)))!;
        }

        // A new company's event finds no room: not stored, whatever it says.
        Assert.True(SubjectStateRules.IsFullFor(consents, Company));
        Assert.Null(SubjectStateRules.Apply(consents, Consent(ConsentAction.GRANTED, R, company: Company)));
        Assert.Null(SubjectStateRules.Apply(consents, Consent(ConsentAction.WITHDRAWN, R, company: Company)));
        var state = new SubjectState { consents = consents };
        var outsider = Decide(Intent(R + Days(1)), SubjectStateRules.FactsOf(state, Company, R + Days(1)));
        Assert.Equal([Reason.COMPANY_OPT_OUT], outsider.Reasons);

        // A company kept is decided as before, and its own events still apply.
        Assert.True(Decide(Intent(R + Days(1), company: "C7"), SubjectStateRules.FactsOf(state, "C7", R + Days(1))).IsAllowed);
        state.consents = SubjectStateRules.Apply(consents, Consent(ConsentAction.WITHDRAWN, R + Duration.FromHours(1), company: "C7"));
        Assert.Equal([Reason.COMPANY_OPT_OUT], Decide(Intent(R + Days(1), company: "C7"), SubjectStateRules.FactsOf(state, "C7", R + Days(1))).Reasons);
    }

    [Fact]
    public void A_number_with_as_many_contacts_as_its_state_keeps_takes_no_further_promotional_call()
    {
        var contacts = (ContactHistory?)null;
        for (var i = 0; i < SubjectStateRules.MaxContacts - 1; i++)
        {
            contacts = SubjectStateRules.Record(contacts, "C" + i.ToString(CultureInfo.InvariantCulture), "i-" + i.ToString(CultureInfo.InvariantCulture), R, R - Days(40));
        }
        var state = new SubjectState { contacts = contacts };
        Assert.True(Decide(Intent(R + Days(1)), SubjectStateRules.FactsOf(state, Company, R + Days(1))).IsAllowed);

        state.contacts = SubjectStateRules.Record(contacts, "C-last", "i-last", R, R - Days(40));

        Assert.True(SubjectStateRules.IsFull(state.contacts));
        Assert.Equal([Reason.FREQUENCY_CAP], Decide(Intent(R + Days(1)), SubjectStateRules.FactsOf(state, Company, R + Days(1))).Reasons);
        // Only calls that would be counted are capped.
        Assert.True(Decide(Intent(R + Days(1), purpose: Purpose.SERVICE), SubjectStateRules.FactsOf(state, Company, R + Days(1))).IsAllowed);
        Assert.True(Decide(Intent(R + Days(1), channel: Channel.POSTAL_MAIL), SubjectStateRules.FactsOf(state, Company, R + Days(1))).IsAllowed);
    }
}
