using System.Diagnostics;
using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;

namespace RpoStreams.Bench;

/// <summary>What a paced run saw.</summary>
internal sealed record LatencyResult(
    long Sent, double SendSeconds, double OfferedPerSecond, long Received, long Excluded, LatencyStats EndToEnd, double ReceivedPerSecond, bool Complete);

/// <summary>
/// Offers intents at a fixed rate and times each one from the moment it is handed to the producer to the
/// moment its decision reaches a read_committed consumer of <c>calls.decisions.v1</c> (what a dialer
/// waiting for its answer sees, transaction commit included). The first seconds of the window are a
/// warm-up and are left out.
/// </summary>
internal sealed class LatencyProbe
{
    private static readonly TimeSpan TrimEvery = TimeSpan.FromMilliseconds(200);

    private readonly string bootstrap;
    private readonly LogTrimmer? intentsRead;
    private readonly LogTrimmer? decisionsRead;

    /// <summary>A probe that, given trimmers, deletes the intents decided and the decisions read as the run goes (<see cref="LogTrimmer"/>).</summary>
    public LatencyProbe(string bootstrap, LogTrimmer? intentsRead = null, LogTrimmer? decisionsRead = null)
    {
        this.bootstrap = bootstrap;
        this.intentsRead = intentsRead;
        this.decisionsRead = decisionsRead;
    }

    public LatencyResult Run(List<(string Key, byte[] Value, string IntentId)> intents, double rate, double excludeSeconds, TimeSpan drainTimeout, string? dump = null)
    {
        var index = new Dictionary<string, int>(intents.Count, StringComparer.Ordinal);
        for (var i = 0; i < intents.Count; i++)
        {
            index[intents[i].IntentId] = i;
        }
        var sentAt = new long[intents.Count];
        var latencyMs = new double[intents.Count];
        Array.Fill(latencyMs, double.NaN);
        // Where each intent landed (from its delivery report): the offset is written last, -1 until then.
        var intentPartition = new int[intents.Count];
        var intentOffset = new long[intents.Count];
        Array.Fill(intentOffset, -1);
        long received = 0;

        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "rpo-bench-latency-" + Guid.NewGuid().ToString("N")[..8],
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 5,
            FetchErrorBackoffMs = 5,
        }).SetLogHandler((_, _) => { }).Build();
        var partitions = TopicPartitions.Of(consumer, TopicNames.Decisions);
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High)));

        using var stop = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                }
                catch (ConsumeException)
                {
                    continue;
                }
                var now = Stopwatch.GetTimestamp();
                if (result?.Message?.Key is { } key && index.TryGetValue(key, out var i))
                {
                    var sent = Volatile.Read(ref sentAt[i]);
                    if (sent != 0 && double.IsNaN(latencyMs[i]))
                    {
                        latencyMs[i] = Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds;
                        Interlocked.Increment(ref received);
                        if (Volatile.Read(ref intentOffset[i]) is var decided and >= 0)
                        {
                            intentsRead?.Read(intentPartition[i], decided);
                        }
                    }
                    decisionsRead?.Read(result.Partition.Value, result.Offset.Value);
                }
            }
        }) { IsBackground = true, Name = "bench-latency-reader" };
        reader.Start();

        // The reader stops and is joined whatever happens here: it is inside the consumer's Consume.
        double sendSeconds, receivedSeconds;
        try
        {
            using var producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig
            {
                BootstrapServers = bootstrap,
                ClientId = "rpo-bench-dialer",
                EnableIdempotence = true,
                // librdkafka's default. At 1 ms the batches held two or three intents, so the embedded broker had thousands
                // to walk for each fetch (see LogTrimmer): a fifth of a core at 10,000/s.
                LingerMs = 5,
                Partitioner = Partitioner.Murmur2Random,
            }).SetLogHandler((_, _) => { }).Build();

            // Let the consumer's first fetch go out before the first intent does.
            Thread.Sleep(500);
            var pace = Stopwatch.StartNew();
            var trimmedAt = TimeSpan.Zero;
            for (var i = 0; i < intents.Count; i++)
            {
                if (pace.Elapsed - trimmedAt >= TrimEvery)
                {
                    intentsRead?.Trim();
                    decisionsRead?.Trim();
                    trimmedAt = pace.Elapsed;
                }
                var due = i / rate;
                while (true)
                {
                    var ahead = due - pace.Elapsed.TotalSeconds;
                    if (ahead <= 0)
                    {
                        break;
                    }
                    // ~1 ms sleeps: intents go out in small bursts (about rate/1000 at a time), without a spinning core.
                    Thread.Sleep(1);
                }
                Volatile.Write(ref sentAt[i], Stopwatch.GetTimestamp());
                var sentIndex = i;
                BenchData.Produce(producer, TopicNames.Intents, intents[i].Key, intents[i].Value, report =>
                {
                    if (!report.Error.IsError)
                    {
                        intentPartition[sentIndex] = report.Partition.Value;
                        Volatile.Write(ref intentOffset[sentIndex], report.Offset.Value);
                    }
                });
            }
            sendSeconds = pace.Elapsed.TotalSeconds;
            producer.Flush(TimeSpan.FromSeconds(30));

            var waiting = Stopwatch.StartNew();
            while (Interlocked.Read(ref received) < intents.Count && waiting.Elapsed < drainTimeout)
            {
                Thread.Sleep(10);
            }
            receivedSeconds = pace.Elapsed.TotalSeconds;
        }
        finally
        {
            stop.Cancel();
            reader.Join();
        }
        consumer.Close();

        var stoppedAt = Stopwatch.GetTimestamp();
        var excluded = (int)Math.Min(intents.Count, Math.Ceiling(excludeSeconds * rate));
        // An intent still unanswered enters with the time it had waited: a lower bound.
        var kept = new double[intents.Count - excluded];
        long censored = 0;
        for (var i = excluded; i < intents.Count; i++)
        {
            if (double.IsNaN(latencyMs[i]))
            {
                censored++;
                kept[i - excluded] = Stopwatch.GetElapsedTime(sentAt[i], stoppedAt).TotalMilliseconds;
            }
            else
            {
                kept[i - excluded] = latencyMs[i];
            }
        }
        if (dump != null)
        {
            // One line per intent, in sending order: when it went out (ms after the first) and its latency, to see
            // whether a high percentile is a slow path for every intent or a few stalls.
            // The header gives the first send on the monotonic clock (ns), to line the file up with a profiler's timestamps.
            File.WriteAllLines(dump, Enumerable.Range(0, intents.Count).Select(i => FormattableString.Invariant(
                $"{Stopwatch.GetElapsedTime(sentAt[0], sentAt[i]).TotalMilliseconds:0.0} {latencyMs[i]:0.0}"))
                .Prepend(FormattableString.Invariant($"# first sent at monotonic {(long)(sentAt[0] * (1e9 / Stopwatch.Frequency))} ns")));
        }
        var got = Interlocked.Read(ref received);
        return new LatencyResult(
            intents.Count, sendSeconds, intents.Count / Math.Max(sendSeconds, 1e-9), got, excluded,
            LatencyStats.FromMillis(kept, censored), got / Math.Max(receivedSeconds, 1e-9), got == intents.Count);
    }
}
