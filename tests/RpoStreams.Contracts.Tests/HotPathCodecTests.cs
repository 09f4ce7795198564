using Avro.Generic;
using Avro.IO;
using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;
using RpoStreams.Records.Internal;
using RpoStreams.Tests.Shared;

namespace RpoStreams.Contracts.Tests;

/// <summary>
/// The hand-written codecs of the hot path must be Avro: the same bytes as Apache.Avro's datum writer for
/// random records (nulls, empty and long arrays, non-ASCII text, times before 1970 and with sub-millisecond
/// ticks), and a read that Avro's writer turns back into the same bytes. A schema change without its codec
/// fails here.
/// </summary>
public class HotPathCodecTests
{
    private const int Rounds = 400;

    [Fact]
    public void CallIntent_codec_is_byte_for_byte_Avro() => Same(HotPathCodecs.CallIntent, RandomRecords.Intent);

    [Fact]
    public void CallDecision_codec_is_byte_for_byte_Avro() => Same(HotPathCodecs.CallDecision, RandomRecords.Decision);

    [Fact]
    public void SubjectState_codec_is_byte_for_byte_Avro() => Same(HotPathCodecs.SubjectState, RandomRecords.State);

    [Fact]
    public void CampaignCount_codec_is_byte_for_byte_Avro() => Same(HotPathCodecs.CampaignCount, RandomRecords.Count);

    [Fact]
    public void The_serde_writes_the_wire_format_with_the_codec_and_reads_it_back()
    {
        var registry = new LocalSchemaRegistry();
        var withCodec = new RecordSerdes(registry).CallDecision;
        var plain = new AvroSerDes<CallDecision>(registry);
        var ctx = new SerializationContext(MessageComponentType.Value, TopicNames.Decisions);
        var random = new Random(7);
        // The first value of a topic goes through Confluent's serializer (it looks the schema id up); then the codec.
        for (var i = 0; i < 3; i++)
        {
            var decision = RandomRecords.Decision(random);
            var bytes = withCodec.Serialize(decision, ctx);
            Assert.Equal(plain.Serialize(decision, ctx), bytes);
            Assert.Equal(bytes, plain.Serialize(withCodec.Deserialize(bytes, ctx), ctx));
        }
    }

    [Fact]
    public async Task Another_writer_schema_is_resolved_by_Avro_not_read_by_the_codec()
    {
        // The same fields in another order: compatible (Avro matches fields by name), but read by the codec's
        // fixed order it would swap the company and the call centre.
        var json = System.Text.Json.Nodes.JsonNode.Parse(CallIntent._SCHEMA.ToString())!;
        var fields = json["fields"]!.AsArray();
        var company = fields[1]!;
        fields.RemoveAt(1);
        fields.Insert(2, company);
        var reordered = Avro.Schema.Parse(json.ToJsonString());
        var registry = new LocalSchemaRegistry([.. EmbeddedSchemas.All.Values, reordered.ToString()]);
        var record = new GenericRecord((Avro.RecordSchema)reordered);
        record.Add("intentId", "i-2");
        record.Add("companyId", "ACME");
        record.Add("callCenterId", "CC-1");
        record.Add("campaignId", null);
        record.Add("channel", new GenericEnum((Avro.EnumSchema)((Avro.RecordSchema)reordered)["channel"].Schema, "PHONE"));
        record.Add("subject", "+393331234567");
        record.Add("callerId", null);
        record.Add("purpose", new GenericEnum((Avro.EnumSchema)((Avro.RecordSchema)reordered)["purpose"].Schema, "MARKET_RESEARCH"));
        record.Add("scheduledAt", new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc));
        var ctx = new SerializationContext(MessageComponentType.Value, TopicNames.Intents);
        var bytes = await new AvroSerializer<GenericRecord>(registry, new AvroSerializerConfig { AutoRegisterSchemas = true, SubjectNameStrategy = SubjectNameStrategy.Topic })
            .SerializeAsync(record, ctx);

        var intent = new RecordSerdes(registry).CallIntent.Deserialize(bytes, ctx);

        Assert.Equal(("ACME", "CC-1", Purpose.MARKET_RESEARCH), (intent.companyId, intent.callCenterId, intent.purpose));
    }

    [Fact]
    public void Arrays_in_several_blocks_and_with_byte_sizes_are_read()
    {
        var decision = RandomRecords.Decision(new Random(3));
        decision.intentId = "i-1";
        decision.reasons = [Reason.RPO_OPPOSITION, Reason.FREQUENCY_CAP, Reason.OUTSIDE_CALLING_HOURS];
        var oneBlock = AvroBytes(decision);
        // intentId (1 length byte + text), outcome (1 byte), then the reasons: count 3, three symbols, end.
        var at = 1 + decision.intentId.Length + 1;
        Assert.Equal(new byte[] { 6, 2 * (byte)Reason.RPO_OPPOSITION, 2 * (byte)Reason.FREQUENCY_CAP, 2 * (byte)Reason.OUTSIDE_CALLING_HOURS, 0 }, oneBlock[at..(at + 5)]);
        // The same items as a block of 1 and a block of -2 with its byte size (2 bytes): zig-zag 1 = 2, -2 = 3, 2 = 4.
        byte[] blocks = [.. oneBlock[..at], 2, oneBlock[at + 1], 3, 4, oneBlock[at + 2], oneBlock[at + 3], 0, .. oneBlock[(at + 5)..]];

        var reader = new AvroReader(blocks);
        var read = HotPathCodecs.CallDecision.Read(ref reader);

        Assert.Equal(decision.reasons, read.reasons);
        Assert.Equal(oneBlock, AvroBytes(read));
    }

    [Fact]
    public void Truncated_or_lying_input_is_an_Avro_error_and_allocates_nothing_it_claims()
    {
        var bytes = AvroBytes(RandomRecords.State(new Random(11)));
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var slice = bytes[..cut];
            Assert.ThrowsAny<Avro.AvroException>(() =>
            {
                var r = new AvroReader(slice);
                return HotPathCodecs.SubjectState.Read(ref r);
            });
        }
        // A string length of 2^40 and an array of 2^40 items, in a few bytes.
        byte[] hugeText = [0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
        Assert.Throws<Avro.AvroException>(() =>
        {
            var r = new AvroReader(hugeText);
            return HotPathCodecs.CallIntent.Read(ref r);
        });
        byte[] hugeArray = [2, 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
        Assert.Throws<Avro.AvroException>(() =>
        {
            var r = new AvroReader(hugeArray);
            return HotPathCodecs.SubjectState.Read(ref r);
        });
    }

    [Fact]
    public void A_missing_required_field_fails_as_Avro_fails()
    {
        var intent = RandomRecords.Intent(new Random(5));
        intent.companyId = null!;
        Assert.ThrowsAny<Exception>(() => AvroBytes(intent));
        Assert.Throws<Avro.AvroException>(() => HotPathCodecs.CallIntent.Write(new AvroWriter(), intent));
    }

    private static void Same<T>(IAvroCodec<T> codec, Func<Random, T> make) where T : ISpecificRecord
    {
        var random = new Random(20261202);
        var writer = new AvroWriter();
        for (var i = 0; i < Rounds; i++)
        {
            var value = make(random);
            var expected = AvroBytes(value);

            writer.Reset();
            codec.Write(writer, value);
            Assert.Equal(expected, writer.ToArray());

            var reader = new AvroReader(expected);
            var read = codec.Read(ref reader);
            Assert.Equal(expected, AvroBytes(read));
            Assert.Equal(expected, AvroBytes(AvroRead<T>(expected)));
        }
    }

    private static byte[] AvroBytes<T>(T value) where T : ISpecificRecord
    {
        using var stream = new MemoryStream();
        new SpecificDatumWriter<T>(value.Schema).Write(value, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static T AvroRead<T>(byte[] bytes) where T : ISpecificRecord
    {
        var schema = Activator.CreateInstance<T>().Schema;
        return new SpecificDatumReader<T>(schema, schema).Read(default!, new BinaryDecoder(new MemoryStream(bytes)));
    }
}
