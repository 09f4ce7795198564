using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Confluent.SchemaRegistry;
using AvroSchema = Avro.Schema;

namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// A schema registry that lives in the process, built from schemas/ (embedded), for running without a
/// Schema Registry server. Every schema's id is derived from its Parsing Canonical Form, so every
/// process, on every machine, gives the same schema the same id and adding a schema never renumbers
/// the others. It knows only the schemas it was built with: unknown ids and unknown schemas are
/// errors, as they would be on a real registry. Safe for concurrent use: the development Schema Registry
/// endpoint (RpoStreams.DevKafka) adds schemas while the gate's serdes read it.
/// </summary>
public sealed class LocalSchemaRegistry : ISchemaRegistryClient
{
    private readonly ConcurrentDictionary<int, Entry> byId = new();
    private readonly ConcurrentDictionary<string, Entry> byCanonicalForm = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, Task<Schema>> schemaTasks = new();
    private readonly Lock adding = new();
    // The contract evolves under FULL_TRANSITIVE: new fields are optional with a default (see docs/reliability.md).
    private Compatibility compatibility = Compatibility.FullTransitive;

    private sealed record Entry(int Id, string FullName, string SchemaString, string CanonicalForm);

    /// <summary>Builds the registry from every schema embedded from schemas/.</summary>
    public LocalSchemaRegistry() : this(EmbeddedSchemas.All.Values)
    {
    }

    /// <summary>Builds the registry from the given schema texts (tests add future versions this way).</summary>
    public LocalSchemaRegistry(IEnumerable<string> schemaTexts)
    {
        foreach (var text in schemaTexts)
        {
            Add(text);
        }
    }

    /// <summary>Adds one schema and returns its id (the known id when its canonical form is already here; never renumbers).</summary>
    public int Add(string schemaText)
    {
        var parsed = AvroSchema.Parse(schemaText);
        var canonical = Avro.SchemaNormalization.ToParsingForm(parsed);
        lock (adding)
        {
            if (byCanonicalForm.TryGetValue(canonical, out var known))
            {
                return known.Id;
            }
            var id = IdOf(canonical);
            if (byId.TryGetValue(id, out var clash))
            {
                throw new InvalidOperationException($"schemas {clash.FullName} and {parsed.Fullname} hash to the same id {id}");
            }
            var entry = new Entry(id, parsed.Fullname, parsed.ToString(), canonical);
            // Readers look ids up without the lock: the schema is published under its id last.
            schemaTasks[id] = Task.FromResult(new Schema(entry.SchemaString, SchemaType.Avro));
            byCanonicalForm[canonical] = entry;
            byId[id] = entry;
            return id;
        }
    }

    /// <summary>The schema text of <paramref name="id"/>, when this registry knows it.</summary>
    public bool TryGetSchema(int id, out string schemaText)
    {
        schemaText = byId.TryGetValue(id, out var entry) ? entry.SchemaString : string.Empty;
        return entry is not null;
    }

    /// <summary>The id this registry gives a schema: 31 bits of the SHA-256 of its canonical form, never 0.</summary>
    public static int IdOf(string canonicalForm)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonicalForm));
        var id = (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash) & 0x7FFF_FFFF);
        return id == 0 ? 1 : id;
    }

    public IEnumerable<KeyValuePair<string, string>> Config { get; } = new Dictionary<string, string> { ["schema.registry.url"] = "local:schemas" };

    public IAuthenticationHeaderValueProvider? AuthHeaderProvider => null;

    public IWebProxy? Proxy => null;

    public int MaxCachedSchemas => 1000;

    public Task<RegisteredSchema> LookupSchemaAsync(string subject, Schema schema, bool ignoreDeletedSchemas, bool normalize = false)
    {
        var entry = Find(schema.SchemaString);
        return Task.FromResult(new RegisteredSchema(subject, 1, entry.Id, entry.SchemaString, SchemaType.Avro, []));
    }

    public Task<int> RegisterSchemaAsync(string subject, Schema schema, bool normalize = false) =>
        Task.FromResult(Find(schema.SchemaString).Id);

    [Obsolete("Superseded by RegisterSchemaAsync(string, Schema, bool)")]
    public Task<int> RegisterSchemaAsync(string subject, string avroSchema, bool normalize = false) =>
        Task.FromResult(Find(avroSchema).Id);

    public Task<RegisteredSchema> RegisterSchemaWithResponseAsync(string subject, Schema schema, bool normalize = false) =>
        LookupSchemaAsync(subject, schema, true, normalize);

    [Obsolete("Superseded by GetSchemaIdAsync(string, Schema, bool)")]
    public Task<int> GetSchemaIdAsync(string subject, string avroSchema, bool normalize = false) =>
        Task.FromResult(Find(avroSchema).Id);

    public Task<int> GetSchemaIdAsync(string subject, Schema schema, bool normalize = false) =>
        Task.FromResult(Find(schema.SchemaString).Id);

    public Task<Schema> GetSchemaAsync(int id, string? format = null) => ById(id);

    public Task<Schema> GetSchemaBySubjectAndIdAsync(string subject, int id, string? format = null) => ById(id);

    public Task<Schema> GetSchemaByGuidAsync(string guid, string? format = null) =>
        throw Unsupported("schema lookup by guid");

    public Task<RegisteredSchema> GetRegisteredSchemaAsync(string subject, int version, bool ignoreDeletedSchemas = true) =>
        throw Unsupported("subject versions");

    [Obsolete("Superseded by GetRegisteredSchemaAsync(string subject, int version).")]
    public Task<string> GetSchemaAsync(string subject, int version) => throw Unsupported("subject versions");

    public Task<RegisteredSchema> GetLatestSchemaAsync(string subject) => throw Unsupported("latest schema of a subject");

    public Task<RegisteredSchema> GetLatestWithMetadataAsync(string subject, IDictionary<string, string> metadata, bool ignoreDeletedSchemas) =>
        throw Unsupported("schema metadata");

    public Task<List<string>> GetAllSubjectsAsync() => Task.FromResult(new List<string>());

    public Task<List<int>> GetSubjectVersionsAsync(string subject) => Task.FromResult(new List<int>());

    [Obsolete("Superseded by IsCompatibleAsync(string, Schema)")]
    public Task<bool> IsCompatibleAsync(string subject, string avroSchema) => Task.FromResult(byCanonicalForm.ContainsKey(Canonical(avroSchema)));

    public Task<bool> IsCompatibleAsync(string subject, Schema schema) => Task.FromResult(byCanonicalForm.ContainsKey(Canonical(schema.SchemaString)));

    [Obsolete("SubjectNameStrategy should now be specified via serializer configuration.")]
    public string ConstructKeySubjectName(string topic, string? recordType = null) => topic + "-key";

    [Obsolete("SubjectNameStrategy should now be specified via serializer configuration.")]
    public string ConstructValueSubjectName(string topic, string? recordType = null) => topic + "-value";

    public Task<Compatibility> GetCompatibilityAsync(string? subject = null) => Task.FromResult(compatibility);

    public Task<Compatibility> UpdateCompatibilityAsync(Compatibility compatibility, string? subject = null)
    {
        this.compatibility = compatibility;
        return Task.FromResult(compatibility);
    }

    public void ClearLatestCaches()
    {
    }

    public void ClearCaches()
    {
    }

    public Task<List<Association>> GetAssociationsByResourceNameAsync(string resourceName, string resourceNamespace, string resourceType, List<string> associationTypes, string lifecycle, int offset, int limit) =>
        Task.FromResult(new List<Association>());

    public Task<AssociationResponse> CreateAssociationAsync(AssociationCreateOrUpdateRequest request) => throw Unsupported("associations");

    public Task DeleteAssociationsAsync(string resourceId, string resourceType, List<string> associationTypes, bool cascadeLifecycle) =>
        throw Unsupported("associations");

    public void Dispose()
    {
    }

    private Task<Schema> ById(int id) =>
        schemaTasks.TryGetValue(id, out var task)
            ? task
            : Task.FromException<Schema>(new SchemaRegistryException($"unknown schema id {id}", HttpStatusCode.NotFound, 40403));

    private Entry Find(string schemaText)
    {
        var canonical = Canonical(schemaText);
        return byCanonicalForm.TryGetValue(canonical, out var entry)
            ? entry
            : throw new SchemaRegistryException(
                $"schema {AvroSchema.Parse(schemaText).Fullname} is not among the schemas of schemas/; set SchemaRegistry:Url to use a Schema Registry",
                HttpStatusCode.NotFound, 40403);
    }

    private static string Canonical(string schemaText) => Avro.SchemaNormalization.ToParsingForm(AvroSchema.Parse(schemaText));

    private static NotSupportedException Unsupported(string what) =>
        new($"the local schema registry does not support {what}; set SchemaRegistry:Url to use a Schema Registry");
}
