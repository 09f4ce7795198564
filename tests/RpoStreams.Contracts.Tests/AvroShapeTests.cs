using Avro;
using Avro.Generic;
using Avro.IO;
using RpoStreams.Contracts.Serialization;

namespace RpoStreams.Contracts.Tests;

public class AvroShapeTests(ITestOutputHelper output)
{
    private static object? RandomValue(Schema s, Random rng, int depth)
    {
        switch (s)
        {
            case LogicalSchema l when l.LogicalTypeName is "timestamp-millis":
                return DateTime.UnixEpoch.AddMilliseconds(rng.NextInt64(-62_135_596_800_000L / 2, 253_402_300_799_000L / 2));
            case LogicalSchema l:
                return RandomValue(l.BaseSchema, rng, depth);
            case RecordSchema r:
                var rec = new GenericRecord(r);
                foreach (var f in r.Fields) rec.Add(f.Name, RandomValue(f.Schema, rng, depth + 1));
                return rec;
            case UnionSchema u:
                var branch = u.Schemas[rng.Next(u.Count)];
                return RandomValue(branch, rng, depth + 1);
            case ArraySchema a:
                var n = depth > 6 ? 0 : rng.Next(0, rng.Next(2) == 0 ? 3 : 20);
                var arr = new object?[n];
                for (var i = 0; i < n; i++) arr[i] = RandomValue(a.ItemSchema, rng, depth + 1);
                return arr;
            case MapSchema m:
                var d = new Dictionary<string, object?>();
                for (var i = 0; i < rng.Next(5); i++) d["k" + i] = RandomValue(m.ValueSchema, rng, depth + 1);
                return d;
            case EnumSchema e:
                return new GenericEnum(e, e.Symbols[rng.Next(e.Count)]);
            case FixedSchema f:
                var fb = new byte[f.Size]; rng.NextBytes(fb); return new GenericFixed(f, fb);
        }
        return s.Tag switch
        {
            Schema.Type.Null => null,
            Schema.Type.Boolean => rng.Next(2) == 1,
            Schema.Type.Int => rng.Next(int.MinValue, int.MaxValue),
            Schema.Type.Long => rng.NextInt64(long.MinValue, long.MaxValue),
            Schema.Type.Float => (float)rng.NextDouble(),
            Schema.Type.Double => rng.NextDouble(),
            Schema.Type.String => new string('é', rng.Next(0, rng.Next(2) == 0 ? 5 : 300)),
            Schema.Type.Bytes => new byte[rng.Next(0, 300)],
            _ => throw new NotSupportedException(s.Tag.ToString()),
        };
    }

    private static byte[] Write(Schema s, object? v)
    {
        var ms = new MemoryStream();
        new GenericDatumWriter<object?>(s).Write(v, new BinaryEncoder(ms));
        return ms.ToArray();
    }

    /// <summary>
    /// Blocks of null items (no bytes each), each claiming no more items than the bytes after it: every block passes on
    /// its own, but together they claim 90,000 items in 2 KB (a 64 KB value claimed hundreds of millions, and held a
    /// stream thread for minutes). Refused at once.
    /// </summary>
    [Fact]
    public void Blocks_of_null_items_claiming_more_items_in_all_than_bytes_are_refused()
    {
        var schema = Schema.Parse("""{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"null"}}]}""");
        var data = new List<byte>();
        for (var i = 0; i < 900; i++)
        {
            data.AddRange([0xC8, 0x01]); // 100 items (zig-zag 200)
        }
        data.Add(0);
        data.AddRange(new byte[200]);

        var refused = Assert.Throws<AvroException>(() => AvroShape.Check(schema, data.ToArray()));
        Assert.Contains("more items in all", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_schema_random_records_pass()
    {
        var rng = new Random(42);
        var failures = 0; var total = 0;
        foreach (var (name, text) in EmbeddedSchemas.All)
        {
            var schema = Schema.Parse(text);
            for (var i = 0; i < 1500; i++)
            {
                var bytes = Write(schema, RandomValue(schema, rng, 0));
                total++;
                try { AvroShape.Check(schema, bytes); }
                catch (AvroException ex) { if (failures++ < 5) output.WriteLine($"{name}: {ex.Message}"); }
            }
        }
        output.WriteLine($"{total} records, {failures} refused");
        Assert.Equal(0, failures);
    }

    private const string Synthetic = """
    {"type":"record","name":"S","fields":[
      {"name":"m","type":{"type":"map","values":["null","double",{"type":"fixed","name":"F","size":3}]}},
      {"name":"f","type":"float"},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
      {"name":"b","type":"boolean"},
      {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
      {"name":"a","type":{"type":"array","items":{"type":"array","items":"int"}}}
    ]}
    """;

    [Fact]
    public void Synthetic_schema_with_every_kind_passes()
    {
        var schema = Schema.Parse(Synthetic);
        var rng = new Random(1);
        for (var i = 0; i < 2000; i++)
        {
            var rec = new GenericRecord((RecordSchema)schema);
            var map = new Dictionary<string, object?>();
            for (var k = 0; k < rng.Next(4); k++)
                map["k" + k] = (k % 3) switch { 0 => null, 1 => rng.NextDouble(), _ => new GenericFixed((FixedSchema)((UnionSchema)((MapSchema)((RecordSchema)schema).Fields[0].Schema).ValueSchema).Schemas[2], [1, 2, 3]) };
            rec.Add("m", map); rec.Add("f", 1.5f); rec.Add("e", new GenericEnum((EnumSchema)((RecordSchema)schema).Fields[2].Schema, "C"));
            rec.Add("b", true); rec.Add("d", new AvroDecimal(12345, 2));
            rec.Add("a", Enumerable.Range(0, rng.Next(4)).Select(_ => (object)Enumerable.Range(0, rng.Next(4)).Select(x => (object)x).ToArray()).ToArray());
            AvroShape.Check(schema, Write(schema, rec));
        }
    }

    private static Schema RecordWith(Schema s) => Schema.Parse(string.Empty + "{\"type\":\"record\",\"name\":\"W\",\"fields\":[{\"name\":\"x\",\"type\":" + s + "}]}");

    [Fact]
    public void Negative_block_counts_pass_and_decode()
    {
        var schema = Schema.Parse("""{"type":"array","items":"long"}""");
        var w = new AvroWriter();
        w.Number(-2); w.Number(2); w.Number(1); w.Number(2);   // block of 2 items, 2 bytes
        w.Number(-1); w.Number(1); w.Number(3);                // block of 1 item, 1 byte
        w.Number(0);
        var bytes = w.ToArray();
        AvroShape.Check(schema, bytes);
        var read = new GenericDatumReader<object>(schema, schema).Read(null!, new BinaryDecoder(new MemoryStream(bytes)));
        Assert.Equal(3, ((object[])read).Length);
    }

    [Fact]
    public void Avro_itself_accepts_the_random_bytes_it_wrote_through_the_serde()
    {
        // Sanity: the named type reference (RegisterStep.status -> "RpoStreams.Records.RegisterAction") resolves to an EnumSchema.
        var schema = (RecordSchema)Schema.Parse(EmbeddedSchemas.All.First(kv => kv.Key.EndsWith("SubjectState.avsc")).Value);
        var reg = (RecordSchema)((UnionSchema)schema.Fields[0].Schema).Schemas[1];
        var step = (RecordSchema)((ArraySchema)reg.Fields[3].Schema).ItemSchema;
        output.WriteLine(step.Fields[0].Schema.GetType().Name);
        Assert.IsAssignableFrom<EnumSchema>(step.Fields[0].Schema);
    }
}
