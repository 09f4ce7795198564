namespace RpoStreams.Contracts.Serialization;

/// <summary>The .avsc files of schemas/, embedded in this assembly at build time.</summary>
public static class EmbeddedSchemas
{
    /// <summary>Schema text by resource name (for example <c>schemas/CallIntent.avsc</c>).</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = Load();

    private static Dictionary<string, string> Load()
    {
        var assembly = typeof(EmbeddedSchemas).Assembly;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".avsc", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"embedded schema {name} cannot be read");
            using var reader = new StreamReader(stream);
            result[name] = reader.ReadToEnd();
        }
        return result;
    }
}
