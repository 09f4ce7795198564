using System.Diagnostics;
using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Kafka;
using Streamiz.Kafka.Net.Metrics;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// The Kafka clients Streamiz builds for the gate: Streamiz's own, but for the global store's consumer
/// (register consultations, a few records a day), which is an <see cref="IdleGlobalConsumer"/>.
/// </summary>
public sealed class GateKafkaSupplier(IStreamConfig config) : IKafkaSupplier
{
    private readonly DefaultKafkaClientSupplier clients = new(new KafkaLoggerAdapter(config), config);

    public StreamMetricsRegistry MetricsRegistry
    {
        get => clients.MetricsRegistry;
        set => clients.MetricsRegistry = value;
    }

    public IAdminClient GetAdmin(AdminClientConfig config) => clients.GetAdmin(config);

    public IConsumer<byte[], byte[]> GetConsumer(ConsumerConfig config, IConsumerRebalanceListener rebalanceListener) =>
        clients.GetConsumer(config, rebalanceListener);

    public IProducer<byte[], byte[]> GetProducer(ProducerConfig config) => clients.GetProducer(config);

    public IConsumer<byte[], byte[]> GetRestoreConsumer(ConsumerConfig config) => clients.GetRestoreConsumer(config);

    public IConsumer<byte[], byte[]> GetGlobalConsumer(ConsumerConfig config) => new IdleGlobalConsumer(clients.GetGlobalConsumer(config));
}

/// <summary>
/// The global store's consumer, as Streamiz 1.8.2's global thread uses it. That thread polls every <c>PollMs</c>
/// (2 ms) whatever the load, and after each empty poll asks the consumer for its assignment, which librdkafka answers
/// on another thread: about 500 wake-ups and 500 round trips between threads a second for a topic that gets a few
/// records a day (docs/performance.md). Here a poll that follows an empty one waits up to <see cref="DefaultIdleWait"/> (a
/// record arriving meanwhile returns at once, so nothing is read later), the assignment is answered from what was
/// assigned (the global consumer is assigned its partitions, never subscribed to a group), and a seek made before
/// librdkafka has applied the assignment it follows is tried again rather than failing the start.
/// </summary>
public sealed class IdleGlobalConsumer(IConsumer<byte[], byte[]> consumer, TimeSpan? idleWait = null) : IConsumer<byte[], byte[]>
{
    /// <summary>The longest wait of a poll after an empty one, unless given.</summary>
    public static readonly TimeSpan DefaultIdleWait = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a seek is tried again while librdkafka applies the assignment.</summary>
    public static readonly TimeSpan SeekPatience = TimeSpan.FromSeconds(5);

    private readonly TimeSpan idleWait = idleWait ?? DefaultIdleWait;
    private readonly Lock assigning = new();
    private List<TopicPartition> assigned = [];
    private bool idle;

    public Handle Handle => consumer.Handle;

    public string Name => consumer.Name;

    public string MemberId => consumer.MemberId;

    public List<TopicPartition> Assignment => [.. Volatile.Read(ref assigned)];

    public List<string> Subscription => consumer.Subscription;

    public IConsumerGroupMetadata ConsumerGroupMetadata => consumer.ConsumerGroupMetadata;

    public ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout)
    {
        var result = consumer.Consume(idle && timeout < idleWait ? idleWait : timeout);
        idle = result is null;
        return result!;
    }

    public ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => Consume(TimeSpan.FromMilliseconds(millisecondsTimeout));

    public ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default)
    {
        var result = consumer.Consume(cancellationToken);
        idle = result is null;
        return result!;
    }

    public void Assign(TopicPartition partition)
    {
        consumer.Assign(partition);
        Assigned([partition]);
    }

    public void Assign(TopicPartitionOffset partition)
    {
        consumer.Assign(partition);
        Assigned([partition.TopicPartition]);
    }

    public void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        consumer.Assign(list);
        Assigned(list.Select(p => p.TopicPartition));
    }

    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        var list = partitions.ToList();
        consumer.Assign(list);
        Assigned(list);
    }

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        consumer.IncrementalAssign(list);
        Assigned(current => [.. current, .. list.Select(p => p.TopicPartition)]);
    }

    public void IncrementalAssign(IEnumerable<TopicPartition> partitions)
    {
        var list = partitions.ToList();
        consumer.IncrementalAssign(list);
        Assigned(current => [.. current, .. list]);
    }

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions)
    {
        var list = partitions.ToList();
        consumer.IncrementalUnassign(list);
        Assigned(current => current.Except(list));
    }

    public void Unassign()
    {
        consumer.Unassign();
        Assigned([]);
    }

    public void Subscribe(IEnumerable<string> topics) => throw NotAssigned();

    public void Subscribe(string topic) => throw NotAssigned();

    public void Unsubscribe() => consumer.Unsubscribe();

    /// <summary>Raised each time a seek finds its partition not yet assigned, before it is tried again.</summary>
    internal event Action? SeekRefused;

    public void Seek(TopicPartitionOffset tpo)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                consumer.Seek(tpo);
                return;
            }
            catch (KafkaException e) when (e.Error.Code is ErrorCode.Local_State or ErrorCode.Local_UnknownPartition && clock.Elapsed < SeekPatience)
            {
                // librdkafka applies an assignment asynchronously: the partition is not assigned yet ("Local: Erroneous
                // state" when it is known but not yet active, "Local: Unknown partition" before that).
                SeekRefused?.Invoke();
                Thread.Sleep(5);
            }
        }
    }

    public void StoreOffset(ConsumeResult<byte[], byte[]> result) => consumer.StoreOffset(result);

    public void StoreOffset(TopicPartitionOffset offset) => consumer.StoreOffset(offset);

    public List<TopicPartitionOffset> Commit() => consumer.Commit();

    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => consumer.Commit(offsets);

    public void Commit(ConsumeResult<byte[], byte[]> result) => consumer.Commit(result);

    public void Pause(IEnumerable<TopicPartition> partitions) => consumer.Pause(partitions);

    public void Resume(IEnumerable<TopicPartition> partitions) => consumer.Resume(partitions);

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => consumer.Committed(timeout);

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => consumer.Committed(partitions, timeout);

    public Offset Position(TopicPartition partition) => consumer.Position(partition);

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) =>
        consumer.OffsetsForTimes(timestampsToSearch, timeout);

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => consumer.GetWatermarkOffsets(topicPartition);

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => consumer.QueryWatermarkOffsets(topicPartition, timeout);

    public int AddBrokers(string brokers) => consumer.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => consumer.SetSaslCredentials(username, password);

    public void Close() => consumer.Close();

    public void Dispose() => consumer.Dispose();

    private void Assigned(IEnumerable<TopicPartition> partitions) => Assigned(_ => partitions);

    private void Assigned(Func<List<TopicPartition>, IEnumerable<TopicPartition>> change)
    {
        lock (assigning)
        {
            Volatile.Write(ref assigned, change(assigned).Distinct().ToList());
        }
    }

    // The assignment answered from memory holds only while nothing but Assign changes it.
    private static InvalidOperationException NotAssigned() =>
        new("the global store's consumer is assigned its partitions; a subscription would change them behind its back");
}
