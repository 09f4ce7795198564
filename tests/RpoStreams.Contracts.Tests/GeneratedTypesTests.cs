using RpoStreams.SchemaGen;

namespace RpoStreams.Contracts.Tests;

public class GeneratedTypesTests
{
    [Fact]
    public void Committed_types_are_what_the_generator_makes_from_the_schemas()
    {
        var root = AvroTypeGenerator.FindRepoRoot(AppContext.BaseDirectory);
        var expected = AvroTypeGenerator.Generate(Path.Combine(root, "schemas"));
        var folder = Path.Combine(root, AvroTypeGenerator.OutputFolder);
        var committed = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllText);

        var missing = expected.Keys.Except(committed.Keys).ToList();
        var extra = committed.Keys.Except(expected.Keys).ToList();
        var stale = expected.Keys.Intersect(committed.Keys).Where(k => expected[k] != committed[k]).ToList();

        Assert.True(missing.Count + extra.Count + stale.Count == 0,
            $"generated types differ from schemas/ (run `dotnet run --project tools/RpoStreams.SchemaGen`): missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}], stale [{string.Join(", ", stale)}]");
    }
}
