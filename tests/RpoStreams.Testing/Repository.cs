namespace RpoStreams.Testing;

/// <summary>The repository the tests run from: the directory holding RpoStreams.sln, above the test assembly.</summary>
public static class Repository
{
    /// <summary>The repository's root directory.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RpoStreams.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no RpoStreams.sln above {AppContext.BaseDirectory}");
    }
}
