using System.Buffers.Binary;
using System.Net;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;

namespace RpoStreams.Interop.Tests;

/// <summary>
/// Confluent's own .NET client (<see cref="CachedSchemaRegistryClient"/>, <see cref="AvroSerializer{T}"/>,
/// <see cref="AvroDeserializer{T}"/>) against the development endpoint, and the gate's serdes built as the
/// gate builds them for <c>SchemaRegistry:Url</c> (<see cref="SchemaRegistries.Create"/>): the same bytes and
/// ids as without a registry server.
/// </summary>
public sealed class ConfluentClientTests : IAsyncLifetime
{
    private static readonly SerializationContext IntentContext = new(MessageComponentType.Value, TopicNames.Intents);
    private RegistryUnderTest registry = null!;
    private CachedSchemaRegistryClient client = null!;

    public async ValueTask InitializeAsync()
    {
        registry = await RegistryUnderTest.StartAsync();
        client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await registry.DisposeAsync();
    }

    private static CallIntent Intent(string id) => new()
    {
        intentId = id,
        companyId = "ACME",
        callCenterId = "CC-1",
        campaignId = "SPRING",
        channel = Channel.PHONE,
        subject = "+393331234567",
        callerId = "+390212345678",
        purpose = Purpose.PROMOTIONAL,
        scheduledAt = new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc),
    };

    /// <summary>The gate's reader of intents, over <paramref name="schemas"/>, with its default record size limit.</summary>
    private static RecordDecoder<CallIntent> IntentDecoder(ISchemaRegistryClient schemas) => new(new RecordSerdes(schemas).CallIntent, new RpoStreams.Gate.Topology.IntakeSettings().MaxRecordBytes);

    [Fact]
    public async Task The_registry_client_reads_subjects_versions_schemas_and_the_level()
    {
        var intentId = TestSchemas.IdOf(TestSchemas.Project("CallIntent"));
        var intent = new Schema(TestSchemas.Project("CallIntent"), SchemaType.Avro);

        Assert.Contains(TopicNames.Intents + "-value", await client.GetAllSubjectsAsync());
        Assert.Equal([1], await client.GetSubjectVersionsAsync(TopicNames.Intents + "-value"));
        Assert.Equal(intentId, (await client.GetLatestSchemaAsync(TopicNames.Intents + "-value")).Id);
        Assert.Equal(intentId, (await client.GetRegisteredSchemaAsync(TopicNames.Intents + "-value", 1)).Id);
        Assert.Equal(intentId, (await client.LookupSchemaAsync(TopicNames.Intents + "-value", intent, ignoreDeletedSchemas: true)).Id);
        Assert.Equal(intentId, await client.RegisterSchemaAsync(TopicNames.Intents + "-value", intent));
        Assert.Equal(intentId, TestSchemas.IdOf((await client.GetSchemaAsync(intentId)).SchemaString));
        Assert.Equal(Compatibility.FullTransitive, await client.GetCompatibilityAsync());
        Assert.Equal(Compatibility.FullTransitive, await client.UpdateCompatibilityAsync(Compatibility.FullTransitive));
    }

    [Fact]
    public async Task The_registry_client_sees_compatibility_refusals_and_unknown_ids_as_Confluent_errors()
    {
        var required = new Schema(TestSchemas.WithField(TestSchemas.Project("CallIntent"), """{"name":"dialerRef","type":"string"}"""), SchemaType.Avro);

        Assert.True(await client.IsCompatibleAsync(TopicNames.Intents + "-value", new Schema(TestSchemas.CallIntentV2, SchemaType.Avro)));
        Assert.False(await client.IsCompatibleAsync(TopicNames.Intents + "-value", required));
        var conflict = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.RegisterSchemaAsync(TopicNames.Intents + "-value", required));
        Assert.Equal((HttpStatusCode.Conflict, 409), (conflict.Status, conflict.ErrorCode));
        // The gate's RecordDecoder dead-letters a record whose id the registry answers 404 to: this is that answer.
        var unknown = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetSchemaAsync(2147483633));
        Assert.Equal((HttpStatusCode.NotFound, 40403), (unknown.Status, unknown.ErrorCode));
        var level = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.UpdateCompatibilityAsync(Compatibility.Backward));
        Assert.Equal(42203, level.ErrorCode);
    }

    [Fact]
    public void A_schema_id_the_registry_does_not_know_makes_a_dead_letter_and_a_registry_out_of_reach_does_not()
    {
        // The Confluent wire format with an id no registry has, then an Avro body.
        byte[] bytes = [0, 0x7F, 0xFF, 0xFF, 0xF1, 2, (byte)'x'];
        using var reachable = SchemaRegistries.Create(new SchemaRegistrySettings { Url = registry.Url });
        // Nothing listens on the discard port of loopback: every request is refused.
        using var unreachable = SchemaRegistries.Create(new SchemaRegistrySettings { Url = "http://127.0.0.1:9" });

        var unknown = IntentDecoder(reachable).TryDecode(bytes, TopicNames.Intents, out var unknownError);
        var outOfReach = Record.Exception(() => IntentDecoder(unreachable).TryDecode(bytes, TopicNames.Intents, out _));

        Assert.Null(unknown);
        Assert.StartsWith("unknown schema id 2147483633", unknownError);
        // Not the record's fault: the error stops the task (which retries after a restart) instead of dead-lettering good input.
        Assert.NotNull(outOfReach);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Confluents_AvroSerializer_writes_the_bytes_the_gate_writes_and_AvroDeserializer_reads_them(bool autoRegister)
    {
        var serializer = new AvroSerializer<CallIntent>(client, new AvroSerializerConfig { AutoRegisterSchemas = autoRegister });
        var deserializer = new AvroDeserializer<CallIntent>(client);

        var bytes = await serializer.SerializeAsync(Intent("i-confluent"), IntentContext);
        var read = await deserializer.DeserializeAsync(bytes, isNull: false, IntentContext);

        Assert.Equal(RecordSerdes.Local().CallIntent.Serialize(Intent("i-confluent"), IntentContext), bytes);
        Assert.Equal(TestSchemas.IdOf(TestSchemas.Project("CallIntent")), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4)));
        Assert.Equal("i-confluent", read.intentId);
        Assert.Equal([1], await client.GetSubjectVersionsAsync(TopicNames.Intents + "-value"));
    }

    [Fact]
    public async Task The_gate_with_SchemaRegistry_Url_of_the_endpoint_writes_and_reads_as_without_a_registry_server()
    {
        using var remote = SchemaRegistries.Create(new SchemaRegistrySettings { Url = registry.Url });
        var gate = new RecordSerdes(remote, autoRegisterSchemas: true);
        var local = RecordSerdes.Local();
        var decision = new CallDecision
        {
            intentId = "i-1", outcome = Outcome.BLOCKED, reasons = [Reason.RPO_OPPOSITION], companyId = "ACME", callCenterId = "CC-1",
            channel = Channel.PHONE, purpose = Purpose.PROMOTIONAL, decisionTime = DateTime.UnixEpoch, decidedAt = DateTime.UnixEpoch, policyVersion = "it-2024.1",
        };
        var decisions = new SerializationContext(MessageComponentType.Value, TopicNames.Decisions);
        var internalTopic = new SerializationContext(MessageComponentType.Value, "rpo-gate-subject-events-repartition");

        var written = gate.CallDecision.Serialize(decision, decisions);
        var subjectEvent = gate.SubjectEvent.Serialize(new Records.Internal.SubjectEvent { kind = Records.Internal.SubjectEventKind.TICK, subjectRef = "ref-2", eventTime = DateTime.UnixEpoch }, internalTopic);

        Assert.IsType<CachedSchemaRegistryClient>(remote);
        Assert.Equal(local.CallDecision.Serialize(decision, decisions), written);
        Assert.Equal("i-1", gate.CallDecision.Deserialize(written, decisions).intentId);
        Assert.Equal("ref-2", local.SubjectEvent.Deserialize(subjectEvent, internalTopic).subjectRef);
        Assert.Contains("rpo-gate-subject-events-repartition-value", await client.GetAllSubjectsAsync());
    }

    [Fact]
    public async Task A_newer_writer_registered_through_the_endpoint_is_read_by_the_gate_on_either_registry()
    {
        // A dialer on CallIntent v2 (one optional field more) registers it with Confluent's serializer.
        var v2 = (Avro.RecordSchema)Avro.Schema.Parse(TestSchemas.CallIntentV2);
        var record = new GenericRecord(v2);
        foreach (var field in v2.Fields)
        {
            record.Add(field.Name, null);
        }
        record.Add("intentId", "i-v2");
        record.Add("companyId", "ACME");
        record.Add("callCenterId", "CC-1");
        record.Add("channel", new GenericEnum((Avro.EnumSchema)v2["channel"].Schema, "PHONE"));
        record.Add("subject", "+393331234567");
        record.Add("purpose", new GenericEnum((Avro.EnumSchema)v2["purpose"].Schema, "SERVICE"));
        record.Add("scheduledAt", new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc));
        record.Add("dialerRef", "D-77");
        var bytes = await new AvroSerializer<GenericRecord>(client, new AvroSerializerConfig { AutoRegisterSchemas = true }).SerializeAsync(record, IntentContext);

        using var remote = SchemaRegistries.Create(new SchemaRegistrySettings { Url = registry.Url });
        var overUrl = IntentDecoder(remote).TryDecode(bytes, TopicNames.Intents, out var urlError);
        // The embedded gate reads through the very registry behind its endpoint.
        var embedded = IntentDecoder(registry.Ids).TryDecode(bytes, TopicNames.Intents, out var embeddedError);

        Assert.Equal(TestSchemas.IdOf(TestSchemas.CallIntentV2), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4)));
        Assert.Equal([1, 2], await client.GetSubjectVersionsAsync(TopicNames.Intents + "-value"));
        Assert.Null(urlError);
        Assert.Null(embeddedError);
        Assert.Equal(("i-v2", Purpose.SERVICE), (overUrl!.intentId, overUrl.purpose));
        Assert.Equal("i-v2", embedded!.intentId);
    }
}
