using System.Text.RegularExpressions;
using RpoStreams.Gate.Hosting;
using RpoStreams.Testing;

namespace RpoStreams.Integration.Tests;

/// <summary>The gates the tests start get the image's allocator (tcmalloc) unless something else is preloaded.</summary>
public sealed class NativeAllocatorTests
{
    [Fact]
    public void A_child_gets_tcmalloc_unless_its_environment_preloads_something_else()
    {
        Assert.SkipWhen(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LD_PRELOAD")), "the test process itself has LD_PRELOAD set");
        var installed = NativeAllocator.Installed();
        Assert.True(installed is not null, $"{NativeAllocator.Library} is not installed: run scripts/install-test-prerequisites.sh");

        var plain = new Dictionary<string, string?>();
        Assert.True(NativeAllocator.Preload(plain));
        Assert.Equal(installed, plain["LD_PRELOAD"]);

        var other = new Dictionary<string, string?> { ["LD_PRELOAD"] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2" };
        Assert.False(NativeAllocator.Preload(other));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", other["LD_PRELOAD"]);
    }

    /// <summary>The scripts find tcmalloc with scripts/tcmalloc-path.sh, the tests and the benchmark with this class: the same places, in the same order.</summary>
    [Fact]
    public void The_scripts_look_for_tcmalloc_where_the_code_does()
    {
        var script = File.ReadAllText(Path.Combine(Repository.Root, "scripts", "tcmalloc-path.sh"));
        var loop = Regex.Match(script, @"^for d in ([^;]+);", RegexOptions.Multiline);
        Assert.True(loop.Success, "scripts/tcmalloc-path.sh has no 'for d in ...;' loop");
        Assert.Equal(NativeAllocator.Directories, loop.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"$d/{NativeAllocator.Library}", script, StringComparison.Ordinal);
    }

    [Fact]
    public void A_process_without_a_preload_says_it_runs_on_the_C_librarys_malloc()
    {
        Assert.SkipWhen(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LD_PRELOAD")), "the test process itself has LD_PRELOAD set");
        Assert.Equal("the C library's malloc", NativeAllocator.InThisProcess());
    }
}
