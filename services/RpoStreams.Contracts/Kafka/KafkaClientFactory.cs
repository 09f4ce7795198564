using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RpoStreams.Contracts.Kafka;

/// <summary>
/// Builds every Kafka producer, consumer and admin client of a process (the gate, the command line, the
/// simulation): the bootstrap servers and security settings of <see cref="KafkaSettings"/> on each, and
/// librdkafka's log lines and errors in the process's log, at their own levels (a refused connection or a
/// failed authentication is a Warning or an Error in the log, not silence). Streamiz builds the stream's own
/// clients and logs them itself; <see cref="KafkaSettings.ApplySecurity(Streamiz.Kafka.Net.StreamConfig)"/> gives them the same security.
/// </summary>
public sealed class KafkaClientFactory : IDisposable
{
    /// <summary>The log category of librdkafka's lines.</summary>
    public const string LogCategory = "Kafka";

    private readonly KafkaLogBridge bridge;

    public KafkaClientFactory(KafkaSettings settings, ILoggerFactory? loggers)
    {
        Settings = settings;
        bridge = new KafkaLogBridge((loggers ?? NullLoggerFactory.Instance).CreateLogger(LogCategory));
    }

    /// <summary>For tests and tools that configure nothing and log nothing: no security, librdkafka's lines dropped.</summary>
    public static KafkaClientFactory Unconfigured { get; } = new(new KafkaSettings(), null);

    public KafkaSettings Settings { get; }

    /// <summary>
    /// Puts the bootstrap servers (unless <paramref name="config"/> names its own, as for the embedded broker)
    /// and the security settings on a client configuration.
    /// </summary>
    public T Configure<T>(T config) where T : ClientConfig
    {
        if (string.IsNullOrWhiteSpace(config.BootstrapServers))
        {
            config.BootstrapServers = Settings.BootstrapServers;
        }
        Settings.ApplySecurity(config);
        return config;
    }

    public IProducer<TKey, TValue> CreateProducer<TKey, TValue>(ProducerConfig config) =>
        new ProducerBuilder<TKey, TValue>(Configure(config)).SetLogHandler(bridge.OnLog).SetErrorHandler(bridge.OnError).Build();

    public IConsumer<TKey, TValue> CreateConsumer<TKey, TValue>(ConsumerConfig config) =>
        new ConsumerBuilder<TKey, TValue>(Configure(config)).SetLogHandler(bridge.OnLog).SetErrorHandler(bridge.OnError).Build();

    public IAdminClient CreateAdmin(AdminClientConfig config) =>
        new AdminClientBuilder(Configure(config)).SetLogHandler(bridge.OnLog).SetErrorHandler(bridge.OnError).Build();

    /// <summary>Writes the log lines still queued. Clients built here should be disposed first.</summary>
    public void Dispose() => bridge.Dispose();
}
