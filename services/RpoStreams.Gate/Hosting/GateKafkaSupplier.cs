using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Kafka;
using Streamiz.Kafka.Net.Metrics;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// The Kafka clients Streamiz builds for the gate: Streamiz's own, but for the global store's consumer
/// (register consultations, a few records a day), which is an <see cref="IdleGlobalConsumer"/>, and with the stream
/// threads' rebalance listener behind a <see cref="RevocationGuard"/> and their producers and consumers closed at the stop if
/// Streamiz did not (<see cref="StreamProducer"/>, <see cref="StreamConsumer"/>).
/// </summary>
/// <param name="config">The stream's configuration.</param>
/// <param name="metrics">Counts failed revocations, or null.</param>
/// <param name="threadStopped">Told, with the reason, when a stream thread stops after a failed revocation, or null.</param>
/// <param name="consumerClosed">Told when a stream thread's consumer is closed, which Streamiz does only as the thread stops (by itself, or as the stream stops), or null.</param>
public sealed class GateKafkaSupplier(
    IStreamConfig config, GateMetrics? metrics = null, Action<string>? threadStopped = null, Action<string>? consumerClosed = null) : IKafkaSupplier
{
    private readonly DefaultKafkaClientSupplier clients = new(new KafkaLoggerAdapter(config), config);
    private readonly ILogger logger = (config.Logger ?? NullLoggerFactory.Instance).CreateLogger<RevocationGuard>();
    private readonly bool atLeastOnce = config.Guarantee == ProcessingGuarantee.AT_LEAST_ONCE;
    private readonly List<StreamProducer> producers = [];
    private readonly List<StreamConsumer> consumers = [];

    public StreamMetricsRegistry MetricsRegistry
    {
        get => clients.MetricsRegistry;
        set => clients.MetricsRegistry = value;
    }

    public IAdminClient GetAdmin(AdminClientConfig config) => clients.GetAdmin(config);

    public IConsumer<byte[], byte[]> GetConsumer(ConsumerConfig config, IConsumerRebalanceListener rebalanceListener)
    {
        var guard = new RevocationGuard(rebalanceListener, metrics, logger, threadStopped);
        var consumer = clients.GetConsumer(config, guard);
        var handed = new StreamConsumer(
            atLeastOnce ? new RevocationCommitConsumer(consumer, guard) : consumer, guard, () => consumerClosed?.Invoke("a stream thread stopped by itself (see the log above)"));
        lock (consumers)
        {
            consumers.Add(handed);
        }
        return handed;
    }

    /// <summary>
    /// Closes what Streamiz left open of its stream threads' clients (it gives up closing a thread whose tasks failed
    /// to close): their producers' transactions aborted, their consumers out of the group at once. Call once the stream
    /// has stopped; returns how many producers it closed and how many consumers left the group. Never throws.
    /// </summary>
    public (int Producers, int Consumers) CloseLeftOpen() =>
        (TakeAll(producers).Count(p => p.Abandon(logger)), TakeAll(consumers).Count(c => c.Leave(logger)));

    /// <summary>Disposes a client the stream left open, logging rather than throwing if that fails.</summary>
    internal static void DisposeLeftOpen(IDisposable client, string what, ILogger logger)
    {
        try
        {
            client.Dispose();
        }
        catch (Exception e)
        {
            logger.LogWarning("Disposing a {Client} the stream left open failed ({Reason})", what, e.Message);
        }
    }

    private static List<T> TakeAll<T>(List<T> handed)
    {
        lock (handed)
        {
            List<T> taken = [.. handed];
            handed.Clear();
            return taken;
        }
    }

    public IProducer<byte[], byte[]> GetProducer(ProducerConfig config)
    {
        var handed = new StreamProducer(clients.GetProducer(config), transactional: !string.IsNullOrEmpty(config.TransactionalId));
        lock (producers)
        {
            producers.Add(handed);
        }
        return handed;
    }

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
public sealed class IdleGlobalConsumer(IConsumer<byte[], byte[]> consumer, TimeSpan? idleWait = null) : DelegatingConsumer(consumer)
{
    /// <summary>The longest wait of a poll after an empty one, unless given.</summary>
    public static readonly TimeSpan DefaultIdleWait = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a seek is tried again while librdkafka applies the assignment.</summary>
    public static readonly TimeSpan SeekPatience = TimeSpan.FromSeconds(5);

    private readonly TimeSpan idleWait = idleWait ?? DefaultIdleWait;
    private readonly Lock assigning = new();
    private List<TopicPartition> assigned = [];
    private bool idle;

    public override List<TopicPartition> Assignment => [.. Volatile.Read(ref assigned)];

    public override ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout)
    {
        var result = Inner.Consume(idle && timeout < idleWait ? idleWait : timeout);
        idle = result is null;
        return result!;
    }

    public override ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => Consume(TimeSpan.FromMilliseconds(millisecondsTimeout));

    public override ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default)
    {
        var result = Inner.Consume(cancellationToken);
        idle = result is null;
        return result!;
    }

    public override void Assign(TopicPartition partition)
    {
        Inner.Assign(partition);
        Assigned([partition]);
    }

    public override void Assign(TopicPartitionOffset partition)
    {
        Inner.Assign(partition);
        Assigned([partition.TopicPartition]);
    }

    public override void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        Inner.Assign(list);
        Assigned(list.Select(p => p.TopicPartition));
    }

    public override void Assign(IEnumerable<TopicPartition> partitions)
    {
        var list = partitions.ToList();
        Inner.Assign(list);
        Assigned(list);
    }

    public override void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        Inner.IncrementalAssign(list);
        Assigned(current => [.. current, .. list.Select(p => p.TopicPartition)]);
    }

    public override void IncrementalAssign(IEnumerable<TopicPartition> partitions)
    {
        var list = partitions.ToList();
        Inner.IncrementalAssign(list);
        Assigned(current => [.. current, .. list]);
    }

    public override void IncrementalUnassign(IEnumerable<TopicPartition> partitions)
    {
        var list = partitions.ToList();
        Inner.IncrementalUnassign(list);
        Assigned(current => current.Except(list));
    }

    public override void Unassign()
    {
        Inner.Unassign();
        Assigned([]);
    }

    public override void Subscribe(IEnumerable<string> topics) => throw NotAssigned();

    public override void Subscribe(string topic) => throw NotAssigned();

    /// <summary>Raised each time a seek finds its partition not yet assigned, before it is tried again.</summary>
    internal event Action? SeekRefused;

    public override void Seek(TopicPartitionOffset tpo)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Inner.Seek(tpo);
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
