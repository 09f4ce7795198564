using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.DevKafka;
using RpoStreams.Simulation;

namespace RpoStreams.Integration.Tests;

/// <summary>rpo audit vouches only for what it can read: an intent it cannot decode (another registry's schema id) is counted, and the audit is not clean.</summary>
public sealed class DecisionAuditTests
{
    [Fact]
    public void An_intent_the_audit_cannot_read_is_counted_and_fails_the_audit()
    {
        using var kafka = EmbeddedKafka.Start();
        kafka.CreateTopics([(TopicNames.Intents, 1), (TopicNames.Decisions, 1), (TopicNames.DeadLetters, 1)]);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            // The wire format with a schema id no registry here has.
            producer.Produce(TopicNames.Intents, new Message<Null, byte[]> { Value = [0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 0x41] });
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var result = new DecisionAudit(kafka.BootstrapServers, RecordSerdes.Local()).Run(TimeSpan.FromSeconds(1));

        Assert.Equal((0L, 0L, 1L), (result.Intents, result.Missing, result.Unreadable));
        Assert.False(result.Clean);
        Assert.EndsWith("unreadable: 1", result.ToString(), StringComparison.Ordinal);

        // Once the gate has dead-lettered it (it could not read it either), it is no longer the audit's blind spot.
        var serdes = RecordSerdes.Local();
        var letter = new RpoStreams.Records.DeadLetter
        {
            topic = TopicNames.Intents, partition = 0, offset = 0, error = "intent: unknown schema id", valueLength = 7, failedAt = DateTime.UtcNow,
        };
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            producer.Produce(TopicNames.DeadLetters, new Message<Null, byte[]>
            {
                Value = serdes.DeadLetter.Serialize(letter, new SerializationContext(MessageComponentType.Value, TopicNames.DeadLetters)),
            });
            producer.Flush(TimeSpan.FromSeconds(10));
        }
        var after = new DecisionAudit(kafka.BootstrapServers, serdes).Run(TimeSpan.FromSeconds(1));
        Assert.Equal((0L, 1L, true), (after.Unreadable, after.DeadLettered, after.Clean));
    }

    /// <summary>A gate behind (or stopped) dead-letters an intent while the audit waits for decisions: not unreadable then.</summary>
    [Fact]
    public async Task An_intent_dead_lettered_while_the_audit_waits_is_not_counted_unreadable()
    {
        using var kafka = EmbeddedKafka.Start();
        kafka.CreateTopics([(TopicNames.Intents, 1), (TopicNames.Decisions, 1), (TopicNames.DeadLetters, 1)]);
        var serdes = RecordSerdes.Local();
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        producer.Produce(TopicNames.Intents, new Message<Null, byte[]> { Value = [0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 0x41] });
        // A readable intent without a decision keeps the audit waiting.
        var intent = new RpoStreams.Records.CallIntent
        {
            intentId = "waiting", companyId = "ACME", callCenterId = "CC-1", channel = RpoStreams.Records.Channel.PHONE, subject = "+393331234567",
            purpose = RpoStreams.Records.Purpose.PROMOTIONAL, scheduledAt = DateTime.UtcNow,
        };
        producer.Produce(TopicNames.Intents, new Message<Null, byte[]> { Value = serdes.CallIntent.Serialize(intent, new SerializationContext(MessageComponentType.Value, TopicNames.Intents)) });
        producer.Flush(TimeSpan.FromSeconds(10));

        var audit = Task.Run(() => new DecisionAudit(kafka.BootstrapServers, serdes).Run(TimeSpan.FromSeconds(4)), TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var letter = new RpoStreams.Records.DeadLetter
        {
            topic = TopicNames.Intents, partition = 0, offset = 0, error = "intent: unknown schema id", valueLength = 7, failedAt = DateTime.UtcNow,
        };
        producer.Produce(TopicNames.DeadLetters, new Message<Null, byte[]> { Value = serdes.DeadLetter.Serialize(letter, new SerializationContext(MessageComponentType.Value, TopicNames.DeadLetters)) });
        producer.Flush(TimeSpan.FromSeconds(10));
        var result = await audit;

        Assert.Equal((1L, 1L, 0L), (result.Intents, result.Missing, result.Unreadable));
    }

    /// <summary>
    /// An intentId a producer used again for another number is another intent, decided again (policy.md): not a duplicate,
    /// but said. A decision of an intent the audit did not read (sent after it read them) stands in for none, two different
    /// decisions for one number are a duplicate, and a number left without its decision is missing.
    /// </summary>
    [Fact]
    public void An_intent_id_reused_for_another_number_is_another_intent_not_a_duplicate()
    {
        using var kafka = EmbeddedKafka.Start();
        var audit = Topics(kafka);

        // The same number written twice (offsets 0 and 1), and another number (offset 2).
        audit.Intent("+393331234567");
        audit.Intent("333 123 4567");
        audit.Intent("+393331234568");
        audit.Decision("ref-1", 1);
        audit.Decision("ref-9", 1, offset: 99);
        var oneMissing = audit.Run();
        audit.Decision("ref-2", 2, offset: 2);
        var both = audit.Run();
        audit.Decision("ref-1", 3);
        var twice = audit.Run();

        Assert.Equal((2L, 1L, 0L, false), (oneMissing.Intents, oneMissing.Missing, oneMissing.Duplicated, oneMissing.Clean));
        Assert.Equal((2L, 0L, 0L, 1L, true), (both.Intents, both.Missing, both.Duplicated, both.Reused, both.Clean));
        Assert.Equal("intents: 2 decisions: 3 missing: 0 duplicated: 0 intentIds reused for another number: 1", both.ToString());
        Assert.Equal((0L, 1L, false), (twice.Missing, twice.Duplicated, twice.Clean));
    }

    /// <summary>The same decision twice for one number, none for the other: a duplicate and a missing one, not one for each.</summary>
    [Fact]
    public void One_numbers_decision_twice_does_not_stand_in_for_the_others()
    {
        using var kafka = EmbeddedKafka.Start();
        var audit = Topics(kafka);
        audit.Intent("+393331234567");
        audit.Intent("+393331234568");
        audit.Decision("ref-1", 1);
        audit.Decision("ref-1", 1);

        var result = audit.Run();

        Assert.Equal((2L, 1L, 1L, false), (result.Intents, result.Missing, result.Duplicated, result.Clean));
    }

    private static AuditTopics Topics(EmbeddedKafka kafka)
    {
        kafka.CreateTopics([(TopicNames.Intents, 1), (TopicNames.Decisions, 1), (TopicNames.DeadLetters, 1)]);
        return new AuditTopics(kafka.BootstrapServers);
    }

    /// <summary>Intents of one intentId ("reused", ACME) and decisions for it, on one partition each.</summary>
    private sealed class AuditTopics(string bootstrap)
    {
        private readonly RecordSerdes serdes = RecordSerdes.Local();

        public void Intent(string subject) => Send(TopicNames.Intents, serdes.CallIntent.Serialize(new RpoStreams.Records.CallIntent
        {
            intentId = "reused", companyId = "ACME", callCenterId = "CC-1", channel = RpoStreams.Records.Channel.PHONE, subject = subject,
            purpose = RpoStreams.Records.Purpose.PROMOTIONAL, scheduledAt = DateTime.UtcNow,
        }, new SerializationContext(MessageComponentType.Value, TopicNames.Intents)));

        /// <summary>A decision for subjectRef, naming the intent record at offset (none: no record named).</summary>
        public void Decision(string subjectRef, long decidedAtMs, long? offset = null) => Send(TopicNames.Decisions, serdes.CallDecision.Serialize(new RpoStreams.Records.CallDecision
        {
            intentId = "reused", outcome = RpoStreams.Records.Outcome.ALLOWED, reasons = [], companyId = "ACME", callCenterId = "CC-1", subjectRef = subjectRef,
            policyVersion = "v", decisionTime = DateTime.UnixEpoch, decidedAt = DateTime.UnixEpoch.AddMilliseconds(decidedAtMs),
            intentPartition = offset is null ? null : 0, intentOffset = offset,
        }, new SerializationContext(MessageComponentType.Value, TopicNames.Decisions)));

        public AuditResult Run() => new DecisionAudit(bootstrap, serdes).Run(TimeSpan.FromSeconds(1));

        private void Send(string topic, byte[] value)
        {
            using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
            producer.Produce(topic, new Message<Null, byte[]> { Value = value });
            producer.Flush(TimeSpan.FromSeconds(10));
        }
    }
}
