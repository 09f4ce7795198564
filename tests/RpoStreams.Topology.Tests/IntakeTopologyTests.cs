using Confluent.Kafka;
using System.Buffers.Binary;
using System.Text;
using NodaTime;
using NodaTime.Testing;
using RpoStreams.Contracts;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;
using static RpoStreams.Topology.Tests.Make;

namespace RpoStreams.Topology.Tests;

/// <summary>Bad input becomes a dead letter that says why, and decisions for good records go on.</summary>
public class IntakeTopologyTests
{
    private static readonly Instant Tuesday10 = Rome_(2026, 3, 10, 10);

    public static TheoryData<string, string> HostileIntents() => new()
    {
        { "garbage", "does not start with the Confluent wire-format magic byte" },
        { "json", "looks like JSON" },
        { "empty", "value is empty" },
        { "truncated", "not a readable RpoStreams.Records.CallIntent" },
        { "unknown-schema-id", "unknown schema id" },
        { "other-type", "is a RpoStreams.Records.RegisterUpdate" },
        { "oversized", "over the limit" },
        { "bad-enum", "'channel' has no symbol 7" },
        { "far-future", "outside the accepted range" },
        { "far-past", "outside the accepted range" },
        { "header-only", "too short for the Confluent wire format" },
        { "long-subject", "'subject' is 65 characters long; at most 64" },
        { "long-address", "'subject' is 513 characters long; at most 512" },
        { "long-intent-id", "'intentId' is 129 characters long; at most 128" },
        { "long-caller-id", "'callerId' is 65 characters long; at most 64" },
    };

    [Theory]
    [MemberData(nameof(HostileIntents))]
    public void Hostile_intent_is_dead_lettered_with_the_reason_and_the_next_intent_is_decided(string kind, string reason)
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var good = Intent("i-good", "+393471234567", Tuesday10);
        var goodBytes = gate.Encode(gate.Serdes.CallIntent, good, TopicNames.Intents);
        var key = Encoding.UTF8.GetBytes("k-1");
        byte[] value = kind switch
        {
            "garbage" => [0x42, 0x13, 0x37, 0x00, 0x99, 0x01],
            "json" => Encoding.UTF8.GetBytes("{\"intentId\":\"i-x\",\"subject\":\"+393331234567\"}"),
            "empty" => [],
            "truncated" => goodBytes[..(goodBytes.Length / 2)],
            "unknown-schema-id" => WithSchemaId(goodBytes, 999_999),
            "other-type" => gate.Encode(gate.Serdes.RegisterUpdate, new RegisterUpdate { subject = "+393331234567", subjectType = SubjectType.PHONE, action = RegisterAction.REGISTERED, effectiveAt = Tuesday10.ToAvro() }, TopicNames.Intents),
            "oversized" => [.. goodBytes, .. new byte[gate.Options.Intake.MaxRecordBytes]],
            "bad-enum" => WithBadChannel(gate, good),
            "far-future" => gate.Encode(gate.Serdes.CallIntent, Intent("i-f", "+393471234567", Instant.FromUtc(2150, 1, 1, 0, 0)), TopicNames.Intents),
            "far-past" => gate.Encode(gate.Serdes.CallIntent, Intent("i-p", "+393471234567", Instant.FromUtc(1990, 1, 1, 0, 0)), TopicNames.Intents),
            "header-only" => goodBytes[..3],
            "long-subject" => gate.Encode(gate.Serdes.CallIntent, Intent("i-l", "+39 " + new string('3', 61), Tuesday10), TopicNames.Intents),
            // One U+FDFA decomposes into 18 characters: refused by its length before any normalization.
            "long-address" => gate.Encode(gate.Serdes.CallIntent, Intent("i-a", new string('\uFDFA', 513), Tuesday10, channel: Channel.POSTAL_MAIL), TopicNames.Intents),
            "long-intent-id" => gate.Encode(gate.Serdes.CallIntent, Intent(new string('i', 129), "+393471234567", Tuesday10), TopicNames.Intents),
            "long-caller-id" => gate.Encode(gate.Serdes.CallIntent, Intent("i-c", "+393471234567", Tuesday10, callerId: new string('1', 65)), TopicNames.Intents),
            _ => throw new ArgumentException(kind),
        };
        gate.Raw(TopicNames.Intents, key, value);
        gate.Intent(good);

        var dead = Assert.Single(gate.DeadLetters());
        Assert.Equal(TopicNames.Intents, dead.topic);
        Assert.Equal(0, dead.partition);
        Assert.Equal(0, dead.offset);
        Assert.Contains(reason, dead.error, StringComparison.Ordinal);
        Assert.StartsWith("intent: ", dead.error, StringComparison.Ordinal);
        Assert.Equal("i-good", gate.SingleDecision().intentId);
    }

    [Fact]
    public void Intent_without_a_key_is_decided_like_any_other()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var intent = Intent("i-no-key", "+393471234567", Tuesday10);

        gate.Raw(TopicNames.Intents, null, gate.Encode(gate.Serdes.CallIntent, intent, TopicNames.Intents), Tuesday10.ToDateTimeUtc());

        Assert.Empty(gate.DeadLetters());
        Assert.Equal(Outcome.ALLOWED, gate.SingleDecision().outcome);
    }

    [Fact]
    public void A_record_stamped_far_ahead_of_the_gate_clock_is_applied_but_moves_stream_time_only_to_the_limit()
    {
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock);
        const string subject = "+393331112299";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("i-a", subject, Tuesday10), arrivedAt: Tuesday10);
        // Two attempts waiting for intents not decided yet, their 60 s of grace ending 4 and 5.5 minutes ahead.
        gate.Attempt(Attempt("a-1", "i-later-1", "+393331112288", Tuesday10 + Duration.FromMinutes(3)));
        gate.Attempt(Attempt("a-2", "i-later-2", "+393331112288", Tuesday10 + Duration.FromSeconds(270)));

        // ACME's opt-out from a producer whose clock says 2029: applied (dropping it would fail open), but had it
        // moved stream time to 2029, ACME's contact of today would be forgotten and its second call not capped.
        gate.Consent(subject, "ACME", ConsentAction.WITHDRAWN, null, Tuesday10, arrivedAt: Tuesday10 + Duration.FromDays(3 * 365));
        // BETA's call rewrites the subject's state, forgetting what stream time says is past.
        gate.Intent(Intent("i-c", subject, Tuesday10 + Duration.FromHours(1), company: "BETA"), arrivedAt: Tuesday10 + Duration.FromMinutes(1));
        gate.Intent(Intent("i-b", subject, Tuesday10 + Duration.FromHours(5)), arrivedAt: Tuesday10 + Duration.FromMinutes(2));

        Assert.Empty(gate.DeadLetters());
        var decisions = gate.Decisions();
        Assert.Equal([Outcome.ALLOWED, Outcome.ALLOWED], decisions.Take(2).Select(d => d.outcome));
        Assert.Equal([Reason.COMPANY_OPT_OUT, Reason.FREQUENCY_CAP], decisions[2].reasons.Order());
        // Stream time went to the clock plus Intake:MaxClockAheadMinutes (5), past the first grace, not the second.
        Assert.Equal("a-1", Assert.Single(gate.Alerts()).attemptId);
    }

    /// <summary>
    /// A consent tie goes to the later arrival as stamped, not as capped for stream time (the cap follows the gate's clock, so
    /// the same records read again after a reset would break the tie otherwise).
    /// </summary>
    [Fact]
    public void Consents_tied_on_their_time_go_to_the_later_stamp_even_past_the_clock_limit()
    {
        var clock = new FakeClock(Tuesday10);
        using var gate = new GateHarness(clock);
        const string subject = "+393331112277";
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var at = Tuesday10 - Duration.FromDays(1);

        // A withdrawal from a producer an hour fast, then a grant stamped ten minutes ahead: both past the 5-minute limit,
        // where stream time puts them alike; the withdrawal was stamped later.
        gate.Consent(subject, "ACME", ConsentAction.WITHDRAWN, null, at, arrivedAt: Tuesday10 + Duration.FromHours(1));
        gate.Consent(subject, "ACME", ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, at, arrivedAt: Tuesday10 + Duration.FromMinutes(10));
        gate.Intent(Intent("i-tied", subject, Tuesday10 + Duration.FromHours(2)), arrivedAt: Tuesday10);

        Assert.Equal([Reason.COMPANY_OPT_OUT], gate.SingleDecision().reasons);
    }

    [Fact]
    public void Kafka_timestamps_past_the_years_the_gate_holds_are_not_times()
    {
        Assert.Null(IntakeSettings.InstantOf(new Confluent.Kafka.Timestamp(long.MaxValue, Confluent.Kafka.TimestampType.CreateTime)));
        Assert.Null(IntakeSettings.InstantOf(new Confluent.Kafka.Timestamp(0, Confluent.Kafka.TimestampType.NotAvailable)));
        Assert.Equal(Tuesday10, IntakeSettings.InstantOf(new Confluent.Kafka.Timestamp(Tuesday10.ToUnixTimeMilliseconds(), Confluent.Kafka.TimestampType.CreateTime)));
    }

    [Fact]
    public void A_consultation_dated_after_its_own_record_does_not_count()
    {
        using var gate = new GateHarness();
        // Dated nine months after it was sent (a mistyped date): counted, it would keep the register fresh until then.
        gate.Consultation(Tuesday10 + Duration.FromDays(270), arrivedAt: Tuesday10 - Duration.FromDays(1));
        gate.Intent(Intent("i-1", "+393331112298", Tuesday10));
        Assert.Equal([Reason.REGISTER_STALE], gate.SingleDecision().reasons);

        // A feed clock up to Intake:MaxClockAheadMinutes (5) ahead is accepted.
        gate.Consultation(Tuesday10 - Duration.FromMinutes(10), arrivedAt: Tuesday10 - Duration.FromMinutes(14));
        gate.Intent(Intent("i-2", "+393331112298", Tuesday10));
        Assert.Equal(Outcome.ALLOWED, gate.SingleDecision().outcome);
    }

    [Fact]
    public void A_consultation_stamped_as_far_ahead_as_its_date_is_judged_by_the_gate_clock_and_does_not_count()
    {
        using var gate = new GateHarness(new FakeClock(Tuesday10));
        var future = Instant.FromUtc(2090, 1, 1, 0, 0);
        // The record's own timestamp agrees with the date it claims: only the clock shows it cannot have happened yet.
        // (Its dead letter goes through the global store's own publisher, not the topology.)
        gate.Consultation(future, arrivedAt: future);

        gate.Intent(Intent("i-1", "+393331234567", Tuesday10), arrivedAt: Tuesday10);
        Assert.Equal([Reason.REGISTER_STALE], gate.SingleDecision().reasons);
    }

    [Fact]
    public void A_record_without_a_timestamp_is_checked_against_the_gate_clock()
    {
        using var gate = new GateHarness(new FakeClock(Tuesday10));
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        // Stamped 0 (no time): a removal dated 2099 must not slip past the check a stamped record gets.
        gate.Register("+393331234567", RegisterAction.REMOVED, Instant.FromUtc(2099, 1, 1, 0, 0), arrivedAt: Instant.FromUnixTimeMilliseconds(0));
        Assert.Contains("more than 366 days after the record was produced", Assert.Single(gate.DeadLetters()).error, StringComparison.Ordinal);

        gate.Register("+393331234567", RegisterAction.REGISTERED, Tuesday10 - Duration.FromDays(2));
        gate.Intent(Intent("i-1", "+393331234567", Tuesday10));
        Assert.Equal([Reason.RPO_OPPOSITION], gate.SingleDecision().reasons);
    }

    [Fact]
    public void A_record_with_a_negative_timestamp_is_read_as_one_without_a_timestamp_and_the_gate_goes_on()
    {
        // Given Kafka's "no timestamp" (-1) and another negative one: Streamiz's default extractor stopped the stream on each
        using var gate = new GateHarness(new FakeClock(Tuesday10));
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var beforeEpoch = DateTime.UnixEpoch.AddMilliseconds(-1);
        var intent = Intent("i-negative", "+393471234567", Tuesday10);
        var attempt = Attempt("a-negative", null, "+393471234568", Tuesday10);

        gate.Raw(TopicNames.Intents, Encoding.UTF8.GetBytes("+393471234567"), gate.Encode(gate.Serdes.CallIntent, intent, TopicNames.Intents), beforeEpoch);
        gate.Raw(TopicNames.Attempts, Encoding.UTF8.GetBytes("+393471234568"), gate.Encode(gate.Serdes.CallAttempt, attempt, TopicNames.Attempts), beforeEpoch.AddMilliseconds(-4));

        // Then both are read, on the gate's clock
        Assert.Empty(gate.DeadLetters());
        Assert.Equal(Outcome.ALLOWED, gate.SingleDecision().outcome);
        Assert.Equal(AlertType.CALL_WITHOUT_CLEARANCE, Assert.Single(gate.Alerts()).type);
    }

    [Fact]
    public void An_intent_without_a_timestamp_arrives_on_the_gate_clock_wherever_it_is_read()
    {
        // Given a withdrawal recorded at 10:02 and the gate's clock at 10:05
        using var gate = new GateHarness(new FakeClock(Tuesday10 + Duration.FromMinutes(5)));
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Consent("+393471234567", "ACME", ConsentAction.WITHDRAWN, null, Tuesday10 + Duration.FromMinutes(2));

        // When an intent for 10:00 comes without a timestamp, in its subject's partition (it was taken to arrive at
        // 10:00, its scheduled time; the same record relocated arrived when it was relocated)
        var intent = Intent("i-untimed", "+393471234567", Tuesday10);
        gate.Raw(TopicNames.Intents, Encoding.UTF8.GetBytes("+393471234567"), gate.Encode(gate.Serdes.CallIntent, intent, TopicNames.Intents), DateTime.UnixEpoch.AddMilliseconds(-1));

        // Then it arrived at 10:05, when the withdrawal was known
        Assert.Equal([Reason.COMPANY_OPT_OUT], gate.SingleDecision().reasons);
    }

    [Fact]
    public void A_consultation_without_a_key_counts_under_its_feed_id()
    {
        using var gate = new GateHarness();
        var consultation = new RegisterConsultation { consultedAt = (Tuesday10 - Duration.FromDays(1)).ToAvro(), feedId = "feed-1" };

        // Streamiz gives a stateful processor no null-keyed record: this one was dropped with a warning, and the register stayed stale
        gate.Raw(TopicNames.RegisterConsultations, null, gate.Encode(gate.Serdes.RegisterConsultation, consultation, TopicNames.RegisterConsultations), Tuesday10.ToDateTimeUtc());
        gate.Intent(Intent("i-1", "+393331234567", Tuesday10));

        Assert.Equal(Outcome.ALLOWED, gate.SingleDecision().outcome);
    }

    /// <summary>
    /// A company id that reads as another's (spaces around it, a zero-width space, full-width letters, a decomposed accent)
    /// is a dead letter: decided, it would be another company, whose opt-outs and caps are not the company's (a
    /// withdrawal for ACME let an intent for "ACME\u200B" through, ALLOWED).
    /// </summary>
    [Fact]
    public void A_company_id_that_reads_as_another_is_a_dead_letter()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        gate.Consent("+393331234567", "ACME", ConsentAction.WITHDRAWN, null, Tuesday10 - Duration.FromDays(2));
        gate.Consent("+393331234567", "ACME\u200B", ConsentAction.GRANTED, ConsentBasis.EXPLICIT_CONSENT, Tuesday10 - Duration.FromDays(1));
        Assert.Contains("'companyId' holds an invisible character", gate.DeadLetters()[^1].error, StringComparison.Ordinal);

        (string Company, string Problem)[] variants =
        [
            ("ACME ", "has spaces around it"), (" ACME", "has spaces around it"), ("ACME\u200B", "holds an invisible character"),
            ("\uFEFFACME", "holds an invisible character"), ("ＡＣＭＥ", "is not in Unicode's NFKC form"), ("CAFE\u0301", "is not in Unicode's NFKC form"),
        ];
        foreach (var (company, problem) in variants)
        {
            gate.Intent(Intent("i-" + gate.DeadLetters().Count, "+393331234567", Tuesday10, company: company));
            Assert.Contains($"'companyId' {problem}", gate.DeadLetters()[^1].error, StringComparison.Ordinal);
        }
        Assert.Empty(gate.Decisions());

        gate.Intent(Intent("i-acme", "+393331234567", Tuesday10, company: "ACME"));
        gate.Intent(Intent("i-cafe", "+393331234568", Tuesday10, company: "CAFÉ"));
        Assert.Equal([(Outcome.BLOCKED, "i-acme"), (Outcome.ALLOWED, "i-cafe")], gate.Decisions().Select(d => (d.outcome, d.intentId)));
    }

    [Fact]
    public void Ids_that_are_not_utf8_are_dead_letters_not_merged_into_one()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        byte[] Encoded(byte bad)
        {
            var bytes = gate.Encode(gate.Serdes.CallIntent, Intent("AX", "+393331234567", Tuesday10), TopicNames.Intents);
            bytes[bytes.AsSpan(5).IndexOf("AX"u8) + 6] = bad; // the intentId's bytes 41 FF and 41 FE: not UTF-8, both read "A\uFFFD"
            return bytes;
        }
        gate.Raw(TopicNames.Intents, "+393331234567"u8.ToArray(), Encoded(0xFF), Tuesday10.ToDateTimeUtc());
        gate.Raw(TopicNames.Intents, "+393331234567"u8.ToArray(), Encoded(0xFE), Tuesday10.ToDateTimeUtc());

        Assert.Empty(gate.Decisions());
        Assert.Equal(2, gate.DeadLetters().Count(d => d.error.Contains("'intentId' holds bytes that are not UTF-8", StringComparison.Ordinal)));

        // A control character could join two ids into another's internal key (campaign tallies are keyed company U+001F campaign).
        gate.Intent(Intent("i-1", "+393331234567", Tuesday10, company: "ACME\u001FSPRING"));
        Assert.Empty(gate.Decisions());
        Assert.Contains("'companyId' holds a control character", gate.DeadLetters()[^1].error, StringComparison.Ordinal);

        // C1 escapes, a line separator and a direction override are control characters too (a log line, the dashboard).
        foreach (var id in (string[])["i-\u009B2J", "i-\u2028x", "i-\u202Ex"])
        {
            gate.Intent(Intent(id, "+393331234567", Tuesday10));
            Assert.Contains("'intentId' holds a control character", gate.DeadLetters()[^1].error, StringComparison.Ordinal);
        }
        Assert.Empty(gate.Decisions());
    }

    [Fact]
    public void Dead_letter_keeps_the_original_bytes_sealed_not_readable()
    {
        using var gate = new GateHarness();
        var json = Encoding.UTF8.GetBytes("{\"subject\":\"+393331234567\"}");

        gate.Raw(TopicNames.Intents, Encoding.UTF8.GetBytes("+393331234567"), json);

        var dead = Assert.Single(gate.DeadLetters());
        Assert.Equal(json.Length, dead.valueLength);
        Assert.DoesNotContain("3331234567", Encoding.UTF8.GetString(dead.sealedValue));
        Assert.DoesNotContain("3331234567", Encoding.UTF8.GetString(dead.sealedKey));
        Assert.Equal(json, gate.Options.Seal.Unseal(dead.sealedValue));
    }

    [Fact]
    public void A_dead_letter_seals_only_the_start_of_a_huge_key_value_or_header_and_stays_far_under_a_kafka_message()
    {
        using var gate = new GateHarness();
        // A tombstone with a 600 KB key, a 900 KB value and a 400 KB header each fit in a 1 MB Kafka message; sealed
        // whole, the letter (whose record key is the sealed key) would not, and the stream would stop on it at every restart.
        var key = new byte[600_000];
        var value = new byte[900_000];
        Random.Shared.NextBytes(key);
        Random.Shared.NextBytes(value);
        gate.Raw(TopicNames.Intents, key, null);
        gate.Raw(TopicNames.Intents, null, value, headers: new Headers { { "traceparent", new byte[400_000] } });

        var letters = gate.DeadLetters();
        Assert.Equal(2, letters.Count);
        foreach (var letter in letters)
        {
            var size = (letter.sealedKey?.Length ?? 0) * 2 + (letter.sealedValue?.Length ?? 0) + (letter.sealedHeaders?.Length ?? 0);
            Assert.True(size < 400_000, $"a dead letter of {size:N0} bytes");
        }
        Assert.Equal(key[..GateTopologyOptions.MaxSealedKeyBytes], gate.Options.Seal.Unseal(letters[0].sealedKey));
        Assert.Contains("(sealed: only the first 4,096 of the 600,000 bytes of its key)", letters[0].error, StringComparison.Ordinal);
        Assert.Equal(900_000, letters[1].valueLength);
        Assert.Equal(value[..GateTopologyOptions.MaxSealedValueBytes], gate.Options.Seal.Unseal(letters[1].sealedValue));
        Assert.Contains("(sealed: only the first 262,144 of the 900,000 bytes of its value, the first 16,384 of the ", letters[1].error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+39 333 123 4567 Via Roma 1")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-3331234567000000-01x")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")]
    [InlineData("")]
    public void A_traceparent_not_in_the_w3c_form_does_not_go_on_and_neither_does_tracestate(string traceparent)
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var headers = new Headers { { "traceparent", Encoding.UTF8.GetBytes(traceparent) }, { "tracestate", "crm=+393331234567"u8.ToArray() } };

        gate.Raw(TopicNames.Intents, null, gate.Encode(gate.Serdes.CallIntent, Intent("i-1", "+393471234567", Tuesday10), TopicNames.Intents), Tuesday10.ToDateTimeUtc(), headers);

        var (_, decisionHeaders) = Assert.Single(gate.DecisionRecords());
        Assert.Empty(decisionHeaders);
    }

    [Fact]
    public void Only_the_trace_context_of_an_input_goes_on_and_a_dead_letter_keeps_its_headers_sealed()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));
        var traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8.ToArray();
        Headers Dialers() => new() { { "traceparent", traceparent }, { "crm-contact", "+393331234567"u8.ToArray() }, { "empty", null } };
        var key = Encoding.UTF8.GetBytes("+393471234567");

        gate.Raw(TopicNames.Intents, key, gate.Encode(gate.Serdes.CallIntent, Intent("i-1", "+393471234567", Tuesday10), TopicNames.Intents), Tuesday10.ToDateTimeUtc(), Dialers());
        gate.Raw(TopicNames.Intents, key, Encoding.UTF8.GetBytes("{\"subject\":\"+393471234567\"}"), Tuesday10.ToDateTimeUtc(), Dialers());

        var (_, decisionHeaders) = Assert.Single(gate.DecisionRecords());
        Assert.Equal(["traceparent"], decisionHeaders.Select(h => h.Key));
        Assert.Equal(traceparent, decisionHeaders[0].GetValueBytes());
        var (dead, deadHeaders) = Assert.Single(gate.DeadLetterRecords());
        Assert.Equal(["traceparent"], deadHeaders.Select(h => h.Key));
        Assert.DoesNotContain("3331234567", Encoding.ASCII.GetString(dead.sealedHeaders));
        var original = InputHeaders.Decode(gate.Options.Seal.Unseal(dead.sealedHeaders)!);
        Assert.Equal(["traceparent", "crm-contact", "empty"], original.Select(h => h.Name));
        Assert.Equal("+393331234567"u8.ToArray(), original[1].Value);
        Assert.Null(original[2].Value);
    }

    [Fact]
    public void Register_update_whose_subject_cannot_be_normalized_is_a_dead_letter()
    {
        using var gate = new GateHarness();

        gate.Register("12345", RegisterAction.REGISTERED, Tuesday10);
        gate.Register("+39 12", RegisterAction.REGISTERED, Tuesday10);

        var dead = gate.DeadLetters();
        Assert.Equal(2, dead.Count);
        Assert.All(dead, d => Assert.Equal("register update: subject cannot be normalized as a PHONE", d.error));
        Assert.Equal(1, dead[1].offset);
    }

    [Fact]
    public void Over_long_fields_on_every_input_topic_are_dead_letters_naming_the_field_and_limit()
    {
        using var gate = new GateHarness();
        var address = new string('\uFDFA', 513);

        gate.Register(address, RegisterAction.REGISTERED, Tuesday10, SubjectType.POSTAL_ADDRESS);
        gate.Consent("+393331234567", new string('C', 129), ConsentAction.WITHDRAWN, null, Tuesday10);
        gate.Attempt(Attempt("a-long", "i-1", "+39 " + new string('3', 61), Tuesday10));
        gate.Consultation(Tuesday10, feed: new string('f', 129));

        var errors = gate.DeadLetters().Select(d => d.error).ToList();
        Assert.Equal(
            [
                "register update: 'subject' is 513 characters long; at most 512 are accepted",
                "consent: 'companyId' is 129 characters long; at most 128 are accepted",
                "attempt: 'subject' is 65 characters long; at most 64 are accepted",
            ],
            errors);
    }

    [Fact]
    public void Granted_consent_without_basis_is_a_dead_letter()
    {
        using var gate = new GateHarness();

        gate.Consent("+393331234567", "ACME", ConsentAction.GRANTED, null, Tuesday10);
        gate.Consent("+393331234567", "ACME", ConsentAction.WITHDRAWN, null, Tuesday10);

        var dead = Assert.Single(gate.DeadLetters());
        Assert.Equal("consent: 'basis' is required when GRANTED", dead.error);
    }

    [Fact]
    public void Intent_with_an_unnormalizable_subject_is_decided_invalid_not_dead_lettered()
    {
        using var gate = new GateHarness();
        gate.Consultation(Tuesday10 - Duration.FromDays(1));

        gate.Intent(Intent("i-4", "12345", Tuesday10));

        Assert.Empty(gate.DeadLetters());
        var decision = gate.SingleDecision();
        Assert.Equal([Reason.INVALID_SUBJECT], decision.reasons);
        Assert.Null(decision.subjectRef);
    }

    [Fact]
    public void Every_input_topic_dead_letters_garbage_with_its_own_name()
    {
        using var gate = new GateHarness();
        byte[] garbage = [0x7B, 0x7D];

        foreach (var topic in new[] { TopicNames.RegisterUpdates, TopicNames.Consents, TopicNames.Intents, TopicNames.Attempts })
        {
            gate.Raw(topic, Encoding.UTF8.GetBytes("k"), garbage);
        }

        var dead = gate.DeadLetters();
        Assert.Equal(
            [TopicNames.RegisterUpdates, TopicNames.Consents, TopicNames.Intents, TopicNames.Attempts],
            dead.Select(d => d.topic).ToArray());
        Assert.All(dead, d => Assert.Contains("looks like JSON", d.error, StringComparison.Ordinal));
    }

    private static byte[] WithSchemaId(byte[] value, int id)
    {
        var copy = value.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(1, 4), id);
        return copy;
    }

    /// <summary>A CallIntent whose channel enum index is out of range (the writer claims symbol 7).</summary>
    private static byte[] WithBadChannel(GateHarness gate, CallIntent intent)
    {
        var bytes = gate.Encode(gate.Serdes.CallIntent, intent, TopicNames.Intents);
        // Layout after the 5-byte header: intentId, companyId, callCenterId (strings), campaignId (union), channel (enum, zigzag varint).
        var offset = 5;
        for (var field = 0; field < 3; field++)
        {
            offset = SkipString(bytes, offset);
        }
        offset = bytes[offset] == 0 ? offset + 1 : SkipString(bytes, offset + 1);
        bytes[offset] = 14; // zigzag(7)
        return bytes;
    }

    private static int SkipString(byte[] bytes, int offset)
    {
        var (length, next) = ReadZigZag(bytes, offset);
        return next + (int)length;
    }

    private static (long Value, int Next) ReadZigZag(byte[] bytes, int offset)
    {
        long raw = 0;
        var shift = 0;
        while (true)
        {
            var b = bytes[offset++];
            raw |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
            shift += 7;
        }
        return ((raw >> 1) ^ -(raw & 1), offset);
    }
}
