using Confluent.Kafka;
using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;
using RpoStreams.Policy;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;
using RpoStreams.Records.Internal;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// A subject's state is one changelog record: whatever the feeds send, the limits on what it keeps must hold it under
/// a Kafka message (1 MB by default), or the write would stop the stream at every restart.
/// </summary>
public class SubjectStateLimitsTests
{
    private static readonly RecordSerdes Serdes = RecordSerdes.Local();

    /// <summary>The longest id intake lets through, in the widest UTF-8: 128 characters of three bytes each.</summary>
    private static string Id(int i) => i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture) + new string('€', InputLimits.Id - 8);

    /// <summary>Every list filled through the rules that keep it, with the widest ids, as far as they let it grow.</summary>
    [Fact]
    public void The_largest_state_the_limits_allow_fits_a_kafka_record()
    {
        var t = Instant.FromUtc(2026, 3, 10, 9, 0);
        var at = t.ToDateTimeUtc();
        var state = new SubjectState
        {
            register = new RegisterState
            {
                status = RegisterAction.REGISTERED,
                effectiveAt = at,
                registeredAt = at,
                earlier = [.. Enumerable.Range(0, SubjectStateRules.MaxEarlier).Select(_ => new RegisterStep { status = RegisterAction.RENEWED, effectiveAt = at })],
            },
        };
        var refused = 0;
        for (var i = 0; i < 2 * SubjectStateRules.MaxCompanies; i++)
        {
            // Each company with every earlier event it may keep: the latest last.
            for (var e = 0; e <= SubjectStateRules.MaxEarlier + 1; e++)
            {
                var consent = new ConsentEvent { subject = "+393331234567", subjectType = SubjectType.PHONE, companyId = Id(i), action = ConsentAction.GRANTED, basis = ConsentBasis.ACTIVE_CONTRACT, at = at.AddMinutes(e), contractEndedAt = at };
                if (SubjectStateRules.Apply(state.consents, consent) is { } next)
                {
                    state.consents = next;
                }
                else
                {
                    refused++;
                }
            }
        }
        for (var i = 0; i < 2 * SubjectStateRules.MaxContacts && !SubjectStateRules.IsFull(state.contacts); i++)
        {
            state.contacts = SubjectStateRules.Record(state.contacts, Id(i), Id(i), t, t - Duration.FromDays(40));
        }
        for (var i = 0; i < 2 * KnownDecisions.MaxPerSubject; i++)
        {
            state.decisions = KnownDecisions.Remember(state, new KnownDecision
            {
                intentId = Id(i),
                decision = KnownDecisions.Keep(WidestDecision(Id(i), at), Serdes.CallDecision),
                keepUntil = at.AddDays(7).AddSeconds(i),
                sourcePartition = int.MaxValue,
                sourceOffset = long.MaxValue,
            }, t);
        }

        var bytes = Serdes.SubjectState.Serialize(state, new SerializationContext(MessageComponentType.Value, "subjects-changelog")).Length;

        Assert.True(bytes <= SubjectStateRules.MaxStateBytes, $"the state is {bytes:N0} bytes");
        Assert.True(refused > 0 && state.consents!.consents.Count < 2 * SubjectStateRules.MaxCompanies, "the consents reached their limit");
        Assert.True(SubjectStateRules.IsFull(state.contacts));
        Assert.Equal(Id(2 * KnownDecisions.MaxPerSubject - 1), state.decisions[^1].intentId);
    }

    /// <summary>Through the gate: a flood of companies for one number leaves the companies kept decided as before, and fails closed for the rest.</summary>
    [Fact]
    public void A_number_flooded_with_companies_consents_keeps_deciding_and_fails_closed_past_the_limit()
    {
        using var gate = new GateHarness();
        var t = Make.Rome_(2026, 3, 10, 11);
        gate.Consultation(t - Duration.FromDays(1));
        var companies = SubjectStateRules.MaxCompanies + 100;
        for (var i = 0; i < companies; i++)
        {
            gate.Consent("+393331234567", Id(i), ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, t - Duration.FromDays(1));
        }

        gate.Intent(Make.Intent("i-kept", "+393331234567", t, company: Id(0)));
        gate.Intent(Make.Intent("i-past", "+393331234567", t, company: Id(companies - 1)));

        var decisions = gate.Decisions().ToDictionary(d => d.intentId);
        Assert.Equal(Outcome.ALLOWED, decisions["i-kept"].outcome);
        Assert.Equal([Reason.COMPANY_OPT_OUT], decisions["i-past"].reasons);
        Assert.Empty(gate.DeadLetters());
    }

    /// <summary>A number whose contacts filled its state takes promotional calls again once they have aged out, sweep or no sweep.</summary>
    [Fact]
    public void A_number_whose_contacts_are_full_is_capped_until_they_age_out()
    {
        using var gate = new GateHarness();
        var monday = Make.Rome_(2026, 3, 9, 10);
        gate.Consultation(monday - Duration.FromDays(1));
        for (var i = 0; i < SubjectStateRules.MaxContacts; i++)
        {
            gate.Intent(Make.Intent("i-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "+393331234567", monday, company: "C" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        var filling = gate.Decisions();
        Assert.Equal(SubjectStateRules.MaxContacts, filling.Count);
        Assert.All(filling, d => Assert.Equal(Outcome.ALLOWED, d.outcome));

        gate.Intent(Make.Intent("i-full", "+393331234567", monday + Duration.FromMinutes(5), company: "NEW"));
        Assert.Equal([Reason.FREQUENCY_CAP], gate.SingleDecision().reasons);

        // Stream time well past every contact's horizon (the intake's past skew included): the next call is decided on its own.
        var later = monday + Duration.FromDays(400);
        gate.Consultation(later - Duration.FromDays(1));
        gate.Intent(Make.Intent("i-later", "+393331234567", later, company: "NEW"));
        Assert.Equal(Outcome.ALLOWED, gate.SingleDecision().outcome);
    }

    private static CallDecision WidestDecision(string id, DateTime at) => new()
    {
        intentId = id,
        outcome = Outcome.BLOCKED,
        reasons = [.. Enum.GetValues<Reason>()],
        companyId = id,
        callCenterId = id,
        campaignId = id,
        channel = Channel.PHONE,
        purpose = Purpose.PROMOTIONAL,
        subjectRef = id,
        decisionTime = at,
        decidedAt = at,
        policyVersion = PolicyRules.Default.Version,
        intentPartition = int.MaxValue,
        intentOffset = long.MaxValue,
    };
}
