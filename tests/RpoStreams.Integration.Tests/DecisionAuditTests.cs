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
}
