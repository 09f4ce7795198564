using System.Diagnostics;
using System.Text.RegularExpressions;
using RpoStreams.Testing;

namespace RpoStreams.Interop.Tests;

/// <summary>
/// docs/integration.md shows a dialer team the calls the interop test makes: its JavaScript example uses
/// only calls and options the tested script (tests/interop-js/dialer.js) uses, and it and the Python
/// example are valid code.
/// </summary>
public sealed partial class IntegrationDocTests
{
    private static readonly string Root = Repository.Root;
    private static readonly string Doc = File.ReadAllText(Path.Combine(Root, "docs", "integration.md"));
    private static readonly string Script = File.ReadAllText(Path.Combine(Root, "tests", "interop-js", "dialer.js"));

    [Fact]
    public void The_JavaScript_example_makes_only_calls_the_interop_script_makes()
    {
        var example = Block("js");
        var calls = Call().Matches(example).Select(m => m.Value).Distinct().ToList();
        var options = Option().Matches(example).Select(m => m.Value).Distinct().ToList();

        Assert.Contains("registry.getRegistryIdBySchema(", calls);
        Assert.Contains("Partitioners.DefaultPartitioner", example, StringComparison.Ordinal);
        var missing = calls.Concat(options).Where(token => !Script.Contains(token, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"the example uses what tests/interop-js/dialer.js does not: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task The_JavaScript_and_Python_examples_are_valid_code()
    {
        var folder = Directory.CreateTempSubdirectory("rpo-doc-examples-").FullName;
        try
        {
            var js = Path.Combine(folder, "example.js");
            await File.WriteAllTextAsync(js, "(async () => {\nconst BOOTSTRAP = '', REGISTRY_URL = '', INSTANCE = '';\n" + Block("js") + "\n})();\n", TestContext.Current.CancellationToken);
            var py = Path.Combine(folder, "example.py");
            await File.WriteAllTextAsync(py, Block("python"), TestContext.Current.CancellationToken);

            if (OnPath("node") is { } node)
            {
                await AssertRunsAsync(node, ["--check", js]);
            }
            Assert.SkipWhen(OnPath("python3") is null, "python3 is not on PATH; the Python example was not compiled");
            await AssertRunsAsync(OnPath("python3")!, ["-m", "py_compile", py]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The first fenced block of a language in docs/integration.md.</summary>
    private static string Block(string language)
    {
        var match = Regex.Match(Doc, $"```{language}\\n(.*?)```", RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/integration.md has no ```{language} block");
        return match.Groups[1].Value;
    }

    private static async Task AssertRunsAsync(string program, string[] arguments)
    {
        var info = new ProcessStartInfo(program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var what = $"{Path.GetFileName(program)} {string.Join(' ', arguments)}";
        var run = await ProcessRun.RunAsync(info, TimeSpan.FromSeconds(60), what, TestContext.Current.CancellationToken);
        Assert.True(run.ExitCode == 0, $"{what}: {run.Stderr}");
    }

    /// <summary>Method calls on a client or library object: <c>registry.encode(</c>, <c>kafka.producer(</c>, <c>require(</c>.</summary>
    [GeneratedRegex(@"(?<![\w.])(?:registry|kafka|producer|consumer|require|Partitioners)\b(?:\.\w+)*\(|\.(?:getRegistryIdBySchema|encode|decode|send|subscribe|run|connect)\(")]
    private static partial Regex Call();

    /// <summary>Client options in object literals: <c>idempotent: false</c>, <c>readUncommitted: false</c>, <c>fromBeginning: true</c>.</summary>
    [GeneratedRegex(@"\b(?:idempotent|readUncommitted|fromBeginning|createPartitioner|type): [\w.]+")]
    private static partial Regex Option();

    private static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
