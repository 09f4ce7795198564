using Confluent.Kafka;

namespace RpoStreams.Contracts.Kafka;

/// <summary>The partitions of a topic, asked through a client's own connection (for consumers that assign rather than subscribe).</summary>
public static class TopicPartitions
{
    public static List<TopicPartition> Of(IClient client, string topic, TimeSpan? timeout = null)
    {
        using var admin = new DependentAdminClientBuilder(client.Handle).Build();
        return admin.GetMetadata(topic, timeout ?? TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
    }

    /// <summary>Every partition of the topic from its first offset.</summary>
    public static IEnumerable<TopicPartitionOffset> FromBeginning(IClient client, string topic, TimeSpan? timeout = null) =>
        Of(client, topic, timeout).Select(p => new TopicPartitionOffset(p, Offset.Beginning));
}
