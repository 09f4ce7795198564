using Avro;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// Checks that Avro binary data has the shape of its writer's schema, every length and count within the bytes there
/// are, before Apache.Avro decodes it: Avro's reader allocates a string or bytes value of whatever length the data
/// claims, so 13 bytes claiming a billion-byte subject cost a gigabyte before failing. The hand-written codecs
/// (<see cref="HotPathCodecs"/>) check as they read. Like them it takes every array or map item to need at least one
/// byte, in each block and in all blocks together, so arrays of <c>null</c> items longer than the value's bytes are
/// refused: no schema of the gate has one.
/// </summary>
public static class AvroShape
{
    /// <summary>Deeper than this is refused: no schema of the gate's inputs nests past a few levels.</summary>
    private const int MaxDepth = 32;

    /// <summary>Throws <see cref="AvroException"/> unless <paramref name="data"/> starts with a value of <paramref name="schema"/> (bytes after it are left alone, as Avro's reader leaves them).</summary>
    public static void Check(Schema schema, ReadOnlySpan<byte> data)
    {
        var reader = new AvroReader(data);
        Walk(schema, ref reader, 0);
    }

    private static void Walk(Schema schema, ref AvroReader r, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AvroException($"a value nested more than {MaxDepth} deep");
        }
        switch (schema)
        {
            case LogicalSchema logical:
                Walk(logical.BaseSchema, ref r, depth);
                break;
            case RecordSchema record:
                foreach (var field in record.Fields)
                {
                    Walk(field.Schema, ref r, depth + 1);
                }
                break;
            case UnionSchema union:
                Walk(union.Schemas[r.Index(union.Count, "union")], ref r, depth + 1);
                break;
            case ArraySchema array:
                for (var n = r.NextBlock(); n > 0; n = r.NextBlock())
                {
                    for (var i = 0; i < n; i++)
                    {
                        Walk(array.ItemSchema, ref r, depth + 1);
                    }
                }
                break;
            case MapSchema map:
                for (var n = r.NextBlock(); n > 0; n = r.NextBlock())
                {
                    for (var i = 0; i < n; i++)
                    {
                        r.SkipLengthPrefixed();
                        Walk(map.ValueSchema, ref r, depth + 1);
                    }
                }
                break;
            case EnumSchema e:
                r.Index(e.Count, e.Name);
                break;
            case FixedSchema fixedSchema:
                r.Skip(fixedSchema.Size);
                break;
            default:
                Primitive(schema.Tag, ref r);
                break;
        }
    }

    private static void Primitive(Schema.Type type, ref AvroReader r)
    {
        switch (type)
        {
            case Schema.Type.Null:
                break;
            case Schema.Type.Boolean:
                r.Flag();
                break;
            case Schema.Type.Int:
                r.Number32();
                break;
            case Schema.Type.Long:
                r.Number();
                break;
            case Schema.Type.Float:
                r.Skip(4);
                break;
            case Schema.Type.Double:
                r.Skip(8);
                break;
            case Schema.Type.String:
            case Schema.Type.Bytes:
                r.SkipLengthPrefixed();
                break;
            default:
                throw new AvroException($"a schema of type {type} where a value was expected");
        }
    }
}
