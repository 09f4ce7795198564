using System.Diagnostics;
using Confluent.Kafka;
using RpoStreams.DevKafka;
using RpoStreams.Gate.Hosting;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// The global store's consumer (<see cref="IdleGlobalConsumer"/>) on the embedded broker: used as Streamiz's global
/// thread uses it (assign, seek at once, then polls of 2 ms), it waits out idle polls, reads nothing later, answers its
/// assignment from what was assigned, and survives a seek made before librdkafka has applied the assignment.
/// </summary>
public class IdleGlobalConsumerTests
{
    private static readonly TimeSpan StreamizPoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task A_poll_after_an_empty_one_waits_and_a_record_arriving_meanwhile_is_read_at_once()
    {
        using var kafka = Consultations(1, out var partitions);
        var partition = partitions[0];
        using var consumer = Global(kafka);
        consumer.Assign([new TopicPartitionOffset(partition, Offset.Beginning)]);
        consumer.Seek(new TopicPartitionOffset(partition, Offset.Beginning));

        // Empty polls of 2 ms: the first returns after its own timeout, the next ones wait for the idle wait.
        Assert.Null(consumer.Consume(StreamizPoll));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(consumer.Consume(StreamizPoll));
        }
        Assert.True(clock.Elapsed >= 2.5 * IdleWait, $"three idle polls took {clock.Elapsed.TotalMilliseconds:0} ms");

        // A record produced while a poll waits is returned by that poll.
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 0 }).Build();
        ConsumeResult<byte[], byte[]>? read = null;
        var poller = Task.Run(
            () =>
            {
                for (var i = 0; i < 40 && read is null; i++)
                {
                    read = consumer.Consume(StreamizPoll);
                }
            },
            TestContext.Current.CancellationToken);
        producer.Produce(partition, new Message<string, string> { Key = "k", Value = "consulted" });
        producer.Flush(TimeSpan.FromSeconds(10));
        await poller.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("consulted", System.Text.Encoding.UTF8.GetString(read!.Message.Value));

        // After a record, the next poll keeps Streamiz's own timeout: the batch it completes is not held back.
        clock.Restart();
        Assert.Null(consumer.Consume(StreamizPoll));
        Assert.True(clock.Elapsed < IdleWait, $"the poll after a record took {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public void The_assignment_is_what_was_assigned()
    {
        using var kafka = Consultations(3, out var partitions);
        for (var round = 0; round < 5; round++)
        {
            using var consumer = Global(kafka);
            Assert.Empty(consumer.Assignment);
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
            Assert.Equal(partitions, consumer.Assignment.OrderBy(p => p.Partition.Value));

            consumer.IncrementalUnassign([partitions[1]]);
            Assert.Equal([partitions[0], partitions[2]], consumer.Assignment.OrderBy(p => p.Partition.Value));
            consumer.Unassign();
            Assert.Empty(consumer.Assignment);
        }
    }

    [Fact]
    public async Task A_seek_waits_for_the_assignment_it_follows()
    {
        using var kafka = Consultations(1, out var partitions);
        using var consumer = Global(kafka);
        var cancel = TestContext.Current.CancellationToken;

        // librdkafka refuses a seek on a partition it has not assigned: "Local: Unknown partition" before the assignment,
        // "Local: Erroneous state" while it is applied, which Streamiz's global thread now and then meets right after it.
        // Here the assignment comes only once the seek has been refused, made on the seek's own thread between its tries
        // (as librdkafka's rebalance callback would), so no other thread's delay counts against the seek's patience.
        var refusals = 0;
        consumer.SeekRefused += () =>
        {
            if (refusals++ == 0)
            {
                consumer.Assign([new TopicPartitionOffset(partitions[0], Offset.Beginning)]);
            }
        };
        await Task.Run(() => consumer.Seek(new TopicPartitionOffset(partitions[0], 0)), cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel);
        Assert.True(refusals > 0, "the seek was never refused: the test did not exercise the retry");
        Assert.Equal([partitions[0]], consumer.Assignment);
    }

    [Fact]
    public void A_subscription_is_refused()
    {
        using var kafka = EmbeddedKafka.Start();
        using var consumer = Global(kafka);
        Assert.Throws<InvalidOperationException>(() => consumer.Subscribe("consultations"));
    }

    /// <summary>An embedded broker with the consultations topic of <paramref name="count"/> partitions.</summary>
    private static EmbeddedKafka Consultations(int count, out List<TopicPartition> partitions)
    {
        var kafka = EmbeddedKafka.Start();
        kafka.CreateTopics([("consultations", count)]);
        partitions = [.. Enumerable.Range(0, count).Select(p => new TopicPartition("consultations", p))];
        return kafka;
    }

    private static IdleGlobalConsumer Global(EmbeddedKafka kafka) =>
        new(new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "global-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            FetchWaitMaxMs = 10,
        }).Build(), IdleWait);
}
