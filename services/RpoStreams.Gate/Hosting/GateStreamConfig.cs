using Confluent.Kafka;
using RpoStreams.Gate.Hosting.Settings;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Gate.Hosting;

/// <summary>The Streamiz configuration of the gate, from its settings (one place for the host, tests and tools).</summary>
public static class GateStreamConfig
{
    /// <summary>The longest commit interval at which delivery reports wait for the commit's flush.</summary>
    public const int ReportsAtCommitUpToMs = 1_000;

    /// <summary>The Streamiz configuration; <paramref name="exactlyOnce"/> is Streams:Guarantee, unless the broker is a development broker.</summary>
    public static StreamConfig<StringSerDes, StringSerDes> Create(GateConfiguration config, string bootstrap, bool exactlyOnce, ILoggerFactory loggerFactory)
    {
        var s = config.Streams;
        // Delivery reports are served by the flush at each commit, on the stream thread, rather than by a poll thread
        // of Confluent.Kafka's. With both, a flush often waited out a whole 10 ms poll of librdkafka's after the other
        // thread had taken the last report: commits took twice as long (docs/performance.md). A message counts against
        // librdkafka's queue until its report is served, so the queue gets room for a second of a fast thread's output
        // (two messages per decision); with commits further apart the poll thread keeps the queue short.
        var reportsAtCommit = s.CommitIntervalMs <= ReportsAtCommitUpToMs;
        var streamConfig = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = s.ApplicationId,
            BootstrapServers = bootstrap,
            StateDir = s.StateDir,
            // Exactly-once: read_committed consumers, one transaction per commit interval covering output, changelogs and offsets.
            Guarantee = exactlyOnce ? ProcessingGuarantee.EXACTLY_ONCE : ProcessingGuarantee.AT_LEAST_ONCE,
            NumStreamThreads = s.Threads,
            CommitIntervalMs = s.CommitIntervalMs,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = s.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(1_000, s.SessionTimeoutMs / 3),
            PollMs = s.PollMs,
            MaxPollRecords = s.MaxPollRecords,
            FetchWaitMaxMs = s.FetchWaitMaxMs,
            MaxPollRestoringRecords = s.MaxPollRestoringRecords,
            Logger = loggerFactory,
            // Outputs are partitioned by key as the Java client does (a decision's partition follows from its intentId).
            Partitioner = Partitioner.Murmur2Random,
            // Streamiz reads only the status and position of a delivery: not copying keys and values back saves work per record.
            DeliveryReportFields = "status",
            EnableBackgroundPoll = !reportsAtCommit,
            QueueBufferingMaxMessages = reportsAtCommit ? 1_000_000 : null,
        };
        // The security settings, as every other Kafka client of the gate gets them (KafkaClientFactory).
        config.Kafka.ApplySecurity(streamConfig);
        return streamConfig;
    }
}
