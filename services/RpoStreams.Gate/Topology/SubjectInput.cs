using Avro.Specific;
using Confluent.Kafka;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Gate.Topology;

/// <summary>
/// What intake yields for one input record: a dead letter, or an event about a subject with its decoded
/// record. An event read in its subject's partition is handled at once (<see cref="Here"/>); any other goes
/// to that partition through the subject-events topic, which carries only <see cref="Event"/>.
/// </summary>
public sealed class SubjectInput
{
    public required SubjectEvent Event { get; init; }

    /// <summary>The record decoded at intake; null after the subject-events hop (decoded again from the payload).</summary>
    public ISpecificRecord? Record { get; init; }

    /// <summary>True when the record was read in its subject's partition.</summary>
    public bool Here { get; init; }

    public DeadLetter? DeadLetter { get; init; }

    public static SubjectInput Dead(DeadLetter letter) => new() { Event = NoEvent, DeadLetter = letter };

    private static readonly SubjectEvent NoEvent = new();
}

/// <summary>Writes and reads <see cref="SubjectInput.Event"/> on the subject-events topic.</summary>
public sealed class SubjectInputSerDes(AvroSerDes<SubjectEvent> events) : ISerDes<SubjectInput>
{
    public SubjectInput Deserialize(byte[] data, SerializationContext context) => new() { Event = events.Deserialize(data, context) };

    public byte[] Serialize(SubjectInput data, SerializationContext context) => events.Serialize(data.Event, context);

    public object DeserializeObject(byte[] data, SerializationContext context) => Deserialize(data, context);

    public byte[] SerializeObject(object data, SerializationContext context) => Serialize((SubjectInput)data, context);

    public void Initialize(SerDesContext context) => events.Initialize(context);
}
