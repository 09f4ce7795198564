using Confluent.Kafka;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net.Errors;
using Streamiz.Kafka.Net.Kafka;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// A stream thread's rebalance listener (Streamiz 1.8.2's), made safe for a revocation that fails. When a rebalance
/// takes partitions away, Streamiz marks the thread's task manager as rebalancing, removes the tasks from it and
/// commits their offsets. Should that commit fail (a group in the middle of a rebalance may refuse it), the exception
/// leaves the manager marked as rebalancing for good and the tasks open but forgotten: the thread then never polls
/// again and holds its partitions, undecided, until the group expels it after <c>max.poll.interval.ms</c> (five
/// minutes); the tasks' stores keep their RocksDB locks and their changelogs stay registered with the thread, so those
/// tasks can never run again in this process.
/// <list type="bullet">
/// <item>At-least-once, a refused commit of the partitions given up is let go (<see cref="RevocationCommitConsumer"/>):
/// their tasks close as usual and their next owner reads again from the last commit, as at-least-once allows (on the
/// development broker, without deciding anything twice: docs/reliability.md).</item>
/// <item>Any other failure, and any failure under exactly-once (a transaction that did not commit must not be
/// checkpointed), stops the thread: its remaining tasks are closed as lost, the forgotten stores are discarded with
/// their tasks' local state (<see cref="RocksDbStateStore.DiscardLeftOpen"/>), the thread leaves the group, and the
/// gate is told to stop (exit code 4): the forgotten tasks never close, so it would go on claiming their partitions
/// (check API, readiness) with a thread less. Its supervisor starts it again; the other instances take the partitions
/// over meanwhile.</item>
/// </list>
/// </summary>
public sealed class RevocationGuard(IConsumerRebalanceListener streamiz, GateMetrics? metrics, ILogger logger, Action<string>? threadStopped = null)
    : IConsumerRebalanceListener
{
    [ThreadStatic]
    private static bool revoking;

    private volatile bool detached;

    /// <summary>Whether the calling thread is giving up partitions in a rebalance (inside <see cref="PartitionsRevoked"/>).</summary>
    public static bool Revoking => revoking;

    /// <summary>
    /// From now on, tells Streamiz of no rebalance: its stream thread is gone, and the gate closes the consumer it left
    /// in the group (<see cref="StreamConsumer.Leave"/>).
    /// </summary>
    internal void Detach() => detached = true;

    public void PartitionsAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions)
    {
        if (!detached)
        {
            streamiz.PartitionsAssigned(consumer, partitions);
        }
    }

    public void PartitionsLost(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        if (!detached)
        {
            streamiz.PartitionsLost(consumer, partitions);
        }
    }

    public void PartitionsRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        if (detached)
        {
            return;
        }
        revoking = true;
        try
        {
            streamiz.PartitionsRevoked(consumer, partitions);
        }
        catch (Exception failed)
        {
            metrics?.RevocationFailed(GateMetrics.ThreadStopped);
            logger.LogError(
                "Giving up {Count} partitions in a rebalance failed ({Reason}): this stream thread closes its tasks as lost and stops, and the gate with it",
                partitions.Count, failed.Message);
            try
            {
                streamiz.PartitionsLost(consumer, partitions);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Closing the remaining tasks as lost after a failed revocation failed as well");
            }
            var discarded = RocksDbStateStore.DiscardLeftOpen();
            if (discarded.Count > 0)
            {
                logger.LogWarning(
                    "Deleted the local state of tasks {Tasks}, left open by the failed revocation: wherever they run next, they restore it from their changelogs",
                    string.Join(",", discarded.Select(Path.GetFileName)));
            }
            // Not a task migration: Streamiz would rejoin with the forgotten tasks' changelogs still registered, and fail
            // at the next assignment. An error stops the thread now.
            var reason = $"a stream thread failed to give up partitions in a rebalance ({failed.Message}) and stopped";
            threadStopped?.Invoke(reason);
            throw new StreamsException(reason, failed);
        }
        finally
        {
            revoking = false;
        }
    }

    /// <summary>At-least-once: a commit of the partitions being given up failed and is let go.</summary>
    internal void CommitLetGo(int partitions, KafkaException failed)
    {
        metrics?.RevocationFailed(GateMetrics.OffsetsNotCommitted);
        logger.LogWarning(
            "The commit of {Count} partitions given up in a rebalance failed ({Reason}): their next owner reads again from their last commit",
            partitions, failed.Error.Reason);
    }
}

/// <summary>
/// A stream thread's consumer at-least-once: a commit that fails while the thread gives up partitions in a rebalance
/// (the group refuses it, say) is let go rather than failing the revocation (<see cref="RevocationGuard"/>).
/// </summary>
public sealed class RevocationCommitConsumer(IConsumer<byte[], byte[]> consumer, RevocationGuard guard) : DelegatingConsumer(consumer)
{
    public override void Commit(IEnumerable<TopicPartitionOffset> offsets)
    {
        var list = offsets as IReadOnlyCollection<TopicPartitionOffset> ?? offsets.ToList();
        try
        {
            Inner.Commit(list);
        }
        catch (KafkaException failed) when (RevocationGuard.Revoking)
        {
            guard.CommitLetGo(list.Count, failed);
        }
    }
}
