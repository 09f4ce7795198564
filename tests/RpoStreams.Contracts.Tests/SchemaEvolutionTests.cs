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
        var registry = new LocalSchemaRegistry([.. EmbeddedSchemas.All.Values, V2.ToString()]);
        var v2 = new GenericRecord((Avro.RecordSchema)V2);
        v2.Add("intentId", "i-v2");
        v2.Add("companyId", "ACME");
        v2.Add("callCenterId", "CC-1");
        v2.Add("campaignId", null);
        v2.Add("channel", new GenericEnum((Avro.EnumSchema)((Avro.RecordSchema)V2)["channel"].Schema, "PHONE"));
        v2.Add("subject", "+393331234567");
        v2.Add("callerId", "+390212345678");
        v2.Add("purpose", new GenericEnum((Avro.EnumSchema)((Avro.RecordSchema)V2)["purpose"].Schema, "SERVICE"));
        v2.Add("scheduledAt", new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc));
        v2.Add("dialerRef", "D-77");
        var bytes = await new AvroSerializer<GenericRecord>(registry, new AvroSerializerConfig { AutoRegisterSchemas = true, SubjectNameStrategy = SubjectNameStrategy.Topic })
            .SerializeAsync(v2, Context);

        var intent = new RecordDecoder<CallIntent>(new AvroSerDes<CallIntent>(registry), 65536).TryDecode(bytes, TopicNames.Intents, out var error);

        Assert.Null(error);
        Assert.Equal("i-v2", intent!.intentId);
        Assert.Equal(Purpose.SERVICE, intent.purpose);
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
