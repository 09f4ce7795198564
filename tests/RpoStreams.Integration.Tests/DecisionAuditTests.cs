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
    }
}
