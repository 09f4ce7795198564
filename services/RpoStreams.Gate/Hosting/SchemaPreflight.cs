using Confluent.SchemaRegistry;
using RpoStreams.Gate.Topology;

namespace RpoStreams.Gate.Hosting;

/// <summary>
/// Whether a Schema Registry holds every schema the gate writes (<see cref="GateSchemas"/>) under its subject, and
/// optionally registers those it lacks: what <c>rpo schemas</c> prints, and what the gate checks before it starts
/// when <c>SchemaRegistry:AutoRegisterSchemas</c> is false (else its first write of a missing one would stop the
/// stream, perhaps hours later).
/// </summary>
public static class SchemaPreflight
{
    /// <summary>How long the gate waits for the lookups at start-up (the client tries each URL up to three times, 30 s each).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>A subject's state: its schema's id there, or why it has none.</summary>
    public sealed record Subject(string Name, int? Id, bool RegisteredNow, string? Problem)
    {
        public bool Ready => Id is not null;

        public override string ToString() =>
            Id is { } id ? $"{Name} id {id}{(RegisteredNow ? " (registered now)" : string.Empty)}" : $"{Name} {Problem}";
    }

    /// <summary>
    /// Looks up the subject of each of <paramref name="schemas"/> (and registers a missing one when
    /// <paramref name="register"/>); an unreachable registry throws.
    /// </summary>
    public static async Task<IReadOnlyList<Subject>> CheckAsync(ISchemaRegistryClient registry, IEnumerable<(string Topic, Avro.Schema Schema)> schemas, bool register)
    {
        var subjects = new List<Subject>();
        foreach (var (topic, avro) in schemas)
        {
            var name = GateSchemas.SubjectOf(topic);
            var schema = new Schema(avro.ToString(), SchemaType.Avro);
            try
            {
                subjects.Add(new(name, (await registry.LookupSchemaAsync(name, schema, ignoreDeletedSchemas: true)).Id, false, null));
                continue;
            }
            catch (SchemaRegistryException e) when (e.ErrorCode is 40401 or 40403)
            {
                if (!register)
                {
                    subjects.Add(new(name, null, false, e.ErrorCode == 40401 ? "missing (no such subject)" : "missing (the subject lacks this schema)"));
                    continue;
                }
            }
            try
            {
                subjects.Add(new(name, await registry.RegisterSchemaAsync(name, schema), true, null));
            }
            catch (SchemaRegistryException e)
            {
                subjects.Add(new(name, null, false, $"refused ({Refusal(e)})"));
            }
        }
        return subjects;
    }

    /// <summary>What went wrong with the lookups, after the registry's URL: a refusal (authentication, say) or no answer.</summary>
    public static string Failure(Exception e) => e switch
    {
        SchemaRegistryException refused => $"refused the schema lookups ({Refusal(refused)})",
        TimeoutException => $"did not answer the schema lookups within {Timeout.TotalSeconds:0} s",
        _ => $"did not answer the schema lookups: {Contracts.LogSafe.Text(e.Message)}",
    };

    private static string Refusal(SchemaRegistryException e) => $"HTTP {(int)e.Status}: {Contracts.LogSafe.Text(e.Message)}";

    /// <summary>The gate's start-up line when a subject is not ready, else null.</summary>
    public static string? Problem(IReadOnlyList<Subject> subjects, string url)
    {
        var missing = subjects.Where(s => !s.Ready).Select(s => s.Name).ToList();
        return missing.Count == 0
            ? null
            : $"SchemaRegistry:AutoRegisterSchemas is false but the registry at {url} lacks {missing.Count} of the {subjects.Count} subjects the gate writes " +
              $"({string.Join(", ", missing)}): register them with `rpo schemas --register`, or set SchemaRegistry__AutoRegisterSchemas=true";
    }
}
