using System.Buffers.Binary;
using Avro.Specific;
using Confluent.Kafka;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// Reads one input value of type <typeparamref name="T"/> and, when it cannot, says exactly why in
/// words an integrator can act on, without echoing the content (it may hold a phone number).
/// </summary>
public sealed class RecordDecoder<T> where T : class, ISpecificRecord
{
    private readonly AvroSerDes<T> serdes;
    private readonly int maxValueBytes;

    /// <summary>Writer schema names by id, resolved once per id (parsing a schema per record would dominate).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> writerNames = new();

    public RecordDecoder(AvroSerDes<T> serdes, int maxValueBytes)
    {
        this.serdes = serdes;
        this.maxValueBytes = maxValueBytes;
    }

    /// <summary>Decodes <paramref name="value"/>; on failure returns null and the reason.</summary>
    public T? TryDecode(byte[]? value, string topic, out string? error)
    {
        error = Check(value);
        if (error != null)
        {
            return null;
        }
        try
        {
            var record = serdes.Deserialize(value!, new SerializationContext(MessageComponentType.Value, topic));
            if (record is null)
            {
                error = "value decoded to nothing";
            }
            return record;
        }
        catch (Exception e)
        {
            error = $"value is not a readable {serdes.FullName}: {LogSafe.Text(Innermost(e).Message)}";
            return null;
        }
    }

    private string? Check(byte[]? value)
    {
        if (value is null || value.Length == 0)
        {
            return value is null ? "value is null (a tombstone is not a valid input)" : "value is empty";
        }
        if (value.Length > maxValueBytes)
        {
            return $"value is {value.Length} bytes, over the limit of {maxValueBytes} (Intake:MaxRecordBytes)";
        }
        if (value[0] != 0)
        {
            return value[0] is (byte)'{' or (byte)'['
                ? "value looks like JSON; expected Avro in the Confluent wire format (magic byte 0, schema id, Avro binary)"
                : $"value does not start with the Confluent wire-format magic byte 0 (found 0x{value[0]:X2})";
        }
        if (value.Length < 5)
        {
            return $"value is {value.Length} bytes, too short for the Confluent wire format (5-byte header)";
        }
        var id = BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(1, 4));
        if (!writerNames.TryGetValue(id, out var writerName))
        {
            Confluent.SchemaRegistry.Schema schema;
            try
            {
                schema = SchemaLookup.Get(serdes.Registry, id);
            }
            catch (Exception e) when (SchemaLookup.IsUnknown(e))
            {
                return $"unknown schema id {id} ({LogSafe.Text(Innermost(e).Message)})";
            }
            // The registry answered: what it answered is the record's producer's, and a schema that is not one the gate
            // reads (Protobuf, JSON Schema, an Avro schema with references to other subjects) makes the record a dead letter.
            if (schema.SchemaType != Confluent.SchemaRegistry.SchemaType.Avro)
            {
                return $"schema id {id} is a {schema.SchemaType} schema; the gate reads Avro";
            }
            try
            {
                writerName = Avro.Schema.Parse(schema.SchemaString).Fullname;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return $"schema id {id} is not an Avro schema the gate can read ({LogSafe.Text(Innermost(e).Message)})";
            }
            writerNames[id] = writerName;
        }
        // By short name, as Avro's compatibility check: a producer's own namespace is read (WriterNames).
        if (!string.Equals(WriterNames.ShortName(writerName), WriterNames.ShortName(serdes.FullName), StringComparison.Ordinal))
        {
            return $"value is a {writerName} (schema id {id}), expected {serdes.FullName}";
        }
        return null;
    }

    private static Exception Innermost(Exception e) => SchemaLookup.Innermost(e);
}
