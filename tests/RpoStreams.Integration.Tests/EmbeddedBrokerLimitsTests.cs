using Confluent.Kafka;
using RpoStreams.DevKafka;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// What the development broker (librdkafka's mock cluster) does that Kafka does not, and why the gate is
/// built around it: each partition keeps only its newest 5 MB (or 100,000 batches), whether a consumer has
/// read the older records or not. A consumer that falls that far behind (here: one not fetching while they arrive, beyond
/// what its own prefetch queue holds) loses records without an error: its next fetch is out of range and it starts again
/// from the oldest record kept.
/// </summary>
public class EmbeddedBrokerLimitsTests
{
    [Fact]
    public void A_partition_keeps_its_newest_five_megabytes_read_or_not()
    {
        using var kafka = EmbeddedKafka.Start();
        kafka.CreateTopics([("limits", 1)]);
        var partition = new TopicPartition("limits", 0);
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build();
        using var consumer = new ConsumerBuilder<Null, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "limits",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var value = new byte[1024];

        // A consumer reads the first record, then 7 MB arrive before it reads on.
        producer.Produce(partition, new Message<Null, byte[]> { Value = value });
        producer.Flush(TimeSpan.FromSeconds(10));
        Assert.Equal(0, consumer.Consume(TimeSpan.FromSeconds(10))!.Offset.Value);
        // Its next fetch is for offset 1. Unassigned meanwhile, it cannot prefetch the new records while they
        // arrive (it would read them from its own queue, whatever the broker has dropped since).
        consumer.Unassign();
        for (var i = 0; i < 7 * 1024; i++)
        {
            producer.Produce(partition, new Message<Null, byte[]> { Value = value });
        }
        producer.Flush(TimeSpan.FromSeconds(30));

        var kept = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
        Assert.True(kept.Low.Value > 1024, $"the oldest record kept is at offset {kept.Low.Value}: the broker dropped those before it");
        consumer.Assign(new TopicPartitionOffset(partition, 1));
        var next = consumer.Consume(TimeSpan.FromSeconds(10));
        Assert.NotNull(next);
        Assert.True(next.Offset.Value >= kept.Low.Value, $"the consumer went on at offset {next.Offset.Value}, skipping {next.Offset.Value - 1} unread records");
    }

    [Fact]
    public void Deleted_records_are_gone_and_the_log_starts_at_the_given_offset()
    {
        using var kafka = EmbeddedKafka.Start();
        kafka.CreateTopics([("trimmed", 1)]);
        var partition = new TopicPartition("trimmed", 0);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 0 }).Build();
        for (var i = 0; i < 10; i++)
        {
            // One batch per record: the broker deletes whole batches.
            producer.Produce(partition, new Message<Null, string> { Value = $"r{i}" });
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        kafka.DeleteRecords("trimmed", 0, 6);

        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "trimmed",
            EnableAutoCommit = false,
        }).Build();
        var kept = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
        Assert.Equal((6L, 10L), (kept.Low.Value, kept.High.Value));
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var first = consumer.Consume(TimeSpan.FromSeconds(10));
        Assert.Equal((6L, "r6"), (first!.Offset.Value, first.Message.Value));
        Assert.Throws<InvalidOperationException>(() => kafka.DeleteRecords("trimmed", 0, 11));
    }
}
