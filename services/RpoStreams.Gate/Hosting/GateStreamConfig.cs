using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Gate.Hosting;

/// <summary>The Streamiz configuration of the gate, from its settings (one place for the host, tests and tools).</summary>
public static class GateStreamConfig
{
    /// <summary>The Streamiz configuration; <paramref name="exactlyOnce"/> is Streams:Guarantee, unless the broker is a development broker.</summary>
    public static StreamConfig<StringSerDes, StringSerDes> Create(GateConfiguration config, string bootstrap, bool exactlyOnce, ILoggerFactory loggerFactory)
    {
        var s = config.Streams;
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
        };
        var k = config.Kafka;
        if (Enum.TryParse<SecurityProtocol>(k.SecurityProtocol, true, out var protocol))
        {
            streamConfig.SecurityProtocol = protocol;
        }
        if (Enum.TryParse<SaslMechanism>(k.SaslMechanism, true, out var mechanism))
        {
            streamConfig.SaslMechanism = mechanism;
        }
        // As KafkaSettings.ApplySecurity does for the other clients (Streamiz's StreamConfig is not a ClientConfig).
        streamConfig.SaslUsername = KafkaSettings.NullIfEmpty(k.SaslUsername);
        streamConfig.SaslPassword = KafkaSettings.NullIfEmpty(k.SaslPassword);
        streamConfig.SslCaLocation = KafkaSettings.NullIfEmpty(k.SslCaLocation);
        streamConfig.SslCertificateLocation = KafkaSettings.NullIfEmpty(k.SslCertificateLocation);
        streamConfig.SslKeyLocation = KafkaSettings.NullIfEmpty(k.SslKeyLocation);
        streamConfig.SslKeyPassword = KafkaSettings.NullIfEmpty(k.SslKeyPassword);
        return streamConfig;
    }
}
