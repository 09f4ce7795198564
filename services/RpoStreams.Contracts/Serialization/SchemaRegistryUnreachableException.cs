namespace RpoStreams.Contracts.Serialization;

/// <summary>
/// The registry could not be asked for a schema (unreachable, failing, timed out): not the record's fault, so whoever
/// reads records lets it stop the task, which reads the record again after a restart, rather than dead-letter good input.
/// </summary>
public sealed class SchemaRegistryUnreachableException(int schemaId, Exception inner)
    : Exception($"the schema registry could not be asked for schema id {schemaId}: {inner.Message}", inner)
{
    public int SchemaId { get; } = schemaId;
}
