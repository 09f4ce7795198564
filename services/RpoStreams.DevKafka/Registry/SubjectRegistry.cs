using System.Net;
using RpoStreams.Contracts;
using RpoStreams.Contracts.Serialization;
using RpoStreams.Records;
using AvroSchema = Avro.Schema;

namespace RpoStreams.DevKafka.Registry;

/// <summary>A Schema Registry error as Confluent's REST API reports it: HTTP status, <c>error_code</c> and message.</summary>
public sealed class RegistryException(HttpStatusCode status, int errorCode, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public int ErrorCode { get; } = errorCode;
}

/// <summary>One version of a subject.</summary>
public sealed record SubjectVersion(string Subject, int Version, int Id, string Schema);

/// <summary>
/// The subjects and versions of the development Schema Registry, over a <see cref="LocalSchemaRegistry"/>
/// that gives every schema its id (derived from its Parsing Canonical Form, as the gate does without a
/// registry server), so every id here is the id the gate writes and reads. The value subjects of the
/// project's topics (<c>{topic}-value</c>, topic name strategy) start with their schema as version 1.
/// A new schema gets its id from the same derivation and never renumbers another; registering one under
/// a subject must pass FULL_TRANSITIVE against every version there (the project's rule for its
/// contract), and the compatibility level cannot be set to anything else. Schemas that differ only in
/// what the canonical form drops (docs, defaults, aliases, logical types) are one schema, with one id:
/// the same bytes on the wire.
/// </summary>
public sealed class SubjectRegistry
{
    /// <summary>The only compatibility level this registry keeps, globally and per subject.</summary>
    public const string FullTransitive = "FULL_TRANSITIVE";

    private static readonly string[] Levels = ["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", FullTransitive];

    private readonly Lock gate = new();
    private readonly SortedDictionary<string, List<int>> subjects = new(StringComparer.Ordinal);
    private readonly HashSet<string> configured = new(StringComparer.Ordinal);

    /// <summary>A registry over <paramref name="ids"/> holding the contract's subjects (none when <paramref name="empty"/>).</summary>
    public SubjectRegistry(LocalSchemaRegistry ids, bool empty = false)
    {
        Ids = ids;
        foreach (var (topic, schema) in empty ? [] : ProjectValueSchemas)
        {
            var subject = topic + "-value";
            subjects[subject] = [ids.Add(schema.ToString())];
            configured.Add(subject);
        }
    }

    /// <summary>The value schema of each topic of the contract.</summary>
    public static IReadOnlyList<(string Topic, AvroSchema Schema)> ProjectValueSchemas { get; } = [.. ContractSchemas.Inputs, .. ContractSchemas.Outputs];

    /// <summary>The registry that holds the schemas by id (shared with the gate's serdes when embedded).</summary>
    public LocalSchemaRegistry Ids { get; }

    public IReadOnlyList<string> Subjects()
    {
        lock (gate)
        {
            return [.. subjects.Keys];
        }
    }

    public IReadOnlyList<int> Versions(string subject)
    {
        lock (gate)
        {
            return [.. Enumerable.Range(1, VersionsOf(subject).Count)];
        }
    }

    /// <summary>A version by number, or <c>latest</c> (also <c>-1</c>).</summary>
    public SubjectVersion Version(string subject, string version)
    {
        lock (gate)
        {
            var versions = VersionsOf(subject);
            var number = VersionNumber(version, versions.Count);
            if (number > versions.Count)
            {
                throw new RegistryException(HttpStatusCode.NotFound, 40402, $"Version {version} not found.");
            }
            return At(subject, versions, number);
        }
    }

    /// <summary>The schema text of an id.</summary>
    public string Schema(int id) =>
        Ids.TryGetSchema(id, out var text) ? text : throw new RegistryException(HttpStatusCode.NotFound, 40403, $"Schema {id} not found");

    /// <summary>Registers a schema under a subject; the id of the schema (the existing one when the subject already has it).</summary>
    public (int Id, bool Added, int Version) Register(string subject, string schemaText)
    {
        var parsed = Parse(schemaText);
        lock (gate)
        {
            subjects.TryGetValue(subject, out var versions);
            versions ??= [];
            var canonical = Avro.SchemaNormalization.ToParsingForm(parsed);
            var id = LocalSchemaRegistry.IdOf(canonical);
            var existing = versions.IndexOf(id);
            if (existing >= 0 && Avro.SchemaNormalization.ToParsingForm(AvroSchema.Parse(Schema(id))) == canonical)
            {
                return (id, false, existing + 1);
            }
            foreach (var (version, earlier) in versions.Select((v, i) => (i + 1, v)))
            {
                if (AvroCompatibility.FullProblem(parsed, AvroSchema.Parse(Schema(earlier))) is { } problem)
                {
                    throw new RegistryException(HttpStatusCode.Conflict, 409,
                        $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\" (version {version}, compatibility {FullTransitive}): {problem}");
                }
            }
            try
            {
                id = Ids.Add(schemaText);
            }
            catch (InvalidOperationException clash)
            {
                throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42201, $"Invalid schema: {clash.Message}; rename the record to register it here");
            }
            versions.Add(id);
            subjects[subject] = versions;
            return (id, true, versions.Count);
        }
    }

    /// <summary>The version of a subject that holds this schema.</summary>
    public SubjectVersion Lookup(string subject, string schemaText)
    {
        var parsed = Parse(schemaText);
        lock (gate)
        {
            var versions = VersionsOf(subject);
            var index = versions.IndexOf(LocalSchemaRegistry.IdOf(Avro.SchemaNormalization.ToParsingForm(parsed)));
            return index < 0
                ? throw new RegistryException(HttpStatusCode.NotFound, 40403, "Schema not found")
                : At(subject, versions, index + 1);
        }
    }

    /// <summary>Problems of a schema against one version of a subject (<c>latest</c>: against every version, the transitive rule); empty when compatible.</summary>
    public IReadOnlyList<string> Compatibility(string subject, string? version, string schemaText)
    {
        var parsed = Parse(schemaText);
        lock (gate)
        {
            var versions = VersionsOf(subject);
            IEnumerable<int> against = Enumerable.Range(1, versions.Count);
            if (version is not null && version != "latest" && version != "-1")
            {
                var number = VersionNumber(version, versions.Count);
                if (number > versions.Count)
                {
                    throw new RegistryException(HttpStatusCode.NotFound, 40402, $"Version {version} not found.");
                }
                against = [number];
            }
            return
            [
                .. against.Select(v => (v, Problem: AvroCompatibility.FullProblem(parsed, AvroSchema.Parse(Schema(versions[v - 1])))))
                    .Where(x => x.Problem is not null)
                    .Select(x => $"version {x.v}: {x.Problem}"),
            ];
        }
    }

    /// <summary>The compatibility level of a subject, or null when it has none of its own.</summary>
    public string? SubjectLevel(string subject)
    {
        lock (gate)
        {
            return configured.Contains(subject) ? FullTransitive : null;
        }
    }

    /// <summary>Sets the level (globally when <paramref name="subject"/> is null): only FULL_TRANSITIVE is accepted.</summary>
    public string SetLevel(string? subject, string? level)
    {
        if (level is null || !Levels.Contains(level, StringComparer.Ordinal))
        {
            throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42203, $"Invalid compatibility level '{level}'; valid levels are {string.Join(", ", Levels)}");
        }
        if (level != FullTransitive)
        {
            throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42203,
                $"This development registry keeps the project's rule, {FullTransitive}, for every subject; it does not accept {level} (with @kafkajs/confluent-schema-registry, register with {{ compatibility: COMPATIBILITY.FULL_TRANSITIVE }})");
        }
        if (subject is not null)
        {
            lock (gate)
            {
                configured.Add(subject);
            }
        }
        return level;
    }

    private List<int> VersionsOf(string subject) =>
        subjects.TryGetValue(subject, out var versions) && versions.Count > 0
            ? versions
            : throw new RegistryException(HttpStatusCode.NotFound, 40401, $"Subject '{subject}' not found.");

    private SubjectVersion At(string subject, List<int> versions, int number) => new(subject, number, versions[number - 1], Schema(versions[number - 1]));

    private static int VersionNumber(string version, int latest)
    {
        if (version is "latest" or "-1")
        {
            return latest;
        }
        return int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= 1
            ? number
            : throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42202,
                $"The specified version '{version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private static AvroSchema Parse(string? schemaText)
    {
        if (string.IsNullOrWhiteSpace(schemaText))
        {
            throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42201, "Invalid schema: the request has no schema");
        }
        try
        {
            return AvroSchema.Parse(schemaText);
        }
        catch (Exception e) when (e is Avro.AvroException or Newtonsoft.Json.JsonException or ArgumentException)
        {
            throw new RegistryException(HttpStatusCode.UnprocessableEntity, 42201, $"Invalid schema: {e.Message}");
        }
    }
}
