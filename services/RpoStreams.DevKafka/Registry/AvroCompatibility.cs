using Avro;

namespace RpoStreams.DevKafka.Registry;

/// <summary>
/// Whether data written with one Avro schema can be read with another, by the resolution rules of the
/// Avro specification (what Confluent's Schema Registry checks). Apache.Avro's own <c>Schema.CanRead</c>
/// is not used: it lets a reader miss enum symbols and union branches the writer can write, and it
/// refuses a <c>timestamp-millis</c> long against a plain long, which resolution allows (logical types
/// do not change the encoding).
/// </summary>
public static class AvroCompatibility
{
    /// <summary>Both ways: the new schema reads the old one's data and the old one reads the new one's.</summary>
    public static string? FullProblem(Schema next, Schema previous) =>
        ReadProblem(next, previous) is { } backward ? $"the new schema cannot read data written with the earlier one: {backward}"
        : ReadProblem(previous, next) is { } forward ? $"the earlier schema cannot read data written with the new one: {forward}"
        : null;

    /// <summary>Null when <paramref name="reader"/> can read what <paramref name="writer"/> writes; else what stops it.</summary>
    public static string? ReadProblem(Schema reader, Schema writer) => new Resolver().Problem(reader, writer, "");

    private sealed class Resolver
    {
        // Named types may be recursive: a pair being checked is assumed readable until shown otherwise.
        private readonly HashSet<(Schema, Schema)> inProgress = new(new PairComparer());

        public string? Problem(Schema reader, Schema writer, string path)
        {
            reader = Plain(reader);
            writer = Plain(writer);
            if (writer is UnionSchema writerUnion)
            {
                // Every branch the writer may write must be readable.
                foreach (var branch in writerUnion.Schemas)
                {
                    if (Problem(reader, branch, path) is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            }
            if (reader is UnionSchema readerUnion)
            {
                return readerUnion.Schemas.Any(branch => Problem(branch, writer, path) is null)
                    ? null
                    : $"{At(path)}no branch of the reader's union reads a {Describe(writer)}";
            }
            if (!inProgress.Add((reader, writer)))
            {
                return null;
            }
            try
            {
                return (reader, writer) switch
                {
                    (RecordSchema r, RecordSchema w) => Records(r, w, path),
                    (EnumSchema r, EnumSchema w) => Enums(r, w, path),
                    (FixedSchema r, FixedSchema w) => r.Name != w.Name || r.Size != w.Size
                        ? $"{At(path)}fixed {w.Fullname}({w.Size}) cannot be read as fixed {r.Fullname}({r.Size})"
                        : null,
                    (ArraySchema r, ArraySchema w) => Problem(r.ItemSchema, w.ItemSchema, path + "[]"),
                    (MapSchema r, MapSchema w) => Problem(r.ValueSchema, w.ValueSchema, path + "{}"),
                    _ when Promotes(writer.Tag, reader.Tag) => null,
                    _ => $"{At(path)}a {Describe(writer)} cannot be read as a {Describe(reader)}",
                };
            }
            finally
            {
                inProgress.Remove((reader, writer));
            }
        }

        private string? Records(RecordSchema reader, RecordSchema writer, string path)
        {
            if (reader.Name != writer.Name)
            {
                return $"{At(path)}record {writer.Fullname} cannot be read as record {reader.Fullname} (names differ)";
            }
            foreach (var field in reader.Fields)
            {
                var written = writer.Fields.FirstOrDefault(f => f.Name == field.Name)
                    ?? writer.Fields.FirstOrDefault(f => field.Aliases?.Contains(f.Name) == true);
                var fieldPath = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
                if (written is null)
                {
                    if (field.DefaultValue is null)
                    {
                        return $"field '{fieldPath}' of {reader.Fullname} has no default and the writer does not have it";
                    }
                    continue;
                }
                if (Problem(field.Schema, written.Schema, fieldPath) is { } problem)
                {
                    return problem;
                }
            }
            return null;
        }

        private static string? Enums(EnumSchema reader, EnumSchema writer, string path)
        {
            if (reader.Name != writer.Name)
            {
                return $"{At(path)}enum {writer.Fullname} cannot be read as enum {reader.Fullname} (names differ)";
            }
            var missing = writer.Symbols.Where(s => !reader.Symbols.Contains(s)).ToList();
            return missing.Count > 0 && reader.Default is null
                ? $"{At(path)}enum {reader.Fullname} lacks the symbols {string.Join(", ", missing)} and has no default"
                : null;
        }
    }

    /// <summary>A logical type is read by its underlying type.</summary>
    private static Schema Plain(Schema schema) => schema is LogicalSchema logical ? logical.BaseSchema : schema;

    /// <summary>Same primitive, or one of the specification's promotions.</summary>
    private static bool Promotes(Schema.Type writer, Schema.Type reader) =>
        writer == reader && writer is Schema.Type.Null or Schema.Type.Boolean or Schema.Type.Int or Schema.Type.Long
            or Schema.Type.Float or Schema.Type.Double or Schema.Type.Bytes or Schema.Type.String
        || (writer, reader) is (Schema.Type.Int, Schema.Type.Long or Schema.Type.Float or Schema.Type.Double)
            or (Schema.Type.Long, Schema.Type.Float or Schema.Type.Double)
            or (Schema.Type.Float, Schema.Type.Double)
            or (Schema.Type.String, Schema.Type.Bytes)
            or (Schema.Type.Bytes, Schema.Type.String);

    private static string Describe(Schema schema) => schema is NamedSchema named ? $"{schema.Tag.ToString().ToLowerInvariant()} {named.Fullname}" : schema.Tag.ToString().ToLowerInvariant();

    private static string At(string path) => path.Length == 0 ? string.Empty : $"field '{path}': ";

    private sealed class PairComparer : IEqualityComparer<(Schema, Schema)>
    {
        public bool Equals((Schema, Schema) x, (Schema, Schema) y) => ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);

        public int GetHashCode((Schema, Schema) pair) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(pair.Item1), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(pair.Item2));
    }
}
