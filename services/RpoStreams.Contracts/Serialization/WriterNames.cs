using System.Text.Json.Nodes;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// A writer schema under the reader's names. Avro's compatibility check (Java's, and so a Schema Registry's) matches
/// named types by their short names, so a producer may register the gate's schemas in a namespace of its own (code
/// generated as <c>com.dialer.avro.CallIntent</c>, say); Apache.Avro's resolving reader matches full names and refused
/// such records. Every named type of the writer whose short name is one of the reader's takes the reader's full name;
/// the others keep theirs, written out in full.
/// </summary>
public static class WriterNames
{
    private static readonly HashSet<string> Primitives = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

    /// <summary>The short name of an Avro full name (<c>a.b.C</c> → <c>C</c>).</summary>
    public static string ShortName(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];

    public static Avro.Schema Aligned(Avro.Schema writer, Avro.Schema reader)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        Collect(JsonNode.Parse(reader.ToString()), "", names);
        var json = JsonNode.Parse(writer.ToString());
        return Avro.Schema.Parse(Rename(json, "", names)!.ToJsonString());
    }

    private static void Collect(JsonNode? node, string space, Dictionary<string, string> names)
    {
        Walk(node, space, (full, _) =>
        {
            names.TryAdd(ShortName(full), full);
            return full;
        });
    }

    private static JsonNode? Rename(JsonNode? node, string space, Dictionary<string, string> names) =>
        Walk(node, space, (full, _) => names.TryGetValue(ShortName(full), out var ours) ? ours : full);

    /// <summary>Visits every name a schema defines or refers to, fully qualified, and writes back what <paramref name="name"/> gives.</summary>
    private static JsonNode? Walk(JsonNode? node, string space, Func<string, string, string> name)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                return Primitives.Contains(text) ? node : JsonValue.Create(name(Qualified(text, space), space));
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
                    schema["name"] = name(full, space);
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
