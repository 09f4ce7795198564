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
/// their tasks' local state (<see cref="RocksDbStateStore.DiscardLeftOpen"/>), and the thread leaves the group, so the
/// other threads and instances take its partitions over within one rebalance. The last thread to stop puts the stream
/// in ERROR and the gate exits (code 4), for its supervisor to start it again.</item>
/// </list>
/// </summary>
public sealed class RevocationGuard(IConsumerRebalanceListener streamiz, GateMetrics? metrics, ILogger logger) : IConsumerRebalanceListener
{
    [ThreadStatic]
    private static bool revoking;

    /// <summary>Whether the calling thread is giving up partitions in a rebalance (inside <see cref="PartitionsRevoked"/>).</summary>
    public static bool Revoking => revoking;

    public void PartitionsAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) =>
        streamiz.PartitionsAssigned(consumer, partitions);

    public void PartitionsLost(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions) =>
        streamiz.PartitionsLost(consumer, partitions);

    public void PartitionsRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        revoking = true;
        try
        {
            streamiz.PartitionsRevoked(consumer, partitions);
        }
        catch (Exception failed)
        {
            metrics?.RevocationFailed("thread-stopped");
            logger.LogError(
                "Giving up {Count} partitions in a rebalance failed ({Reason}): this stream thread closes its tasks as lost and stops; the others take its partitions over",
                partitions.Count, failed.Message);
            try
            {
                streamiz.PartitionsLost(consumer, partitions);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Closing the remaining tasks as lost after a failed revocation failed as well");
            }
            var discarded = RocksDbStateStore.DiscardLeftOpen(Environment.CurrentManagedThreadId);
            if (discarded.Count > 0)
            {
                logger.LogWarning(
                    "Deleted the local state of tasks {Tasks}, left open by the failed revocation: wherever they run next, they restore it from their changelogs",
                    string.Join(",", discarded.Select(Path.GetFileName)));
            }
            // Not a task migration: Streamiz would rejoin with the forgotten tasks' changelogs still registered, and fail
            // at the next assignment. An error stops the thread now.
            throw new StreamsException($"giving up partitions in a rebalance failed: {failed.Message}", failed);
        }
        finally
        {
            revoking = false;
        }
    }

    /// <summary>At-least-once: a commit of the partitions being given up was refused and is let go.</summary>
    internal void CommitLetGo(int partitions, KafkaException refused)
    {
        metrics?.RevocationFailed("offsets-not-committed");
        logger.LogWarning(
            "The group refused the commit of {Count} partitions given up in a rebalance ({Reason}): their next owner reads again from their last commit",
            partitions, refused.Error.Reason);
    }
}

/// <summary>
/// A stream thread's consumer at-least-once: a commit made while the thread gives up partitions in a rebalance that
/// the group refuses is let go rather than failing the revocation (<see cref="RevocationGuard"/>).
/// </summary>
public sealed class RevocationCommitConsumer(IConsumer<byte[], byte[]> consumer, RevocationGuard guard) : DelegatingConsumer(consumer)
{
    public override void Commit(IEnumerable<TopicPartitionOffset> offsets)
    {
        if (!RevocationGuard.Revoking)
        {
            Inner.Commit(offsets);
            return;
        }
        var list = offsets as IReadOnlyCollection<TopicPartitionOffset> ?? offsets.ToList();
        try
        {
            Inner.Commit(list);
        }
        catch (KafkaException refused)
        {
            guard.CommitLetGo(list.Count, refused);
        }
    }
}
