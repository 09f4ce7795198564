namespace RpoStreams.Contracts;

/// <summary>Files a client's settings name (certificates, keys), checked at start-up.</summary>
public static class SettingFiles
{
    /// <summary>One line naming the setting for each of <paramref name="files"/> that is set and not there.</summary>
    public static IEnumerable<string> Missing(string section, params (string Name, string? Path)[] files) =>
        files.Where(f => !string.IsNullOrWhiteSpace(f.Path) && !File.Exists(f.Path)).Select(f => $"{section}:{f.Name} '{f.Path}' does not exist");
}
