using System.Buffers.Binary;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Confluent.SchemaRegistry.Serdes;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;

namespace RpoStreams.Contracts.Tests;

public class WireFormatTests
{
    private static readonly SerializationContext IntentsContext = new(MessageComponentType.Value, TopicNames.Intents);

    private static CallIntent Intent() => new()
    {
        intentId = "i-1",
        companyId = "ACME",
        callCenterId = "CC-1",
        campaignId = "SPRING",
        channel = Channel.PHONE,
        subject = "+393331234567",
        callerId = "+390212345678",
        purpose = Purpose.PROMOTIONAL,
        scheduledAt = new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc),
    };

    [Fact]
    public void Values_are_in_the_confluent_wire_format_with_the_local_registry_id()
    {
        var serdes = RecordSerdes.Local();

        var bytes = serdes.CallIntent.Serialize(Intent(), IntentsContext);

        Assert.Equal(0, bytes[0]);
        var id = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4));
        Assert.Equal(LocalSchemaRegistry.IdOf(Avro.SchemaNormalization.ToParsingForm(CallIntent._SCHEMA)), id);
        var reader = new GenericDatumReader<GenericRecord>(CallIntent._SCHEMA, CallIntent._SCHEMA);
        var record = reader.Read(null!, new BinaryDecoder(new MemoryStream(bytes, 5, bytes.Length - 5)));
        Assert.Equal("+393331234567", record["subject"]);
    }

    [Fact]
    public void A_record_is_scrubbed_in_the_producers_own_schema_under_its_own_id()
    {
        // Given an intent written by a producer with a schema of its own: fields the gate does not read, one a timestamp
        // past any date (Java's Long.MAX_VALUE "never"), one a record
        var (serdes, producers, written) = Newer(
            [
                """{"name":"crmTag","type":["null","string"],"default":null}""",
                """{"name":"notes","type":"string","default":""}""",
                """{"name":"callBackBy","type":{"type":"long","logicalType":"timestamp-millis"},"default":0}""",
                """{"name":"lead","type":{"type":"record","name":"Lead","fields":[{"name":"phone","type":"string"},{"name":"kind","type":{"type":"enum","name":"LeadKind","symbols":["WARM","COLD"]}},{"name":"tags","type":{"type":"array","items":"string"}}]},"default":{"phone":"","kind":"WARM","tags":[]}}""",
            ],
            w =>
            {
                w.Index(1);
                w.Text("lead-7", "crmTag");
                w.Text("call back on +393331234567", "notes");
                w.Number(long.MaxValue);
                w.Text("+393331234567", "phone");
                w.Index(1);
                w.Array<string>(["vip"], "tags", (a, t) => a.Text(t, "tags"));
            });
        Assert.Equal("i-1", serdes.Deserialize(written, IntentsContext).intentId);

        // When its subject is blanked on its way to the subject's partition
        var rewritten = serdes.Scrubbed(written, "subject", string.Empty);

        // Then it keeps the producer's schema id and every field the gate reads, and the producer's own fields are empty
        Assert.Equal(written[..5], rewritten[..5]);
        var read = new GenericDatumReader<GenericRecord>(producers, producers).Read(null!, new BinaryDecoder(new MemoryStream(rewritten, 5, rewritten.Length - 5)));
        Assert.Equal(string.Empty, read["subject"]);
        Assert.Null(read["crmTag"]);
        Assert.Equal(string.Empty, read["notes"]);
        Assert.Equal(DateTime.UnixEpoch, read["callBackBy"]);
        var lead = (GenericRecord)read["lead"];
        Assert.Equal((string.Empty, "WARM", 0), ((string)lead["phone"], ((GenericEnum)lead["kind"]).Value, ((object[])lead["tags"]).Length));
        var intent = serdes.Deserialize(rewritten, IntentsContext);
        Assert.Equal(("i-1", "+390212345678", string.Empty, "SPRING"), (intent.intentId, intent.callerId, intent.subject, intent.campaignId));
    }

    [Theory]
    [InlineData("""["null",{"type":"record","name":"Link","fields":[{"name":"next","type":["null","Link"]}]}]""", "null")]
    [InlineData("""{"type":"record","name":"Tree","fields":[{"name":"kids","type":{"type":"array","items":["string","Tree"]}}]}""", """{"kids":[]}""")]
    public void A_newer_schema_with_a_type_that_contains_itself_is_a_dead_letter_not_a_stack_overflow(string type, string defaultValue)
    {
        // Given an intent whose producer's schema adds a field of a recursive type (Apache.Avro builds its skippers without end)
        var (serdes, _, written) = Newer([$$"""{"name":"chain","type":{{type}},"default":{{defaultValue}}}"""], w => w.Raw([0])); // the first branch, or an empty array

        // When it is read, or made ready for its subject's partition
        var value = new RecordDecoder<CallIntent>(serdes, 64 * 1024).TryDecode(written, TopicNames.Intents, out var error);

        // Then it is refused with a reason
        Assert.Null(value);
        Assert.Contains("contains itself", error, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => serdes.Scrubbed(written, "subject", string.Empty));
    }

    /// <summary>An intent as a producer on a newer CallIntent writes it: the gate's fields, then <paramref name="fields"/> written by <paramref name="extras"/>.</summary>
    private static (AvroSerDes<CallIntent> Serdes, Avro.RecordSchema Producers, byte[] Written) Newer(string[] fields, Action<AvroWriter> extras)
    {
        var registry = new LocalSchemaRegistry();
        var json = System.Text.Json.Nodes.JsonNode.Parse(CallIntent._SCHEMA.ToString())!;
        foreach (var field in fields)
        {
            json["fields"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse(field));
        }
        var id = registry.Add(json.ToJsonString());
        var serdes = new AvroSerDes<CallIntent>(registry);
        var gates = serdes.Serialize(Intent(), IntentsContext);
        var w = new AvroWriter();
        var header = gates[..5];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), id);
        w.Raw(header);
        w.Raw(gates.AsSpan(5));
        extras(w);
        return (serdes, (Avro.RecordSchema)Avro.Schema.Parse(json.ToJsonString()), w.ToArray());
    }

    [Fact]
    public void Every_process_gets_the_same_schema_ids_from_the_local_registry()
    {
        var a = RecordSerdes.Local().CallDecision.Serialize(new CallDecision { intentId = "i", reasons = [], companyId = "A", callCenterId = "C", policyVersion = "v" }, IntentsContext);
        var b = RecordSerdes.Local().CallDecision.Serialize(new CallDecision { intentId = "i", reasons = [], companyId = "A", callCenterId = "C", policyVersion = "v" }, IntentsContext);

        Assert.Equal(a[..5], b[..5]);
    }

    [Fact]
    public async Task Confluent_deserializer_over_the_local_registry_reads_what_the_serde_wrote()
    {
        var registry = new LocalSchemaRegistry();
        var bytes = new AvroSerDes<CallIntent>(registry).Serialize(Intent(), IntentsContext);

        var read = await new AvroDeserializer<CallIntent>(registry).DeserializeAsync(bytes, false, IntentsContext);

        Assert.Equal("i-1", read.intentId);
        Assert.Equal(Purpose.PROMOTIONAL, read.purpose);
    }

    [Fact]
    public void A_length_the_bytes_do_not_hold_is_refused_before_anything_that_long_is_allocated()
    {
        var serdes = RecordSerdes.Local();
        var context = new SerializationContext(MessageComponentType.Value, TopicNames.RegisterUpdates);
        var good = serdes.RegisterUpdate.Serialize(new RegisterUpdate { subject = "x", subjectType = SubjectType.PHONE, action = RegisterAction.REGISTERED, effectiveAt = DateTime.UtcNow }, context);
        var w = new AvroWriter();
        w.Raw(good.AsSpan(0, 5));
        w.Number(1_000_000_000); // 'subject' claims a billion bytes; three follow
        w.Raw([1, 2, 3]);
        var hostile = w.ToArray();
        var decoder = new RecordDecoder<RegisterUpdate>(serdes.RegisterUpdate, 64 * 1024);
        Assert.NotNull(decoder.TryDecode(good, TopicNames.RegisterUpdates, out _));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var value = decoder.TryDecode(hostile, TopicNames.RegisterUpdates, out var error);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(value);
        Assert.Contains("a length of 1000000000 with 3 bytes left", error, StringComparison.Ordinal);
        Assert.True(allocated < 1_000_000, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Unknown_schema_id_is_a_clear_error()
    {
        var serdes = RecordSerdes.Local();
        var bytes = serdes.CallIntent.Serialize(Intent(), IntentsContext);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1, 4), 424242);

        var decoded = new RecordDecoder<CallIntent>(serdes.CallIntent, 65536).TryDecode(bytes, TopicNames.Intents, out var error);

        Assert.Null(decoded);
        Assert.StartsWith("unknown schema id 424242", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_schema_embedded_for_the_local_registry_parses_and_has_a_distinct_id()
    {
        var ids = EmbeddedSchemas.All.Values
            .Select(text => LocalSchemaRegistry.IdOf(Avro.SchemaNormalization.ToParsingForm(Avro.Schema.Parse(text))))
            .ToList();

        Assert.True(ids.Count >= 12);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Shared_named_types_are_defined_the_same_in_every_schema()
    {
        var byName = new Dictionary<string, string>();
        var problems = new List<string>();
        foreach (var (file, text) in EmbeddedSchemas.All)
        {
            foreach (var named in NamedTypes(Avro.Schema.Parse(text)))
            {
                var canonical = Avro.SchemaNormalization.ToParsingForm(named);
                if (byName.TryGetValue(named.Fullname, out var seen) && seen != canonical)
                {
                    problems.Add($"{named.Fullname} in {file} differs from its other definitions");
                }
                byName[named.Fullname] = canonical;
            }
        }
        Assert.Empty(problems);
    }

    private static IEnumerable<Avro.NamedSchema> NamedTypes(Avro.Schema schema)
    {
        switch (schema)
        {
            case Avro.RecordSchema record:
                yield return record;
                foreach (var field in record.Fields)
                {
                    foreach (var inner in NamedTypes(field.Schema))
                    {
                        yield return inner;
                    }
                }
                break;
            case Avro.EnumSchema e:
                yield return e;
                break;
            case Avro.UnionSchema union:
                foreach (var inner in union.Schemas.SelectMany(NamedTypes))
                {
                    yield return inner;
                }
                break;
            case Avro.ArraySchema array:
                foreach (var inner in NamedTypes(array.ItemSchema))
                {
                    yield return inner;
                }
                break;
        }
    }
}

public class FastPathTests
{
    [Fact]
    public async Task Direct_encoding_after_the_first_record_gives_the_bytes_confluents_serializer_gives()
    {
        var registry = new LocalSchemaRegistry();
        var context = new Confluent.Kafka.SerializationContext(Confluent.Kafka.MessageComponentType.Value, TopicNames.Decisions);
        var serde = new AvroSerDes<CallDecision>(registry);
        var confluent = new Confluent.SchemaRegistry.Serdes.AvroSerializer<CallDecision>(registry, new Confluent.SchemaRegistry.Serdes.AvroSerializerConfig
        {
            AutoRegisterSchemas = false,
            SubjectNameStrategy = Confluent.SchemaRegistry.SubjectNameStrategy.Topic,
        });
        CallDecision Decision(int i) => new()
        {
            intentId = $"i-{i}",
            outcome = i % 2 == 0 ? Outcome.ALLOWED : Outcome.BLOCKED,
            reasons = i % 2 == 0 ? [] : [Reason.RPO_OPPOSITION, Reason.FREQUENCY_CAP],
            basis = i % 2 == 0 ? Basis.NOT_REGISTERED : null,
            companyId = "ACME",
            callCenterId = "CC-1",
            campaignId = i % 3 == 0 ? null : "SPRING",
            channel = Channel.PHONE,
            purpose = Purpose.MARKET_RESEARCH,
            subjectRef = "0123456789abcdef0123456789abcdef",
            decisionTime = new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc),
            decidedAt = new DateTime(2026, 3, 10, 9, 0, 0, 5, DateTimeKind.Utc),
            policyVersion = "it-2024.1",
            intentPartition = i,
            intentOffset = 1000L + i,
        };

        for (var i = 0; i < 5; i++)
        {
            var ours = serde.Serialize(Decision(i), context);
            var theirs = await confluent.SerializeAsync(Decision(i), context);
            Assert.Equal(theirs, ours);
            Assert.Equal(Decision(i).intentOffset, serde.Deserialize(ours, context).intentOffset);
        }
    }
}
