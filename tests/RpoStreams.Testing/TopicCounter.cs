using System.Diagnostics;
using Confluent.Kafka;
using RpoStreams.Contracts.Kafka;

namespace RpoStreams.Testing;

/// <summary>Counts the committed records of a topic (read_committed, from the beginning).</summary>
public static class TopicCounter
{
    /// <summary>Waits until <paramref name="topic"/> holds at least <paramref name="expected"/> committed records; returns the count seen.</summary>
    public static Task<long> WaitForRecordsAsync(string bootstrap, string topic, long expected, TimeSpan timeout, CancellationToken cancel) =>
        Task.Run(() =>
        {
            using var consumer = KafkaClientFactory.Unconfigured.CreateConsumer<byte[]?, byte[]?>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "fault-count-" + Guid.NewGuid().ToString("N")[..8],
                IsolationLevel = IsolationLevel.ReadCommitted,
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
            });
            consumer.Assign(TopicPartitions.FromBeginning(consumer, topic, TimeSpan.FromSeconds(30)));
            long count = 0;
            var clock = Stopwatch.StartNew();
            while (count < expected)
            {
                cancel.ThrowIfCancellationRequested();
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"{topic}: {count} committed records after {timeout.TotalSeconds:0} s, expected {expected}");
                }
                if (consumer.Consume(TimeSpan.FromMilliseconds(200))?.Message != null)
                {
                    count++;
                }
            }
            consumer.Close();
            return count;
        }, cancel);
}
