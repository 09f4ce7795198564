using Avro.Specific;
using Confluent.Kafka;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Policy.Subjects;
using RpoStreams.Records;

namespace RpoStreams.Simulation;

/// <summary>
/// Produces the gate's input records in Avro (Confluent wire format), as a dialer or a register feed would:
/// by default keyed by the normalized subject and partitioned with murmur2 (the input key contract,
/// docs/integration.md), so each record lands in its subject's partition; with <c>keyBySubject: false</c>
/// keyed as many producers do (the subject as written, the intentId, the attemptId), which costs the gate a hop.
/// </summary>
public sealed class TrafficProducer : IDisposable
{
    private readonly IProducer<string?, byte[]> producer;
    private readonly RecordSerdes serdes;
    private readonly bool keyBySubject;
    private long failures;

    public TrafficProducer(KafkaClientFactory clients, ProducerConfig config, RecordSerdes serdes, bool keyBySubject = true)
    {
        config.EnableIdempotence ??= true;
        config.LingerMs ??= 5;
        // The Java client's partitioner (librdkafka's default hashes keys with CRC32 instead).
        config.Partitioner ??= Partitioner.Murmur2Random;
        producer = clients.CreateProducer<string?, byte[]>(config);
        this.serdes = serdes;
        this.keyBySubject = keyBySubject;
    }

    /// <summary>A producer with no security settings whose librdkafka log goes nowhere (tests).</summary>
    public TrafficProducer(ProducerConfig config, RecordSerdes serdes, bool keyBySubject = true)
        : this(KafkaClientFactory.Unconfigured, config, serdes, keyBySubject)
    {
    }

    /// <summary>The key the input contract asks for: the normalized subject, or <paramref name="otherwise"/> when it cannot be normalized.</summary>
    public static string KeyOf(string? subject, SubjectType type, string otherwise) =>
        SubjectNormalizer.TryNormalize(subject, type, out var normalized) ? normalized.Value : otherwise;

    public long Failures => Interlocked.Read(ref failures);

    public void Consultation(RegisterConsultation value) => Send(TopicNames.RegisterConsultations, value.feedId ?? "default", value, serdes.RegisterConsultation);

    public void Register(RegisterUpdate value) =>
        Send(TopicNames.RegisterUpdates, keyBySubject ? KeyOf(value.subject, value.subjectType, value.subject) : value.subject, value, serdes.RegisterUpdate);

    public void Consent(ConsentEvent value) =>
        Send(TopicNames.Consents, keyBySubject ? KeyOf(value.subject, value.subjectType, value.subject) : value.subject, value, serdes.ConsentEvent);

    public void Intent(CallIntent value) =>
        Send(TopicNames.Intents, keyBySubject ? KeyOf(value.subject, SubjectNormalizer.TypeOf(value.channel), value.intentId) : value.intentId, value, serdes.CallIntent);

    public void Attempt(CallAttempt value) =>
        Send(TopicNames.Attempts, keyBySubject ? KeyOf(value.subject, SubjectType.PHONE, value.intentId ?? value.attemptId) : value.attemptId, value, serdes.CallAttempt);

    /// <summary>Sends raw bytes (hostile-input tests), with any headers.</summary>
    public void Raw(string topic, string? key, byte[] value, Headers? headers = null) =>
        Produce(topic, new Message<string?, byte[]> { Key = key, Value = value, Headers = headers });

    /// <summary>Waits for every record to be acknowledged; records still unsent after the timeout count as failures.</summary>
    public void Flush(TimeSpan timeout)
    {
        var unsent = producer.Flush(timeout);
        if (unsent > 0)
        {
            Interlocked.Add(ref failures, unsent);
        }
    }

    private void Send<T>(string topic, string key, T value, AvroSerDes<T> serde) where T : class, ISpecificRecord =>
        Produce(topic, new Message<string?, byte[]> { Key = key, Value = serde.Serialize(value, new SerializationContext(MessageComponentType.Value, topic)) });

    private void Produce(string topic, Message<string?, byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref failures);
                    }
                });
                return;
            }
            catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public void Dispose()
    {
        Flush(TimeSpan.FromSeconds(30));
        producer.Dispose();
    }
}
