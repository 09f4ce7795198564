using NodaTime;
using NodaTime.Testing;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using static RpoStreams.Topology.Tests.Make;

namespace RpoStreams.Topology.Tests;

public class AlertTopologyTests
{
    private static readonly Instant Tuesday10 = Rome_(2026, 3, 10, 10);

    [Fact]
    public void Dialling_a_blocked_intent_raises_call_after_block_naming_principal_and_call_centre()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("+393482000001", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        gate.Intent(Intent("i-1", "+393482000001", Tuesday10, callCenter: "CC-TIRANA"));

        gate.Attempt(Attempt("a-1", "i-1", "+393482000001", Tuesday10 + Duration.FromSeconds(30), callCenter: "CC-TIRANA"));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.CALL_AFTER_BLOCK, alert.type);
        Assert.Equal(Severity.CRITICAL, alert.severity);
        Assert.Equal("ACME", alert.companyId);
        Assert.Equal("CC-TIRANA", alert.callCenterId);
        Assert.Equal("C1", alert.campaignId);
        Assert.Equal("i-1", alert.intentId);
        Assert.Equal("a-1", alert.attemptId);
        Assert.Equal(gate.RefOf("+393482000001"), alert.subjectRef);
    }

    [Fact]
    public void An_alert_about_an_attempt_that_names_no_campaign_names_its_intents()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("+393482000001", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        gate.Intent(Intent("i-1", "+393482000001", Tuesday10, campaign: "SPRING"));
        var sunday = Rome_(2026, 3, 15, 10);
        gate.Intent(Intent("i-2", "+393482000002", sunday, campaign: "SPRING"));

        var attempt = Attempt("a-1", "i-1", "+393482000001", Tuesday10 + Duration.FromSeconds(30));
        attempt.campaignId = null;
        gate.Attempt(attempt);
        var outside = Attempt("a-2", "i-2", "+393482000002", sunday + Duration.FromSeconds(30));
        outside.campaignId = null;
        gate.Attempt(outside);

        var alerts = gate.Alerts();
        Assert.Equal([(AlertType.CALL_AFTER_BLOCK, "a-1", "SPRING"), (AlertType.CALL_AFTER_BLOCK, "a-2", "SPRING"), (AlertType.CALL_OUTSIDE_HOURS, "a-2", "SPRING")],
            alerts.Select(a => (a.type, a.attemptId, a.campaignId)));
    }

    [Fact]
    public void Without_a_clock_the_register_and_list_alerts_are_dated_at_the_stream_time_that_raised_them()
    {
        using var gate = new GateHarness();
        // A consent arriving at noon moves stream time there; intents reported later, stamped earlier, do not move it back.
        gate.Consent("+393339999999", "ACME", ConsentAction.WITHDRAWN, null, Tuesday10 + Duration.FromHours(2));
        gate.Intent(Intent("i-stale", "+393331234561", Tuesday10), arrivedAt: Tuesday10);
        for (var i = 0; i < 20; i++)
        {
            var subject = $"+3933312345{i:D2}";
            gate.Register(subject, RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9), arrivedAt: Tuesday10 - Duration.FromDays(9));
        }
        gate.Consultation(Tuesday10 - Duration.FromHours(1), arrivedAt: Tuesday10 - Duration.FromHours(1));
        for (var i = 0; i < 20; i++)
        {
            gate.Intent(Intent($"i-{i}", $"+3933312345{i:D2}", Tuesday10 + Duration.FromMinutes(i)), arrivedAt: Tuesday10 + Duration.FromMinutes(i));
        }

        var alerts = gate.Alerts();
        var noon = (Tuesday10 + Duration.FromHours(2)).ToDateTimeUtc();
        Assert.Equal(noon, Assert.Single(alerts, a => a.type == AlertType.REGISTER_STALE).detectedAt);
        Assert.Equal(noon, Assert.Single(alerts, a => a.type == AlertType.LIST_NOT_SCRUBBED).detectedAt);
    }

    [Fact]
    public void Attempt_naming_no_intent_raises_call_without_clearance_at_once()
    {
        using var gate = new GateHarness();

        gate.Attempt(Attempt("a-3", null, "+393482000003", Tuesday10));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, alert.type);
        Assert.Null(alert.intentId);
    }

    /// <summary>Two companies' dialers that number their calls alike: a consumer dropping repeats by alertId keeps both.</summary>
    [Fact]
    public void Attempts_of_two_companies_under_one_attempt_id_raise_alerts_with_distinct_ids()
    {
        using var gate = new GateHarness();

        gate.Attempt(Attempt("a-1", null, "+393482000003", Tuesday10, company: "ACME"));
        gate.Attempt(Attempt("a-1", null, "+393482000004", Tuesday10, company: "BETA"));
        gate.Attempt(Attempt("ME:a-1", null, "+393482000005", Tuesday10, company: "AC"));
        gate.Attempt(Attempt("a-1", null, "+393482000006", Tuesday10, company: "AC:ME"));

        Assert.Equal(
            ["CALL_WITHOUT_CLEARANCE:ACME:a-1", "CALL_WITHOUT_CLEARANCE:BETA:a-1", "CALL_WITHOUT_CLEARANCE:AC:ME:a-1", "CALL_WITHOUT_CLEARANCE:AC%3AME:a-1"],
            gate.Alerts().Select(a => a.alertId));
    }

    [Fact]
    public void Attempt_whose_intent_is_not_decided_within_sixty_seconds_of_stream_time_raises_call_without_clearance()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Attempt(Attempt("a-1", "i-late", "+393482000001", Tuesday10));

        gate.Intent(Intent("i-other", "+393482000001", Tuesday10 + Duration.FromSeconds(60)));
        Assert.Empty(gate.Alerts());

        gate.Intent(Intent("i-other-2", "+393482000001", Tuesday10 + Duration.FromSeconds(60) + Duration.FromMilliseconds(1)));
        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, alert.type);
        Assert.Equal("i-late", alert.intentId);
    }

    /// <summary>A producer's retry of an attempt still waiting changes nothing: one alert, 60 s after the first arrival.</summary>
    [Fact]
    public void An_attempt_sent_again_while_it_waits_is_judged_once_from_its_first_arrival()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var attempt = Attempt("a-1", "i-late", "+393482000001", Tuesday10);
        gate.Attempt(attempt);
        gate.Attempt(attempt, arrivedAt: Tuesday10 + Duration.FromSeconds(2));
        Assert.Equal(Tuesday10.ToDateTimeUtc(), Assert.Single(gate.PendingAttempts()).arrivedAt);

        gate.Intent(Intent("i-other", "+393482000001", Tuesday10 + Duration.FromSeconds(60) + Duration.FromMilliseconds(1)));
        var alert = Assert.Single(gate.Alerts());
        Assert.Equal((AlertType.CALL_WITHOUT_CLEARANCE, "a-1"), (alert.type, alert.attemptId));

        gate.Intent(Intent("i-other-2", "+393482000001", Tuesday10 + Duration.FromSeconds(70)));
        Assert.Empty(gate.Alerts());
    }

    /// <summary>
    /// An attemptId used again for another call is another wait: the first call still raises its alert when its intent
    /// is not decided in time, and the second waits its own 60 s (its intent decided within them clears it).
    /// </summary>
    [Fact]
    public void An_attempt_id_used_again_for_another_call_waits_its_own_sixty_seconds()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Attempt(Attempt("a-1", "i-first", "+393482000001", Tuesday10));
        gate.Attempt(Attempt("a-1", "i-second", "+393482000001", Tuesday10 + Duration.FromSeconds(30)));

        gate.Intent(Intent("i-other", "+393482000002", Tuesday10 + Duration.FromSeconds(61)));
        var first = Assert.Single(gate.Alerts());
        Assert.Equal((AlertType.CALL_WITHOUT_CLEARANCE, "a-1", "i-first"), (first.type, first.attemptId, first.intentId));
        gate.Intent(Intent("i-second", "+393482000001", Tuesday10 + Duration.FromSeconds(80)));
        Assert.Empty(gate.Alerts());

        gate.Intent(Intent("i-other-2", "+393482000002", Tuesday10 + Duration.FromSeconds(200)));
        Assert.Empty(gate.Alerts());
    }

    /// <summary>
    /// Two companies' dialers that number their calls and intents alike: both attempts wait, and both raise their alert
    /// (waiting under one key, the later replaced the earlier, and one company's alert was lost).
    /// </summary>
    [Fact]
    public void Attempts_of_two_companies_under_one_attempt_and_intent_id_both_wait_and_alert()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Attempt(Attempt("a-1", "i-9", "+393482000001", Tuesday10, company: "ACME"));
        gate.Attempt(Attempt("a-1", "i-9", "+393482000001", Tuesday10 + Duration.FromSeconds(1), company: "BETA"));

        gate.Intent(Intent("i-other", "+393482000001", Tuesday10 + Duration.FromSeconds(62)));

        Assert.Equal(
            ["CALL_WITHOUT_CLEARANCE:ACME:a-1", "CALL_WITHOUT_CLEARANCE:BETA:a-1"],
            gate.Alerts().Select(a => a.alertId).Order(StringComparer.Ordinal));
    }

    /// <summary>An attempt is judged once: past its 60 s the call was made without clearance, whatever is decided later.</summary>
    [Fact]
    public void An_intent_decided_blocked_only_after_its_attempts_sixty_seconds_adds_no_second_alert()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("+393482000009", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        gate.Attempt(Attempt("a-late", "i-late", "+393482000009", Tuesday10));
        gate.Intent(Intent("i-other", "+393482000009", Tuesday10 + Duration.FromSeconds(61)));
        Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, Assert.Single(gate.Alerts()).type);

        gate.Intent(Intent("i-late", "+393482000009", Tuesday10 + Duration.FromSeconds(62)));

        Assert.Contains(gate.Decisions(), d => d.intentId == "i-late" && d.outcome == Outcome.BLOCKED);
        Assert.Empty(gate.Alerts());
    }

    [Fact]
    public void Intent_decided_after_its_attempt_but_within_sixty_seconds_clears_it_or_raises_call_after_block()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("+393482000009", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        gate.Attempt(Attempt("a-ok", "i-ok", "+393482000008", Tuesday10));
        gate.Attempt(Attempt("a-bad", "i-bad", "+393482000009", Tuesday10));

        gate.Intent(Intent("i-ok", "+393482000008", Tuesday10 - Duration.FromSeconds(5)));
        gate.Intent(Intent("i-bad", "+393482000009", Tuesday10 - Duration.FromSeconds(5)));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.CALL_AFTER_BLOCK, alert.type);
        Assert.Equal("a-bad", alert.attemptId);
    }

    [Fact]
    public void Promotional_attempt_outside_calling_hours_raises_call_outside_hours()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("i-1", "+393482000001", Tuesday10));

        gate.Attempt(Attempt("a-1", "i-1", "+393482000001", Rome_(2026, 3, 10, 21, 30)));
        gate.Attempt(Attempt("a-2", null, "+393482000002", Rome_(2026, 3, 15, 11)));

        var alerts = gate.Alerts().Select(a => (a.type, a.attemptId)).ToList();
        Assert.Contains((AlertType.CALL_OUTSIDE_HOURS, "a-1"), alerts);
        Assert.Contains((AlertType.CALL_OUTSIDE_HOURS, "a-2"), alerts);
        Assert.Contains((AlertType.CALL_WITHOUT_CLEARANCE, "a-2"), alerts);
        Assert.Equal(3, alerts.Count);
    }

    [Fact]
    public void Service_attempt_outside_calling_hours_is_fine()
    {
        using var gate = new GateHarness();
        gate.Intent(Intent("i-1", "+393482000001", Rome_(2026, 3, 10, 21), purpose: Purpose.SERVICE));

        gate.Attempt(Attempt("a-1", "i-1", "+393482000001", Rome_(2026, 3, 10, 21, 0, 5)));

        Assert.Empty(gate.Alerts());
    }

    [Theory]
    // BETA dials ACME's service intent at 21:00; another number dialled naming it, the intent decided before the
    // attempt or after it: the intent clears none of these calls, so each is judged as one whose intent is unknown.
    [InlineData("BETA", "+393482000001", false)]
    [InlineData("BETA", "+393482000001", true)]
    [InlineData("ACME", "+393482000077", false)]
    [InlineData("ACME", "+393482000077", true)]
    public void A_service_intent_that_does_not_clear_the_call_does_not_make_it_a_service_call(string company, string dialled, bool intentFirst)
    {
        using var gate = new GateHarness();
        var nine = Rome_(2026, 3, 10, 21);
        var intent = Intent("s-1", "+393482000001", nine, purpose: Purpose.SERVICE);
        if (intentFirst)
        {
            gate.Intent(intent, nine);
        }
        gate.Attempt(Attempt("a-1", "s-1", dialled, nine + Duration.FromSeconds(5), company: company), nine + Duration.FromSeconds(5));
        if (!intentFirst)
        {
            gate.Intent(intent, nine + Duration.FromSeconds(15));
        }
        gate.Intent(Intent("later", "+393482000099", nine + Duration.FromMinutes(5), purpose: Purpose.SERVICE), nine + Duration.FromMinutes(5));

        var alerts = gate.Alerts().Select(a => (a.type, a.attemptId)).Order().ToList();
        Assert.Equal([(AlertType.CALL_WITHOUT_CLEARANCE, "a-1"), (AlertType.CALL_OUTSIDE_HOURS, "a-1")], alerts);
    }

    [Fact]
    public void Dialling_another_number_than_the_intent_cleared_is_a_call_without_clearance()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("i-1", "+393482000001", Tuesday10));

        gate.Attempt(Attempt("a-1", "i-1", "+393482000077", Tuesday10 + Duration.FromSeconds(5)));
        gate.Intent(Intent("i-2", "+393482000001", Tuesday10 + Duration.FromMinutes(5)));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, alert.type);
        Assert.Equal("a-1", alert.attemptId);
    }

    [Theory]
    [InlineData(RegisterAction.REMOVED, null)]
    [InlineData(RegisterAction.REGISTERED, AlertType.CALL_AFTER_BLOCK)]
    public void An_intent_id_decided_for_another_number_leaves_the_attempt_waiting_for_its_own_numbers_decision(RegisterAction dialled, AlertType? expected)
    {
        // Given an attempt on one number naming i-1, and i-1 decided first for another number (a reused intentId)
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("+393482000001", dialled, Tuesday10 - Duration.FromDays(9));
        gate.Attempt(Attempt("a-1", "i-1", "+393482000001", Tuesday10), Tuesday10);
        gate.Intent(Intent("i-1", "+393482000002", Tuesday10), Tuesday10 + Duration.FromSeconds(10));

        // When the number dialled gets its own i-1 within the 60 s
        gate.Intent(Intent("i-1", "+393482000001", Tuesday10), Tuesday10 + Duration.FromSeconds(20));
        gate.Intent(Intent("later", "+393482000099", Tuesday10 + Duration.FromMinutes(5)), Tuesday10 + Duration.FromMinutes(5));

        // Then the attempt is judged by that decision (it was a CALL_WITHOUT_CLEARANCE at the other number's decision)
        Assert.Equal(expected is { } type ? [type] : [], gate.Alerts().Select(a => a.type).ToList());
    }

    [Fact]
    public void A_call_made_for_another_company_than_the_intent_cleared_is_a_call_without_clearance()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("i-1", "+393482000001", Tuesday10));

        // BETA's call centre dials ACME's cleared intent: ACME's clearance (its consents, its cap) is not BETA's.
        gate.Attempt(Attempt("a-1", "i-1", "+393482000001", Tuesday10 + Duration.FromSeconds(5), company: "BETA"));
        gate.Attempt(Attempt("a-2", "i-1", "+393482000001", Tuesday10 + Duration.FromSeconds(9)));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, alert.type);
        Assert.Equal(("a-1", "BETA"), (alert.attemptId, alert.companyId));
        // BETA's alert does not name the company whose intent it was.
        Assert.Equal("The intent was decided for another company than the one the call was made for.", alert.details);
    }

    [Fact]
    public void A_blocked_intent_dialled_for_another_company_is_a_call_after_block()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Register("+393482000002", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(3));
        gate.Intent(Intent("i-1", "+393482000002", Tuesday10));

        gate.Attempt(Attempt("a-1", "i-1", "+393482000002", Tuesday10 + Duration.FromSeconds(5), company: "BETA"));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal((AlertType.CALL_AFTER_BLOCK, "BETA"), (alert.type, alert.companyId));
        // Nor ACME's reasons: they tell of ACME's consents or of the register, ACME's to read.
        Assert.Equal("The intent was BLOCKED (for another company) and was dialled anyway.", alert.details);
    }

    [Fact]
    public void Unscrubbed_list_raises_one_warning_as_soon_as_twenty_intents_and_twenty_percent_rpo_blocks_hold()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        RegisterBlocked(gate, 4);
        Spring(gate, Blocked, 0, 4, minute: 0);
        Spring(gate, Ok, 0, 15, minute: 10);
        Assert.Empty(gate.Alerts());

        gate.Intent(Intent("ok-20th", "+393482000300", Tuesday10 + Duration.FromMinutes(40), campaign: "SPRING", callCenter: "CC-20"));
        gate.Intent(Intent("ok-21st", "+393482000301", Tuesday10 + Duration.FromMinutes(41), campaign: "SPRING"));
        gate.Intent(Intent("next-hour", "+393482000302", Tuesday10 + Duration.FromMinutes(61), campaign: "SPRING"));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.LIST_NOT_SCRUBBED, alert.type);
        Assert.Equal(Severity.WARNING, alert.severity);
        Assert.Equal("SPRING", alert.campaignId);
        Assert.Equal("ok-20th", alert.intentId);
        Assert.Equal("CC-20", alert.callCenterId);
    }

    [Theory]
    // 25 allowed, then blocked ones: the 7th blocked (the 32nd decision) brings the share to 7 of 32.
    [InlineData(Ok, 25, Blocked, 10, "blocked-6")]
    // 4 blocked, then allowed ones: the 20th decision (an allowed one) reaches the minimum at 4 of 20.
    [InlineData(Blocked, 4, Ok, 16, "ok-15")]
    public void In_a_flush_of_many_decisions_the_warning_names_the_one_that_crossed(string first, int firstCount, string then, int thenCount, string crossing)
    {
        // With a wall clock the subject task sends its counts every 50 ms, with only the decisions that can cross
        // the threshold (the RPO-blocked ones and the hour's first twenty), each at its place.
        var clock = new FakeClock(Tuesday10 + Duration.FromHours(2));
        using var gate = new GateHarness(clock);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        RegisterBlocked(gate, first == Blocked ? firstCount : thenCount);
        Spring(gate, first, 0, firstCount, minute: 0);
        Spring(gate, then, 0, thenCount, minute: firstCount);
        Assert.Empty(gate.Alerts());

        gate.AdvanceWallClock(Duration.FromMilliseconds(100));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.LIST_NOT_SCRUBBED, alert.type);
        Assert.Equal(crossing, alert.intentId);
    }

    [Fact]
    public void Counts_sent_in_several_flushes_add_up_and_the_crossing_is_found_in_a_later_one()
    {
        var clock = new FakeClock(Tuesday10 + Duration.FromHours(2));
        using var gate = new GateHarness(clock);
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        RegisterBlocked(gate, 6);
        // First flush: 22 allowed and 4 blocked (4 of 26); second: 2 allowed, then 2 blocked: the second of them
        // makes 6 of 30, the 30th decision.
        Spring(gate, Ok, 0, 22, minute: 0);
        Spring(gate, Blocked, 0, 4, minute: 30);
        gate.AdvanceWallClock(Duration.FromMilliseconds(100));
        Assert.Empty(gate.Alerts());

        Spring(gate, Ok, 22, 2, minute: 40);
        Spring(gate, Blocked, 4, 2, minute: 42);
        Spring(gate, Ok, 24, 1, minute: 44);
        gate.AdvanceWallClock(Duration.FromMilliseconds(100));

        var alert = Assert.Single(gate.Alerts());
        Assert.Equal("blocked-5", alert.intentId);
        Assert.Contains("6 of 30 intents", alert.details, StringComparison.Ordinal);
    }

    private const string Blocked = "blocked";
    private const string Ok = "ok";

    /// <summary>The numbers of the blocked intents, <c>blocked-0</c> to <c>blocked-{count-1}</c>, registered.</summary>
    private static void RegisterBlocked(GateHarness gate, int count)
    {
        for (var i = 0; i < count; i++)
        {
            gate.Register(NumberOf(Blocked, i), RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
        }
    }

    /// <summary>Intents <c>{kind}-{from}</c> onwards of campaign SPRING, one a minute from 10:00 + <paramref name="minute"/>.</summary>
    private static void Spring(GateHarness gate, string kind, int from, int count, int minute)
    {
        for (var i = from; i < from + count; i++)
        {
            gate.Intent(Intent($"{kind}-{i}", NumberOf(kind, i), Tuesday10 + Duration.FromMinutes(minute + i - from), campaign: "SPRING"));
        }
    }

    private static string NumberOf(string kind, int i) => $"+393482000{(kind == Blocked ? 1 : 2)}{i:D2}";

    /// <summary>
    /// A task counts at most Alerts:MaxCampaignHoursPerTask campaign hours at once: a feed that names a new campaign with
    /// every intent fills them, and a later campaign's hour is not counted (no warning) until the old hours are let go.
    /// </summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(100, 0)]
    public void A_task_counts_a_bounded_number_of_campaign_hours(int floodCampaigns, int warnings)
    {
        using var gate = new GateHarness(alertSettings: new AlertSettings { MaxCampaignHoursPerTask = 100 });
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        for (var i = 0; i < floodCampaigns; i++)
        {
            gate.Intent(Intent($"flood-{i}", "+393482000399", Tuesday10 + Duration.FromDays(30), campaign: $"UUID-{i}"));
        }
        RegisterBlocked(gate, 4);
        Spring(gate, Blocked, 0, 4, minute: 0);
        Spring(gate, Ok, 0, 16, minute: 10);

        Assert.Equal(warnings, gate.Alerts().Count(a => a.type == AlertType.LIST_NOT_SCRUBBED));
    }

    [Fact]
    public void List_warnings_of_two_companies_whose_ids_join_alike_have_distinct_ids()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        RegisterBlocked(gate, 4);
        // "ACME:IT" + "SPRING" and "ACME" + "IT:SPRING" joined with ':' read the same; the same "ACME" + "SPRING"
        // keeps the id it always had.
        (string Company, string Campaign, int Series)[] lists = [("ACME:IT", "SPRING", 3), ("ACME", "IT:SPRING", 4), ("ACME", "SPRING", 5)];
        foreach (var (company, campaign, series) in lists)
        {
            for (var i = 0; i < 20; i++)
            {
                var number = i < 4 ? NumberOf(Blocked, i) : $"+39348200{series}{i:D2}";
                gate.Intent(Intent($"{series}-{i}", number, Tuesday10 + Duration.FromMinutes(i), company: company, campaign: campaign));
            }
        }

        var ids = gate.Alerts().Where(a => a.type == AlertType.LIST_NOT_SCRUBBED).Select(a => a.alertId).ToList();
        Assert.Equal(["LIST_NOT_SCRUBBED:ACME%3AIT:SPRING:2026031010+1", "LIST_NOT_SCRUBBED:ACME:IT%3ASPRING:2026031010+1", "LIST_NOT_SCRUBBED:ACME:SPRING:2026031010+1"], ids);
    }

    [Fact]
    public void Below_twenty_percent_raises_nothing_and_service_intents_do_not_count()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        for (var i = 0; i < 3; i++)
        {
            gate.Register($"+3934820001{i:D2}", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(9));
            gate.Intent(Intent($"blocked-{i}", $"+3934820001{i:D2}", Tuesday10 + Duration.FromMinutes(i)));
        }
        for (var i = 0; i < 17; i++)
        {
            gate.Intent(Intent($"svc-{i}", $"+3934820002{i:D2}", Tuesday10 + Duration.FromMinutes(10 + i), purpose: Purpose.SERVICE));
        }
        for (var i = 0; i < 17; i++)
        {
            gate.Intent(Intent($"ok-{i}", $"+3934820003{i:D2}", Tuesday10 + Duration.FromMinutes(30 + i)));
        }

        Assert.Empty(gate.Alerts());
    }

    [Fact]
    public void Register_stale_is_raised_once_per_episode_and_again_after_a_new_consultation_goes_stale()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(20));

        gate.Intent(Intent("i-1", "+393482000001", Tuesday10));
        gate.Intent(Intent("i-2", "+393482000002", Tuesday10 + Duration.FromMinutes(1)));
        var first = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.REGISTER_STALE, first.type);
        Assert.Equal("i-1", first.intentId);

        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("i-3", "+393482000003", Tuesday10 + Duration.FromMinutes(2)));
        Assert.Empty(gate.Alerts());

        gate.Intent(Intent("i-4", "+393482000004", Rome_(2026, 3, 30, 10)));
        var second = Assert.Single(gate.Alerts());
        Assert.Equal("i-4", second.intentId);
        Assert.NotEqual(first.alertId, second.alertId);
    }

    [Fact]
    public void Register_stale_is_raised_by_the_wall_clock_when_no_intent_arrives()
    {
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock);
        gate.Consultation(Tuesday10 - Duration.FromDays(14));

        gate.AdvanceWallClock(Duration.FromMinutes(10));
        Assert.Empty(gate.Alerts());

        gate.AdvanceWallClock(Duration.FromDays(1));
        var alert = Assert.Single(gate.Alerts());
        Assert.Equal(AlertType.REGISTER_STALE, alert.type);
        Assert.Null(alert.intentId);

        gate.AdvanceWallClock(Duration.FromHours(1));
        gate.Intent(Intent("i-1", "+393482000001", clock.GetCurrentInstant()));
        Assert.Empty(gate.Alerts());
        Assert.Contains(Reason.REGISTER_STALE, gate.SingleDecision().reasons);
    }
}
