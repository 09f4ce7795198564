using System.Buffers.Binary;
using System.Collections.Concurrent;
using Avro.Generic;
using Avro.IO;
using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using Streamiz.Kafka.Net.SerDes;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// A Streamiz serde for a generated Avro type in the Confluent wire format (magic byte 0, 4-byte
/// big-endian schema id, Avro binary), over an injected <see cref="ISchemaRegistryClient"/>. Subjects
/// follow the topic name strategy (<c>{topic}-value</c>).
/// <para>
/// The first value written to a topic goes through Confluent's <see cref="AvroSerializer{T}"/>, which
/// looks up (or registers) the schema under that topic's subject; the id it wrote is then reused, and the
/// rest are encoded directly with Avro's datum writer: the same bytes without the per-record task and lock.
/// Reading resolves each writer schema id once through the registry and keeps a datum reader per id.
/// </para>
/// <para>
/// A type with a hand-written codec (<see cref="HotPathCodecs"/>) is written with it, and read with it when
/// the writer schema's parsing form is the reader's own; any other writer schema is resolved by Avro.
/// </para>
/// </summary>
public sealed class AvroSerDes<T> : AbstractSerDes<T> where T : class, ISpecificRecord
{
    private readonly AvroSerializer<T> registering;
    private readonly SpecificDatumWriter<T> writer;
    private readonly ConcurrentDictionary<string, int> idsByTopic = new(StringComparer.Ordinal);
    /// <summary>Per writer schema id: Avro's resolving reader, or null when the codec reads it directly.</summary>
    private readonly ConcurrentDictionary<int, SpecificDatumReader<T>?> readers = new();
    /// <summary>Per writer schema id: a reader and a writer of that schema without its logical types, and its fields the gate does not read, for <see cref="Scrubbed"/>.</summary>
    private readonly ConcurrentDictionary<int, (GenericDatumReader<GenericRecord> Read, GenericDatumWriter<GenericRecord> Write, Avro.Field[] Unread)> rewriters = new();
    private readonly Avro.Schema readerSchema;
    private readonly string readerForm;
    private readonly IAvroCodec<T>? codec;

    [ThreadStatic]
    private static MemoryStream? buffer;

    [ThreadStatic]
    private static AvroWriter? direct;

    public AvroSerDes(ISchemaRegistryClient registry, bool autoRegisterSchemas = false, IAvroCodec<T>? codec = null)
    {
        this.codec = codec;
        Registry = registry;
        registering = new AvroSerializer<T>(registry, new AvroSerializerConfig
        {
            AutoRegisterSchemas = autoRegisterSchemas,
            UseLatestVersion = false,
            SubjectNameStrategy = SubjectNameStrategy.Topic,
        });
        readerSchema = Activator.CreateInstance<T>().Schema;
        readerForm = Avro.SchemaNormalization.ToParsingForm(readerSchema);
        writer = new SpecificDatumWriter<T>(readerSchema);
        FullName = readerSchema.Fullname;
    }

    /// <summary>The registry this serde resolves schema ids with.</summary>
    public ISchemaRegistryClient Registry { get; }

    /// <summary>The Avro full name of <typeparamref name="T"/>.</summary>
    public string FullName { get; }

    /// <summary>The schema this serde writes (and reads into).</summary>
    public Avro.Schema Schema => readerSchema;

    /// <summary>The topics this serde has written to so far (their subjects are <c>{topic}-value</c>).</summary>
    public IEnumerable<string> TopicsWritten => idsByTopic.Keys;

    public override byte[] Serialize(T data, SerializationContext context)
    {
        if (data is null)
        {
            return null!;
        }
        var topic = context.Topic ?? string.Empty;
        if (!idsByTopic.TryGetValue(topic, out var id))
        {
            var first = registering.SerializeAsync(data, context).ConfigureAwait(false).GetAwaiter().GetResult();
            idsByTopic[topic] = BinaryPrimitives.ReadInt32BigEndian(first.AsSpan(1, 4));
            return first;
        }
        // The wire format's header: magic byte 0, then the schema id.
        Span<byte> header = stackalloc byte[5];
        header[0] = 0;
        BinaryPrimitives.WriteInt32BigEndian(header[1..], id);
        if (codec is not null)
        {
            var w = direct ??= new AvroWriter();
            w.Reset();
            w.Raw(header);
            codec.Write(w, data);
            return w.ToArray();
        }
        var stream = buffer ??= new MemoryStream(256);
        stream.SetLength(0);
        stream.Write(header);
        writer.Write(data, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    public override T Deserialize(byte[] data, SerializationContext context)
    {
        if (data is null)
        {
            return null!;
        }
        if (data.Length < 5 || data[0] != 0)
        {
            throw new InvalidDataException($"not in the Confluent wire format (expected magic byte 0 and a schema id, got {data.Length} bytes)");
        }
        var id = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(1, 4));
        var reader = readers.GetOrAdd(id, ReaderFor);
        if (reader is null)
        {
            var r = new AvroReader(data.AsSpan(5));
            return codec!.Read(ref r);
        }
        AvroShape.Check(reader.WriterSchema, data.AsSpan(5));
        using var stream = new MemoryStream(data, 5, data.Length - 5, writable: false);
        return reader.Read(null!, new BinaryDecoder(stream));
    }

    /// <summary>
    /// <paramref name="data"/> (the wire format, already read by this serde) with its string field <paramref name="field"/>
    /// set to <paramref name="value"/> and every field the gate does not read (a newer producer schema's own) set to an
    /// empty value of its type, written in the writer's own schema under the same id: the registry is asked for nothing
    /// but that id's schema (already known after a read), and no subject is registered or looked up. Read without its
    /// logical types, so a value of a field the gate does not read is never converted (a timestamp past year 9999 was).
    /// </summary>
    public byte[] Scrubbed(byte[] data, string field, string value)
    {
        var id = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(1, 4));
        var (read, write, unread) = rewriters.GetOrAdd(id, RewriterFor);
        using var input = new MemoryStream(data, 5, data.Length - 5, writable: false);
        var record = read.Read(null!, new BinaryDecoder(input));
        record.Add(field, value);
        foreach (var other in unread)
        {
            record.Add(other.Name, Empty(other.Schema));
        }
        using var output = new MemoryStream(data.Length);
        output.Write(data.AsSpan(0, 5));
        write.Write(record, new BinaryEncoder(output));
        return output.ToArray();
    }

    private (GenericDatumReader<GenericRecord>, GenericDatumWriter<GenericRecord>, Avro.Field[]) RewriterFor(int id)
    {
        string text;
        try
        {
            text = SchemaLookup.Get(Registry, id).SchemaString;
        }
        catch (Exception e) when (SchemaLookup.IsUnknown(e))
        {
            // Read a moment ago, and gone since (deleted from the registry): the record's, a dead letter.
            throw new InvalidDataException($"schema id {id} is no longer in the registry");
        }
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        WithoutLogicalTypes(json);
        var schema = (Avro.RecordSchema)NotRecursive(Avro.Schema.Parse(json.ToJsonString()), id);
        var read = ((Avro.RecordSchema)readerSchema).Fields.SelectMany(f => (f.Aliases ?? []).Prepend(f.Name)).ToHashSet(StringComparer.Ordinal);
        return (new GenericDatumReader<GenericRecord>(schema, schema), new GenericDatumWriter<GenericRecord>(schema), [.. schema.Fields.Where(f => !read.Contains(f.Name))]);
    }

    /// <summary>Removes every <c>logicalType</c>: the same bytes, read as the plain types they annotate.</summary>
    private static void WithoutLogicalTypes(System.Text.Json.Nodes.JsonNode? node)
    {
        switch (node)
        {
            case System.Text.Json.Nodes.JsonObject o:
                o.Remove("logicalType");
                foreach (var (_, child) in o.ToList())
                {
                    WithoutLogicalTypes(child);
                }
                break;
            case System.Text.Json.Nodes.JsonArray a:
                foreach (var child in a)
                {
                    WithoutLogicalTypes(child);
                }
                break;
        }
    }

    /// <summary>An empty value of <paramref name="schema"/>: null where a union allows it, else nothing, zero or the first symbol.</summary>
    private static object? Empty(Avro.Schema schema) => schema switch
    {
        Avro.UnionSchema u => u.Schemas.Any(b => b.Tag == Avro.Schema.Type.Null) ? null : Empty(u.Schemas[0]),
        Avro.RecordSchema r => EmptyRecord(r),
        Avro.EnumSchema e => new GenericEnum(e, e.Symbols[0]),
        Avro.FixedSchema f => new GenericFixed(f),
        Avro.ArraySchema => Array.Empty<object>(),
        Avro.MapSchema => new Dictionary<string, object>(),
        _ => schema.Tag switch
        {
            Avro.Schema.Type.String => string.Empty,
            Avro.Schema.Type.Bytes => Array.Empty<byte>(),
            Avro.Schema.Type.Int => 0,
            Avro.Schema.Type.Long => 0L,
            Avro.Schema.Type.Float => 0f,
            Avro.Schema.Type.Double => 0d,
            Avro.Schema.Type.Boolean => false,
            _ => null,
        },
    };

    private static GenericRecord EmptyRecord(Avro.RecordSchema schema)
    {
        var record = new GenericRecord(schema);
        foreach (var f in schema.Fields)
        {
            record.Add(f.Name, Empty(f.Schema));
        }
        return record;
    }

    /// <summary>
    /// <paramref name="schema"/>, unless a type of it contains itself (a linked list, a tree): Apache.Avro 1.12 builds a
    /// resolving reader's skippers, and this class its empty values, without end for one, and a stack overflow ends the
    /// process, whose every restart would read the record again. Such a record is refused (a dead letter) instead.
    /// </summary>
    private static Avro.Schema NotRecursive(Avro.Schema schema, int id)
    {
        var path = new HashSet<Avro.Schema>(ReferenceEqualityComparer.Instance);
        var done = new HashSet<Avro.Schema>(ReferenceEqualityComparer.Instance);
        bool Recursive(Avro.Schema s)
        {
            if (done.Contains(s))
            {
                return false;
            }
            if (!path.Add(s))
            {
                return true;
            }
            var found = s switch
            {
                Avro.RecordSchema r => r.Fields.Any(f => Recursive(f.Schema)),
                Avro.UnionSchema u => u.Schemas.Any(Recursive),
                Avro.ArraySchema a => Recursive(a.ItemSchema),
                Avro.MapSchema m => Recursive(m.ValueSchema),
                _ => false,
            };
            path.Remove(s);
            done.Add(s);
            return found;
        }
        return Recursive(schema)
            ? throw new InvalidDataException($"schema id {id} has a type that contains itself, which the gate does not read")
            : schema;
    }

    private SpecificDatumReader<T>? ReaderFor(int id)
    {
        var schema = SchemaLookup.Get(Registry, id);
        var writerSchema = WriterNames.Aligned(NotRecursive(Avro.Schema.Parse(schema.SchemaString), id), readerSchema);
        var direct = codec is not null && Avro.SchemaNormalization.ToParsingForm(writerSchema) == readerForm;
        return direct ? null : new SpecificDatumReader<T>(writerSchema, readerSchema);
    }
}
