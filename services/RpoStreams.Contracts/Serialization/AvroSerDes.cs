using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// A Streamiz serde for a generated Avro type in the Confluent wire format (magic byte 0, 4-byte
/// big-endian schema id, Avro binary), wrapping Confluent's <see cref="AvroSerializer{T}"/> and
/// <see cref="AvroDeserializer{T}"/> over an injected <see cref="ISchemaRegistryClient"/>.
/// Subjects follow the topic name strategy (<c>{topic}-value</c>).
/// </summary>
public sealed class AvroSerDes<T> : AbstractSerDes<T> where T : class, ISpecificRecord
{
    private readonly AvroSerializer<T> serializer;
    private readonly AvroDeserializer<T> deserializer;

    public AvroSerDes(ISchemaRegistryClient registry, bool autoRegisterSchemas = false)
    {
        Registry = registry;
        serializer = new AvroSerializer<T>(registry, new AvroSerializerConfig
        {
            AutoRegisterSchemas = autoRegisterSchemas,
            UseLatestVersion = false,
            SubjectNameStrategy = SubjectNameStrategy.Topic,
        });
        deserializer = new AvroDeserializer<T>(registry, new AvroDeserializerConfig
        {
            SubjectNameStrategy = SubjectNameStrategy.Topic,
        });
    }

    /// <summary>The registry this serde resolves schema ids with.</summary>
    public ISchemaRegistryClient Registry { get; }

    /// <summary>The Avro full name of <typeparamref name="T"/>.</summary>
    public string FullName { get; } = Activator.CreateInstance<T>().Schema.Fullname;

    public override byte[] Serialize(T data, SerializationContext context) =>
        data is null ? null! : serializer.SerializeAsync(data, context).ConfigureAwait(false).GetAwaiter().GetResult();

    public override T Deserialize(byte[] data, SerializationContext context) =>
        data is null ? null! : deserializer.DeserializeAsync(data, false, context).ConfigureAwait(false).GetAwaiter().GetResult();
}
