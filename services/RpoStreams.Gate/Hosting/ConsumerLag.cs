using Confluent.Kafka;
using Confluent.Kafka.Admin;
using RpoStreams.Contracts;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Consumer lag as Kafka users mean it: per partition of every topic the gate's consumer group reads (the four
/// input topics and its repartition topics), the end offset minus the group's committed offset; a partition the
/// group never committed counts from the oldest record still kept. Zero when everything is processed.
/// On Kafka under exactly-once, a partition the gate writes in transactions (its repartition topics) may show 1
/// while idle: the commit marker after the last record takes an offset of its own.
/// </summary>
public static class ConsumerLag
{
    public sealed record PartitionLag(string Topic, int Partition, long End, long? Committed, long Lag);

    /// <summary>The topics the group <paramref name="applicationId"/> consumes.</summary>
    public static IReadOnlyList<string> TopicsOf(string applicationId) =>
    [
        TopicNames.RegisterUpdates,
        TopicNames.Consents,
        TopicNames.Intents,
        TopicNames.Attempts,
        InternalTopics.Repartition(applicationId, RepartitionNames.SubjectEvents),
        InternalTopics.Repartition(applicationId, RepartitionNames.CampaignHours),
        InternalTopics.Repartition(applicationId, RepartitionNames.StaleDecisions),
    ];

    public static async Task<IReadOnlyList<PartitionLag>> MeasureAsync(IAdminClient admin, string applicationId, TimeSpan timeout)
    {
        var wanted = TopicsOf(applicationId).ToHashSet(StringComparer.Ordinal);
        var partitions = admin.GetMetadata(timeout).Topics
            .Where(t => wanted.Contains(t.Topic) && !t.Error.IsError)
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
            .OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition.Value)
            .ToList();
        if (partitions.Count == 0)
        {
            return [];
        }
        var options = new ListOffsetsOptions { RequestTimeout = timeout };
        var ends = await admin.ListOffsetsAsync(partitions.Select(tp => new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = OffsetSpec.Latest() }), options);
        var starts = await admin.ListOffsetsAsync(partitions.Select(tp => new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = OffsetSpec.Earliest() }), options);
        var groups = await admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(applicationId, partitions)],
            new ListConsumerGroupOffsetsOptions { RequestTimeout = timeout });
        var committed = groups.SelectMany(g => g.Partitions)
            .Where(p => p.Offset.Value >= 0)
            .ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
        var end = ends.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.TopicPartition, r => r.TopicPartitionOffsetError.Offset.Value);
        var start = starts.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.TopicPartition, r => r.TopicPartitionOffsetError.Offset.Value);
        return partitions.Select(tp =>
        {
            var e = end.GetValueOrDefault(tp);
            long? c = committed.TryGetValue(tp, out var offset) ? offset : null;
            var from = Math.Max(c ?? 0, start.GetValueOrDefault(tp));
            return new PartitionLag(tp.Topic, tp.Partition.Value, e, c, Math.Max(0, e - from));
        }).ToList();
    }
}
