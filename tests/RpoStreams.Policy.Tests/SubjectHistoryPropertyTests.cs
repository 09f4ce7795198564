using RpoStreams.Policy.Tests.Support;
using RpoStreams.Records.Internal;
using static RpoStreams.Policy.Tests.Support.Given;

namespace RpoStreams.Policy.Tests;

/// <summary>SubjectStateRules against a reference model that keeps the full history.</summary>
public class SubjectHistoryPropertyTests(ITestOutputHelper output)
{
    private static readonly Instant R = Rome.At("2026-01-15 12:00");

    private static RegisterUpdate Update(RegisterAction action, Instant effectiveAt) => RegisterUpdateOf(action, effectiveAt);

    private static ConsentEvent Consent(ConsentAction action, Instant at, ConsentBasis? basis, Instant? ended) => ConsentEventOf(action, basis, at, ended);

    // Reference: latest by time at or before t, ties to the later arrival.
    private static RegisterFacts? RefRegister(IReadOnlyList<RegisterUpdate> arrivals, Instant t)
    {
        RegisterUpdate? best = null; Instant? regAt = null;
        foreach (var u in arrivals)
        {
            var at = u.effectiveAt.ToInstant();
            if (at > t) continue;
            if (best is null || at >= best.effectiveAt.ToInstant()) best = u;
        }
        if (best is null) return null;
        foreach (var u in arrivals)
        {
            var at = u.effectiveAt.ToInstant();
            if (at <= t && u.action is RegisterAction.REGISTERED or RegisterAction.RENEWED && (regAt is null || at > regAt)) regAt = at;
        }
        return new RegisterFacts(best.action, best.effectiveAt.ToInstant(), best.action == RegisterAction.REMOVED ? regAt : best.effectiveAt.ToInstant());
    }

    private static ConsentFacts? RefConsent(IReadOnlyList<ConsentEvent> arrivals, Instant t)
    {
        ConsentEvent? best = null;
        foreach (var e in arrivals)
        {
            if (e.at.ToInstant() > t) continue;
            if (best is null || e.at.ToInstant() >= best.at.ToInstant()) best = e;
        }
        return best is null ? null : new ConsentFacts(best.action, best.basis, best.at.ToInstant(), best.contractEndedAt?.ToInstant());
    }

    private static PolicyDecision DecideAt(RegisterFacts? reg, ConsentFacts? consent, Instant t) =>
        Decide(Intent(at: t, channel: Channel.POSTAL_MAIL), new SubjectFacts(reg, consent, []));

    private static Instant Day(Random rng, int span) => R + Duration.FromDays(rng.Next(span)) + (rng.Next(3) == 0 ? Duration.Zero : Duration.FromHours(rng.Next(24)));

    [Theory]
    [InlineData(4, 20)]   // few updates: never reaches the cap
    [InlineData(14, 30)]  // past the cap
    public void Register_and_consents_match_a_full_history_model(int maxUpdates, int span)
    {
        var rng = new Random(12345 + maxUpdates);
        int failOpen = 0, failClosed = 0, trials = 0;
        string? firstOpen = null, firstClosed = null;
        for (var trial = 0; trial < 4000; trial++)
        {
            var regs = new List<RegisterUpdate>();
            var cons = new List<ConsentEvent>();
            var n = 1 + rng.Next(maxUpdates);
            for (var i = 0; i < n; i++)
            {
                regs.Add(Update((RegisterAction)rng.Next(3), Day(rng, span)));
                var action = (ConsentAction)rng.Next(2);
                var basis = (ConsentBasis)rng.Next(2);
                var at = Day(rng, span);
                cons.Add(Consent(action, at, basis, basis == ConsentBasis.ACTIVE_CONTRACT && rng.Next(2) == 0 ? at + Duration.FromDays(rng.Next(40)) : null));
            }
            // Duplicates arriving again, anywhere.
            for (var i = 0; i < 2; i++) { regs.Insert(rng.Next(regs.Count + 1), regs[rng.Next(regs.Count)]); cons.Insert(rng.Next(cons.Count + 1), cons[rng.Next(cons.Count)]); }

            RegisterState? rs = null; foreach (var u in regs) rs = SubjectStateRules.Apply(rs, u) ?? rs;
            SubjectConsents? cs = null; foreach (var e in cons) cs = SubjectStateRules.Apply(cs, e) ?? cs;

            for (var k = 0; k < 12; k++)
            {
                var t = R + Duration.FromHours(rng.Next(-48, span * 24 + 48));
                trials++;
                var expected = DecideAt(RefRegister(regs, t), RefConsent(cons, t), t);
                var actual = DecideAt(SubjectStateRules.ToFacts(rs, t), SubjectStateRules.ConsentOf(cs, Company, t), t);
                if (expected.Outcome == actual.Outcome && expected.Reasons.SequenceEqual(actual.Reasons)) continue;
                var story = $"t={t}\n regs(arrival)={string.Join(", ", regs.Select(u => $"{u.action}@{u.effectiveAt.ToInstant()}"))}\n cons={string.Join(", ", cons.Select(e => $"{e.action}/{e.basis}@{e.at.ToInstant()}"))}\n expected {expected.Outcome} [{string.Join(",", expected.Reasons)}] actual {actual.Outcome} [{string.Join(",", actual.Reasons)}]\n refReg={RefRegister(regs, t)} gotReg={SubjectStateRules.ToFacts(rs, t)}\n refCons={RefConsent(cons, t)} gotCons={SubjectStateRules.ConsentOf(cs, Company, t)}";
                if (actual.IsAllowed && !expected.IsAllowed) { failOpen++; firstOpen ??= story; }
                else { failClosed++; firstClosed ??= story; }
            }
        }
        output.WriteLine($"{trials} decisions: {failOpen} fail-open, {failClosed} other differences");
        if (firstOpen != null) output.WriteLine("FIRST FAIL-OPEN:\n" + firstOpen);
        if (firstClosed != null) output.WriteLine("FIRST OTHER:\n" + firstClosed);
        Assert.Equal(0, failOpen);
        if (maxUpdates + 2 <= SubjectStateRules.MaxEarlier)
        {
            // Nothing let go: exactly the full history's decisions.
            Assert.Equal(0, failClosed);
        }
    }

    /// <summary>
    /// Consent events with many ties of <c>at</c>, each with an arrival of its own, some resent later, read in any order: at every
    /// time the consent is the full history's (the latest <c>at</c>, ties to the later arrival; DESIGN).
    /// </summary>
    [Fact]
    public void Consents_read_in_any_order_are_the_latest_at_with_ties_to_the_later_arrival()
    {
        var rng = new Random(21);
        var bad = 0; string? first = null;
        for (var trial = 0; trial < 3000; trial++)
        {
            var events = new List<(ConsentEvent Event, Instant Arrival)>();
            var n = 1 + rng.Next(6);
            for (var i = 0; i < n; i++)
            {
                // Few distinct times, so many ties; arrivals distinct (the index in milliseconds).
                var at = R + Duration.FromDays(rng.Next(4));
                events.Add((Consent((ConsentAction)rng.Next(2), at, ConsentBasis.EXPLICIT_CONSENT, null), at + Duration.FromMinutes(rng.Next(1, 10_000)) + Duration.FromMilliseconds(i)));
            }
            for (var i = 0; i < 2; i++)
            {
                var (resent, arrival) = events[rng.Next(events.Count)];
                events.Add((resent, arrival + Duration.FromMinutes(rng.Next(1, 10_000)) + Duration.FromMilliseconds(n + i)));
            }
            var order = events.OrderBy(_ => rng.Next()).ToList();
            SubjectConsents? state = null;
            foreach (var (e, arrival) in order)
            {
                state = SubjectStateRules.Apply(state, e, arrival) ?? state;
            }
            for (var d = -1; d < 5; d++)
            {
                var t = R + Duration.FromDays(d) + Duration.FromHours(1);
                var expected = events.Where(x => x.Event.at.ToInstant() <= t).OrderBy(x => x.Event.at.ToInstant()).ThenBy(x => x.Arrival)
                    .Select(x => (ConsentAction?)x.Event.action).LastOrDefault();
                var actual = SubjectStateRules.ConsentOf(state, Company, t)?.Action;
                if (expected == actual) continue;
                bad++;
                first ??= $"t={t} expected {expected} got {actual}\n read in order: {string.Join(", ", order.Select(x => $"{x.Event.action}@{x.Event.at.ToInstant()} arrived {x.Arrival}"))}";
            }
        }
        output.WriteLine($"{bad} differences"); if (first != null) output.WriteLine(first);
        Assert.Equal(0, bad);
    }

    /// <summary>Same updates (distinct times, so no tie-by-arrival), every order: same decisions.</summary>
    [Fact]
    public void Arrival_order_changes_nothing()
    {
        var rng = new Random(7);
        var bad = 0; string? first = null;
        for (var trial = 0; trial < 3000; trial++)
        {
            var n = 1 + rng.Next(14);
            var times = Enumerable.Range(0, 40).OrderBy(_ => rng.Next()).Take(n).ToList();
            var regs = times.Select(d => Update((RegisterAction)rng.Next(3), R + Duration.FromDays(d))).ToList();
            var shuffled = regs.OrderBy(_ => rng.Next()).ToList();
            RegisterState? a = null; foreach (var u in regs.OrderBy(u => u.effectiveAt)) a = SubjectStateRules.Apply(a, u) ?? a;
            RegisterState? b = null; foreach (var u in shuffled) b = SubjectStateRules.Apply(b, u) ?? b;
            for (var d = -1; d < 42; d++)
            {
                var t = R + Duration.FromDays(d) + Duration.FromHours(1);
                var fa = SubjectStateRules.ToFacts(a, t); var fb = SubjectStateRules.ToFacts(b, t);
                if (fa == fb) continue;
                bad++;
                first ??= $"t={t} in-order {fa} shuffled {fb}\n order={string.Join(", ", shuffled.Select(u => $"{u.action}@{u.effectiveAt.ToInstant()}"))}\n a.registeredAt={a!.registeredAt} b.registeredAt={b!.registeredAt}";
            }
        }
        output.WriteLine($"{bad} differences"); if (first != null) output.WriteLine(first);
        Assert.Equal(0, bad);
    }

    /// <summary>Minimal: REGISTERED then 9 later updates ending in REMOVEDs; a call between the first and the rest.</summary>
    [Fact]
    public void A_registration_let_go_past_the_cap_does_not_clear_a_call()
    {
        RegisterState? s = SubjectStateRules.Apply(null, Update(RegisterAction.REGISTERED, R));
        for (var i = 1; i <= 9; i++) s = SubjectStateRules.Apply(s, Update(i % 2 == 1 ? RegisterAction.REMOVED : RegisterAction.REGISTERED, R + Days(10 + i)));
        var facts = SubjectStateRules.ToFacts(s, R + Days(5)); // truth: REGISTERED since R
        output.WriteLine($"facts at R+5d: {facts}");
        Assert.True(facts?.IsRegistered == true);
    }

    /// <summary>Minimal: WITHDRAWN, then 9 later consent events; a call between.</summary>
    [Fact]
    public void A_withdrawal_let_go_past_the_cap_still_opts_out()
    {
        SubjectConsents? s = SubjectStateRules.Apply(null, Consent(ConsentAction.WITHDRAWN, R, null, null));
        for (var i = 1; i <= 9; i++) s = SubjectStateRules.Apply(s, Consent(i % 2 == 1 ? ConsentAction.GRANTED : ConsentAction.WITHDRAWN, R + Days(10 + i), ConsentBasis.EXPLICIT_CONSENT, null));
        var c = SubjectStateRules.ConsentOf(s, Company, R + Days(5)); // truth: WITHDRAWN
        output.WriteLine($"consent at R+5d: {c?.ToString() ?? "null"}");
        Assert.Equal(ConsentAction.WITHDRAWN, c?.Action);
    }

    /// <summary>A state written before this change (earlier = schema default []): REGISTERED long ago, RENEWED since.</summary>
    [Fact]
    public void A_state_written_by_the_previous_version_still_blocks_a_call_before_its_latest_renewal()
    {
        // What the old Apply left after REGISTERED at R then RENEWED at R+30d: the latest only.
        var old = new RegisterState { status = RegisterAction.RENEWED, effectiveAt = (R + Days(30)).ToAvro(), registeredAt = (R + Days(30)).ToAvro(), earlier = [] };
        var facts = SubjectStateRules.ToFacts(old, R + Days(20));
        output.WriteLine($"facts at R+20d: {facts?.ToString() ?? "null"}");
        Assert.True(facts?.IsRegistered == true);
    }
}
