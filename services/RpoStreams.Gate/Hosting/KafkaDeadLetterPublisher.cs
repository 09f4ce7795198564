using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Gate.Topology;
using RpoStreams.Records;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Publishes the dead letters of the global consultation store, which cannot forward to a sink. An
/// idempotent producer outside the stream's transactions: at least once (a restore from scratch may
/// publish an old dead letter again).
/// </summary>
public sealed class KafkaDeadLetterPublisher : IDeadLetterPublisher, IDisposable
{
    private readonly IProducer<byte[]?, byte[]> producer;
    private readonly AvroSerDes<DeadLetter> serdes;
    private readonly ILogger logger;

    public KafkaDeadLetterPublisher(KafkaClientFactory clients, ProducerConfig config, RecordSerdes recordSerdes, ILogger logger)
    {
        config.EnableIdempotence = true;
        producer = clients.CreateProducer<byte[]?, byte[]>(config);
        serdes = recordSerdes.DeadLetter;
        this.logger = logger;
    }

    public void Publish(byte[]? key, DeadLetter deadLetter)
    {
        var value = serdes.Serialize(deadLetter, new SerializationContext(MessageComponentType.Value, TopicNames.DeadLetters));
        producer.Produce(TopicNames.DeadLetters, new Message<byte[]?, byte[]> { Key = key, Value = value }, report =>
        {
            if (report.Error.IsError)
            {
                logger.LogError("Could not publish a dead letter of {Topic}: {Reason}", deadLetter.topic, report.Error.Reason);
            }
        });
        logger.LogWarning("Dead letter from {Topic} partition {Partition} offset {Offset}: {Error}", deadLetter.topic, deadLetter.partition, deadLetter.offset, deadLetter.error);
    }

    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(5));
        producer.Dispose();
    }
}
