namespace RpoStreams.Integration.Tests;

/// <summary>A new directory under the system's temporary folder, deleted (with what it holds) when disposed.</summary>
internal sealed class TempDirectory(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
