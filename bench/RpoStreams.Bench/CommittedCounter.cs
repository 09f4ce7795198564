using System.Diagnostics;
using Confluent.Kafka;
using RpoStreams.Contracts.Kafka;

namespace RpoStreams.Bench;

/// <summary>Counts the committed records (read_committed) of some topics as they come.</summary>
internal sealed class CommittedCounter : IDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> consumer;
    private readonly Dictionary<string, long> counts = new(StringComparer.Ordinal);
    private readonly int partitions;

    public CommittedCounter(string bootstrap, IEnumerable<string> topics)
    {
        consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "rpo-bench-count-" + Guid.NewGuid().ToString("N")[..8],
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            FetchWaitMaxMs = GateWorker.CompensatedFetchWaitMaxMs,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        var assignment = new List<TopicPartitionOffset>();
        foreach (var topic in topics)
        {
            counts[topic] = 0;
            assignment.AddRange(TopicPartitions.FromBeginning(consumer, topic));
        }
        consumer.Assign(assignment);
        partitions = assignment.Count;
    }

    public long Count(string topic) => counts[topic];

    /// <summary>Reads what is there for about <paramref name="time"/>.</summary>
    public void Advance(TimeSpan time)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < time)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (r?.Message != null)
            {
                counts[r.Topic]++;
            }
        }
    }

    /// <summary>Reads until every partition has reached its end (or <paramref name="timeout"/> passes); returns the records of all topics.</summary>
    public long ReadToEnd(TimeSpan timeout)
    {
        var atEnd = new HashSet<TopicPartition>();
        var clock = Stopwatch.StartNew();
        while (atEnd.Count < partitions && clock.Elapsed < timeout)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (r is { IsPartitionEOF: true })
            {
                atEnd.Add(r.TopicPartition);
            }
            else if (r?.Message != null)
            {
                counts[r.Topic]++;
                atEnd.Remove(r.TopicPartition);
            }
        }
        return counts.Values.Sum();
    }

    public void Dispose()
    {
        consumer.Close();
        consumer.Dispose();
    }
}
