using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;

namespace RpoStreams.Contracts.Tests;

/// <summary>
/// The public records evolve under FULL compatibility: a new field must be optional (a union with null,
/// default null), so a new writer is read by an old reader and an old writer by a new reader, in either
/// order of upgrade. CallIntent v2 (tests/.../Schemas/CallIntent.v2.avsc) adds such a field.
/// </summary>
public class SchemaEvolutionTests
{
    private static readonly Avro.Schema V1 = CallIntent._SCHEMA;
    private static readonly Avro.Schema V2 = Avro.Schema.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "CallIntent.v2.avsc")));
    private static readonly SerializationContext Context = new(MessageComponentType.Value, TopicNames.Intents);

    [Fact]
    public void CallIntent_v2_is_fully_compatible_with_v1()
    {
        Assert.True(V1.CanRead(V2), "a v1 reader (the current gate) must read v2 data");
        Assert.True(V2.CanRead(V1), "a v2 reader must read v1 data");
    }

    [Fact]
    public async Task Current_gate_reads_a_v2_intent()
    {
        var (registry, bytes) = await WriteV2Async(V2, "i-v2", "SERVICE");

        var intent = new RecordDecoder<CallIntent>(new AvroSerDes<CallIntent>(registry), 65536).TryDecode(bytes, TopicNames.Intents, out var error);

        Assert.Null(error);
        Assert.Equal("i-v2", intent!.intentId);
        Assert.Equal(Purpose.SERVICE, intent.purpose);
    }

    [Fact]
    public async Task A_producer_that_generated_the_schemas_in_a_namespace_of_its_own_is_read()
    {
        // Given CallIntent v2 in a dialer's namespace (Avro's compatibility check, a registry's, matches short names)
        var theirs = Avro.Schema.Parse(V2.ToString().Replace("\"RpoStreams.Records\"", "\"com.dialer.avro\"", StringComparison.Ordinal));
        Assert.Equal("com.dialer.avro.CallIntent", theirs.Fullname);
        var (registry, bytes) = await WriteV2Async(theirs, "i-ns", "MARKET_RESEARCH");

        // When the gate reads it (it was a dead letter: "value is a com.dialer.avro.CallIntent, expected RpoStreams.Records.CallIntent")
        var intent = new RecordDecoder<CallIntent>(new AvroSerDes<CallIntent>(registry), 65536).TryDecode(bytes, TopicNames.Intents, out var error);

        // Then it is the intent, enums included
        Assert.Null(error);
        Assert.Equal("i-ns", intent!.intentId);
        Assert.Equal(Channel.PHONE, intent.channel);
        Assert.Equal(Purpose.MARKET_RESEARCH, intent.purpose);
    }

    /// <summary>A v2 intent (<paramref name="schema"/>: CallIntent.v2 or a copy of it) in the wire format, and a local registry that knows its schema.</summary>
    private static async Task<(LocalSchemaRegistry Registry, byte[] Bytes)> WriteV2Async(Avro.Schema schema, string intentId, string purpose)
    {
        var registry = new LocalSchemaRegistry([.. EmbeddedSchemas.All.Values, schema.ToString()]);
        var record = new GenericRecord((Avro.RecordSchema)schema);
        record.Add("intentId", intentId);
        record.Add("companyId", "ACME");
        record.Add("callCenterId", "CC-1");
        record.Add("campaignId", null);
        record.Add("channel", new GenericEnum((Avro.EnumSchema)((Avro.RecordSchema)schema)["channel"].Schema, "PHONE"));
        record.Add("subject", "+393331234567");
        record.Add("callerId", "+390212345678");
        record.Add("purpose", new GenericEnum((Avro.EnumSchema)((Avro.RecordSchema)schema)["purpose"].Schema, purpose));
        record.Add("scheduledAt", new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc));
        record.Add("dialerRef", "D-77");
        var bytes = await new AvroSerializer<GenericRecord>(registry, new AvroSerializerConfig { AutoRegisterSchemas = true, SubjectNameStrategy = SubjectNameStrategy.Topic })
            .SerializeAsync(record, Context);
        return (registry, bytes);
    }

    [Fact]
    public void A_writer_schema_takes_the_readers_names_and_keeps_its_own_types_fully_named()
    {
        var writer = Avro.Schema.Parse("""
            {"type":"record","name":"CallIntent","namespace":"com.dialer","fields":[
              {"name":"channel","type":{"type":"enum","name":"Channel","symbols":["PHONE","POSTAL_MAIL"]}},
              {"name":"extra","type":["null",{"type":"record","name":"Extra","fields":[{"name":"again","type":["null","Channel"]}]}],"default":null},
              {"name":"more","type":{"type":"array","items":"com.dialer.Extra"}}]}
            """);

        var aligned = WriterNames.Aligned(writer, CallIntent._SCHEMA);

        var record = (Avro.RecordSchema)aligned;
        Assert.Equal("RpoStreams.Records.CallIntent", record.Fullname);
        Assert.Equal("RpoStreams.Records.Channel", ((Avro.NamedSchema)record["channel"].Schema).Fullname);
        var extra = (Avro.RecordSchema)((Avro.UnionSchema)record["extra"].Schema).Schemas[1];
        Assert.Equal("com.dialer.Extra", extra.Fullname);
        Assert.Equal("RpoStreams.Records.Channel", ((Avro.NamedSchema)((Avro.UnionSchema)extra["again"].Schema).Schemas[1]).Fullname);
        Assert.Equal("com.dialer.Extra", ((Avro.NamedSchema)((Avro.ArraySchema)record["more"].Schema).ItemSchema).Fullname);
    }

    [Fact]
    public void A_writer_type_that_only_shares_a_short_name_with_one_of_ours_keeps_its_name()
    {
        // Given the gate's own CallIntent with an optional field whose record type is a producer's com.vendor.Channel
        var json = System.Text.Json.Nodes.JsonNode.Parse(CallIntent._SCHEMA.ToString())!;
        json["fields"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse("""
            {"name":"vendor","type":["null",{"type":"record","name":"Channel","namespace":"com.vendor","fields":[{"name":"id","type":"string"}]}],"default":null}
            """));
        var writer = Avro.Schema.Parse(json.ToJsonString());

        // When it is aligned with the gate's (renaming com.vendor.Channel would make two RpoStreams.Records.Channel)
        var aligned = (Avro.RecordSchema)WriterNames.Aligned(writer, CallIntent._SCHEMA);

        // Then nothing is renamed, and Avro reads the gate's fields from it
        Assert.Equal("com.vendor.Channel", ((Avro.NamedSchema)((Avro.UnionSchema)aligned["vendor"].Schema).Schemas[1]).Fullname);
        Assert.Equal("RpoStreams.Records.Channel", ((Avro.NamedSchema)aligned["channel"].Schema).Fullname);
        Assert.True(CallIntent._SCHEMA.CanRead(aligned));

        // And in a dialer's namespace, its enum Channel takes our name beside its own record Channel
        var theirs = Avro.Schema.Parse(json.ToJsonString().Replace("\"RpoStreams.Records\"", "\"com.dialer\"", StringComparison.Ordinal));
        var renamed = (Avro.RecordSchema)WriterNames.Aligned(theirs, CallIntent._SCHEMA);
        Assert.Equal("RpoStreams.Records.Channel", ((Avro.NamedSchema)renamed["channel"].Schema).Fullname);
        Assert.Equal("com.vendor.Channel", ((Avro.NamedSchema)((Avro.UnionSchema)renamed["vendor"].Schema).Schemas[1]).Fullname);
        Assert.True(CallIntent._SCHEMA.CanRead(renamed));
    }

    [Fact]
    public void A_v2_reader_reads_a_v1_intent_with_the_new_field_null()
    {
        var bytes = RecordSerdes.Local().CallIntent.Serialize(new CallIntent
        {
            intentId = "i-v1",
            companyId = "ACME",
            callCenterId = "CC-1",
            channel = Channel.PHONE,
            subject = "+393331234567",
            scheduledAt = new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc),
        }, Context);

        var reader = new GenericDatumReader<GenericRecord>(V1, V2);
        var record = reader.Read(null!, new BinaryDecoder(new MemoryStream(bytes, 5, bytes.Length - 5)));

        Assert.Equal("i-v1", record["intentId"]);
        Assert.Null(record["dialerRef"]);
    }

    [Fact]
    public async Task The_local_registry_states_full_transitive_compatibility()
    {
        var level = await new LocalSchemaRegistry().GetCompatibilityAsync();

        Assert.Equal(Compatibility.FullTransitive, level);
    }
}
