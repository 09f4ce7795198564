using System.Collections.Concurrent;
using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Development broker only (librdkafka's mock cluster, which keeps no transactions): every decision visible
/// in calls.decisions.v1, by intentId, followed by a consumer of its own (assigned, no group) from the
/// beginning of the topic. The gate starts its stream only once this view has caught up, so after a crash it
/// knows exactly which decisions were published, whatever the crash did to the local state.
/// </summary>
public sealed class EmittedDecisionsView : IPublishedDecisions, IDisposable
{
    private readonly ConcurrentDictionary<string, byte[]> decisions = new(StringComparer.Ordinal);
    private readonly IConsumer<string?, byte[]> consumer;
    private readonly CancellationTokenSource stop = new();
    private readonly Thread loop;
    private readonly ILogger logger;
    private readonly Lock catchUp = new();
    private IReadOnlyList<TopicPartition> partitions = [];
    private long caughtUpFrom = long.MinValue;
    private long iterations;

    public EmittedDecisionsView(KafkaClientFactory clients, string bootstrap, string applicationId, ILogger logger)
    {
        this.logger = logger;
        consumer = clients.CreateConsumer<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = applicationId + "-published-view",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 10,
            IsolationLevel = IsolationLevel.ReadUncommitted,
        });
        loop = new Thread(Run) { IsBackground = true, Name = "emitted-decisions-view" };
    }

    public byte[]? Find(string intentId) => decisions.TryGetValue(intentId, out var bytes) ? bytes : null;

    public byte[]? FindPublished(string intentId, long since)
    {
        if (Find(intentId) is { } found)
        {
            return found;
        }
        lock (catchUp)
        {
            if (Volatile.Read(ref caughtUpFrom) < since)
            {
                CatchUp(TimeSpan.FromSeconds(60));
            }
        }
        return Find(intentId);
    }

    /// <summary>Starts following the topic and returns once every decision published so far has been read.</summary>
    public void StartAndCatchUp(TimeSpan timeout)
    {
        partitions = TopicPartitions.Of(consumer, TopicNames.Decisions);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        loop.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        lock (catchUp)
        {
            CatchUp(timeout);
        }
        logger.LogInformation("Read {Count} published decisions in {Seconds:0.0} s", decisions.Count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Reads the topic up to the end offsets it has now.</summary>
    private void CatchUp(TimeSpan timeout)
    {
        var from = System.Diagnostics.Stopwatch.GetTimestamp();
        var ends = partitions.ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ends.Any(e => e.Value > 0 && consumer.Position(e.Key).Value < e.Value))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the view of {TopicNames.Decisions} did not catch up within {timeout.TotalSeconds:0} s");
            }
            Thread.Sleep(5);
        }
        // The consumer's position moves when Consume returns a record, a moment before the loop stores it:
        // wait for the loop to begin its next round, so the last record read is in the dictionary.
        var round = Interlocked.Read(ref iterations);
        while (Interlocked.Read(ref iterations) <= round)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the view of {TopicNames.Decisions} did not catch up within {timeout.TotalSeconds:0} s");
            }
            Thread.Sleep(1);
        }
        Volatile.Write(ref caughtUpFrom, from);
    }

    private void Run()
    {
        while (!stop.IsCancellationRequested)
        {
            Interlocked.Increment(ref iterations);
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(20));
                if (result?.Message is { Key: { } key, Value: { } value })
                {
                    decisions[key] = value;
                }
            }
            catch (ConsumeException e)
            {
                logger.LogWarning("Reading {Topic}: {Reason}", TopicNames.Decisions, e.Error.Reason);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        if (loop.IsAlive)
        {
            loop.Join(TimeSpan.FromSeconds(5));
        }
        consumer.Close();
        consumer.Dispose();
    }
}
