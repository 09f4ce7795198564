using System.Text.Json.Nodes;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// A writer schema under the reader's names. Avro's compatibility check (Java's, and so a Schema Registry's) matches
/// named types by their short names, so a producer may register the gate's schemas in a namespace of its own (code
/// generated as <c>com.dialer.avro.CallIntent</c>, say); Apache.Avro's resolving reader matches full names and refused
/// such records. A named type of the writer whose short name and kind are one of the reader's takes the reader's full
/// name (unless that would make two types of one name); the others keep theirs, written out in full.
/// </summary>
public static class WriterNames
{
    private static readonly HashSet<string> Primitives = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

    /// <summary>The short name of an Avro full name (<c>a.b.C</c> → <c>C</c>).</summary>
    public static string ShortName(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];

    public static Avro.Schema Aligned(Avro.Schema writer, Avro.Schema reader)
    {
        var ours = new Dictionary<string, (string Full, string Kind)>(StringComparer.Ordinal);
        Walk(JsonNode.Parse(reader.ToString()), "", (full, kind) =>
        {
            if (kind is not null)
            {
                ours.TryAdd(ShortName(full), (full, kind));
            }
            return full;
        });
        var theirs = new List<(string Full, string Kind)>();
        Walk(JsonNode.Parse(writer.ToString()), "", (full, kind) =>
        {
            if (kind is not null)
            {
                theirs.Add((full, kind));
            }
            return full;
        });
        // Renamed: a type of the same kind as the reader's namesake, the writer's only one of that short name and kind,
        // whose new name no other writer type has (a writer's own type of another kind with one of our names stays).
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (full, kind) in theirs)
        {
            var name = ShortName(full);
            if (ours.TryGetValue(name, out var our) && our.Kind == kind && our.Full != full
                && theirs.Count(t => ShortName(t.Full) == name && t.Kind == kind) == 1 && theirs.All(t => t.Full != our.Full))
            {
                renames[full] = our.Full;
            }
        }
        if (renames.Count == 0)
        {
            return writer;
        }
        try
        {
            var json = Walk(JsonNode.Parse(writer.ToString()), "", (full, _) => renames.GetValueOrDefault(full, full));
            return Avro.Schema.Parse(json!.ToJsonString());
        }
        catch (Avro.SchemaParseException)
        {
            // Not expected; the writer as it is, read as before (Avro's resolution then says what does not match).
            return writer;
        }
    }

    /// <summary>
    /// Visits every name a schema defines (with its kind: record, enum, fixed) or refers to (kind null), fully qualified,
    /// and writes back what <paramref name="name"/> gives.
    /// </summary>
    private static JsonNode? Walk(JsonNode? node, string space, Func<string, string?, string> name)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                return Primitives.Contains(text) ? node : JsonValue.Create(name(Qualified(text, space), null));
            case JsonArray union:
                for (var i = 0; i < union.Count; i++)
                {
                    union[i] = Walk(union[i]?.DeepClone(), space, name);
                }
                return union;
            case JsonObject schema:
                var type = schema["type"];
                var kind = type is JsonValue v && v.TryGetValue<string>(out var k) ? k : null;
                if (kind is "record" or "error" or "enum" or "fixed")
                {
                    var full = Qualified(schema["name"]!.GetValue<string>(), schema["namespace"]?.GetValue<string>() ?? space);
                    schema["name"] = name(full, kind == "error" ? "record" : kind);
                    schema.Remove("namespace");
                    if (schema["fields"] is JsonArray fields)
                    {
                        var inner = full.Contains('.') ? full[..full.LastIndexOf('.')] : "";
                        foreach (var field in fields.OfType<JsonObject>())
                        {
                            field["type"] = Walk(field["type"]?.DeepClone(), inner, name);
                        }
                    }
                }
                else if (kind == "array")
                {
                    schema["items"] = Walk(schema["items"]?.DeepClone(), space, name);
                }
                else if (kind == "map")
                {
                    schema["values"] = Walk(schema["values"]?.DeepClone(), space, name);
                }
                else if (kind is null && type is not null)
                {
                    schema["type"] = Walk(type.DeepClone(), space, name);
                }
                return schema;
            default:
                return node;
        }
    }

    private static string Qualified(string name, string space) => name.Contains('.') || space.Length == 0 ? name : $"{space}.{name}";
}
