using Confluent.SchemaRegistry;

namespace RpoStreams.Contracts.Serialization;

/// <summary>A writer schema looked up by id, with the registry's two ways to fail told apart.</summary>
public static class SchemaLookup
{
    /// <summary>
    /// The schema of <paramref name="id"/>. The registry not knowing it (<see cref="IsUnknown"/>) is thrown as the registry
    /// threw it; any other failure as <see cref="SchemaRegistryUnreachableException"/>.
    /// </summary>
    public static Schema Get(ISchemaRegistryClient registry, int id)
    {
        try
        {
            return registry.GetSchemaAsync(id).ConfigureAwait(false).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException && !IsUnknown(e))
        {
            throw new SchemaRegistryUnreachableException(id, e);
        }
    }

    /// <summary>
    /// Whether the registry said it does not know the id (a 404): the record's fault, a dead letter. A registry that cannot
    /// be reached is not, so that error stops the task (it retries after a restart) rather than dead-letter good input.
    /// </summary>
    public static bool IsUnknown(Exception e) =>
        Innermost(e) is SchemaRegistryException { Status: System.Net.HttpStatusCode.NotFound }
        || (e is AggregateException a && a.InnerExceptions.All(IsUnknown));

    internal static Exception Innermost(Exception e)
    {
        while (e.InnerException != null)
        {
            e = e.InnerException;
        }
        return e;
    }
}

/// <summary>
/// The registry could not be asked for a schema (unreachable, failing, timed out): not the record's fault, so whoever
/// reads records lets it stop the task, which reads the record again after a restart, rather than dead-letter good input.
/// </summary>
public sealed class SchemaRegistryUnreachableException(int schemaId, Exception inner)
    : Exception($"the schema registry could not be asked for schema id {schemaId}: {inner.Message}", inner)
{
    public int SchemaId { get; } = schemaId;
}
