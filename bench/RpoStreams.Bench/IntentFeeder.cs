using System.Diagnostics;
using Confluent.Kafka;

namespace RpoStreams.Bench;

/// <summary>
/// Feeds serialized intents to a topic from a background thread, keeping at most a given number produced
/// but not yet decided. The embedded broker (librdkafka's mock cluster) keeps only the newest 5 MB (or
/// 100,000 message sets) of each partition and silently drops older records, so a million intents cannot
/// be preloaded at once: the backlog is kept well under that, and always large enough that the consumer
/// never waits for input.
/// </summary>
internal sealed class IntentFeeder : IDisposable
{
    private readonly Thread thread;
    private readonly List<(string Key, byte[] Value, string IntentId)> items;
    private readonly string topic;
    private readonly string bootstrap;
    private readonly Func<long> decided;
    private readonly long backlog;
    private readonly CancellationTokenSource stop = new();
    private long produced;
    private Exception? failure;

    public IntentFeeder(string bootstrap, string topic, List<(string Key, byte[] Value, string IntentId)> items, Func<long> decided, long backlog)
    {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.items = items;
        this.decided = decided;
        this.backlog = backlog;
        thread = new Thread(Run) { IsBackground = true, Name = "bench-feeder" };
    }

    public long Produced => Interlocked.Read(ref produced);

    /// <summary>Seconds from start until every item was handed to the producer (NaN until then).</summary>
    public double FedSeconds { get; private set; } = double.NaN;

    public IntentFeeder Start()
    {
        thread.Start();
        return this;
    }

    private void Run()
    {
        try
        {
            var clock = Stopwatch.StartNew();
            using var producer = BenchData.Loader(bootstrap);
            var next = 0;
            while (next < items.Count && !stop.IsCancellationRequested)
            {
                var room = backlog - (next - decided());
                if (room <= 0)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                    continue;
                }
                var end = (int)Math.Min(items.Count, next + Math.Min(room, 20_000));
                for (; next < end; next++)
                {
                    BenchData.Produce(producer, topic, items[next].Key, items[next].Value);
                }
                Interlocked.Exchange(ref produced, next);
                producer.Flush(TimeSpan.FromSeconds(60));
            }
            FedSeconds = clock.Elapsed.TotalSeconds;
        }
        catch (Exception e) when (e is KafkaException or InvalidOperationException or TimeoutException or IOException)
        {
            failure = e;
        }
    }

    /// <summary>Throws what stopped the feeder, if anything did.</summary>
    public void Check()
    {
        if (failure != null)
        {
            throw new InvalidOperationException($"feeding {topic} failed: {failure.Message}", failure);
        }
    }

    private bool disposed;

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        stop.Cancel();
        if (thread.IsAlive)
        {
            thread.Join(TimeSpan.FromSeconds(60));
        }
        stop.Dispose();
    }
}
