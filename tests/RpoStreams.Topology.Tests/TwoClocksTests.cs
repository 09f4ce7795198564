using NodaTime;
using NodaTime.Testing;
using RpoStreams.Contracts;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using static RpoStreams.Topology.Tests.Make;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// The policy uses an intent's decision time (scheduledAt), and an intent arriving after it is also blocked by an
/// objection known at its arrival; everything that waits or forgets uses stream time, built from arrival times (record
/// timestamps). An intent decided days ahead must move no clock.
/// </summary>
public class TwoClocksTests
{
    private static readonly Instant Tuesday10 = Rome_(2026, 4, 14, 10);
    private const string Caller = "+390212345678";

    [Fact]
    public void An_intent_is_decided_on_the_register_and_consents_as_they_stand_at_its_decision_time()
    {
        using var gate = new GateHarness();
        var arrived = Tuesday10 - Duration.FromDays(5);
        gate.Consultation(arrived - Duration.FromHours(1), arrivedAt: arrived - Duration.FromHours(1));
        // A number registered in February whose removal takes effect next week; another whose registration does.
        gate.Register("+393331234567", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(60), arrivedAt: arrived);
        gate.Register("+393331234567", RegisterAction.REMOVED, Tuesday10 + Duration.FromDays(7), arrivedAt: arrived);
        gate.Register("+393337654321", RegisterAction.REGISTERED, Tuesday10 + Duration.FromDays(7), arrivedAt: arrived);
        // A registered number whose holder consents only after the call.
        gate.Register("+393331112222", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(60), arrivedAt: arrived);
        gate.Consent("+393331112222", "ACME", ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, Tuesday10 + Duration.FromDays(2), arrivedAt: arrived);

        gate.Intent(Intent("i-still-registered", "+393331234567", Tuesday10), arrivedAt: arrived);
        gate.Intent(Intent("i-not-yet-registered", "+393337654321", Tuesday10), arrivedAt: arrived);
        gate.Intent(Intent("i-consent-later", "+393331112222", Tuesday10), arrivedAt: arrived);
        gate.Intent(Intent("i-after-removal", "+393331234567", Tuesday10 + Duration.FromDays(8)), arrivedAt: arrived);
        gate.Intent(Intent("i-after-consent", "+393331112222", Tuesday10 + Duration.FromDays(8)), arrivedAt: arrived);

        Assert.Equal(
            [
                ("i-still-registered", Outcome.BLOCKED, "RPO_OPPOSITION"),
                ("i-not-yet-registered", Outcome.ALLOWED, "NOT_REGISTERED"),
                ("i-consent-later", Outcome.BLOCKED, "RPO_OPPOSITION"),
                ("i-after-removal", Outcome.ALLOWED, "NOT_REGISTERED"),
                ("i-after-consent", Outcome.ALLOWED, "CONSENT_AFTER_REGISTRATION"),
            ],
            gate.Decisions().Select(d => (d.intentId, d.outcome, d.outcome == Outcome.ALLOWED ? d.basis.ToString()! : string.Join(",", d.reasons))));
    }

    [Fact]
    public void An_intent_that_arrives_after_its_scheduled_time_is_blocked_by_an_objection_known_at_its_arrival_and_cleared_by_nothing_later()
    {
        // Given objections recorded after 10:00 and known before the intents naming 10:00 arrive at 10:05 (a late or
        // backdated intent is dialled after it is decided, never at the time it names)
        using var gate = new GateHarness();
        var arrived = Tuesday10 + Duration.FromMinutes(5);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Consent("+393331234567", "ACME", ConsentAction.WITHDRAWN, null, Tuesday10 + Duration.FromMinutes(2), arrivedAt: Tuesday10 + Duration.FromMinutes(2));
        gate.Register("+393337654321", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(60), arrivedAt: Tuesday10 - Duration.FromDays(60));
        gate.Consent("+393337654321", "ACME", ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, Tuesday10 - Duration.FromDays(30), arrivedAt: Tuesday10 - Duration.FromDays(30));
        gate.Register("+393337654321", RegisterAction.RENEWED, Tuesday10 + Duration.FromMinutes(2), arrivedAt: Tuesday10 + Duration.FromMinutes(2));
        gate.Register("+393331112222", RegisterAction.REGISTERED, Tuesday10 + Duration.FromMinutes(2), arrivedAt: Tuesday10 + Duration.FromMinutes(2));

        // And a removal and a consent recorded after 10:00, which clear nothing for a call at 10:00 (a producer clock
        // ahead would otherwise let them through early)
        gate.Register("+393339990000", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(60), arrivedAt: Tuesday10 - Duration.FromDays(60));
        gate.Register("+393339990000", RegisterAction.REMOVED, Tuesday10 + Duration.FromMinutes(2), arrivedAt: Tuesday10 + Duration.FromMinutes(2));
        gate.Register("+393339990001", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(60), arrivedAt: Tuesday10 - Duration.FromDays(60));
        gate.Consent("+393339990001", "ACME", ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, Tuesday10 + Duration.FromMinutes(2), arrivedAt: Tuesday10 + Duration.FromMinutes(2));

        gate.Intent(Intent("i-withdrawn", "+393331234567", Tuesday10), arrivedAt: arrived);
        gate.Intent(Intent("i-renewed", "+393337654321", Tuesday10), arrivedAt: arrived);
        gate.Intent(Intent("i-registered", "+393331112222", Tuesday10), arrivedAt: arrived);
        gate.Intent(Intent("i-removed-later", "+393339990000", Tuesday10), arrivedAt: arrived);
        gate.Intent(Intent("i-consented-later", "+393339990001", Tuesday10), arrivedAt: arrived);

        // Then each objection blocks (as of 10:00 the first three were ALLOWED), and neither later grant clears
        Assert.Equal(
            [("i-withdrawn", "COMPANY_OPT_OUT"), ("i-renewed", "RPO_OPPOSITION"), ("i-registered", "RPO_OPPOSITION"),
             ("i-removed-later", "RPO_OPPOSITION"), ("i-consented-later", "RPO_OPPOSITION")],
            gate.Decisions().Select(d => (d.intentId, string.Join(",", d.reasons))));
    }

    [Fact]
    public void Intent_for_next_week_does_not_expire_attempts_still_waiting_for_their_intent()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Attempt(Attempt("a-now", "i-now", "+393401000001", Tuesday10 + Duration.FromSeconds(2)));

        gate.Intent(Intent("i-next-week", "+393401000002", Tuesday10 + Duration.FromDays(7)), arrivedAt: Tuesday10 + Duration.FromSeconds(5));
        gate.Intent(Intent("i-now", "+393401000001", Tuesday10), arrivedAt: Tuesday10 + Duration.FromSeconds(20));

        Assert.Empty(gate.Alerts());
        Assert.Equal([(Outcome.ALLOWED, "i-next-week"), (Outcome.ALLOWED, "i-now")], gate.Decisions().Select(d => (d.outcome, d.intentId)));
    }

    [Fact]
    public void Attempt_expires_when_stream_time_passes_its_arrival_by_the_grace_not_its_start()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        // Started at 10:00, reported at 10:05: the sixty seconds run from its arrival.
        gate.Attempt(Attempt("a-1", "i-late", "+393401000001", Tuesday10), arrivedAt: Tuesday10 + Duration.FromMinutes(5));

        gate.Register("+393401000009", RegisterAction.REMOVED, Tuesday10, arrivedAt: Tuesday10 + Duration.FromMinutes(6));
        Assert.Empty(gate.Alerts());

        gate.Register("+393401000009", RegisterAction.REMOVED, Tuesday10, arrivedAt: Tuesday10 + Duration.FromMinutes(6) + Duration.FromMilliseconds(1));
        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, alert.type);
        Assert.Equal("a-1", alert.attemptId);
    }

    [Theory]
    [InlineData(30, true)]
    [InlineData(0, false)]
    public void On_a_partition_that_goes_quiet_a_waiting_attempt_expires_on_the_wall_clock_after_the_idle_time(int idleAdvanceSeconds, bool expires)
    {
        // Given the last call of the day: an attempt whose intent never comes, and then nothing more on its partition
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock, alertSettings: new AlertSettings { IdleAdvanceSeconds = idleAdvanceSeconds });
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Attempt(Attempt("a-last", "i-never", "+393401000001", Tuesday10));

        // When two minutes of wall clock pass, ten seconds at a time (the gate looks at the clock every ten)
        for (var i = 0; i < 12; i++)
        {
            gate.AdvanceWallClock(Duration.FromSeconds(10));
        }

        // Then the partition's stream time followed the clock and the attempt was judged; with the setting at 0 it waits for a record
        var alerts = gate.Alerts();
        if (expires)
        {
            var alert = Assert.Single(alerts);
            Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, alert.type);
            Assert.Equal("a-last", alert.attemptId);
        }
        else
        {
            Assert.Empty(alerts);
            Assert.Single(gate.PendingAttempts());
        }
    }

    [Fact]
    public void Decision_made_a_week_ahead_is_still_known_when_the_call_is_made_eight_days_later()
    {
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var callDay = Rome_(2026, 4, 22, 10);
        gate.Intent(Intent("i-ahead", "+393401000003", callDay), arrivedAt: Tuesday10);
        var first = gate.SingleDecision();

        // Eight days of wall clock (the gate sweeps forgotten decisions on it), then the call.
        clock.Reset(callDay);
        gate.AdvanceWallClock(Duration.FromMinutes(1));
        gate.Consultation(callDay - Duration.FromDays(1));
        gate.Attempt(Attempt("a-ahead", "i-ahead", "+393401000003", callDay + Duration.FromSeconds(3)));
        gate.Register("+393401000098", RegisterAction.REMOVED, callDay, arrivedAt: callDay + Duration.FromMinutes(2));
        Assert.Empty(gate.Alerts());

        // The dialer sends the intent again: still known, so no second decision (the first stands on the topic).
        gate.Intent(Intent("i-ahead", "+393401000003", callDay), arrivedAt: callDay + Duration.FromMinutes(3));
        Assert.Empty(gate.Decisions());
        Assert.Equal(Outcome.ALLOWED, first.outcome);
    }

    [Fact]
    public void Decision_is_forgotten_once_stream_time_passes_its_decision_time_and_arrival_by_seven_days()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("i-1", "+393401000004", Tuesday10));
        gate.SingleDecision();

        gate.Register("+393401000099", RegisterAction.REMOVED, Tuesday10 + Duration.FromDays(7));
        gate.Attempt(Attempt("a-in-time", "i-1", "+393401000004", Tuesday10 + Duration.FromDays(7)));
        Assert.Empty(gate.Alerts());

        gate.Attempt(Attempt("a-too-late", "i-1", "+393401000004", Tuesday10 + Duration.FromDays(7) + Duration.FromSeconds(1)));
        gate.Register("+393401000099", RegisterAction.REMOVED, Tuesday10 + Duration.FromDays(7) + Duration.FromMinutes(2));
        var alert = Assert.Single(gate.Alerts(), a => a.type == AlertType.CALL_WITHOUT_CLEARANCE);
        Assert.Equal("a-too-late", alert.attemptId);
    }

    [Fact]
    public void Intent_three_days_ahead_does_not_wipe_todays_campaign_tallies()
    {
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        for (var i = 0; i < 4; i++)
        {
            gate.Register($"+3934010001{i:D2}", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
            gate.Intent(Intent($"blocked-{i}", $"+3934010001{i:D2}", Tuesday10 + Duration.FromMinutes(i), campaign: "SPRING"));
        }
        for (var i = 0; i < 15; i++)
        {
            gate.Intent(Intent($"ok-{i}", $"+3934010002{i:D2}", Tuesday10 + Duration.FromMinutes(10 + i), campaign: "SPRING"));
        }
        gate.Intent(Intent("ahead", "+393401000399", Tuesday10 + Duration.FromDays(3), campaign: "SPRING"), arrivedAt: Tuesday10 + Duration.FromMinutes(30));
        // The wall clock runs the tallies' purge.
        gate.AdvanceWallClock(Duration.FromMinutes(11));
        Assert.Empty(gate.Alerts());

        gate.Intent(Intent("ok-20th", "+393401000300", Tuesday10 + Duration.FromMinutes(40), campaign: "SPRING", callCenter: "CC-20"), arrivedAt: Tuesday10 + Duration.FromMinutes(41));
        gate.AdvanceWallClock(Duration.FromSeconds(1));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.LIST_NOT_SCRUBBED, alert.type);
        Assert.Equal("ok-20th", alert.intentId);
        Assert.Equal("CC-20", alert.callCenterId);
    }

    [Fact]
    public void List_not_scrubbed_is_raised_once_per_hour_however_hours_interleave()
    {
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock);
        FirstHourOfSpringWarned(gate);
        Assert.Single(gate.Alerts());

        gate.Intent(Intent("ahead", "+393401000599", Tuesday10 + Duration.FromDays(3), campaign: "SPRING"), arrivedAt: Tuesday10 + Duration.FromMinutes(25));
        gate.AdvanceWallClock(Duration.FromMinutes(11));
        for (var i = 20; i < 40; i++)
        {
            gate.Intent(Intent($"more-{i}", $"+3934010004{i:D2}", Tuesday10 + Duration.FromMinutes(i), campaign: "SPRING"), arrivedAt: Tuesday10 + Duration.FromMinutes(30 + i));
        }
        gate.AdvanceWallClock(Duration.FromSeconds(1));

        Assert.Empty(gate.Alerts());
    }

    /// <summary>
    /// Intake bounds an intent by its own record's timestamp, not by stream time: a producer may still send one stamped
    /// over a year before what the task has read. The contacts kept cannot answer for it, and forgetting less would
    /// keep a year of contacts for every number: it fails closed.
    /// </summary>
    [Fact]
    public void An_intent_dated_before_the_contacts_kept_can_answer_for_is_capped()
    {
        using var gate = new GateHarness();
        const string number = "+393331234567";
        var far = Tuesday10 + Duration.FromDays(400);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("c-1", number, Tuesday10, callerId: Caller));
        gate.Consultation(far - Duration.FromDays(1));
        gate.Intent(Intent("far", "+393339999999", far, callerId: Caller));
        // Another day, then the day of c-1 again: recording the first let go of c-1's contact.
        gate.Intent(Intent("c-2", number, Tuesday10 + Duration.FromDays(1), callerId: Caller));
        gate.Intent(Intent("c-3", number, Tuesday10 + Duration.FromHours(5), callerId: Caller));
        // Within reach of what is kept (Intake:MaxPastSkewDays before stream time): decided as ever. A number never
        // contacted has nothing to miss, however old the intent.
        gate.Intent(Intent("c-4", number, Tuesday10 + Duration.FromDays(42), callerId: Caller));
        gate.Intent(Intent("fresh", "+393337777777", Tuesday10 + Duration.FromHours(2), callerId: Caller));

        var decisions = gate.Decisions().ToDictionary(d => d.intentId);
        Assert.Equal(Outcome.ALLOWED, decisions["c-1"].outcome);
        Assert.Equal([Reason.FREQUENCY_CAP], decisions["c-2"].reasons);
        Assert.Equal([Reason.FREQUENCY_CAP], decisions["c-3"].reasons);
        Assert.Equal(Outcome.ALLOWED, decisions["c-4"].outcome);
        Assert.Equal(Outcome.ALLOWED, decisions["fresh"].outcome);
    }

    /// <summary>
    /// The monitor lets go of an alerted hour once stream time is Intake:MaxPastSkewDays past it; records stamped in that
    /// hour can still come (intake bounds them by their own timestamps) and must not warn a second time.
    /// </summary>
    [Fact]
    public void A_list_warning_is_not_raised_again_for_an_hour_older_than_intake_accepts()
    {
        var far = Tuesday10 + Duration.FromDays(400);
        var clock = new FakeClock(far);
        using var gate = new GateHarness(clock);
        FirstHourOfSpringWarned(gate);
        Assert.Single(gate.Alerts(), a => a.type == AlertType.LIST_NOT_SCRUBBED);

        // Stream time a year and more later; the monitor lets go of the alerted hour.
        gate.Consultation(far - Duration.FromDays(1));
        for (var h = 0; h < 8; h++)
        {
            gate.Intent(Intent($"far-{h}", $"+3934010006{h:D2}", far + Duration.FromHours(h), campaign: "SPRING"), far);
        }
        gate.AdvanceWallClock(Duration.FromSeconds(1));
        gate.AdvanceWallClock(Duration.FromMinutes(11));
        // The same hour again, from records stamped in it.
        for (var i = 0; i < 40; i++)
        {
            gate.Intent(Intent($"again-{i}", $"+3934010004{i:D2}", Tuesday10 + Duration.FromMinutes(30 + i), campaign: "SPRING"));
        }
        gate.AdvanceWallClock(Duration.FromSeconds(1));

        Assert.DoesNotContain(gate.Alerts(), a => a.type == AlertType.LIST_NOT_SCRUBBED);
    }

    [Fact]
    public void Intent_past_the_consultations_validity_does_not_use_up_the_register_stale_alert()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));

        // Decided today for a call in twenty days: blocked, but the register is fresh now, so no alert.
        gate.Intent(Intent("i-far", "+393401000005", Tuesday10 + Duration.FromDays(20)), arrivedAt: Tuesday10);
        Assert.Contains(Reason.REGISTER_STALE, gate.SingleDecision().reasons);
        Assert.Empty(gate.Alerts());

        // Sixteen days later the register really is stale.
        var later = Tuesday10 + Duration.FromDays(16);
        gate.Intent(Intent("i-stale", "+393401000006", later));
        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.REGISTER_STALE, alert.type);
        Assert.Equal("i-stale", alert.intentId);
    }

    [Fact]
    public void Register_stale_without_a_company_is_keyed_for_every_company()
    {
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock);

        gate.AdvanceWallClock(Duration.FromMinutes(2));

        var (key, alert) = Assert.Single(gate.AlertRecords());
        Assert.Equal(AlertType.REGISTER_STALE, alert.type);
        Assert.Null(alert.companyId);
        Assert.Equal(AlertKeys.EveryCompany, key);
    }

    [Fact]
    public void Decision_adopted_after_a_crash_counts_towards_the_frequency_cap()
    {
        var published = new PublishedDecisions();
        using var gate = new GateHarness(published: published);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        // Published by an earlier run for the intent record at offset 0, which crashed before keeping it.
        PublishedBefore(gate, published, "i-1");

        gate.Intent(Intent("i-1", "+393401000007", Tuesday10));
        Assert.Empty(gate.Decisions());

        gate.Intent(Intent("i-2", "+393401000007", Tuesday10 + Duration.FromHours(2), callerId: Caller));
        var second = gate.SingleDecision();
        Assert.Equal(Outcome.BLOCKED, second.outcome);
        Assert.Contains(Reason.FREQUENCY_CAP, second.reasons);
    }

    /// <summary>
    /// On the development broker, a decision published before a crash and lost from local state is adopted when its intent
    /// comes again; another company's intent under that id, read first, is not that intent: refused, not adopted as its own.
    /// </summary>
    [Fact]
    public void Another_companys_intent_under_an_adopted_id_is_refused()
    {
        var published = new PublishedDecisions();
        using var gate = new GateHarness(published: published);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        PublishedBefore(gate, published, "dup-1");

        gate.Intent(Intent("dup-1", "+393401000007", Tuesday10, company: "BETA"));

        Assert.Empty(gate.Decisions());
        Assert.Contains("for an intent of another company", Assert.Single(gate.DeadLetters()).error, StringComparison.Ordinal);
    }

    /// <summary>ACME's ALLOWED decision for <paramref name="intentId"/> on +393401000007, published for the intent record at offset 0.</summary>
    private static void PublishedBefore(GateHarness gate, PublishedDecisions published, string intentId)
    {
        var earlier = new CallDecision
        {
            intentId = intentId, outcome = Outcome.ALLOWED, reasons = [], basis = Basis.NOT_REGISTERED, companyId = "ACME", callCenterId = "CC-1",
            campaignId = "C1", channel = Channel.PHONE, purpose = Purpose.PROMOTIONAL, subjectRef = gate.RefOf("+393401000007"),
            decisionTime = Tuesday10.ToAvro(), decidedAt = Tuesday10.ToAvro(), policyVersion = "it-2024.1", intentPartition = 0, intentOffset = 0,
        };
        published.Add(earlier, gate.Encode(gate.Serdes.CallDecision, earlier, TopicNames.Decisions));
    }

    /// <summary>A stand-in for the view of calls.decisions.v1 the gate keeps on the development broker.</summary>
    private sealed class PublishedDecisions : IPublishedDecisions
    {
        private readonly Dictionary<string, byte[]> decisions = new();

        public void Add(CallDecision decision, byte[] bytes) => decisions[decision.intentId] = bytes;

        public byte[]? FindPublished(string intentId, long since) => decisions.GetValueOrDefault(intentId);
    }

    /// <summary>
    /// Forty registered numbers (<c>+3934010004NN</c>), then twenty intents of campaign SPRING on the first twenty in
    /// Tuesday's 10:00 hour, every one blocked for RPO_OPPOSITION: the hour warned, once a flush has run.
    /// </summary>
    private static void FirstHourOfSpringWarned(GateHarness gate)
    {
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        for (var i = 0; i < 40; i++)
        {
            gate.Register($"+3934010004{i:D2}", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        }
        for (var i = 0; i < 20; i++)
        {
            gate.Intent(Intent($"first-{i}", $"+3934010004{i:D2}", Tuesday10 + Duration.FromMinutes(i), campaign: "SPRING"));
        }
        gate.AdvanceWallClock(Duration.FromSeconds(1));
    }
}
