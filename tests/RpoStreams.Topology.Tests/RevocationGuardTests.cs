using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using RpoStreams.Gate.Hosting;
using RpoStreams.Gate.Topology;
using Streamiz.Kafka.Net.Errors;
using Streamiz.Kafka.Net.Kafka;
using Xunit;

namespace RpoStreams.Topology.Tests;

/// <summary>
/// A revocation that fails other than by a failed commit at-least-once stops its stream thread cleanly, and the gate
/// with it: the remaining tasks are closed as lost (which clears Streamiz's rebalancing mark), the stores the failure
/// left open on that thread are closed with their tasks' local state deleted, the gate is told, and the thread gets
/// an error rather than a task migration. The refused commit itself is let go, over Kafka's protocol: RefusedCommitTests.
/// </summary>
public sealed class RevocationGuardTests : IDisposable
{
    private readonly string stateDir = Directory.CreateTempSubdirectory("rpo-guard-").FullName;

    [Fact]
    public void A_failed_revocation_closes_the_rest_as_lost_discards_the_stores_it_left_open_and_stops_the_thread()
    {
        var streamiz = new FailingRevocation();
        var metrics = new GateMetrics();
        string? stopped = null;
        var guard = new RevocationGuard(streamiz, metrics, NullLogger.Instance, reason => stopped = reason);
        var leftDir = Path.Combine(stateDir, "1-2");
        var otherDir = Path.Combine(stateDir, "1-3");
        var left = new RocksDbStateStore("subject-state", null, logged: true);
        var other = new RocksDbStateStore("subject-state", null, logged: true);
        Exception? thrown = null;

        // Given a store opened by this stream thread's task, and one opened by another thread
        OnThread(() => other.OpenInTask(otherDir));
        OnThread(() =>
        {
            left.OpenInTask(leftDir);
            left.Put(Streamiz.Kafka.Net.Crosscutting.Bytes.Wrap([1]), [1]);

            // When Streamiz's revocation on this thread fails
            thrown = Record.Exception(() => guard.PartitionsRevoked(null!, [new TopicPartitionOffset("calls.intents.v1", 2, 10)]));
        });

        // Then the thread stops with an error, its remaining tasks closed as lost and its store's task state gone
        var error = Assert.IsType<StreamsException>(thrown);
        Assert.IsType<StreamsException>(error.InnerException);
        Assert.Equal(1, streamiz.Lost);
        Assert.Equal(1, metrics.RevocationFailures);
        Assert.False(left.IsOpen);
        Assert.False(Directory.Exists(leftDir));
        Assert.False(RevocationGuard.Revoking);
        Assert.Contains("failed to give up partitions", stopped, StringComparison.Ordinal);
        // and the other thread's store is untouched
        Assert.True(other.IsOpen);
        Assert.True(Directory.Exists(otherDir));
        other.Close();
    }

    private static void OnThread(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("the thread failed", failure);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(stateDir))
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    /// <summary>Streamiz's listener whose revocation fails (a transaction's commit under exactly-once, say).</summary>
    private sealed class FailingRevocation : IConsumerRebalanceListener
    {
        public int Lost { get; private set; }

        public void PartitionsAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions)
        {
        }

        public void PartitionsRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions) =>
            throw new StreamsException("Consumer committing offsets failed: Broker: Group rebalance in progress");

        public void PartitionsLost(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions) => Lost++;
    }
}
