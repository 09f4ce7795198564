using Confluent.Kafka;
using RpoStreams.Contracts;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Finds out whether a broker keeps offsets committed inside a transaction, which is what exactly-once
/// stands on. Kafka does; librdkafka's mock cluster (the embedded broker, <c>rpo devkafka</c>) accepts
/// transactions but neither keeps their offsets nor hides aborted or open ones from read_committed readers.
/// </summary>
public static class BrokerCapabilities
{
    public static bool KeepsTransactionalOffsets(string bootstrap, KafkaSettings kafka, string applicationId, ILogger logger)
    {
        var probe = applicationId + "-eos-probe";
        var partition = new TopicPartition(TopicNames.Intents, 0);
        try
        {
            var consumerConfig = new ConsumerConfig { BootstrapServers = bootstrap, GroupId = probe, EnableAutoCommit = false };
            kafka.ApplySecurity(consumerConfig);
            using var consumer = new ConsumerBuilder<byte[], byte[]>(consumerConfig).SetLogHandler((_, _) => { }).Build();
            var producerConfig = new ProducerConfig { BootstrapServers = bootstrap, TransactionalId = probe, TransactionTimeoutMs = 10_000 };
            kafka.ApplySecurity(producerConfig);
            using (var producer = new ProducerBuilder<byte[], byte[]>(producerConfig).SetLogHandler((_, _) => { }).Build())
            {
                producer.InitTransactions(TimeSpan.FromSeconds(15));
                producer.BeginTransaction();
                producer.SendOffsetsToTransaction([new TopicPartitionOffset(partition, 0)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(15));
                producer.CommitTransaction(TimeSpan.FromSeconds(15));
            }
            var committed = consumer.Committed([partition], TimeSpan.FromSeconds(10));
            consumer.Close();
            return committed.Single().Offset == 0;
        }
        catch (KafkaException e)
        {
            logger.LogWarning("Could not probe the broker's transactions ({Reason}); assuming Kafka semantics", e.Error.Reason);
            return true;
        }
    }
}
