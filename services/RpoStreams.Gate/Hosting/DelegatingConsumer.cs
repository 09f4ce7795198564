using Confluent.Kafka;

namespace RpoStreams.Gate.Hosting;

/// <summary>A consumer that passes every call to <paramref name="inner"/>: the base of the gate's consumers that change a few.</summary>
public abstract class DelegatingConsumer(IConsumer<byte[], byte[]> inner) : IConsumer<byte[], byte[]>
{
    /// <summary>The consumer every call goes to.</summary>
    protected IConsumer<byte[], byte[]> Inner => inner;

    public Handle Handle => inner.Handle;

    public string Name => inner.Name;

    public string MemberId => inner.MemberId;

    public virtual List<TopicPartition> Assignment => inner.Assignment;

    public List<string> Subscription => inner.Subscription;

    public IConsumerGroupMetadata ConsumerGroupMetadata => inner.ConsumerGroupMetadata;

    public virtual ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout) => inner.Consume(timeout);

    public virtual ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => inner.Consume(millisecondsTimeout);

    public virtual ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default) => inner.Consume(cancellationToken);

    public virtual void Assign(TopicPartition partition) => inner.Assign(partition);

    public virtual void Assign(TopicPartitionOffset partition) => inner.Assign(partition);

    public virtual void Assign(IEnumerable<TopicPartitionOffset> partitions) => inner.Assign(partitions);

    public virtual void Assign(IEnumerable<TopicPartition> partitions) => inner.Assign(partitions);

    public virtual void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => inner.IncrementalAssign(partitions);

    public virtual void IncrementalAssign(IEnumerable<TopicPartition> partitions) => inner.IncrementalAssign(partitions);

    public virtual void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => inner.IncrementalUnassign(partitions);

    public virtual void Unassign() => inner.Unassign();

    public virtual void Subscribe(IEnumerable<string> topics) => inner.Subscribe(topics);

    public virtual void Subscribe(string topic) => inner.Subscribe(topic);

    public void Unsubscribe() => inner.Unsubscribe();

    public virtual void Seek(TopicPartitionOffset tpo) => inner.Seek(tpo);

    public void StoreOffset(ConsumeResult<byte[], byte[]> result) => inner.StoreOffset(result);

    public void StoreOffset(TopicPartitionOffset offset) => inner.StoreOffset(offset);

    public List<TopicPartitionOffset> Commit() => inner.Commit();

    public virtual void Commit(IEnumerable<TopicPartitionOffset> offsets) => inner.Commit(offsets);

    public void Commit(ConsumeResult<byte[], byte[]> result) => inner.Commit(result);

    public void Pause(IEnumerable<TopicPartition> partitions) => inner.Pause(partitions);

    public void Resume(IEnumerable<TopicPartition> partitions) => inner.Resume(partitions);

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => inner.Committed(timeout);

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => inner.Committed(partitions, timeout);

    public Offset Position(TopicPartition partition) => inner.Position(partition);

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) =>
        inner.OffsetsForTimes(timestampsToSearch, timeout);

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => inner.GetWatermarkOffsets(topicPartition);

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => inner.QueryWatermarkOffsets(topicPartition, timeout);

    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);

    public virtual void Close() => inner.Close();

    public virtual void Dispose()
    {
        inner.Dispose();
        GC.SuppressFinalize(this);
    }
}
