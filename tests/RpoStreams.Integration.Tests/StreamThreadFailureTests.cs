using Confluent.Kafka;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;
using RpoStreams.Records.Internal;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>
/// A stream thread that stops before the gate does. Streamiz 1.8.2 stops that thread alone and reports ERROR only once
/// every thread is dead; an OutOfMemoryException left a gate RUNNING and healthy with no partition. The gate stops
/// instead (the service exits with code 4: <see cref="Gate.Hosting.StreamingGate.StreamThreadStopped"/>).
/// </summary>
public sealed class StreamThreadFailureTests
{
    private const int Partitions = 4;

    /// <summary>
    /// Records only the gate writes, on its internal subject-events topic, that a stream thread cannot take: one with a
    /// negative timestamp (Streamiz's extractor for internal topics throws: an exception the thread cannot handle) and
    /// one that is not a subject event (Streamiz fails the thread without asking the handler of such exceptions).
    /// </summary>
    [Theory]
    [InlineData(true, "a stream thread failed: StreamsException")]
    [InlineData(false, "a stream thread could not read a record of ")]
    public async Task A_stream_thread_that_stops_before_the_gate_stops_the_gate(bool negativeTimestamp, string reason)
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.Embedded);
        var appId = "thread-stops-" + Guid.NewGuid().ToString("N")[..8];
        await broker.CreateGateTopicsAsync(appId, Partitions);
        using var stateDir = new TempDirectory("rpo-it-thread-");

        // Given a gate on two threads
        using var gate = await RunningGate.StartAsync(broker.BootstrapServers, appId, Partitions, stateDir.Path, streams: s => s.Threads = 2);
        Assert.Empty(gate.StoppedThreads);

        // When a record it cannot take comes on subject-events (a tick, which changes nothing, to the partition it names)
        var topic = InternalTopics.Repartition(appId, RepartitionNames.SubjectEvents);
        var tick = RecordSerdes.Local().SubjectEvent.Serialize(
            new SubjectEvent { kind = SubjectEventKind.TICK, eventTime = DateTime.UtcNow, sourcePartition = 0, sourceOffset = -1, targetPartition = 0 },
            new SerializationContext(MessageComponentType.Value, topic));
        using (var producer = KafkaClientFactory.Unconfigured.CreateProducer<byte[], byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }))
        {
            await producer.ProduceAsync(
                new TopicPartition(topic, 0),
                new Message<byte[], byte[]>
                {
                    Key = "+393401000001"u8.ToArray(),
                    Value = negativeTimestamp ? tick : [0xFF, 0xFF, 0xFF],
                    Timestamp = negativeTimestamp ? new Timestamp(-5, TimestampType.CreateTime) : new Timestamp(DateTime.UtcNow),
                },
                TestContext.Current.CancellationToken);
        }

        // Then the gate is told, once, to stop, with the reason
        using (var poll = Signal.Every(TimeSpan.FromMilliseconds(50)))
        {
            await Wait.UntilAsync(() => gate.StoppedThreads.Count > 0, poll, TimeSpan.FromSeconds(60), "the gate told to stop", TestContext.Current.CancellationToken);
        }
        Assert.Contains(reason, Assert.Single(gate.StoppedThreads), StringComparison.Ordinal);
    }
}
