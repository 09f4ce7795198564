using System.Diagnostics;
using Confluent.Kafka;
using RpoStreams.Contracts.Kafka;

namespace RpoStreams.Simulation;

/// <summary>Reads a topic to its end, for the command-line tools (rpo audit, rpo deadletters).</summary>
public static class TopicReader
{
    /// <summary>
    /// Every committed record of <paramref name="topic"/> (read_committed, from the beginning) up to the end
    /// offsets it has when reading starts; stops after 30 s without a record.
    /// </summary>
    public static IEnumerable<(TopicPartitionOffset Position, byte[] Value)> ReadToEnd(string bootstrap, string topic, string group, KafkaClientFactory? clients = null)
    {
        using var consumer = ReadCommitted(bootstrap, group, clients);
        var partitions = TopicPartitions.Of(consumer, topic);
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        var open = ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        consumer.Assign(partitions.Where(p => open.Contains(p.Partition.Value)).Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var idle = Stopwatch.StartNew();
        while (open.Count > 0 && idle.Elapsed < TimeSpan.FromSeconds(30))
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null)
            {
                // With read_committed, aborted records and transaction markers are never delivered; check the position.
                foreach (var p in open.ToList())
                {
                    var position = consumer.Position(new TopicPartition(topic, p));
                    if (position.Value >= ends[p])
                    {
                        open.Remove(p);
                    }
                }
                continue;
            }
            idle.Restart();
            if (result.Message?.Value is { } value)
            {
                yield return (result.TopicPartitionOffset, value);
            }
            if (result.Offset.Value + 1 >= ends[result.Partition.Value])
            {
                open.Remove(result.Partition.Value);
            }
        }
        consumer.Close();
    }

    /// <summary>A read_committed consumer of a group of its own (the name plus a random suffix), from the earliest offset, committing nothing.</summary>
    public static IConsumer<byte[]?, byte[]> ReadCommitted(string bootstrap, string group, KafkaClientFactory? clients = null) =>
        (clients ?? KafkaClientFactory.Unconfigured).CreateConsumer<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group + "-" + Guid.NewGuid().ToString("N")[..8],
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchMaxBytes = 50 * 1024 * 1024,
        });
}
