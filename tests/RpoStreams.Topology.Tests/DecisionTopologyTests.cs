using NodaTime;
using RpoStreams.Contracts;
using RpoStreams.Records;
using static RpoStreams.Topology.Tests.Make;

namespace RpoStreams.Topology.Tests;

public class DecisionTopologyTests
{
    private static readonly Instant Tuesday10 = Rome_(2026, 3, 10, 10);

    [Fact]
    public void Registered_number_is_blocked_whatever_way_it_is_written()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("+39 333 123 4567", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));

        gate.Intent(Intent("i-1", "333 123 4567", Tuesday10));
        gate.Intent(Intent("i-2", "0039 333-1234567", Tuesday10 + Duration.FromHours(1)));

        var decisions = gate.Decisions();
        Assert.Equal(2, decisions.Count);
        Assert.All(decisions, d =>
        {
            Assert.Equal(Outcome.BLOCKED, d.outcome);
            Assert.Equal([Reason.RPO_OPPOSITION], d.reasons);
            Assert.Null(d.basis);
            Assert.Equal(gate.RefOf("+393331234567"), d.subjectRef);
        });
    }

    [Fact]
    public void Decision_carries_no_raw_number_and_records_the_policy_version()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));

        gate.Intent(Intent("i-1", "+393471234567", Tuesday10));

        var decision = gate.SingleDecision();
        Assert.Equal(Outcome.ALLOWED, decision.outcome);
        Assert.Equal(Basis.NOT_REGISTERED, decision.basis);
        Assert.Equal("it-2024.1", decision.policyVersion);
        var bytes = gate.Encode(gate.Serdes.CallDecision, decision, "calls.decisions.v1");
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("3471234567", text);
    }

    [Fact]
    public void Consent_given_after_registration_survives_only_for_its_company()
    {
        using var gate = new GateHarness();
        const string subject = "+393205550101";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Consent(subject, "OLDCO", ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, Tuesday10 - Duration.FromDays(37));
        gate.Register(subject, RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        gate.Consent(subject, "NEWCO", ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, Tuesday10 - Duration.FromDays(5));

        gate.Intent(Intent("i-old", subject, Tuesday10, company: "OLDCO"));
        gate.Intent(Intent("i-new", subject, Tuesday10, company: "NEWCO"));

        var byId = gate.Decisions().ToDictionary(d => d.intentId);
        Assert.Equal(Outcome.BLOCKED, byId["i-old"].outcome);
        Assert.Equal(Outcome.ALLOWED, byId["i-new"].outcome);
        Assert.Equal(Basis.CONSENT_AFTER_REGISTRATION, byId["i-new"].basis);
    }

    [Fact]
    public void Older_register_update_arriving_late_is_ignored()
    {
        using var gate = new GateHarness();
        const string subject = "+393331112222";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register(subject, RegisterAction.REMOVED, Tuesday10 - Duration.FromDays(2));
        gate.Register(subject, RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(20));

        gate.Intent(Intent("i-1", subject, Tuesday10));

        Assert.Equal(Basis.NOT_REGISTERED, gate.SingleDecision().basis);
    }

    [Fact]
    public void Repeated_intent_gets_no_second_decision_and_is_not_counted_twice()
    {
        using var gate = new GateHarness();
        const string subject = "+393331112233";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));

        gate.Intent(Intent("i-1", subject, Tuesday10));
        gate.Intent(Intent("i-1", "333 111 2233", Tuesday10));
        gate.Intent(Intent("i-2", subject, Tuesday10 + Duration.FromDays(1)));
        gate.Intent(Intent("i-3", subject, Tuesday10 + Duration.FromDays(2)));

        // Exactly one decision per intent: the repeat (the same number written another way) is not answered again.
        var decisions = gate.Decisions();
        Assert.Equal(["i-1", "i-2", "i-3"], decisions.Select(d => d.intentId));
        // Had the repeat counted as a second contact, i-3 would be the fourth in 30 days and capped (rolling cap 3).
        Assert.All(decisions, d => Assert.Equal(Outcome.ALLOWED, d.outcome));
    }

    /// <summary>
    /// Another company's intent under an id already decided for the same number gets no decision (the first one's is not
    /// its own: a dialer matching by id alone would dial on it) and a dead letter that says why, naming no company.
    /// </summary>
    [Fact]
    public void An_intentId_reused_by_another_company_is_refused_as_a_dead_letter()
    {
        using var gate = new GateHarness();
        const string subject = "+393331112234";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Consent(subject, "BETA", ConsentAction.WITHDRAWN, null, Tuesday10 - Duration.FromDays(3));

        gate.Intent(Intent("dup-1", subject, Tuesday10));
        gate.Intent(Intent("dup-1", subject, Tuesday10, company: "BETA"));
        gate.Intent(Intent("dup-2", subject, Tuesday10, company: "BETA"));

        var decisions = gate.Decisions();
        Assert.Equal([("dup-1", "ACME", Outcome.ALLOWED), ("dup-2", "BETA", Outcome.BLOCKED)], decisions.Select(d => (d.intentId, d.companyId, d.outcome)));
        var letter = Assert.Single(gate.DeadLetters());
        Assert.Equal(TopicNames.Intents, letter.topic);
        Assert.Contains("decided within Intake:IdempotenceDays for an intent of another company", letter.error, StringComparison.Ordinal);
        Assert.DoesNotContain("ACME", letter.error, StringComparison.Ordinal);
        Assert.DoesNotContain("3331112234", letter.error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_intentId_reused_for_another_number_is_decided_for_that_number()
    {
        using var gate = new GateHarness();
        const string free = "+393331112255";
        const string registered = "+393331112266";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register(registered, RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(5));

        gate.Intent(Intent("i-1", free, Tuesday10));
        gate.Intent(Intent("i-1", registered, Tuesday10));

        // A decision is known in its subject's state: another number's intent is checked on its own, never
        // cleared by the first number's answer.
        var decisions = gate.Decisions();
        Assert.Equal([Outcome.ALLOWED, Outcome.BLOCKED], decisions.Select(d => d.outcome));
        Assert.Equal([Reason.RPO_OPPOSITION], decisions[1].reasons);
        Assert.NotEqual(decisions[0].subjectRef, decisions[1].subjectRef);
    }

    [Fact]
    public void Second_allowed_call_on_the_same_day_is_capped_but_another_company_is_not()
    {
        using var gate = new GateHarness();
        const string subject = "+393331112244";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));

        gate.Intent(Intent("i-1", subject, Tuesday10));
        gate.Intent(Intent("i-2", subject, Tuesday10 + Duration.FromHours(3)));
        gate.Intent(Intent("i-3", subject, Tuesday10 + Duration.FromHours(3), company: "BETA"));

        var byId = gate.Decisions().ToDictionary(d => d.intentId);
        Assert.Equal(Outcome.ALLOWED, byId["i-1"].outcome);
        Assert.Equal([Reason.FREQUENCY_CAP], byId["i-2"].reasons);
        Assert.Equal(Outcome.ALLOWED, byId["i-3"].outcome);
    }

    [Fact]
    public void Fourth_call_in_thirty_days_is_capped()
    {
        using var gate = new GateHarness();
        const string subject = "+393331112255";
        gate.Consultation(Tuesday10 + Duration.FromDays(7));

        gate.Intent(Intent("i-1", subject, Tuesday10));
        gate.Intent(Intent("i-2", subject, Tuesday10 + Duration.FromDays(1)));
        gate.Intent(Intent("i-3", subject, Tuesday10 + Duration.FromDays(2)));
        gate.Intent(Intent("i-4", subject, Tuesday10 + Duration.FromDays(8)));

        var byId = gate.Decisions().ToDictionary(d => d.intentId);
        Assert.Equal(Outcome.ALLOWED, byId["i-3"].outcome);
        Assert.Equal([Reason.FREQUENCY_CAP], byId["i-4"].reasons);
    }

    [Fact]
    public void Service_call_is_allowed_as_not_promotional_even_for_a_registered_number_without_consultation()
    {
        using var gate = new GateHarness();
        const string subject = "+393331112266";
        gate.Register(subject, RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));

        gate.Intent(Intent("i-1", subject, Rome_(2026, 3, 15, 22), purpose: Purpose.SERVICE));

        var decision = gate.SingleDecision();
        Assert.Equal(Outcome.ALLOWED, decision.outcome);
        Assert.Equal(Basis.NOT_PROMOTIONAL, decision.basis);
    }

    [Fact]
    public void Postal_mail_to_a_registered_address_is_blocked_and_the_address_is_normalized()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("Via Roma 1, 00100 Roma", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9), SubjectType.POSTAL_ADDRESS);

        gate.Intent(Intent("i-1", "VIA ROMA, 1 00100 ROMA", Rome_(2026, 3, 15, 23), channel: Channel.POSTAL_MAIL, callerId: null));

        var decision = gate.SingleDecision();
        Assert.Equal([Reason.RPO_OPPOSITION], decision.reasons);
    }

    [Fact]
    public void Wall_clock_stamps_decided_at_in_the_service()
    {
        var clock = new NodaTime.Testing.FakeClock(Rome_(2026, 3, 10, 9, 59, 58));
        using var gate = new GateHarness(clock);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));

        gate.Intent(Intent("i-1", "+393471234567", Tuesday10));

        var decision = gate.SingleDecision();
        Assert.Equal(clock.GetCurrentInstant(), Records.AvroTime.ToInstant(decision.decidedAt));
        Assert.Equal(Tuesday10, Records.AvroTime.ToInstant(decision.decisionTime));
    }

    [Fact]
    public void A_subject_task_sets_itself_up_once_and_closes_once()
    {
        // Streamiz initializes the deciding node once per path from the task's sources (register, consents, intents,
        // attempts, subject-events) and closes it once per parent; the gate's own setup must run once each way.
        var ownership = new CountingOwnership();
        using (var gate = new GateHarness(ownership: ownership))
        {
            gate.Consultation(Tuesday10 - Duration.FromDays(1));
            gate.Intent(Intent("i-1", "333 123 4567", Tuesday10));
            Assert.Single(gate.Decisions());
            Assert.Equal((1, 0), (ownership.Claims, ownership.Releases));
        }
        Assert.Equal((1, 1), (ownership.Claims, ownership.Releases));
    }

    private sealed class CountingOwnership : RpoStreams.Gate.Topology.IPartitionOwnership
    {
        public int Claims { get; private set; }

        public int Releases { get; private set; }

        public void Claim(int partition) => Claims++;

        public void Release(int partition) => Releases++;
    }
}

public class TracingTopologyTests
{
    [Fact]
    public void An_intent_with_a_trace_context_is_decided_in_a_child_span()
    {
        var spans = new List<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == Gate.Topology.GateMetrics.MeterName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var gate = new GateHarness();
        var at = Make.Rome_(2026, 3, 10, 10);
        gate.Consultation(at - NodaTime.Duration.FromDays(1));
        var intent = Make.Intent("i-traced", "+393471234567", at);
        var headers = new Confluent.Kafka.Headers { { "traceparent", System.Text.Encoding.ASCII.GetBytes("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") } };

        gate.Raw(Contracts.TopicNames.Intents, System.Text.Encoding.UTF8.GetBytes("i-traced"), gate.Encode(gate.Serdes.CallIntent, intent, Contracts.TopicNames.Intents), at.ToDateTimeUtc(), headers);

        var span = Assert.Single(spans, s => s.OperationName == "decide");
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Equal("i-traced", span.GetTagItem("rpo.intent_id"));
        Assert.Equal("ALLOWED", span.GetTagItem("rpo.outcome"));
    }
}
